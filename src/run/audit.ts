import { toAuditError, type AuditError } from "../errors.js";
import { formatTarget, type Target } from "../net/target.js";
import { DEFAULT_POLICY, isIgnored } from "../policy/policy.js";
import type { CheckName, CheckResult, TargetReport } from "../report/report.js";
import type { Finding } from "../report/types.js";
import { withBenchmarkReferences } from "../report/finding-ids.js";
import { consolidateChecks } from "../report/consolidate.js";
import { needsCredentials, needsMysqlLogin, tlsUnavailable, type AuditOptions, type Check, type CheckContext } from "../checks/check.js";
import { enumeration } from "../checks/scan.js";
import { loginSpecFor, timeoutsOf } from "../checks/session.js";
import { DEFAULT_CONNECTIONS, TargetScheduler } from "../net/scheduler.js";
import { prepareScan } from "../tls/enumerate.js";
import { planRun } from "../tls/scan-plan.js";
import { resetServerCount, resetServerCountAhead } from "../sql/login-thread.js";
import { CHECKS, connectivity } from "../checks/registry.js";
import type { ConnectivityFacts } from "../checks/connectivity/judge.js";

export type { AuditOptions, CheckContext } from "../checks/check.js";
export { CHECKS } from "../checks/registry.js";

/** What a target's report keeps beside its JSON when asked (AuditOptions.keepFacts): each check's facts, for a text view. */
export type CheckFacts = Record<string, unknown>;

/** Settings findings less those the connectivity findings already say: have_ssl not YES is tls.not-offered, said once. */
export function settingsNotSaidBefore(connectivityFindings: readonly Finding[], settings: Finding[]): Finding[] {
  return connectivityFindings.some((f) => f.id === "tls.not-offered") ? settings.filter((f) => f.id !== "settings.tls-disabled") : settings;
}

// A check's outcome once its promise settles.
type Outcome = { def: Check; t: number } & ({ skip: string } | { facts: unknown; end: number } | { err: AuditError; end: number });

/**
 * Audits one target: connectivity first, then every check of the registry (or those of `options.only`, a
 * subcommand's) as data; never throws for a target's own failure.
 */
export async function auditTarget(target: Target, options: AuditOptions = {}, checks: readonly Check[] = CHECKS): Promise<TargetReport & { facts?: CheckFacts }> {
  const started = performance.now();
  const label = formatTarget(target);
  const policy = options.policy ?? DEFAULT_POLICY;
  const step = (s: string): void => options.onStep?.(label, s);
  const selected = options.only ? checks.filter((d) => options.only!.includes(d.name)) : checks;
  const facts: CheckFacts = {};
  const report: TargetReport & { facts?: CheckFacts } = {
    target: { host: target.host, port: target.port },
    label,
    audited: false,
    checks: [],
    ignoredFindings: 0,
    abortedConnections: 0,
    overview: [],
    details: {},
    durationMs: 0,
    ...(options.keepFacts ? { facts } : {}),
  };
  const record = (name: CheckName, status: CheckResult["status"], findings: Finding[], t0: number, reason?: string, end = performance.now(), error?: AuditError): void => {
    const kept = findings.filter((f) => !isIgnored(f.id, policy.ignore));
    report.ignoredFindings += findings.length - kept.length;
    const typed = error ? { error: { code: error.code, message: error.message, ...(error.details.step ? { step: error.details.step } : {}) } } : {};
    report.checks.push({ name, status, ...(reason !== undefined ? { reason } : {}), findings: kept, durationMs: end - t0, ...typed });
  };
  const skipped = (name: string): string | undefined => (options.skip?.includes(name) ? "not run: --skip " + name : undefined);
  const runs = (name: string): boolean => selected.some((d) => d.name === name) && skipped(name) === undefined;

  // One scheduler per target: every connection of every check to this server under one cap and one budget; with
  // credentials, a successful login resets the server's count of aborted handshakes from this host.
  const canLogin = needsCredentials({ target, options }) === undefined;
  const scheduler = new TargetScheduler({
    // The login is open while the scan runs (their connections start together): with a login the cap is at least 2.
    maxConnections: Math.max(canLogin ? 2 : 1, options.maxConnections ?? DEFAULT_CONNECTIONS),
    budget: planRun(target, { ...(options.maxAborted !== undefined ? { maxAborted: options.maxAborted } : {}), engine: "auto" }).budget,
    ...(canLogin
      ? {
          resetServerCount: () => resetServerCount(loginSpecFor({ target, options }), timeoutsOf(options)).catch(() => false),
          resetAhead: () => {
            const login = resetServerCountAhead(loginSpecFor({ target, options }), timeoutsOf(options));
            return () => login().catch(() => false);
          },
        }
      : {}),
  });
  const memo = new Map<string, Promise<unknown>>();
  const shared = <T>(key: string, gather: () => Promise<T>): Promise<T> => {
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) memo.set(key, (p = gather()));
    return p;
  };
  // The scan does not wait for the whole connectivity probe: it starts, under the same cap, as soon as the probe
  // has read a greeting that offers TLS, while the probe's own handshake and login go on.
  let greeted: (tls: boolean) => void = () => {};
  const scanning = runs("protocols") || runs("ciphers")
    ? new Promise<boolean>((resolve) => (greeted = resolve)).then((tls) => (tls ? enumeration({ target, options, scheduler, shared }).catch(() => undefined) : undefined))
    : undefined;
  const finish = async (): Promise<TargetReport & { facts?: CheckFacts }> => {
    greeted(false);
    await scanning;
    report.durationMs = performance.now() - started;
    return report;
  };

  step("connecting");
  if (scanning) prepareScan();
  const t0 = performance.now();
  let conn: ConnectivityFacts;
  try {
    conn = await connectivity.gather(target, { ...options, scheduler, onGreeting: (g) => greeted(g.kind === "v10" && g.sslOffered) });
  } catch (err) {
    const e = toAuditError(err);
    report.error = { code: e.code, message: e.message, ...(e.details.step ? { step: e.details.step } : {}) };
    record(connectivity.name, "error", [unreachableFinding(label, e.message)], t0, e.message, undefined, e);
    for (const def of selected) record(def.name, "skipped", [], performance.now(), "the target could not be reached");
    return finish();
  }
  const handshake = conn.handshake;
  facts[connectivity.name] = conn;
  report.details[connectivity.section] = connectivity.json(conn);
  if (handshake.server) report.server = { version: handshake.server.version, flavor: handshake.server.flavor };
  report.overview.push(...connectivity.text(conn));
  const transport = connectivity.judge(conn);
  if (handshake.serverError || handshake.greeting === "handshake-v9") {
    // A refusal before the handshake (1129 blocked, 1040 too many connections) or a pre-TLS server: nothing more to ask it.
    const why = handshake.serverError
      ? `the server refused the connection with error ${handshake.serverError.errno}: ${handshake.serverError.message}`
      : (tlsUnavailable(handshake) ?? "");
    report.audited = handshake.greeting === "handshake-v9";
    if (!report.audited) report.error = { code: "server-error", message: why, step: "greeting" };
    record(connectivity.name, report.audited ? "completed" : "error", transport, t0, report.audited ? undefined : why);
    for (const def of selected) record(def.name, "skipped", [], performance.now(), why);
    return finish();
  }
  report.audited = true;
  record(connectivity.name, "completed", transport, t0);

  const cleanups: (() => Promise<void> | void)[] = [];
  const ctx: CheckContext = {
    target,
    options,
    policy,
    handshake,
    scheduler,
    runs,
    onDone: (fn) => void cleanups.push(fn),
    shared,
  };
  // The checks run at once (each bounds its own connections), so a target costs its slowest check, not their sum;
  // results are recorded in table order whatever order they finish in.
  step(`checking ${selected.filter((d) => skipped(d.name) === undefined && d.skip(ctx) === undefined).map((d) => d.name).join(", ")}`);
  const outcomes = selected.map((def): Promise<Outcome> => {
    const t = performance.now();
    const skip = skipped(def.name) ?? def.skip(ctx);
    if (skip !== undefined) return Promise.resolve({ def, t, skip });
    return def.gather(ctx).then(
      (f) => ({ def, t, facts: f, end: performance.now() }),
      (err: unknown) => ({ def, t, err: toAuditError(err), end: performance.now() }),
    );
  });
  for (const o of await Promise.all(outcomes)) {
    const def = o.def;
    if ("skip" in o) record(def.name, "skipped", [], o.t, o.skip);
    else if ("facts" in o) {
      facts[def.name] = o.facts;
      let findings: Finding[];
      try {
        findings = def.judge(o.facts, policy);
        report.details[def.section ?? def.name] = def.json(o.facts);
        report.overview.push(...def.text(o.facts));
      } catch (err) {
        // A judge that throws is a bug; still a check that could not run, never a silent pass.
        const e = toAuditError(err);
        const reason = plainReason(e.message);
        record(def.name, "error", [checkErrorFinding(def.name, reason)], o.t, reason, o.end, e);
        continue;
      }
      // Protocols and ciphers share one enumeration: its cost is counted once.
      const aborted = def.aborted?.(o.facts);
      if (aborted !== undefined) report.abortedConnections = Math.max(report.abortedConnections, aborted);
      record(def.name, "completed", findings, o.t, undefined, o.end);
    } else if (o.err.details.step === "login") {
      // One failed login is one error: the first check that needed it carries the finding, the others point to it.
      const first = report.checks.find((c) => c.status === "error" && c.reason?.startsWith("the login failed: "));
      if (first) record(def.name, "error", [], o.t, `the login failed (see ${first.name})`, o.end, o.err);
      else {
        const needing = selected.filter((d) => d.skip === needsMysqlLogin && ctx.runs(d.name)).map((d) => d.name);
        const why = plainReason(o.err.message);
        record(def.name, "error", [loginFailedFinding(needing, why)], o.t, `the login failed: ${why}`, o.end, o.err);
      }
    } else {
      const reason = plainReason(o.err.message);
      record(def.name, "error", [checkErrorFinding(def.name, reason)], o.t, reason, o.end, o.err);
    }
  }
  for (const fn of cleanups) await Promise.resolve(fn()).catch(() => undefined);
  dropAnonymousLoginSeenByAccounts(report);
  const settingsCheck = report.checks.find((c) => c.name === "settings");
  if (settingsCheck) settingsCheck.findings = settingsNotSaidBefore(report.checks.find((c) => c.name === connectivity.name)?.findings ?? [], settingsCheck.findings);
  // One condition, one finding; references numbered for this server's flavour.
  report.checks = consolidateChecks(report.checks).map((c) => ({ ...c, findings: c.findings.map((f) => withBenchmarkReferences(f, report.server?.flavor)) }));
  return finish();
}

// One problem, one finding: with a login the accounts check names the anonymous account itself, which says more
// than the probe's accepted login did.
function dropAnonymousLoginSeenByAccounts(report: TargetReport): void {
  const accounts = report.checks.find((c) => c.name === "accounts");
  const conn = report.checks.find((c) => c.name === connectivity.name);
  if (!accounts || !conn || !accounts.findings.some((f) => f.id === "accounts.anonymous")) return;
  conn.findings = conn.findings.filter((f) => f.id !== "server.anonymous-login");
}

/** The finding for a target the audit could not reach or talk to. */
export function unreachableFinding(label: string, why: string): Finding {
  return {
    id: "audit.target-unreachable",
    severity: "error",
    title: `${label} could not be audited`,
    evidence: why,
    fix: "Check the host and port, that the server is running, and that this host may connect (firewall, bind_address, skip_networking).",
  };
}

// OpenSSL's raw error lines (thread id, code, source path) can reach us inside a library's message; a person
// needs only the reason, e.g. "sslv3 alert handshake failure (SSL alert number 40)".
const OPENSSL_RAW = /[0-9A-F]{8,}:error:[0-9A-F]{8}:[^:]*:[^:]*:([^:]*):[^\s:]*:\d+:(SSL alert number \d+)?/g;

/** A check's failure as one line for people: OpenSSL's raw error lines reduced to their reason. */
export function plainReason(message: string): string {
  return message
    .replace(OPENSSL_RAW, (_m, reason: string, alert?: string) => (alert ? `${reason} (${alert})` : reason))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("; ");
}

/** The finding for a check that could not run: never a silent pass. */
export function checkErrorFinding(check: string, why: string): Finding {
  return {
    id: "audit.check-error",
    severity: "error",
    title: `The ${check} check could not run`,
    evidence: why,
  };
}

/** The one finding for a login that failed, naming every check that needed it. */
function loginFailedFinding(checks: string[], why: string): Finding {
  return {
    id: "audit.check-error",
    severity: "error",
    title: `The login failed, so ${checks.join(", ")} could not run`,
    evidence: why,
    fix: "Check the user, password and REQUIRE clause of the auditing account (README: the auditing account), or drop the credentials to audit without a login",
  };
}
