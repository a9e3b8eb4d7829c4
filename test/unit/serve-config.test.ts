// The module file's validation and defaults, --listen, the scrape-timeout header, and --shard's stable hashing.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseExporterConfig, readModulePassword } from "../../src/serve/config.js";
import { scrapeTimeout } from "../../src/serve/server.js";
import { parseListen } from "../../src/cli/serve.js";
import { parseShard, selectShard, shardOf } from "../../src/run/fleet.js";

const dir = mkdtempSync(join(tmpdir(), "mta-serve-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("exporter config", () => {
  it("defaults: a lock-out-safe default module is always there; login checks join when credentials are given", () => {
    writeFileSync(join(dir, "pw"), "s3cret\n");
    const c = parseExporterConfig("modules:\n  ops:\n    credentials: { user: mon, password_file: pw }\n    policy: { minTlsVersion: TLSv1.2 }\n", join(dir, "x.yml"));
    expect([...c.modules.keys()]).toEqual(["ops", "default"]);
    expect(c.modules.get("default")).toMatchObject({ checks: ["protocols", "certificate"], maxAborted: 3, cache: 3600 });
    const ops = c.modules.get("ops")!;
    expect(ops.checks).toEqual(["protocols", "certificate", "settings", "accounts", "replication"]);
    expect(ops.credentials).toMatchObject({ user: "mon", sslMode: "REQUIRED", password: { file: join(dir, "pw") } });
    // The password is read when used (a rotated file needs no restart), with the trailing newline dropped.
    expect(readModulePassword(ops.credentials!.password)).toBe("s3cret");
    expect(JSON.stringify(ops)).not.toContain("s3cret");
    expect(ops.policy.minTlsVersion).toBe("TLSv1.2");
  });

  it("every mistake is one line naming the module and key", () => {
    const bad: [string, RegExp][] = [
      ["modules:\n  m:\n    timeout: 0\n", /modules\.m\.timeout: must be a number of seconds/],
      ["modules:\n  m:\n    max_aborted: -1\n", /modules\.m\.max_aborted: must be a whole number from 0/],
      ["modules:\n  m:\n    credentials: { user: u, password_env: NOPE_NOT_SET_ANYWHERE }\n", /password_env: the environment variable NOPE_NOT_SET_ANYWHERE is not set/],
      ["modules:\n  m:\n    credentials: { user: u, password_file: /nonexistent/pw }\n", /password_file: cannot read \/nonexistent\/pw: ENOENT/],
      ["modules:\n  m:\n    credentials: { user: u, password_env: A, password_file: b }\n", /give exactly one of password_file and password_env/],
      ["modules:\n  m:\n    credentials: { user: u, password_env: PATH, ssl_mode: DISABLED }\n", /ssl_mode: must be REQUIRED, VERIFY_CA or VERIFY_IDENTITY/],
      ["modules:\n  m:\n    policy: { minTlsVersion: TLSv9 }\n", /minTlsVersion: "TLSv9" is not one of/],
      ["modules:\n  'bad name!': {}\n", /a module name is/],
      ["modules: [a]\n", /modules: must be a mapping/],
      ["modules:\n  m: {}\n  m: {}\n", /not valid YAML/],
    ];
    for (const [yml, re] of bad) expect(() => parseExporterConfig(yml, join(dir, "x.yml")), yml).toThrow(re);
  });
});

describe("serve options", () => {
  it("--listen takes HOST:PORT and [IPv6]:PORT", () => {
    expect(parseListen("127.0.0.1:9641")).toEqual({ host: "127.0.0.1", port: 9641 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(() => parseListen("9641")).toThrow(/not HOST:PORT/);
    expect(() => parseListen("h:70000")).toThrow(/not HOST:PORT/);
  });

  it("the scrape timeout header, less half a second; garbage is refused", () => {
    expect(scrapeTimeout("10")).toBe(9.5);
    expect(scrapeTimeout(undefined)).toBe(120);
    expect(scrapeTimeout("0.2")).toBe(0.1);
    expect(scrapeTimeout("soon")).toBeUndefined();
    expect(scrapeTimeout("-1")).toBeUndefined();
  });
});

describe("--shard", () => {
  const list = Array.from({ length: 600 }, (_, i) => `db${i}.example.com:3306`);

  it("shards partition the list: every target in exactly one, roughly even", () => {
    const shards = [1, 2, 3, 4].map((k) => selectShard(list, { index: k, count: 4 }));
    expect(shards.flat().sort()).toEqual([...list].sort());
    for (const s of shards) expect(s.length).toBeGreaterThan(100);
  });

  it("a target stays in its shard when others are added or removed", () => {
    const before = new Map(list.map((t) => [t, shardOf(t, 5)]));
    const more = [...list.slice(100), ...Array.from({ length: 300 }, (_, i) => `new${i}:3306`)];
    for (const t of more) if (before.has(t)) expect(shardOf(t, 5)).toBe(before.get(t));
  });

  it("K/N is checked", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "1"]) expect(() => parseShard(bad)).toThrow(/is not K\/N/);
  });
});
