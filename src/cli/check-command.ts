// A subcommand is the audit restricted to its checks (shared/DESIGN.md): the same run (auditTarget with `only`),
// the same JSON section per check, the same findings and the same exit-code rule; only the text view is its own.
import { AuditError } from "../errors.js";
import type { Target } from "../net/target.js";
import type { Policy } from "../policy/policy.js";
import { exitCodeOf, makeReport, sortFindings, type CheckResult, type FailOn, type TargetReport } from "../report/report.js";
import { renderFindings } from "../report/findings-text.js";
import { printable } from "../report/printable.js";
import type { Finding } from "../report/types.js";
import { auditTarget, type AuditOptions, type CheckFacts } from "../run/audit.js";
import { CHECKS, commandsOf, connectivity } from "../checks/registry.js";
import type { Check, CheckInfo } from "../checks/check.js";
import { TLS_BLOCKING_IDS, type ConnectivityFacts } from "../checks/connectivity/judge.js";
import { envelope, printJson, type Output } from "./output.js";
import { policyFrom, readCaFile, timeoutsFrom, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { loginSpecFrom, type CredentialCliOptions } from "./credential-options.js";
import { caFileFrom, connectionFor } from "./connection-options.js";

/** What a subcommand's run gives: the target's report (with each check's facts), its checks, their findings and the exit code. */
export interface CommandRun {
  command: string;
  /** The registry the run used, connectivity first. */
  registry: readonly CheckInfo[];
  report: TargetReport & { facts?: CheckFacts };
  /** The command's own checks' results, in registry order. */
  checks: CheckResult[];
  /** The findings that concern the command: its checks', and the connectivity findings that stopped them (said once). */
  findings: Finding[];
  exitCode: number;
}

/** The checks a subcommand runs (the registry's `command` field). */
export function checksOf(command: string, registry: readonly CheckInfo[]): readonly string[] {
  const names = commandsOf(registry).get(command);
  if (!names) throw new Error(`no check names the command ${command}`);
  return names;
}

/**
 * Runs the audit restricted to the command's checks. A target that could not be audited (unreachable, not MySQL,
 * an ERR greeting), and a command whose every check could not run (a refused login, say), throw the AuditError
 * (exit 3; with --json the error document); only probe reports an ERR greeting itself, with `report.error`.
 */
export async function runCheckCommand(command: string, target: Target, options: AuditOptions & { policy: Policy }, checks: readonly Check[] = CHECKS): Promise<CommandRun> {
  const registry = [connectivity, ...checks];
  const names = checksOf(command, registry);
  // The probe's certificate facts are the connectivity section's: a command without it does not read them.
  const report = await auditTarget(target, { ...options, only: names.filter((n) => n !== connectivity.name), keepFacts: true, certificate: names.includes(connectivity.name) }, checks);
  const conn = report.checks.find((c) => c.name === connectivity.name);
  // Not audited (unreachable, not MySQL, an ERR greeting): one line and exit 3, with --json the error document.
  // probe, whose subject is the greeting, reports an ERR greeting itself (its document carries the error).
  const fatal = report.error && !(names.includes(connectivity.name) && report.facts?.[connectivity.name]);
  if (fatal) throw new AuditError(report.error!.code, report.error!.message, { target: report.label, ...(report.error!.step ? { step: report.error!.step } : {}) });
  const results = report.checks.filter((c) => names.includes(c.name));
  const own = results.filter((c) => c.name !== connectivity.name);
  const failed = own.length > 0 && own.every((c) => c.status === "error") ? own.find((c) => c.error)?.error : undefined;
  if (report.audited && failed) throw new AuditError(failed.code, failed.message, { target: report.label, ...(failed.step ? { step: failed.step } : {}) });
  const blocking = names.includes(connectivity.name) ? [] : (conn?.findings ?? []).filter((f) => TLS_BLOCKING_IDS.includes(f.id));
  const findings = sortFindings([...blocking, ...results.flatMap((c) => c.findings)]);
  // The audit's exit-code rule on what the command reports: 3 not audited or a check could not run, 1 a finding at
  // or above failOn, else 0.
  const policy = options.policy;
  const scoped: TargetReport = { ...report, checks: [{ name: command, status: "completed", findings, durationMs: 0 }] };
  const exitCode = exitCodeOf(makeReport([scoped], { failOn: policy.failOn as FailOn, policy, policySource: "", startedAt: new Date(), durationMs: 0 }));
  return { command, registry, report, checks: results, findings, exitCode };
}

/**
 * settings and accounts (and any command whose checks log in): the login the mysql client would make (these
 * commands always log in), then the audit restricted to the command's checks on the login's host and port.
 */
export async function runLoginCommand(
  command: string,
  rawTarget: string | undefined,
  o: CommonOptions & CredentialCliOptions & PolicyCliOptions,
  policyOverrides: Partial<Policy> = {},
  checks: readonly Check[] = CHECKS,
): Promise<CommandRun> {
  const { targets, clientOptions } = connectionFor([rawTarget], o);
  const { policy } = await policyFrom(o);
  const login = await loginSpecFrom(targets[0]!, o, clientOptions);
  const caFile = caFileFrom(o.sslCa, clientOptions);
  const ca = readCaFile(caFile?.path, caFile?.source);
  return runCheckCommand(command, { host: login.host, port: login.port }, { ...timeoutsFrom(o), ...(ca ? { ca, caLabel: caFile!.path } : {}), login, policy: { ...policy, ...policyOverrides } }, checks);
}

/**
 * The command's --json document: the envelope, each of its checks' JSON sections as the audit's `details` has
 * them (an object section spread at the top, as the commands always printed it; an array under the check's key),
 * the checks' status, the findings, and the error when the target could not be audited.
 */
export function commandDocument(run: CommandRun, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { report } = run;
  const sections: Record<string, unknown> = {};
  for (const c of run.registry) {
    if (!run.checks.some((r) => r.name === c.name)) continue;
    const key = c.section ?? c.name;
    const section = report.details[key];
    if (section === undefined) continue;
    if (section && typeof section === "object" && !Array.isArray(section)) Object.assign(sections, section);
    else sections[key] = section;
  }
  return {
    ...envelope(run.command, report.target),
    ...(report.error ? { error: report.error } : {}),
    ...sections,
    ...extra,
    checks: run.checks.map((c) => ({ name: c.name, status: c.status, ...(c.reason !== undefined ? { reason: c.reason } : {}) })),
    findings: run.findings,
  };
}

/** The checks of the run that were skipped, and why (no TLS offered, a server that does not speak MySQL's SQL). */
export function skippedChecks(run: CommandRun): CheckResult[] {
  return run.checks.filter((c) => c.status === "skipped");
}

/** Prints a command's outcome when its checks did not run: one JSON document, or one line per check and the findings. */
export function printSkipped(run: CommandRun, io: Output, extra: Record<string, unknown> = {}): void {
  if (io.json) {
    // What the greeting said, since no section of the command's own says it.
    const h = factsOf<ConnectivityFacts>(run, connectivity.name)?.handshake;
    const greeting = h ? { ...(h.server ? { server: { version: h.server.version, flavor: h.server.flavor, flavorEvidence: h.server.flavorEvidence } } : {}), tls: { offered: h.tls.offered } } : {};
    printJson(commandDocument(run, { ...greeting, ...extra }));
    return;
  }
  // One line per reason: "settings, replication not checked: <why>".
  const byReason = new Map<string, string[]>();
  for (const c of skippedChecks(run)) byReason.set(c.reason ?? "", [...(byReason.get(c.reason ?? "") ?? []), c.name]);
  const lines = [...byReason].map(([reason, names]) => `${io.c.bold(run.report.label)}: ${names.join(", ")} not checked: ${printable(reason)}`);
  io.out([...lines, "", renderFindings(run.findings, io.c)].join("\n"));
}

/** The run's check facts, typed by the caller (kept by auditTarget for the text views). */
export function factsOf<T>(run: CommandRun, check: string): T | undefined {
  return run.report.facts?.[check] as T | undefined;
}
