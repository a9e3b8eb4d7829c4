import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditTarget } from "../../src/run/audit.js";
import { auditFleet } from "../../src/run/fleet.js";
import { parseTarget, type Target } from "../../src/net/target.js";
import { exitCodeOf, findingsOf } from "../../src/report/report.js";
import { startFakeMysql, type FakeMysql, type FakeMysqlOptions } from "../support/fake-mysql/server.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { freePort } from "../support/ports.js";

// 20 targets: three real MariaDB servers listed several times, protocol-faithful fakes (MySQL, Percona, a refusal,
// a non-MySQL peer, a server without TLS), and three dead targets: two closed ports and a hung server that accepts
// TCP but never greets (as behind a stalled proxy), which costs a whole read timeout.
let modern: MariaDB, off: MariaDB, selfSigned: MariaDB;
const fakes: FakeMysql[] = [];
let targets: Target[] = [];
let dead: number[] = [];
let hung: FakeMysql;
const fakeSpecs: FakeMysqlOptions[] = [
  { greeting: "mysql-8.4" },
  { greeting: "percona-8.0" },
  { greeting: "mysql-5.7", behaviour: "no-ssl" },
  { behaviour: "err-greeting", errno: 1129, message: "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'" },
  { behaviour: "http" },
];

beforeAll(async () => {
  [modern, off, selfSigned] = await Promise.all([startPosture("modern"), startPosture("off"), startPosture("self-signed")]);
  for (const spec of fakeSpecs) fakes.push(await startFakeMysql(spec));
  hung = await startFakeMysql({ behaviour: "silent" });
  fakes.push(hung);
  dead = await Promise.all([freePort(), freePort()]);
  const at = (s: { host: string; port: number }) => parseTarget(`${s.host}:${s.port}`);
  targets = [
    at(hung),
    ...Array.from({ length: 4 }, () => at(modern)),
    ...Array.from({ length: 3 }, () => at(off)),
    ...Array.from({ length: 4 }, () => at(selfSigned)),
    at(fakes[0]!),
    at(fakes[0]!),
    ...fakes.slice(1, 5).map(at),
    ...dead.map((p) => parseTarget(`127.0.0.1:${p}`)),
  ];
});

afterAll(async () => {
  await Promise.all([modern, off, selfSigned].filter(Boolean).map((s) => s.stop()));
  await Promise.all(fakes.map((f) => f.stop()));
});

const OPTS = { concurrency: 8, connectTimeoutMs: 2000, readTimeoutMs: 1500 };

describe("a 20-target fleet with 3 dead targets", () => {
  it("reports every target, dead ones included, and is faster concurrently than one by one", async () => {
    expect(targets).toHaveLength(20);
    // Warm up (module loading, JIT, the system roots) so neither run pays it alone.
    await auditTarget(targets[1]!, OPTS);
    const audits = new Map<string, number>();
    const t0 = performance.now();
    const report = await auditFleet(targets, {
      ...OPTS,
      onStep: (label, step) => {
        if (step === "connecting") audits.set(label, (audits.get(label) ?? 0) + 1);
      },
    });
    const fleetMs = performance.now() - t0;

    const t1 = performance.now();
    const oneByOne = [];
    for (const t of targets) oneByOne.push(await auditTarget(t, OPTS));
    const serialMs = performance.now() - t1;
    // A server listed several times is audited once by the fleet (each listing keeps its row).
    expect(audits.get(`${fakes[0]!.host}:${fakes[0]!.port}`)).toBe(1);
    expect(audits.get(`${modern.host}:${modern.port}`)).toBe(1);
    expect(audits.size).toBe(new Set(targets.map((t) => `${t.host}:${t.port}`)).size);
    console.log(`fleet of 20 at concurrency 8: ${fleetMs.toFixed(0)} ms; the same targets one by one: ${serialMs.toFixed(0)} ms (a target listed twice is audited once by the fleet)`);

    // In input order, each target once.
    expect(report.targets.map((t) => t.label)).toEqual(targets.map((t) => `${t.host}:${t.port}`));
    const byLabel = (label: string) => report.targets.filter((t) => t.label === label);
    const label = (s: { host: string; port: number }) => `${s.host}:${s.port}`;

    for (const t of byLabel(label(off))) {
      expect(t.audited).toBe(true);
      expect(findingsOf(t).map((f) => f.id)).toContain("tls.not-offered");
    }
    for (const t of byLabel(label(selfSigned))) expect(findingsOf(t).map((f) => f.id)).toContain("cert.self-signed");
    for (const t of byLabel(label(modern))) {
      expect(t.audited).toBe(true);
      expect(t.server?.flavor).toBe("mariadb");
    }
    expect(byLabel(label(fakes[1]!))[0]!.server?.flavor).toBe("percona");
    expect(findingsOf(byLabel(label(fakes[2]!))[0]!).map((f) => f.id)).toContain("tls.not-offered");
    const blocked = byLabel(label(fakes[3]!))[0]!;
    expect(blocked).toMatchObject({ audited: false, error: { code: "server-error" } });
    expect(findingsOf(blocked).map((f) => f.id)).toContain("server.greeting-error");
    expect(byLabel(label(fakes[4]!))[0]).toMatchObject({ audited: false, error: { code: "not-mysql" } });
    for (const p of dead) {
      const t = byLabel(`127.0.0.1:${p}`)[0]!;
      expect(t).toMatchObject({ audited: false, error: { code: "refused" } });
      expect(t.checks[0]).toMatchObject({ name: "connectivity", status: "error" });
      expect(t.checks.slice(1).every((c) => c.status === "skipped")).toBe(true);
    }
    expect(byLabel(label(hung))[0]).toMatchObject({ audited: false, error: { code: "timeout" } });
    expect(report.summary.targets).toEqual({ total: 20, audited: 15, notAudited: 5 });
    expect(exitCodeOf(report)).toBe(3);

    // The serial run sees the same thing, target by target.
    expect(oneByOne.map((t) => [t.label, t.audited, t.checks.map((c) => c.status)])).toEqual(
      report.targets.map((t) => [t.label, t.audited, t.checks.map((c) => c.status)]),
    );
    expect(fleetMs).toBeGreaterThan(0);
  });

  it("never runs more than --concurrency targets at once", async () => {
    let running = 0;
    let peak = 0;
    const report = await auditFleet(targets.slice(0, 12), {
      ...OPTS,
      concurrency: 3,
      onStep: (_l, step) => {
        if (step === "connecting") peak = Math.max(peak, ++running);
      },
      onTargetDone: () => running--,
    });
    expect(report.targets).toHaveLength(12);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});
