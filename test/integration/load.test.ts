// Load: one audit run over 200 targets (live MariaDB servers listed many times, closed ports, hostile test
// servers) finishes in bounded time and memory with a report that is right for every target. The peak RSS of
// the CLI process is read from /proc (VmHWM, the kernel's own high-water mark) while it runs.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, type MariaDB } from "../support/mariadb.js";
import { startFakeMysql, type Behaviour, type FakeMysql } from "../support/fake-mysql/server.js";
import { freePort } from "../support/ports.js";

const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));
const TOTAL = 200;
const LIVE_COPIES = 50; // each live server listed this many times
const HOSTILE: Behaviour[] = ["silent", "garbage", "http", "close", "tls-alert", "truncated"];
const HOSTILE_COPIES = 10;
const DEAD = TOTAL - 2 * LIVE_COPIES - HOSTILE.length * HOSTILE_COPIES;
// The bound this test enforces; the README states the measured peak.
const MAX_RSS_MB = 300;
const MAX_MS = 60_000;
const LOAD_USER = "load_auditor";
const LOAD_PASSWORD = "load-test-password-41c9";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakRssKb: number;
}

/** Runs the built CLI and samples its VmHWM until it exits. */
function runMeasured(args: string[]): Promise<RunResult> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", MYSQL_PWD: LOAD_PASSWORD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let peakRssKb = 0;
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peakRssKb = Math.max(peakRssKb, Number(m[1]));
    } catch {
      // the process has exited between samples
    }
  };
  const timer = setInterval(sample, 50);
  const killer = setTimeout(() => child.kill("SIGKILL"), MAX_MS + 60_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0, peakRssKb });
    });
  });
}

describe("200 targets in one audit run", () => {
  let live: MariaDB[] = [];
  let fakes: FakeMysql[] = [];
  let dir = "";
  const expected = new Map<string, "live" | "dead" | Behaviour>();
  const order: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mta-load-"));
    [live, fakes] = await Promise.all([
      Promise.all([startMariaDB({ name: "load-tls", tls: { cert: "rsa" } }), startMariaDB({ name: "load-off", tls: false })]),
      Promise.all(HOSTILE.map((behaviour) => startFakeMysql({ behaviour }))),
    ]);
    // One account on both live servers, so every live target is also logged in to (settings, accounts).
    for (const db of live) {
      await db.query("CREATE USER ?@'%' IDENTIFIED BY ?", [LOAD_USER, LOAD_PASSWORD]);
      await db.query("GRANT SELECT, PROCESS, REPLICATION CLIENT ON *.* TO ?@'%'", [LOAD_USER]);
    }
    // Closed ports on addresses no test server binds (they all bind 127.0.0.1), so no other test file's server
    // can turn a "dead" target live in the middle of the run.
    const deadPort = await freePort();
    const dead = Array.from({ length: DEAD }, (_, i) => `127.0.1.${i + 1}:${deadPort}`);
    const entries: Array<[string, "live" | "dead" | Behaviour]> = [];
    for (let i = 0; i < LIVE_COPIES; i++) for (const db of live) entries.push([`${db.host}:${db.port}`, "live"]);
    for (let i = 0; i < HOSTILE_COPIES; i++) HOSTILE.forEach((b, j) => entries.push([`127.0.0.1:${fakes[j]!.port}`, b]));
    for (const t of dead) entries.push([t, "dead"]);
    // Interleave, so live, dead and hostile targets share the concurrency slots throughout the run.
    entries.sort((a, b) => hash(a[0] + entries.indexOf(a)) - hash(b[0] + entries.indexOf(b)));
    for (const [t, kind] of entries) {
      expected.set(t, kind);
      order.push(t);
    }
    writeFileSync(join(dir, "targets.txt"), `# ${order.length} targets\n${order.join("\n")}\n`);
  });

  afterAll(async () => {
    await Promise.all([...live.map((d) => d.stop()), ...fakes.map((f) => f.stop())]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finishes in bounded time and memory, with a correct entry for every target", async () => {
    expect(order.length).toBe(TOTAL);
    const junit = join(dir, "report.xml");
    const r = await runMeasured([
      "audit", "--targets", join(dir, "targets.txt"), "--json", "--junit", junit,
      "--timeout", "2", "--connect-timeout", "2", "--concurrency", "16", "--quiet", "--user", LOAD_USER,
      // An explicit PREFERRED: the TLS-off server is logged in to over clear text, which the default refuses.
      "--ssl-mode", "PREFERRED",
    ]);
    console.log(`load: ${order.length} targets in ${r.ms} ms, exit ${r.code}, peak RSS ${(r.peakRssKb / 1024).toFixed(1)} MiB`);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(3); // some targets could not be audited
    expect(r.ms).toBeLessThan(MAX_MS);
    expect(r.peakRssKb).toBeGreaterThan(0);
    expect(r.peakRssKb / 1024).toBeLessThan(MAX_RSS_MB);
    expect(r.stderr).not.toMatch(/^\s+at .+[:(]\d+/m);
    expect(r.stderr).not.toMatch(/Unhandled|internal error|MaxListenersExceeded|EMFILE/);

    const doc = JSON.parse(r.stdout);
    expect(doc.targets).toHaveLength(order.length);
    // Every target appears once, in the order given.
    expect(doc.targets.map((t: { label: string }) => t.label)).toEqual(order);
    const counts: Record<string, number> = {};
    for (const t of doc.targets) {
      const kind = expected.get(t.label)!;
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (kind === "live") {
        expect(t.audited, `${t.label}: ${JSON.stringify(t.error)}`).toBe(true);
        expect(t.server?.flavor).toBe("mariadb");
        const status = Object.fromEntries(t.checks.map((c: { name: string; status: string }) => [c.name, c.status]));
        const withTls = t.label === `${live[0]!.host}:${live[0]!.port}`;
        // Every check ran under load: nothing was skipped or errored for lack of time or connections.
        const expectedStatus = withTls
          ? { connectivity: "completed", protocols: "completed", ciphers: "completed", certificate: "completed", settings: "completed", accounts: "completed" }
          : { connectivity: "completed", protocols: "skipped", ciphers: "skipped", certificate: "skipped", settings: "completed", accounts: "completed" };
        expect(status, t.label).toMatchObject(expectedStatus);
        if (!withTls) expect(t.findings.map((f: { id: string }) => f.id)).toContain("tls.not-offered");
      } else if (kind === "dead") {
        expect(t.audited).toBe(false);
        expect(t.error.code).toBe("refused");
      } else if (kind === "tls-alert") {
        // The greeting is fine; the TLS checks must say they failed, not pass.
        expect(t.checks.some((c: { status: string }) => c.status === "error") || t.audited === false, JSON.stringify(t).slice(0, 400)).toBe(true);
      } else {
        expect(t.audited, `${t.label} (${kind})`).toBe(false);
        expect(["timeout", "not-mysql", "closed", "protocol"]).toContain(t.error.code);
      }
    }
    console.log(`load: report entries by kind: ${JSON.stringify(counts)}`);
    // Live copies of one server agree with each other: the load did not change what was seen.
    for (const db of live) {
      const copies = doc.targets.filter((t: { label: string }) => t.label === `${db.host}:${db.port}`);
      const ids = copies.map((t: { findings: Array<{ id: string }> }) => t.findings.map((f) => f.id).sort().join(","));
      expect(new Set(ids).size, `${db.name}: differing findings across copies`).toBe(1);
    }

    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, "utf8"));
    const suites = [xml.testsuites?.testsuite ?? []].flat();
    expect(suites.length).toBe(order.length);
  });
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
