// The shipped examples are checked by Prometheus' own tool, the alert rules are unit-tested with promtool against
// the series `serve` produces, and the module file is loaded by `serve` itself; a bad module file is one line.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { requireBinary } from "../support/require-binaries.js";
import { startExporter } from "../support/exporter.js";
import { isOneLineError, runCli } from "../support/cli.js";

const run = promisify(execFile);
const ex = (f: string): string => fileURLToPath(new URL(`../../examples/${f}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mta-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shipped examples", () => {
  it("promtool check config accepts examples/prometheus.yml (and the rule file it names)", async () => {
    const r = await run(requireBinary("promtool", "prometheus"), ["check", "config", ex("prometheus.yml")]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: .*prometheus\.yml is valid/);
  });

  it("promtool check rules accepts examples/alerts.yml", async () => {
    const r = await run(requireBinary("promtool", "prometheus"), ["check", "rules", ex("alerts.yml")]);
    expect(r.stdout).toMatch(/SUCCESS: 5 rules found/);
  });

  it("promtool test rules: each alert fires on the series it is for and not on good ones", async () => {
    const file = fileURLToPath(new URL("../fixtures/prometheus/alerts.test.yml", import.meta.url));
    const r = await run(requireBinary("promtool", "prometheus"), ["test", "rules", file]);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it("serve loads examples/exporter.yml and lists its modules", async () => {
    const e = await startExporter({ config: ex("exporter.yml"), env: { MYSQL_TLS_AUDIT_PASSWORD: "not-used-here" } });
    try {
      expect(e.stderr()).toMatch(/modules: default, ciphers, login/);
      const page = await (await fetch(e.url)).text();
      expect(page).toContain("ciphers: protocols, ciphers, certificate");
    } finally {
      await e.stop();
    }
  });

  it("a module file with an unknown key, a password in it, or a login check without credentials: exit 2, one line naming it", async () => {
    const cases: [string, RegExp][] = [
      ["modules:\n  m:\n    chekcs: [protocols]\n", /modules\.m\.chekcs: unknown key \(expected one of checks,/],
      ["modules:\n  m:\n    credentials: { user: u, password: hunter2 }\n", /credentials\.password: a password is never written in the config/],
      ["modules:\n  m:\n    checks: [accounts]\n", /modules\.m\.checks: accounts need a login/],
      ["modulez: {}\n", /modulez: unknown key/],
      ["modules:\n  m:\n    checks: [protocols, cipher]\n", /checks\[1\]: "cipher" is not one of/],
    ];
    for (const [i, [yml, re]] of cases.entries()) {
      const f = join(dir, `bad${i}.yml`);
      writeFileSync(f, yml);
      const r = await runCli(["serve", "--listen", "127.0.0.1:0", "--config", f], { timeoutMs: 20_000 });
      expect(r.code, yml).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toContain("hunter2");
    }
    const r = await runCli(["serve", "--listen", "nowhere"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--listen "nowhere" is not HOST:PORT/);
  });
});
