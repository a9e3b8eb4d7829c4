// Every subcommand of the built CLI against every hostile server of the fault matrix, and against the bad
// network inputs of issue 2: each run ends within its timeouts with one line per failure (or an "error" check in
// audit), exit code 3 for a target that could not be audited, and no stack trace or unhandled rejection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, targetSubcommands, type CliResult } from "../support/cli.js";
import { FAULT_USER, faultCases, limiter, startFault, type FaultCase } from "../support/fault-matrix.js";
import { BLACKHOLE_ADDR, createFaultNetns, namespaceSupport, UNREACHABLE_ADDR, type Netns } from "../support/netns.js";
import { freePort } from "../support/ports.js";

// Short timeouts keep the matrix fast, and make "within --timeout" a sharp claim.
const TIMEOUT_S = 1;
const COMMON = ["--timeout", String(TIMEOUT_S), "--connect-timeout", String(TIMEOUT_S), "--json"];

interface Subcommand {
  name: string;
  /** Takes --user/--password, so it reaches the login and query steps. */
  logsIn: boolean;
  /** How long a run may take at most: a few steps, each bounded by --timeout, plus process start. */
  budgetMs: number;
}

/** The target-auditing subcommands, each with the time a failing run may take. */
async function subcommands(): Promise<Subcommand[]> {
  // ciphers and audit open many connections; each failing one is bounded by the timeouts.
  // Process start is included, and a loaded CI box makes it slow.
  return (await targetSubcommands()).map((c) => ({ ...c, budgetMs: c.name === "probe" || c.name === "cert" ? 10_000 : 25_000 }));
}

const COMMANDS = await subcommands();
const CASES = faultCases();

/** The invariants of issue 7 for any run of the CLI against a broken peer. */
function expectCleanFailure(r: CliResult, budgetMs: number): void {
  expect(r.code, `killed or crashed; stderr: ${r.stderr}`).not.toBeNull();
  expect(r.ms, "took longer than its timeouts allow").toBeLessThan(budgetMs);
  expect(r.stderr).not.toMatch(/^\s+at .+[:(]\d+/m);
  expect(r.stderr).not.toMatch(/Unhandled|unhandledRejection|internal error|TypeError|RangeError|ReferenceError/);
  // OpenSSL's raw error strings (thread id, code, source path) are not a message for a person.
  expect(r.stderr + r.stdout).not.toMatch(/deps\/openssl|[0-9A-F]{12,}:error:/);
  for (const line of r.stderr.split("\n").filter((l) => l.trim() !== "")) {
    // Progress lines may precede the error; an error line names the target.
    expect(line.length).toBeLessThan(400);
  }
  // --json: stdout is exactly one JSON document or empty (a one-line error on stderr instead).
  if (r.stdout.trim() !== "") expect(() => JSON.parse(r.stdout)).not.toThrow();
}

function credentials(cmd: Subcommand): string[] {
  return cmd.logsIn ? ["--user", FAULT_USER.user, `--password=${FAULT_USER.password}`] : [];
}

/** The step names a one-line error may give for a fault at each step (a TLS failure is part of a login). */
const STEPS_NAMED: Record<FaultCase["step"], string[]> = {
  greeting: ["connect", "greeting"],
  "ssl-request": ["ssl-request", "tls-handshake", "login", "certificate"],
  "tls-handshake": ["tls-handshake", "login", "certificate"],
  // wrong-seq and slow-drip logins do complete; the session then fails at its first query.
  login: ["login", "query"],
  query: ["login", "query"],
};

/** True when the JSON report shows that something could not be gathered, rather than a clean pass. */
function reportsError(doc: Record<string, unknown>): boolean {
  const text = JSON.stringify(doc);
  // A failed TLS upgrade is the audit's tls.handshake-failed finding in every command (#11), its cause in handshakeError.
  return /"status":"error"|"severity":"error"|"(error|serverError)":\{|"handshakeError":"/.test(text);
}

it("the built CLI runs and lists every subcommand, so the matrix below is not vacuous", () => {
  expect(COMMANDS.map((c) => c.name).sort()).toEqual(["accounts", "audit", "cert", "ciphers", "probe", "settings"]);
});

/** One run of the matrix: a fresh server for the case, the CLI against it, the server stopped. */
async function runCase(cmd: Subcommand, c: FaultCase): Promise<{ r: CliResult; target: string }> {
  const server = await startFault(c);
  try {
    const target = `127.0.0.1:${server.port}`;
    const r = await runCli([cmd.name, target, ...COMMON, ...credentials(cmd)], { timeoutMs: cmd.budgetMs + 10_000 });
    return { r, target };
  } finally {
    await server.stop();
  }
}

const MATRIX_CONCURRENCY = 12;
const runs = new Map<string, Promise<{ r: CliResult; target: string } | { error: unknown }>>();

// Every run starts here, a dozen at a time; each test below awaits its own and judges it.
beforeAll(() => {
  const limit = limiter(MATRIX_CONCURRENCY);
  for (const cmd of COMMANDS) {
    for (const c of CASES) {
      if (c.needsLogin && !cmd.logsIn) continue;
      runs.set(`${cmd.name}|${c.name}`, limit(() => runCase(cmd, c)).catch((error: unknown) => ({ error })));
    }
  }
});

// The slowest run per command, measured against --timeout 1 (process start included).
afterAll(async () => {
  const slowest = new Map<string, { ms: number; name: string }>();
  for (const [key, p] of runs) {
    const o = await p;
    if ("error" in o) continue;
    const [cmd, name] = key.split("|") as [string, string];
    if ((slowest.get(cmd)?.ms ?? -1) < o.r.ms) slowest.set(cmd, { ms: o.r.ms, name });
  }
  console.log(`faults: slowest run per command: ${[...slowest].map(([c, v]) => `${c} ${v.ms} ms (${v.name})`).join("; ")}`);
});

describe.each(COMMANDS)("$name against hostile servers", (cmd) => {
  const cases = CASES.filter((c) => !c.needsLogin || cmd.logsIn);

  it.each(cases.map((c) => [c.name, c] as [string, FaultCase]))("%s", async (_name, c) => {
    const outcome = await runs.get(`${cmd.name}|${c.name}`)!;
    if ("error" in outcome) throw outcome.error;
    const { r, target } = outcome;
    expectCleanFailure(r, cmd.budgetMs);
    expect([1, 3], `exit ${r.code}; stderr: ${r.stderr}; stdout: ${r.stdout.slice(0, 400)}`).toContain(r.code);
    if (r.code === 3 && r.stdout.trim() === "") {
      // A target that could not be audited, and no report: one line on stderr, "<target>: <step>: <cause>".
      const last = r.stderr.trim().split("\n").at(-1) ?? "";
      expect(last).toContain(target);
      let step = last.slice(last.indexOf(target) + target.length).split(": ")[1] ?? "";
      // A query step may be named by its SQL statement, which says even more.
      if (/^(SELECT|SHOW)\b/i.test(step)) step = "query";
      // mysql2 runs connect, greeting, TLS and authentication as one call: for commands that log in, "login".
      const allowed = [...STEPS_NAMED[c.step], ...(cmd.logsIn ? ["login"] : [])];
      expect(allowed, `"${last}" should name the step (${c.step})`).toContain(step);
    }
    if (r.code === 3 && r.stdout.trim() !== "") {
      // With --json the document itself must say what went wrong.
      expect(reportsError(JSON.parse(r.stdout)), r.stdout.slice(0, 600)).toBe(true);
    }
    if (r.code === 1) {
      // Exit 1 is only honest when the report says that a step failed; a fault must never pass as clean.
      expect(reportsError(JSON.parse(r.stdout)), `exit 1 without an error in the report: ${r.stdout.slice(0, 600)}`).toBe(true);
    }
    // Commands that complete a handshake must name the certificate as the cause; ciphers judges ServerHellos only.
    if (c.name === "tls-handshake: unparseable certificate" && cmd.name !== "ciphers") expect(r.stderr + r.stdout).toMatch(/certificate/i);
    if (cmd.name === "audit" && r.stdout.trim() !== "") {
      const doc = JSON.parse(r.stdout);
      expect(reportsError(doc), JSON.stringify(doc).slice(0, 600)).toBe(true);
      // The failed check (or the check of an "error" finding) names the step: the TLS-side checks for faults
      // before the login, the SQL ones after.
      const t = doc.targets[0];
      const failed = [
        ...t.checks.filter((k: { status: string }) => k.status === "error").map((k: { name: string }) => k.name),
        ...t.findings.filter((f: { severity: string }) => f.severity === "error").map((f: { check: string }) => f.check),
      ];
      const expected = c.needsLogin ? ["settings", "accounts", "replication"] : ["connectivity", "protocols", "ciphers", "certificate"];
      expect(failed.some((n: string) => expected.includes(n)), `failed checks ${JSON.stringify(failed)} for a ${c.step} fault`).toBe(true);
    }
  });
});

describe.each(COMMANDS)("$name against bad network input (issue 2)", (cmd) => {
  it("a refused port: exit 3, one line naming the target", async () => {
    const port = await freePort();
    const r = await runCli([cmd.name, `127.0.0.1:${port}`, ...COMMON]);
    expectCleanFailure(r, cmd.budgetMs);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused/);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });

  it("a malformed target is a usage error: exit 2, one line", async () => {
    const r = await runCli([cmd.name, "db.example.com:99999", ...COMMON]);
    expectCleanFailure(r, 5_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });
});

const ns = await namespaceSupport();
if (!ns.ok) console.warn(`faults: network-namespace cases SKIPPED: ${ns.reason}`);

describe.skipIf(!ns.ok)("bad network paths inside an isolated namespace (nothing leaves this machine)", () => {
  let fault: Netns | undefined;
  beforeAll(async () => {
    fault = await createFaultNetns();
  });
  afterAll(async () => {
    await fault?.remove();
  });

  function inNs(args: string[]): Promise<CliResult> {
    return runCli(args, { prefix: fault!.launcher, timeoutMs: 30_000 });
  }

  describe.each(COMMANDS)("$name", (cmd) => {
    it("connect timeout: a host that drops SYNs ends after --connect-timeout with exit 3", async () => {
      const r = await inNs([cmd.name, `${BLACKHOLE_ADDR}:3306`, ...COMMON]);
      expectCleanFailure(r, cmd.budgetMs);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/connect timeout|timed out|no TCP connection/i);
      expect(r.stderr).toContain(`${BLACKHOLE_ADDR}:3306`);
      expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
    });

    it("unreachable host: exit 3 at once", async () => {
      const r = await inNs([cmd.name, `${UNREACHABLE_ADDR}:3306`, ...COMMON]);
      expectCleanFailure(r, cmd.budgetMs);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/unreachable/i);
    });

    it("DNS failure: a name under .invalid, exit 3 naming the lookup", async () => {
      const r = await inNs([cmd.name, "db.mysql-tls-audit.invalid:3306", ...COMMON]);
      expectCleanFailure(r, cmd.budgetMs);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/resolve|DNS|name/i);
      expect(r.stderr).toContain("db.mysql-tls-audit.invalid");
    });
  });
});
