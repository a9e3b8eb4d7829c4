// Issue 10, item 3: bounded under attack. The built CLI against servers that answer a query with a million rows,
// rows that never end, one 128 MiB value, a packet that never ends, or flood the handshake: each run ends within
// its timeouts with one line naming the cap (exit 3), and its peak RSS, measured by GNU time, stays under 256 MiB.
import { afterEach, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { requireBinary } from "../support/require-binaries.js";
import { isSslRequest, startHostile, type HostileConn, type HostileServer } from "../support/hostile/server.js";
import { rowPayload, serve, startResult, streamRows, takeHandshake, versionRow } from "../support/hostile/mysql.js";
import { framePacket } from "../support/fake-mysql/packets.js";
import type { QueryResult } from "../support/fake-mysql/result-set.js";

const TIME = requireBinary("time", "time");
const USER = "audit";
const PASSWORD = "memory-Pa55";
const RSS_CEILING_KB = 256 * 1024;
const TIMEOUT_S = 3;

let servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

/** A server that lets anyone in over clear text, answers the login's first query, then runs `hostile` for the rest. */
async function serverAnswering(hostile: (c: HostileConn, sql: string) => Promise<QueryResult | void>): Promise<HostileServer> {
  const s = await startHostile(async (c) => {
    const hr = await takeHandshake(c, { tls: false, plugin: "mysql_native_password" });
    if (!hr) return;
    await serve(c, async (sql) => {
      const v = versionRow(sql);
      if (v) return v;
      return hostile(c, sql);
    });
  });
  servers.push(s);
  return s;
}

interface Measured extends CliResult {
  maxRssKb: number;
}

/** Runs the built CLI under GNU time; its report (the last stderr line) is taken off stderr. */
async function measured(args: string[], timeoutS = TIMEOUT_S): Promise<Measured> {
  const r = await runCli([...args, "--timeout", String(timeoutS), "--connect-timeout", String(timeoutS)], {
    env: { MYSQL_PWD: PASSWORD },
    prefix: [TIME, "-f", "MAXRSS_KB=%M"],
    timeoutMs: 120_000,
  });
  const m = /MAXRSS_KB=(\d+)\s*$/.exec(r.stderr);
  expect(m, `no GNU time report in stderr: ${r.stderr}`).not.toBeNull();
  const stderr = r.stderr.slice(0, m!.index).replace(/Command exited with non-zero status \d+\n$/, "");
  console.log(`hostile-memory: ${args[0]} peak RSS ${Math.round(Number(m![1]) / 1024)} MiB, ${r.ms} ms, exit ${r.code}`);
  return { ...r, stderr, maxRssKb: Number(m![1]) };
}

/** The safe outcome: exit 3, one line naming what was beyond the cap, within the timeouts, under the RSS ceiling. */
function expectBounded(r: Measured, why: RegExp, budgetMs = 30_000): void {
  expect(r.maxRssKb, `peak RSS ${Math.round(r.maxRssKb / 1024)} MiB`).toBeLessThan(RSS_CEILING_KB);
  expect(r.ms).toBeLessThan(budgetMs);
  expect(r.code, r.stderr).toBe(3);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(why);
  expect(r.stderr).not.toMatch(/^\s+at |RangeError|heap out of memory|Unhandled/m);
}

const login = (s: HostileServer) => [`127.0.0.1:${s.port}`, "-u", USER, "--ssl-mode", "DISABLED", "--no-defaults"];

describe("a hostile server's answers stay within the caps", () => {
  it("a result of 1,000,000 rows: refused at the 100,001st row", async () => {
    // The accounts query gets the million rows; the settings query before it an empty answer.
    const s = await serverAnswering(async (c, sql) => {
      if (!/FROM mysql\.user/i.test(sql)) return { columns: ["Variable_name", "Value"], rows: [] };
      await streamRows(c, ["user", "host", "ssl_type", "ssl_cipher", "x509_issuer", "x509_subject", "plugin", "account_locked"], 1_000_000);
    });
    // Reading 100,000 rows of eight columns takes a few seconds: a read timeout that lets them arrive.
    const r = await measured(["accounts", ...login(s)], 20);
    expectBounded(r, /: SELECT .*mysql\.user.*: .*more than 100,000 rows, the most one result may have/);
  });

  it("rows that never end: refused at the row cap", async () => {
    const s = await serverAnswering((c) => streamRows(c, ["Variable_name", "Value"], Infinity));
    const r = await measured(["settings", ...login(s)], 20);
    expectBounded(r, /SHOW GLOBAL VARIABLES WHERE Variable_name IN \(.*\): .*more than 100,000 rows/);
  });

  it("in the audit, rows that never end are an error finding of the checks that log in, within the same bounds", async () => {
    const s = await serverAnswering((c) => streamRows(c, ["Variable_name", "Value"], Infinity));
    const r = await measured(["audit", ...login(s), "--json"], 20);
    expect(r.maxRssKb).toBeLessThan(RSS_CEILING_KB);
    expect(r.ms).toBeLessThan(30_000);
    const t = JSON.parse(r.stdout).targets[0];
    const settings = t.checks.find((k: { name: string }) => k.name === "settings");
    expect(settings).toMatchObject({ status: "error" });
    expect(settings.reason).toMatch(/more than 100,000 rows/);
    expect(r.stderr).not.toMatch(/^\s+at |RangeError|heap out of memory|Unhandled/m);
  });

  it("one 128 MiB value (a packet of 16 MiB or more): refused at the packet header, before anything buffers it", async () => {
    const s = await serverAnswering(async (c) => {
      startResult(c, ["Variable_name", "Value"]);
      // The row: a 0xfe length prefix announcing 128 MiB, split over 16 MiB packets as the protocol does; the
      // bytes follow as fast as the client takes them.
      c.write(Buffer.from([0xff, 0xff, 0xff, 4]));
      const chunk = Buffer.alloc(1024 * 1024, 0x41);
      for (let i = 0; i < 128 && !c.closed; i++) if (!c.write(chunk) && !(await c.drained())) return;
    });
    const r = await measured(["settings", ...login(s)]);
    expectBounded(r, /a packet of 16 MiB or more .* more than the 16 MiB a packet may be here/);
  });

  it("values over 1 MiB, and a reply over 32 MiB in rows of 900 KiB values: refused by the value and reply caps", async () => {
    const big = await serverAnswering(async (c) => {
      startResult(c, ["Variable_name", "Value"]);
      c.send(rowPayload(["ssl_cipher", "x".repeat(1024 * 1024 + 1)]));
    });
    expectBounded(await measured(["settings", ...login(big)]), /a value of 1048577 bytes, more than the 1 MiB a value may be/);
    const many = await serverAnswering((c) => {
      startResult(c, ["Variable_name", "Value"]);
      const row = rowPayload(["v", "y".repeat(900 * 1024)]);
      return (async () => {
        for (let i = 0; i < 1000 && !c.closed; i++) {
          c.send(row);
          if (!c.write(Buffer.alloc(0)) && !(await c.drained())) return;
        }
      })();
    });
    expectBounded(await measured(["settings", ...login(many)]), /a reply of more than 32 MiB, the most one query's answer may be/);
  });

  it("a packet that never ends (announced, then dripped): the query times out within --timeout", async () => {
    const s = await serverAnswering(async (c) => {
      startResult(c, ["Variable_name", "Value"]);
      c.write(Buffer.from([0x00, 0x00, 0xa0, 4])); // announces 10 MiB
      while (!c.closed) {
        c.write(Buffer.alloc(64, 0x42));
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const r = await measured(["settings", ...login(s)]);
    expectBounded(r, /did not answer the query in time/, (TIMEOUT_S + 8) * 1000);
  });

  it("the login's own exchange: an answer announced beyond 64 KiB is refused before the password step", async () => {
    const s = await startHostile(async (c) => {
      const hr = await takeHandshake(c, { tls: false, plugin: "mysql_native_password" });
      if (!hr) return;
      c.write(Buffer.from([0xff, 0xff, 0xff, 2]));
      const chunk = Buffer.alloc(1024 * 1024, 0x43);
      for (let i = 0; i < 64 && !c.closed; i++) if (!c.write(chunk) && !(await c.drained())) return;
    });
    servers.push(s);
    const r = await measured(["settings", ...login(s)]);
    expectBounded(r, /login: .*a packet of 16 MiB or more .*, more than the 64 KiB a packet may be here/);
  });

  it("the cipher scan (no SQL): a TLS first flight that never ends is cut at 1 MiB a probe", async () => {
    const s = await startHostile(async (c) => {
      c.greet({ ssl: true, plugin: "mysql_native_password" });
      const p = await c.next();
      if (!p || !isSslRequest(p)) return;
      // Handshake records of 16 KiB carrying one handshake message that announces 16 MiB, then more, forever.
      const fragment = Buffer.alloc(16384, 0x41);
      c.write(Buffer.concat([Buffer.from([0x16, 3, 3, 0x40, 0x00, 0x0b, 0xff, 0xff, 0xff]), fragment.subarray(4)]));
      const batch = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([Buffer.from([0x16, 3, 3, 0x40, 0x00]), fragment])));
      while (!c.closed) if (!c.write(batch) && !(await c.drained())) return;
    });
    servers.push(s);
    const r = await measured(["ciphers", `127.0.0.1:${s.port}`, "--json"]);
    expect(r.maxRssKb).toBeLessThan(RSS_CEILING_KB);
    expect(r.ms).toBeLessThan(30_000);
    expect(r.stderr).not.toMatch(/^\s+at |RangeError|heap out of memory|Unhandled/m);
    expect(r.stdout).toMatch(/more than 1 MiB without finishing its first flight/);
  });

  it("the probe's handshake (no SQL): a greeting followed by a flood of packets keeps memory bounded", async () => {
    const s = await startHostile(async (c) => {
      c.greet({ ssl: false, plugin: "mysql_native_password" });
      const packet = framePacket(Buffer.alloc(60 * 1024, 0x44), 1);
      for (let i = 0; i < 20_000 && !c.closed; i++) if (!c.write(packet) && !(await c.drained())) return;
    });
    servers.push(s);
    const r = await measured(["probe", `127.0.0.1:${s.port}`, "--json"]);
    expect(r.maxRssKb).toBeLessThan(RSS_CEILING_KB);
    expect(r.code).not.toBeNull();
    expect(r.ms).toBeLessThan(30_000);
    expect(r.stderr).not.toMatch(/^\s+at |RangeError|heap out of memory|Unhandled/m);
  });
});
