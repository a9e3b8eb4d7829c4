// One scrape of one target with one module. Every scrape runs the cheap, lock-out-safe part afresh (greeting,
// certificate, logins a module asks for); protocol versions come from the version ladder, whose one costly answer
// (a refused range) is remembered for the module's `cache` seconds; a full cipher enumeration runs only in a
// module that lists `ciphers`, and is reused for `cache` seconds. A per-target ledger keeps what the exporter has
// cost the server's max_connect_errors count since the last successful login, and never spends past max_aborted.
import { auditTarget, type AuditOptions } from "../run/audit.js";
import { resetServerCount } from "../sql/login-thread.js";
import { withBenchmarkReferences } from "../report/finding-ids.js";
import { isIgnored } from "../policy/policy.js";
import { formatTarget, type Target } from "../net/target.js";
import { checkProtocols } from "../checks/protocols/judge.js";
import { applyVersionPolicy } from "../policy/apply.js";
import { Secret, type LoginSpec } from "../sql/credentials.js";
import { suiteByIana } from "../tls/suites.js";
import type { CipherFacts, ProtocolFacts } from "../tls/enumerate.js";
import type { CheckName, TargetReport } from "../report/report.js";
import { readModulePassword, type ExporterModule } from "./config.js";
import { LADDER_VERSIONS, liveRangeProber, versionLadder, type RangeProber } from "./versions.js";
import type { TlsVersionName } from "../tls/node-handshake.js";
import { isLoopbackHost } from "../tls/scan-plan.js";

/** What the exporter remembers of one target between scrapes. */
export interface TargetLedger {
  /** Aborted handshakes the exporter has cost this server since its last successful login here (or since start). */
  spent: number;
  /** A version range the server refused: versions up to `upTo` are refused, remembered until `until` (ms). */
  refused?: { upTo: TlsVersionName; until: number };
  /** The last cipher enumeration per module (judged by that module's policy), reused until `until` (ms). */
  enumerations: Map<string, { report: TargetReport; until: number }>;
}

export interface RunOptions {
  /** Per-connection timeouts for this scrape (capped by the scrape's own timeout). */
  connectTimeoutMs: number;
  readTimeoutMs: number;
  now?: () => number;
  /** Tests substitute a simulated server for the version ladder. */
  rangeProber?: RangeProber;
}

const ENUMERATED: readonly CheckName[] = ["protocols", "ciphers"];

/** Audits target with module, updating its ledger; never throws for the target's own failures. */
export async function runModule(target: Target, module: ExporterModule, ledger: TargetLedger, o: RunOptions): Promise<TargetReport> {
  const now = o.now ?? Date.now;
  const started = performance.now();
  const loginSpec = module.credentials ? loginSpecFor(target, module) : undefined;
  const base: AuditOptions = {
    connectTimeoutMs: o.connectTimeoutMs,
    readTimeoutMs: o.readTimeoutMs,
    policy: module.policy,
    ...(module.ca ? { ca: module.ca.pem, caLabel: module.ca.file } : {}),
    ...(module.hostName ? { hostName: module.hostName } : {}),
    ...(loginSpec ? { login: loginSpec } : {}),
  };
  const unlisted = (["certificate", "settings", "accounts", "replication"] as const).filter((c) => !module.checks.includes(c));
  const report = await auditTarget(target, { ...base, skip: [...ENUMERATED, ...unlisted] });
  let aborted = report.abortedConnections;
  const tlsOffered = (report.details.probe as { tls?: { offered?: boolean } } | undefined)?.tls?.offered === true;
  if (report.audited && tlsOffered) {
    if (module.checks.includes("ciphers")) {
      const cached = ledger.enumerations.get(module.name);
      let enumeration = cached && cached.until > now() ? cached.report : undefined;
      if (!enumeration) {
        // Loopback is exempt from max_connect_errors (the server does not count it), as in the ciphers command.
        const room = isLoopbackHost(target.host) ? undefined : Math.max(0, module.maxAborted - ledger.spent);
        enumeration = await auditTarget(target, { ...base, ...(room !== undefined ? { maxAborted: room } : {}), skip: ["certificate", "settings", "accounts", "replication"] });
        ledger.spent += enumeration.abortedConnections;
        aborted += enumeration.abortedConnections;
        if (enumeration.checks.find((c) => c.name === "ciphers")?.status === "completed") ledger.enumerations.set(module.name, { report: enumeration, until: now() + module.cache * 1000 });
      }
      spliceEnumeration(report, enumeration);
    } else if (module.checks.includes("protocols")) {
      aborted += await ladderInto(report, target, module, ledger, o, base.ca, now);
    }
    if (!module.checks.includes("ciphers")) markSkipped(report, "ciphers", "not run: this module does not enumerate cipher suites (list ciphers in its checks)");
  } else if (report.audited) {
    for (const name of ENUMERATED) markSkipped(report, name, "the server does not offer TLS (no CLIENT_SSL in its greeting)");
  }
  report.abortedConnections = aborted;
  // A successful login sets the server's count for this host back to 0: after a scrape that cost something, log in.
  const loggedIn = report.checks.some((c) => ["settings", "accounts", "replication"].includes(c.name) && c.status === "completed");
  if (loginSpec && (loggedIn || aborted > 0)) {
    if (aborted > 0 ? await resetServerCount(loginSpec, { connectTimeoutMs: o.connectTimeoutMs, readTimeoutMs: o.readTimeoutMs }) : true) ledger.spent = 0;
  }
  report.durationMs = performance.now() - started;
  return report;
}

async function ladderInto(
  report: TargetReport,
  target: Target,
  module: ExporterModule,
  ledger: TargetLedger,
  o: RunOptions,
  ca: string | undefined,
  now: () => number,
): Promise<number> {
  const t0 = performance.now();
  const live = o.rangeProber ?? liveRangeProber(target, { connectTimeoutMs: o.connectTimeoutMs, readTimeoutMs: o.readTimeoutMs }, ca);
  // Every refusal is counted at once, so the budget check before the next handshake sees it.
  const prober: RangeProber = async (from, to) => {
    const r = await live(from, to);
    if (r.kind === "refused" || r.aborted) ledger.spent++;
    return r;
  };
  const room = (): boolean => isLoopbackHost(target.host) || ledger.spent < module.maxAborted;
  // A remembered refusal is used while fresh, and after that for as long as the budget has no room to ask again.
  const known = ledger.refused && (ledger.refused.until > now() || !room()) ? ledger.refused.upTo : undefined;
  const res = await versionLadder(prober, { ...(known ? { knownRefusedUpTo: known } : {}), mayAbort: room });
  if (res.refusedUpTo && res.refusedUpTo !== known) ledger.refused = { upTo: res.refusedUpTo, until: now() + module.cache * 1000 };
  const protocols: ProtocolFacts[] = LADDER_VERSIONS.map((v) => {
    const accepted = res.accepted.get(v);
    const suite = suiteByIana(res.ciphers.get(v) ?? "");
    return {
      version: v,
      accepted,
      suites: suite ? [{ code: suite.code, iana: suite.iana, ...(suite.openssl ? { openssl: suite.openssl } : {}), rating: suite.rating, engine: "node" as const }] : [],
      complete: accepted !== undefined,
    };
  });
  const facts: CipherFacts = {
    target: { host: target.host, port: target.port },
    protocols,
    abortedConnections: res.aborted,
    connections: res.connections,
    budget: { limit: module.maxAborted, stopped: res.problems.length > 0, resets: 0, notScanned: [] },
    problems: [],
    durationMs: performance.now() - t0,
  };
  const findings = applyVersionPolicy(checkProtocols(facts), facts, module.policy)
    .filter((f) => !isIgnored(f.id, module.policy.ignore))
    .map((f) => withBenchmarkReferences(f, report.server?.flavor));
  const check = report.checks.find((c) => c.name === "protocols");
  if (check) {
    check.status = res.problems.length && protocols.every((p) => p.accepted === undefined) ? "error" : "completed";
    delete check.reason;
    if (res.problems.length) check.reason = res.problems.join("; ");
    check.findings = findings;
    check.durationMs = performance.now() - t0;
  }
  report.details.protocols = protocols.map((p) => ({ version: p.version, accepted: p.accepted ?? null, complete: p.complete }));
  const acc = protocols.filter((p) => p.accepted === true).map((p) => p.version);
  report.overview.push(["Protocols", acc.length ? acc.join(", ") : "none accepted"]);
  if (known) report.overview.push(["Refused versions", `up to ${known}, remembered from an earlier scrape (probing again costs an aborted connection)`]);
  return res.aborted;
}

/** Copies the protocols and ciphers results (checks, details, overview) of an enumeration run into a report. */
function spliceEnumeration(into: TargetReport, from: TargetReport): void {
  for (const name of ENUMERATED) {
    const src = from.checks.find((c) => c.name === name);
    const i = into.checks.findIndex((c) => c.name === name);
    if (src && i >= 0) into.checks[i] = src;
    if (from.details[name] !== undefined) into.details[name] = from.details[name];
  }
  into.overview.push(...from.overview.filter(([k]) => k === "Protocols" || k === "Cipher suites" || k === "Aborted connections"));
}

function markSkipped(report: TargetReport, name: CheckName, reason: string): void {
  const c = report.checks.find((x) => x.name === name);
  if (c && c.status === "skipped") c.reason = reason;
}

function loginSpecFor(target: Target, module: ExporterModule): LoginSpec {
  const c = module.credentials!;
  return {
    host: target.host,
    port: target.port,
    user: c.user,
    // Read at each scrape, so a rotated password file is picked up without a restart.
    password: new Secret(readModulePassword(c.password)),
    passwordSource: "option file",
    sslMode: c.sslMode,
    ...(c.sslCa ? { sslCa: c.sslCa } : {}),
    optionFiles: [],
  };
}

/** The label of a target for keys and logs. */
export function targetKey(t: Target): string {
  return formatTarget(t);
}
