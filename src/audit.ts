import { AuditError, toAuditError, withContext } from "./errors.js";
import { probe, type HandshakeFacts, type ProbeOptions } from "./net/probe.js";
import { formatTarget, type Target } from "./net/target.js";
import { checkTransport } from "./checks/transport.js";
import { certificateJson, checkCertificate } from "./checks/certificate.js";
import { gatherChain } from "./x509/gather-chain.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS, type TimeoutOptions } from "./net/connect.js";
import { checkProtocols } from "./checks/protocols.js";
import { checkCiphers, ciphersJson } from "./checks/ciphers.js";
import { DEFAULT_CONNECTIONS, enumerateCiphers, liveProber, type CipherFacts, type Engine } from "./tls/enumerate.js";
import { planRun } from "./tls/scan-plan.js";
import { TargetScheduler } from "./net/scheduler.js";
import { applyVersionPolicy, mozillaProfile, mozillaProfileFinding, suitePolicyFindings } from "./policy/apply.js";
import { Secret, type LoginSpec } from "./sql/credentials.js";
import { login, type SqlSession } from "./sql/login.js";
import { gatherSettings } from "./sql/settings.js";
import { gatherAccounts } from "./sql/accounts.js";
import { gatherReplication } from "./sql/replication.js";
import { checkConfiguredVersions, checkSettings, settingRows, settingsJson } from "./checks/settings.js";
import type { ServerSettingsFacts } from "./sql/settings.js";
import { acceptedCiphers, accountRows, checkAccounts, type AcceptedCiphers } from "./checks/accounts.js";
import type { AccountsFacts } from "./sql/accounts.js";
import { loginJson, resetErrorCountWithLogin } from "./sql/login-json.js";
import { checkReplication } from "./checks/replication.js";
import { DEFAULT_POLICY, isAccountAllowedRequireNone, isIgnored, tlsVersionRank, type Policy } from "./policy/policy.js";
import { type CheckName, type CheckResult, type TargetReport } from "./report/report.js";
import type { Finding } from "./report/types.js";
import { withBenchmarkReferences } from "./report/finding-ids.js";
import { consolidateChecks } from "./report/consolidate.js";

/** How to audit one target. */
export interface AuditOptions extends ProbeOptions {
  policy?: Policy;
  /** Login for settings, accounts and replication (host and port are each target's); without it those checks are skipped. */
  login?: LoginSpec;
  /** Most aborted handshakes the enumeration may cost per target (default: 20 remote, no limit on loopback). */
  maxAborted?: number;
  /** The per-server cap when maxConnections is not given (the ciphers command's --concurrency): the scan shares it with every check. */
  probeConcurrency?: number;
  /** Most connections open to one server at once, all checks together (default DEFAULT_CONNECTIONS). */
  maxConnections?: number;
  /** Checks not to run (reported as skipped, saying so). */
  skip?: readonly string[];
  /** Progress callback: the target's label and what it is doing now. */
  onStep?: (label: string, step: string) => void;
}

/** What a check's gatherer returns: findings (before the policy's ignore list), facts for --json, overview rows. */
export interface CheckRun {
  findings: Finding[];
  details?: unknown;
  overview?: [string, string][];
  /** Handshakes this check left aborted (they count toward the server's max_connect_errors, except on loopback). */
  abortedConnections?: number;
}

/** Everything a check can use: the target, the options, and the connectivity facts gathered first. */
export interface CheckContext {
  target: Target;
  options: AuditOptions;
  policy: Policy;
  handshake: HandshakeFacts;
  /** The target's scheduler: every gatherer's connections take its slots (one cap per server) and spend its budget. */
  scheduler: TargetScheduler;
  /** Runs fn once the target's checks are done (closing a shared login). */
  onDone(fn: () => Promise<void> | void): void;
  /** Gatherers shared by several checks (one enumeration feeds protocols and ciphers), memoised per target. */
  shared<T>(key: string, gather: () => Promise<T>): Promise<T>;
}

/** A check as data: when it applies, and how it runs. */
export interface CheckDefinition {
  name: Exclude<CheckName, "connectivity">;
  /** Why the check does not apply to this target, or undefined when it does. */
  skip(ctx: CheckContext): string | undefined;
  run(ctx: CheckContext): Promise<CheckRun>;
}

/** Skip reason for checks that need a TLS handshake. */
export function needsTls(ctx: CheckContext): string | undefined {
  return tlsUnavailable(ctx.handshake);
}

/** Why checks that read MySQL's SQL (settings, accounts, replication) cannot apply to this server, or undefined. */
export function sqlUnavailable(h: HandshakeFacts): string | undefined {
  if (h.server?.flavor !== "other") return undefined;
  return `the server is neither MySQL, MariaDB nor Percona (${h.server.version}: ${h.server.flavorEvidence.join("; ")}), so it does not speak MySQL's SQL and has no MySQL settings, accounts or replication to read`;
}

/** Skip reason for checks that need a login to a server that speaks MySQL's SQL. */
export function needsMysqlLogin(ctx: CheckContext): string | undefined {
  return needsCredentials(ctx) ?? sqlUnavailable(ctx.handshake);
}

/** Skip reason for checks that need a login. */
export function needsCredentials(ctx: CheckContext): string | undefined {
  return ctx.options.login || ctx.target.user !== undefined ? undefined : "no credentials given (-u/--user, -p, MYSQL_PWD, a [client] password in ~/.my.cnf or --defaults-file, or mysql://user@host); this check needs a login";
}

/** The checks after connectivity, in run order: the table from which the audit, JUnit and the docs derive. */
export const CHECKS: readonly CheckDefinition[] = [
  { name: "protocols", skip: needsTls, run: runProtocols },
  { name: "ciphers", skip: needsTls, run: runCiphers },
  { name: "certificate", skip: needsTls, run: runCertificate },
  { name: "settings", skip: needsMysqlLogin, run: runSettings },
  { name: "accounts", skip: needsMysqlLogin, run: runAccounts },
  { name: "replication", skip: needsMysqlLogin, run: runReplication },
];

// One enumeration per target feeds both the protocols and the ciphers check.
function enumeration(ctx: Pick<CheckContext, "target" | "options" | "scheduler" | "shared">): Promise<{ facts: CipherFacts; engine: Engine }> {
  return ctx.shared("enumeration", async () => {
    const o = ctx.options;
    const timeouts = { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, readTimeoutMs: o.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS };
    const { engine } = planRun(ctx.target, { ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}), engine: "auto" });
    // The scan, the certificate fetch and the login share the target's scheduler: one cap, one budget.
    const facts = await enumerateCiphers(ctx.target, liveProber(ctx.target, timeouts), {
      scheduler: ctx.scheduler,
      engine,
      onProgress: (line) => o.onStep?.(formatTarget(ctx.target), line),
    });
    return { facts, engine };
  });
}


/** The protocols check's findings from the scan's facts and the policy (the audit's and the ciphers command's). */
export function judgeProtocols(facts: CipherFacts, policy: Policy): Finding[] {
  return applyVersionPolicy(checkProtocols(facts), facts, policy);
}

/** The ciphers check's findings: the suites' ratings, the policy's suite lists and the Mozilla profile met. */
export function judgeCiphers(facts: CipherFacts, policy: Policy): Finding[] {
  const profile = mozillaProfileFinding(facts);
  return [...checkCiphers(facts), ...suitePolicyFindings(facts, policy), ...(profile ? [profile] : [])];
}

async function runProtocols(ctx: CheckContext): Promise<CheckRun> {
  const { facts } = await enumeration(ctx);
  const accepted = facts.protocols.filter((p) => p.accepted === true).map((p) => p.version);
  return {
    findings: judgeProtocols(facts, ctx.policy),
    abortedConnections: facts.abortedConnections,
    details: facts.protocols.map((p) => ({ version: p.version, accepted: p.accepted ?? null, complete: p.complete })),
    overview: [["Protocols", accepted.length ? accepted.join(", ") : "none accepted"]],
  };
}

async function runCiphers(ctx: CheckContext): Promise<CheckRun> {
  const { facts, engine } = await enumeration(ctx);
  const suites = facts.protocols.reduce((n, p) => n + p.suites.length, 0);
  const weak = facts.protocols.reduce((n, p) => n + p.suites.filter((s) => s.rating === "weak" || s.rating === "insecure").length, 0);
  return {
    findings: judgeCiphers(facts, ctx.policy),
    abortedConnections: facts.abortedConnections,
    details: ciphersJson(facts, engine),
    overview: [
      ["Cipher suites", `${suites} accepted (version, suite) pairs, ${weak} weak or insecure; Mozilla profile: ${mozillaProfile(facts)}`],
      ["Aborted connections", `${facts.abortedConnections} (of ${facts.connections} probe connections; they count toward max_connect_errors except on loopback)`],
    ],
  };
}

/** Reads the chain as sent (one connection, ended with a refused login) and judges it with the policy's warning days. */
async function runCertificate(ctx: CheckContext): Promise<CheckRun> {
  const o = ctx.options;
  // The same gathering as the cert command (one connection, the chain as sent, --ssl-ca or the system roots).
  const { facts, fetched } = await gatherChain(ctx.target, {
    ...timeoutsOf(o),
    scheduler: ctx.scheduler,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.caLabel ? { caLabel: o.caLabel } : {}),
    ...(o.hostName ? { hostName: o.hostName } : {}),
  });
  const findings = checkCertificate(facts, { warnDays: ctx.policy.certificateWarningDays, serverVersion: fetched.serverVersion });
  const leaf = facts.certificates[0];
  const overview: [string, string][] = leaf
    ? [
        ["Certificate", `${leaf.subject} (issuer ${leaf.issuer})`],
        ["Expires", `${leaf.notAfter} (${leaf.daysLeft} days left)`],
        ["Chain", `${facts.certificates.length} certificate${facts.certificates.length === 1 ? "" : "s"}, ${facts.trust.verified ? "verified" : `not verified: ${facts.trust.error ?? "no path to a trusted root"}`}`],
      ]
    : [];
  return { findings, details: certificateJson(facts, fetched), overview };
}

/** The login for this target: the run's credentials at this target's address, or the target URL's own user. */
function loginSpecFor(ctx: Pick<CheckContext, "target" | "options">): LoginSpec {
  const t = ctx.target;
  const base: LoginSpec = ctx.options.login ?? {
    host: t.host,
    port: t.port,
    user: t.user!,
    password: new Secret(""),
    passwordSource: "none",
    sslMode: "PREFERRED",
    ...(ctx.options.ca && ctx.options.caLabel ? { sslCa: ctx.options.caLabel } : {}),
    optionFiles: [],
  };
  return {
    ...base,
    host: t.host,
    port: t.port,
    ...(t.user !== undefined ? { user: t.user } : {}),
    ...(t.password !== undefined ? { password: new Secret(t.password), passwordSource: "target URL" as const } : {}),
  };
}

// One login per target serves settings, accounts and replication; a failed login fails each of them, and is
// reported once (the error carries the step "login" so the audit can tell).
function session(ctx: CheckContext): Promise<SqlSession> {
  return ctx.shared("login", async () => {
    let s: SqlSession;
    try {
      s = await login(loginSpecFor(ctx), { ...timeoutsOf(ctx.options), scheduler: ctx.scheduler });
    } catch (err) {
      const e = toAuditError(err);
      throw new AuditError(e.code, e.message, { ...e.details, step: "login" });
    }
    ctx.onDone(() => s.close());
    return s;
  });
}

function loginOverview(s: SqlSession): [string, string][] {
  return [["Logged in as", `${s.currentUser}, ${s.tls.note}`]];
}

// The scan's per-version verdicts, when the audit scans (shared with protocols and ciphers: no extra connection).
async function scannedVersions(ctx: CheckContext): Promise<CipherFacts | undefined> {
  const skip = ctx.options.skip ?? [];
  if (needsTls(ctx) !== undefined || (skip.includes("protocols") && skip.includes("ciphers"))) return undefined;
  try {
    return (await enumeration(ctx)).facts;
  } catch {
    return undefined; // the protocols and ciphers checks report why
  }
}

/**
 * The settings check's findings from the variables and the policy (the audit's and the settings command's);
 * with the scan's verdicts too, where the configured versions and the accepted ones differ.
 */
export function judgeSettings(facts: ServerSettingsFacts, policy: Policy, now: Date, scan?: CipherFacts): Finding[] {
  // Configured is not accepted: with both the variables and the handshakes, say where they differ.
  let findings = [...checkSettings(facts, now), ...(scan ? checkConfiguredVersions(facts, scan.protocols) : [])];
  // The policy may accept clear-text transport server-wide (e.g. a socket-only or tunnelled server).
  if (!policy.requireSecureTransport) findings = findings.filter((f) => !f.id.startsWith("settings.require-secure-transport"));
  // A policy whose minimum is TLS 1.0 accepts a tls_version that enables 1.0 and 1.1.
  if (tlsVersionRank(policy.minTlsVersion) <= tlsVersionRank("TLSv1")) findings = findings.filter((f) => !/^settings\.(admin-)?legacy-tls-version$/.test(f.id));
  return findings;
}

async function runSettings(ctx: CheckContext): Promise<CheckRun> {
  const s = await session(ctx);
  const [gathered, scan] = await Promise.all([gatherSettings(s), scannedVersions(ctx)]);
  const facts = { ...gathered, probeOfferedTls: ctx.handshake.tls.offered };
  const now = new Date();
  const findings = judgeSettings(facts, ctx.policy, now, scan);
  const rows = settingRows(facts, now);
  const rst = rows.find((r) => r.name === "require_secure_transport");
  return {
    findings,
    details: { ...settingsJson(facts, rows), login: loginJson(loginSpecFor(ctx), s.tls, s.currentUser) },
    overview: [...loginOverview(s), ...(rst ? ([["require_secure_transport", rst.available ? (rst.value ?? "") : (rst.note ?? "not available")]] as [string, string][]) : [])],
  };
}

// REQUIRE CIPHER is judged against what the handshakes accept, when the audit scans at all (the enumeration is
// shared with protocols and ciphers, so this costs no connection of its own).
async function scannedCiphers(ctx: CheckContext): Promise<AcceptedCiphers | undefined> {
  const scan = await scannedVersions(ctx);
  return scan ? acceptedCiphers(scan) : undefined;
}

/**
 * The accounts check's findings from the accounts and the policy (the audit's and the accounts command's); with
 * the scan's accepted suites, REQUIRE CIPHER is judged against what the handshakes accept.
 */
export function judgeAccounts(facts: AccountsFacts, policy: Pick<Policy, "requireX509ForRemote" | "accountsAllowedRequireNone">, accepted?: AcceptedCiphers): Finding[] {
  const opts = { requireX509ForRemote: policy.requireX509ForRemote };
  // Judged one account at a time so the policy can exempt named accounts from the clear-text rule only.
  const findings: Finding[] = [];
  for (const a of facts.accounts) {
    const fs = checkAccounts({ ...facts, accounts: [a], problems: [] }, opts, accepted);
    const exempt = isAccountAllowedRequireNone(a.user, a.host, policy.accountsAllowedRequireNone);
    findings.push(...fs.filter((f) => !(exempt && f.id === "accounts.cleartext-login")));
  }
  findings.push(...checkAccounts({ ...facts, accounts: [] }, opts));
  return findings;
}

/** The accounts check's JSON section (without the login, which the caller adds). */
export function accountsJson(facts: AccountsFacts): Record<string, unknown> {
  return { requireSecureTransport: facts.requireSecureTransport ?? null, accounts: accountRows(facts) };
}

async function runAccounts(ctx: CheckContext): Promise<CheckRun> {
  const s = await session(ctx);
  const [facts, accepted] = await Promise.all([gatherAccounts(s), scannedCiphers(ctx)]);
  const findings = judgeAccounts(facts, ctx.policy, accepted);
  const rows = accountRows(facts);
  const clear = rows.filter((r) => r.cleartextAllowed).length;
  return {
    findings,
    details: { ...accountsJson(facts), login: loginJson(loginSpecFor(ctx), s.tls, s.currentUser) },
    overview: [["Accounts", `${rows.length}, ${clear} can log in over clear text`]],
  };
}

async function runReplication(ctx: CheckContext): Promise<CheckRun> {
  const s = await session(ctx);
  const facts = await gatherReplication(s);
  return {
    findings: checkReplication(facts),
    details: { replication: facts.channels },
    overview: facts.channels.length ? [["Replication", `${facts.channels.length} channel(s)`]] : [],
  };
}

function timeoutsOf(o: AuditOptions): TimeoutOptions {
  return {
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.readTimeoutMs !== undefined ? { readTimeoutMs: o.readTimeoutMs } : {}),
  };
}

/** What every command learns first: the greeting and one TLS handshake, and the findings they give. */
export interface Connectivity {
  handshake: HandshakeFacts;
  /** checkTransport's findings, or tls.handshake-failed when the greeting offered TLS and the upgrade failed. */
  findings: Finding[];
  /** The upgrade failed though TLS was offered (the enumeration's own ClientHellos may still see more). */
  handshakeFailure?: AuditError;
}

/**
 * Connectivity, first, as the audit does it: every subcommand starts here so that the same server gives the same
 * answer whatever the command. Throws an AuditError (exit 3) when the target cannot be audited: unreachable, not
 * MySQL, or refused before the handshake (an ERR greeting).
 */
export async function checkConnectivity(target: Target, options: ProbeOptions = {}): Promise<Connectivity> {
  let handshake: HandshakeFacts;
  try {
    handshake = await probe(target, options);
  } catch (err) {
    const e = toAuditError(err);
    if (e.details.step !== "tls-handshake") throw withContext(e, formatTarget(target));
    const failed: HandshakeFacts = { target: { host: target.host, port: target.port }, connectMs: 0, greeting: "handshake-v10", tls: { offered: true } };
    return { handshake: failed, findings: [handshakeFailedFinding(e)], handshakeFailure: e };
  }
  if (handshake.serverError) {
    const se = handshake.serverError;
    throw new AuditError("server-error", `the server refused the connection with error ${se.errno}: ${se.message}`, { target: formatTarget(target), step: "greeting", serverErrno: se.errno });
  }
  return { handshake, findings: checkTransport(handshake) };
}

/** Why checks that need a TLS handshake cannot run on this server (no CLIENT_SSL, protocol 9), or undefined. */
export function tlsUnavailable(h: HandshakeFacts): string | undefined {
  if (h.greeting === "handshake-v9") return "the server speaks protocol 9, which has no TLS";
  return h.tls.offered ? undefined : "the server does not offer TLS (no CLIENT_SSL in its greeting)";
}

/** Settings findings less those the connectivity findings already say: have_ssl not YES is tls.not-offered, said once. */
export function settingsNotSaidBefore(connectivity: readonly Finding[], settings: Finding[]): Finding[] {
  return connectivity.some((f) => f.id === "tls.not-offered") ? settings.filter((f) => f.id !== "settings.tls-disabled") : settings;
}

/** The connectivity findings that say why TLS checks cannot run: what every command prints, once, in their place. */
export function tlsBlockingFindings(c: Connectivity): Finding[] {
  return c.findings.filter((f) => f.id === "tls.not-offered" || f.id === "server.protocol-9");
}

/** Audits one target: connectivity first, then every check as data; never throws for a target's own failure. */
export async function auditTarget(target: Target, options: AuditOptions = {}): Promise<TargetReport> {
  const started = performance.now();
  const label = formatTarget(target);
  const policy = options.policy ?? DEFAULT_POLICY;
  const step = (s: string): void => options.onStep?.(label, s);
  const report: TargetReport = {
    target: { host: target.host, port: target.port },
    label,
    audited: false,
    checks: [],
    ignoredFindings: 0,
    abortedConnections: 0,
    overview: [],
    details: {},
    durationMs: 0,
  };
  const record = (name: CheckName, status: CheckResult["status"], findings: Finding[], t0: number, reason?: string, end = performance.now()): void => {
    const kept = findings.filter((f) => !isIgnored(f.id, policy.ignore));
    report.ignoredFindings += findings.length - kept.length;
    report.checks.push({ name, status, ...(reason !== undefined ? { reason } : {}), findings: kept, durationMs: end - t0 });
  };

  // One scheduler per target: every connection of every check to this server under one cap and one budget; with
  // credentials, a successful login resets the server's count of aborted handshakes from this host.
  const canLogin = options.login !== undefined || target.user !== undefined;
  const scheduler = new TargetScheduler({
    // A login stays open while the scan runs (settings compares with it): with a login the cap is at least 2.
    maxConnections: Math.max(canLogin ? 2 : 1, options.maxConnections ?? options.probeConcurrency ?? DEFAULT_CONNECTIONS),
    budget: planRun(target, { ...(options.maxAborted !== undefined ? { maxAborted: options.maxAborted } : {}), engine: "auto" }).budget,
    ...(canLogin ? { resetServerCount: () => resetErrorCountWithLogin(loginSpecFor({ target, options }), timeoutsOf(options)) } : {}),
  });
  const memo = new Map<string, Promise<unknown>>();
  const shared = <T>(key: string, gather: () => Promise<T>): Promise<T> => {
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) memo.set(key, (p = gather()));
    return p;
  };
  step("connecting");
  const t0 = performance.now();
  // The scan does not wait for the whole connectivity probe: it starts, under the same cap, as soon as the probe
  // has read a greeting that offers TLS, while the probe's own handshake and login go on.
  let greeted: (tls: boolean) => void = () => {};
  const scanning = options.skip?.includes("protocols") && options.skip?.includes("ciphers")
    ? undefined
    : new Promise<boolean>((resolve) => (greeted = resolve)).then((tls) => (tls ? enumeration({ target, options, scheduler, shared }).catch(() => undefined) : undefined));
  const done = async (): Promise<TargetReport> => {
    greeted(false);
    await scanning;
    report.durationMs = performance.now() - started;
    return report;
  };
  let handshake: HandshakeFacts;
  let handshakeFailure: AuditError | undefined;
  try {
    handshake = await probe(target, { ...options, scheduler, onGreeting: (g) => greeted(g.kind === "v10" && g.sslOffered) });
  } catch (err) {
    const e = toAuditError(err);
    if (e.details.step === "tls-handshake") {
      // The greeting offered TLS and the upgrade failed: the server is there, and the enumeration (our own
      // ClientHellos) may still see what node:tls could not, e.g. an RC4-only server. So the audit goes on.
      handshakeFailure = e;
    } else {
      report.error = { code: e.code, message: e.message };
      record("connectivity", "error", [unreachableFinding(label, e.message)], t0, e.message);
      for (const def of CHECKS) record(def.name, "skipped", [], performance.now(), "the target could not be reached");
      return done();
    }
    handshake = { target: { host: target.host, port: target.port }, connectMs: 0, greeting: "handshake-v10", tls: { offered: true } };
  }
  report.details.probe = probeDetails(handshake);
  if (handshake.server) report.server = { version: handshake.server.version, flavor: handshake.server.flavor };
  report.overview.push(...probeOverview(handshake));
  if (handshakeFailure) {
    report.overview.push(["TLS handshake", `failed: ${handshakeFailure.message}`]);
    report.details.probe = { ...probeDetails(handshake), handshakeError: handshakeFailure.message };
  }
  const transport = handshakeFailure ? [handshakeFailedFinding(handshakeFailure)] : checkTransport(handshake);
  if (handshake.serverError || handshake.greeting === "handshake-v9") {
    // A refusal before the handshake (1129 blocked, 1040 too many connections) or a pre-TLS server: nothing more to ask it.
    const why = handshake.serverError
      ? `the server refused the connection with error ${handshake.serverError.errno}: ${handshake.serverError.message}`
      : "the server speaks protocol 9, which has no TLS";
    report.audited = handshake.greeting === "handshake-v9";
    if (!report.audited) report.error = { code: "server-error", message: why };
    record("connectivity", report.audited ? "completed" : "error", transport, t0, report.audited ? undefined : why);
    for (const def of CHECKS) record(def.name, "skipped", [], performance.now(), why);
    return done();
  }
  report.audited = true;
  record("connectivity", "completed", transport, t0);

  const cleanups: (() => Promise<void> | void)[] = [];
  const ctx: CheckContext = {
    target,
    options,
    policy,
    handshake,
    scheduler,
    onDone: (fn) => void cleanups.push(fn),
    shared,
  };
  // The checks run at once (each bounds its own connections), so a target costs its slowest check, not their sum;
  // results are recorded in table order whatever order they finish in.
  step(`checking ${CHECKS.filter((d) => !options.skip?.includes(d.name) && d.skip(ctx) === undefined).map((d) => d.name).join(", ")}`);
  const outcomes = CHECKS.map((def) => {
    const t = performance.now();
    const skip = options.skip?.includes(def.name) ? "not run: --skip " + def.name : def.skip(ctx);
    if (skip !== undefined) return Promise.resolve({ def, t, skip });
    return def.run(ctx).then(
      (run) => ({ def, t, run, end: performance.now() }),
      (err: unknown) => ({ def, t, err: toAuditError(err), end: performance.now() }),
    );
  });
  for (const o of await Promise.all(outcomes)) {
    const name = o.def.name;
    if ("skip" in o) record(name, "skipped", [], o.t, o.skip);
    else if ("run" in o) {
      if (o.run.details !== undefined) report.details[name] = o.run.details;
      if (o.run.overview) report.overview.push(...o.run.overview);
      // Protocols and ciphers share one enumeration: its cost is counted once.
      if (o.run.abortedConnections !== undefined) report.abortedConnections = Math.max(report.abortedConnections, o.run.abortedConnections);
      record(name, "completed", o.run.findings, o.t, undefined, o.end);
    } else if (o.err.details.step === "login") {
      // One failed login is one error: the first check that needed it carries the finding, the others point to it.
      const first = report.checks.find((c) => c.status === "error" && c.reason?.startsWith("the login failed: "));
      if (first) record(name, "error", [], o.t, `the login failed (see ${first.name})`, o.end);
      else {
        const needing = CHECKS.filter((d) => d.skip === needsMysqlLogin && !options.skip?.includes(d.name)).map((d) => d.name);
        const why = plainReason(o.err.message);
        record(name, "error", [loginFailedFinding(needing, why)], o.t, `the login failed: ${why}`, o.end);
      }
    } else {
      const reason = plainReason(o.err.message);
      record(name, "error", [checkErrorFinding(name, reason)], o.t, reason, o.end);
    }
  }
  for (const fn of cleanups) await Promise.resolve(fn()).catch(() => undefined);
  dropAnonymousLoginSeenByAccounts(report);
  const settingsCheck = report.checks.find((c) => c.name === "settings");
  if (settingsCheck) settingsCheck.findings = settingsNotSaidBefore(report.checks.find((c) => c.name === "connectivity")?.findings ?? [], settingsCheck.findings);
  // One condition, one finding; references numbered for this server's flavour.
  report.checks = consolidateChecks(report.checks).map((c) => ({ ...c, findings: c.findings.map((f) => withBenchmarkReferences(f, report.server?.flavor)) }));
  return done();
}

// One problem, one finding: with a login the accounts check names the anonymous account itself, which says more
// than the probe's accepted login did.
function dropAnonymousLoginSeenByAccounts(report: TargetReport): void {
  const accounts = report.checks.find((c) => c.name === "accounts");
  const connectivity = report.checks.find((c) => c.name === "connectivity");
  if (!accounts || !connectivity || !accounts.findings.some((f) => f.id === "accounts.anonymous")) return;
  connectivity.findings = connectivity.findings.filter((f) => f.id !== "server.anonymous-login");
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

/** The finding for a server that offers TLS but whose handshake with node:tls failed. */
function handshakeFailedFinding(e: AuditError): Finding {
  return {
    id: "tls.handshake-failed",
    severity: "high",
    title: "The server offers TLS, but a TLS handshake with it failed",
    evidence: e.message,
    fix: "Check the server's error log and its ssl_cert, ssl_key, ssl_cipher and tls_version settings; a client can only connect in clear text as it stands",
  };
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

/** The probe's JSON section, following the contract in shared/DESIGN.md: the audit's `details.probe` and `probe --json` alike. */
export function probeDetails(f: HandshakeFacts): Record<string, unknown> {
  return {
    connectMs: f.connectMs,
    greeting: f.greeting,
    ...(f.server
      ? {
          server: {
            protocolVersion: f.server.protocolVersion,
            version: f.server.version,
            versionNumber: f.server.versionNumber,
            flavor: f.server.flavor,
            flavorEvidence: f.server.flavorEvidence,
            connectionId: f.server.connectionId,
            capabilities: f.server.capabilities,
            capabilityFlags: f.server.capabilityFlags,
            ...(f.server.mariadbCapabilities ? { mariadbCapabilities: f.server.mariadbCapabilities } : {}),
            ...(f.server.collation ? { characterSet: f.server.characterSet, collation: f.server.collation } : {}),
            ...(f.server.statusFlags ? { statusFlags: f.server.statusFlags } : {}),
            authPlugin: f.server.authPlugin ?? null,
          },
        }
      : {}),
    ...(f.serverError ? { serverError: f.serverError } : {}),
    tls: f.tls,
  };
}

function probeOverview(h: HandshakeFacts): [string, string][] {
  const rows: [string, string][] = [];
  if (h.server) rows.push(["Server", `${h.server.version} (${h.server.flavor})`]);
  if (h.serverError) rows.push(["Greeting", `ERR ${h.serverError.errno}: ${h.serverError.message}`]);
  else rows.push(["TLS offered", h.tls.offered ? "yes" : "no"]);
  if (h.tls.protocol) rows.push(["Negotiated", `${h.tls.protocol} ${h.tls.cipher ?? ""}`.trim()]);
  return rows;
}
