// Fleets beyond one process: --ndjson streams a line per target and keeps no report (5,000 targets under 200 MiB
// peak RSS, measured as the child's own VmHWM), --shard partitions a targets file stably, and merge puts shards
// back together with the exit code the whole fleet deserves.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMysql, type FakeMysql, type FakeMysqlOptions } from "../support/fake-mysql/server.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { runCli } from "../support/cli.js";
import { promtoolCheckMetrics } from "../support/exporter.js";

const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));
const PRELOAD = fileURLToPath(new URL("../fixtures/ndjson/peak-rss.mjs", import.meta.url));
const TOTAL = 5000;
const CEILING_KIB = 200 * 1024;

let modern: MariaDB;
const fakes: FakeMysql[] = [];
let dir: string;
const specs: FakeMysqlOptions[] = [
  { greeting: "mysql-8.4" },
  { greeting: "percona-8.0" },
  { greeting: "mysql-5.7", behaviour: "no-ssl" },
  { behaviour: "err-greeting", errno: 1040, message: "Too many connections" },
  { behaviour: "http" },
];

beforeAll(async () => {
  modern = await startPosture("modern");
  for (let i = 0; i < 20; i++) fakes.push(await startFakeMysql(specs[i % specs.length]!));
  dir = mkdtempSync(join(tmpdir(), "mta-ndjson-"));
}, 120_000);

afterAll(async () => {
  await modern?.stop();
  await Promise.all(fakes.map((f) => f.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Dead loopback targets: nothing listens on port 1 of 127.77.0.0/16, so each connect is refused at once. */
function dead(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.77.${(i >> 8) & 255}.${i & 255}:1`);
}

function fleet(deadCount: number): string[] {
  return [...dead(deadCount), ...fakes.map((f) => `${f.host}:${f.port}`), ...Array.from({ length: 5 }, () => `127.0.0.1:${modern.port}`)];
}

/** Runs the CLI with the peak-RSS preload; resolves with stdout lines, exit code and the child's VmHWM in KiB. */
function runMeasured(args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string; peakKib: number; ms: number }> {
  const peakFile = join(dir, `peak-${Date.now()}`);
  const t0 = Date.now();
  const child = spawn(process.execPath, ["--import", PRELOAD, BIN, ...args], { env: { ...process.env, NO_COLOR: "1", MTA_PEAK_RSS_FILE: peakFile }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      if (partial) lines.push(partial);
      resolve({ code, lines, stderr, peakKib: existsSync(peakFile) ? Number(readFileSync(peakFile, "utf8")) : NaN, ms: Date.now() - t0 });
    });
  });
}

describe("--ndjson", () => {
  it(`streams ${TOTAL} targets (dead ports, fake servers, a real MariaDB) with peak RSS under 200 MiB`, async () => {
    const list = fleet(TOTAL - 25);
    expect(list).toHaveLength(TOTAL);
    const file = join(dir, "targets.txt");
    writeFileSync(file, list.join("\n") + "\n");
    const r = await runMeasured(["audit", "--targets", file, "--ndjson", "--concurrency", "16", "--connect-timeout", "2", "--timeout", "2"]);
    console.log(`ndjson: ${TOTAL} targets in ${r.ms} ms, peak RSS (VmHWM) ${(r.peakKib / 1024).toFixed(1)} MiB, exit ${r.code}`);
    expect(r.stderr).toBe("");
    const docs = r.lines.filter(Boolean).map((l) => JSON.parse(l));
    expect(docs).toHaveLength(TOTAL + 1);
    const targets = docs.filter((d) => d.kind === "target");
    expect(targets).toHaveLength(TOTAL);
    const summary = docs.at(-1);
    expect(summary.kind).toBe("summary");
    expect(summary.summary.targets.total).toBe(TOTAL);
    expect(summary.summary.targets.notAudited).toBe(targets.filter((t) => !t.audited).length);
    expect(targets.filter((t) => t.audited && t.target.port === modern.port)).toHaveLength(5);
    expect(r.code).toBe(3);
    expect(r.peakKib).toBeGreaterThan(0);
    expect(r.peakKib).toBeLessThan(CEILING_KIB);
  }, 600_000);
});

describe("--shard and merge", () => {
  it("shards partition the list (every target in exactly one), and merge gives the fleet's report and exit code", async () => {
    const list = [...new Set(fleet(40))];
    const file = join(dir, "shard-targets.txt");
    writeFileSync(file, list.join("\n") + "\n");
    const common = ["--targets", file, "--connect-timeout", "2", "--timeout", "2", "--concurrency", "8"];
    const outs: string[] = [];
    const seen: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const out = join(dir, `shard-${k}.ndjson`);
      const r = await runCli(["audit", ...common, "--shard", `${k}/3`, "--ndjson", "--output", out], { timeoutMs: 300_000 });
      expect([0, 1, 3], r.stderr).toContain(r.code);
      outs.push(out);
      for (const line of readFileSync(out, "utf8").split("\n").filter(Boolean)) {
        const d = JSON.parse(line);
        if (d.kind === "target") seen.push(d.label);
      }
    }
    expect(seen.sort()).toEqual([...list].sort());
    expect(new Set(seen).size).toBe(seen.length);

    const whole = await runCli(["audit", ...common, "--json"], { timeoutMs: 300_000 });
    const merged = await runCli(["merge", ...outs, "--json"]);
    expect(merged.code).toBe(whole.code);
    const a = JSON.parse(whole.stdout);
    const b = JSON.parse(merged.stdout);
    expect(b.summary.targets).toEqual(a.summary.targets);
    expect(b.summary.bySeverity).toEqual(a.summary.bySeverity);
    expect(b.summary.verdict).toBe(a.summary.verdict);
    expect(b.targets.map((t: { label: string }) => t.label).sort()).toEqual(a.targets.map((t: { label: string }) => t.label).sort());

    // A --json report merges too, alone or with NDJSON files; a file that is not a report is one line, exit 2.
    const jsonFile = join(dir, "whole.json");
    writeFileSync(jsonFile, whole.stdout);
    const again = await runCli(["merge", jsonFile, "--json"]);
    expect(again.code).toBe(whole.code);
    expect(JSON.parse(again.stdout).summary.bySeverity).toEqual(a.summary.bySeverity);
    writeFileSync(join(dir, "junk.json"), "{\"hello\": 1}\n");
    const junk = await runCli(["merge", join(dir, "junk.json")]);
    expect(junk.code).toBe(2);
    expect(junk.stderr.trim().split("\n")).toHaveLength(1);
  }, 600_000);

  it("merge exit codes follow the audit's rule: 0 clean, 1 findings at --fail-on, 3 a target not audited", async () => {
    const one = await runCli(["audit", `127.0.0.1:${modern.port}`, "--json", "--fail-on", "critical"]);
    const f = join(dir, "one.json");
    writeFileSync(f, one.stdout);
    expect((await runCli(["merge", f, "--fail-on", "critical"])).code).toBe(one.code);
    expect((await runCli(["merge", f, "--fail-on", "info"])).code).toBe(1);
    const deadRun = await runCli(["audit", dead(1)[0]!, "--json"]);
    const g = join(dir, "dead.json");
    writeFileSync(g, deadRun.stdout);
    expect((await runCli(["merge", f, g])).code).toBe(3);
  }, 120_000);
});

describe("--format prometheus --output (node_exporter's textfile collector)", () => {
  it("writes the exposition text atomically (no temp file left), one target label per series, valid for promtool", async () => {
    const out = join(dir, "textfile", "mysql_tls.prom");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "textfile"), { recursive: true });
    const r = await runCli(["audit", `127.0.0.1:${modern.port}`, `127.0.0.1:${fakes[0]!.port}`, "--format", "prometheus", "--output", out]);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(r.stdout).toBe("");
    const text = readFileSync(out, "utf8");
    expect(readdirSync(join(dir, "textfile"))).toEqual(["mysql_tls.prom"]);
    expect(text).toContain(`probe_success{target="127.0.0.1:${modern.port}"} 1`);
    expect(text).toMatch(new RegExp(`mysql_tls_protocol_accepted\\{target="127.0.0.1:${modern.port}",version="TLSv1.3"\\} 1`));
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^[a-z_]+\{target="/);
    expect(await promtoolCheckMetrics(text)).toBe("");
    // A folder that does not exist: one line, exit 2, nothing half-written.
    const bad = await runCli(["audit", `127.0.0.1:${modern.port}`, "--format", "prometheus", "--output", join(dir, "nope", "x.prom")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  }, 120_000);
  it("--output - is standard output, for --ndjson as for --format, and never a file named '-'", async () => {
    const cwd = process.cwd();
    for (const args of [["--ndjson"], ["--format", "prometheus"]]) {
      const r = await runCli(["audit", `127.0.0.1:${modern.port}`, ...args, "--output", "-"]);
      expect([0, 1], r.stderr).toContain(r.code);
      if (args[0] === "--ndjson") expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).kind)).toEqual(["target", "summary"]);
      else expect(r.stdout).toContain(`probe_success{target="127.0.0.1:${modern.port}"} 1`);
      expect(existsSync(join(cwd, "-"))).toBe(false);
    }
  }, 120_000);
});
