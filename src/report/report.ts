import type { ErrorCode } from "../errors.js";
import { SEVERITIES, SEVERITY_RANK, SCHEMA_VERSION, type CheckOutcome, type Finding, type Severity } from "./types.js";
import { TOOL } from "../version.js";
import type { Policy } from "../policy/policy.js";
import { gradeOf, type GradeCap, type GradeLetter } from "./grade.js";
import { fixPlanOf, type FixPlan } from "./fix-plan.js";

/** A check's name: one of the registry's (src/checks/registry.ts CHECK_NAMES), in its run order. */
export type CheckName = string;

/** One check's outcome with the findings it produced (after the policy's ignore list). */
export interface CheckResult extends CheckOutcome {
  name: CheckName;
  findings: Finding[];
  durationMs: number;
  /** Why it could not run, typed (status "error"): what a subcommand reports as its error. Not in the JSON. */
  error?: { code: ErrorCode; step?: string; message: string };
}

/** Everything the audit learned about one target. */
export interface TargetReport {
  target: { host: string; port: number };
  /** host:port as printed. */
  label: string;
  /** False when the target could not be audited at all (unreachable, not MySQL, refused the greeting). */
  audited: boolean;
  /** Why it could not be audited. */
  error?: { code: ErrorCode; message: string; step?: string };
  server?: { version: string; flavor: string };
  checks: CheckResult[];
  /** How many findings the policy's ignore list dropped. */
  ignoredFindings: number;
  /** Handshakes the audit left aborted on this server (they count toward max_connect_errors, except on loopback). */
  abortedConnections: number;
  /** The facts a person wants first (server, versions, suites, certificate), as label/value pairs. */
  overview: [string, string][];
  /** Per-check facts as plain JSON (the probe, protocols, chain, settings, accounts). */
  details: Record<string, unknown>;
  durationMs: number;
  /** The overall grade, A to F (README: "The grade"); set by makeReport. */
  grade?: GradeLetter;
  /** The rules that capped the grade, most severe first (empty for an A). */
  gradeCaps?: GradeCap[];
  /** One fix plan for the server: option-file block, SQL, other steps; set by makeReport. */
  fixPlan?: FixPlan;
}

/** The run's verdict: counts by severity and whether anything reaches the failing severity. */
export interface Summary {
  bySeverity: Record<Severity, number>;
  verdict: "pass" | "fail";
  failOn: FailOn;
  /** Findings that fail the run: at or above failOn, and those of checks that could not run (unless allowed). */
  failing: number;
  /** Of those, findings of checks that could not run on an audited target (0 when the policy allows incomplete checks). */
  incomplete: number;
  targets: { total: number; audited: number; notAudited: number };
}

/** One audit run over one or more targets. */
export interface Report {
  targets: TargetReport[];
  summary: Summary;
  /** Where the policy came from and, when known, the policy in force (the file's keys with defaults filled in). */
  policy: { source: string; effective?: Policy };
  startedAt: string;
  durationMs: number;
}

/** All findings of a target, most severe first. */
export function findingsOf(t: TargetReport): Finding[] {
  return sortFindings(t.checks.flatMap((c) => c.findings));
}

/**
 * Findings sorted most severe first, then by id. Ids are lower-case ASCII, so code-unit order is the order
 * localeCompare gave, without loading ICU's collator (about 10 ms of a scan's CPU, measured; #13).
 */
export function sortFindings<T extends Finding>(fs: T[]): T[] {
  return [...fs].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A --fail-on threshold: a severity, or "never" (findings never fail the run). */
export type FailOn = Severity | "never";

/** "fails on medium and above", or "findings never fail it" for --fail-on never. */
export function failOnPhrase(failOn: FailOn): string {
  return failOn === "never" ? "findings never fail it" : `fails on ${failOn} and above`;
}

/**
 * True when the finding fails the run. An "error" finding (a check that could not run) fails it at every
 * threshold, "never" included, unless incomplete checks are allowed; any other finding when it reaches failOn.
 */
export function isFailing(f: Pick<Finding, "severity">, failOn: FailOn, allowIncomplete = false): boolean {
  if (f.severity === "error") return !allowIncomplete;
  if (failOn === "never") return false;
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn];
}

/** Counts and verdict; a target that could not be audited, or a check that could not run, fails the run too (never a silent pass). */
export function summarize(targets: TargetReport[], failOn: FailOn, allowIncomplete = false): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let failing = 0;
  let incomplete = 0;
  for (const t of targets) {
    for (const f of findingsOf(t)) {
      bySeverity[f.severity]++;
      if (isFailing(f, failOn, allowIncomplete)) failing++;
      if (t.audited && f.severity === "error" && !allowIncomplete) incomplete++;
    }
  }
  const audited = targets.filter((t) => t.audited).length;
  const notAudited = targets.length - audited;
  return {
    bySeverity,
    verdict: failing > 0 || notAudited > 0 ? "fail" : "pass",
    failOn,
    failing,
    incomplete,
    targets: { total: targets.length, audited, notAudited },
  };
}

/** The accepted (version, suite) pairs of the cipher scan in a target's details, or undefined when it did not run. */
function acceptedSuites(t: TargetReport): { version: string; keyExchange?: string; authentication?: string }[] | undefined {
  const ciphers = t.details.ciphers as { protocols?: { version: string; suites?: { keyExchange?: string; authentication?: string }[] }[] } | undefined;
  if (!ciphers?.protocols) return undefined;
  return ciphers.protocols.flatMap((p) => (p.suites ?? []).map((s) => ({ version: p.version, ...s })));
}

/** The target with its grade and fix plan, computed from its findings and facts (pure; idempotent). */
export function gradeTarget(t: TargetReport): TargetReport & Required<Pick<TargetReport, "grade" | "gradeCaps" | "fixPlan">> {
  const findings = findingsOf(t);
  const suites = acceptedSuites(t);
  const g = gradeOf({ audited: t.audited, findings, ...(suites ? { suites } : {}) });
  return { ...t, grade: g.grade, gradeCaps: g.caps, fixPlan: fixPlanOf(t.server, findings) };
}

/** Builds the Report from finished targets. */
export function makeReport(
  targets: TargetReport[],
  opts: { failOn: FailOn; policySource: string; policy?: Policy; startedAt: Date; durationMs: number },
): Report {
  return {
    targets: targets.map(gradeTarget),
    summary: summarize(targets, opts.failOn, opts.policy?.allowIncompleteChecks === true),
    policy: { source: opts.policySource, ...(opts.policy ? { effective: opts.policy } : {}) },
    startedAt: opts.startedAt.toISOString(),
    durationMs: Math.round(opts.durationMs),
  };
}

/**
 * The exit code (shared/DESIGN.md): 3 when a target could not be audited or a check could not run (unless the
 * policy allows incomplete checks), else 1 on findings at/above failOn, else 0.
 */
export function exitCodeOf(r: Report): number {
  if (r.summary.targets.notAudited > 0 || r.summary.incomplete > 0) return 3;
  return r.summary.failing > 0 ? 1 : 0;
}

/** The --json document: the contract of shared/DESIGN.md plus additive fields. */
export function reportJson(r: Report): Record<string, unknown> {
  const first = r.targets[0]?.target ?? { host: "", port: 0 };
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { ...TOOL },
    // The envelope names one target; a fleet's are all in targets[] (this is the first).
    target: { host: first.host, port: first.port },
    command: "audit",
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    policy: r.policy,
    targets: r.targets.map((raw) => (raw.grade && raw.gradeCaps && raw.fixPlan ? raw : gradeTarget(raw))).map((t) => ({
      target: t.target,
      label: t.label,
      audited: t.audited,
      ...(t.error ? { error: t.error } : {}),
      ...(t.server ? { server: t.server } : {}),
      grade: t.grade,
      gradeCaps: t.gradeCaps,
      fixPlan: t.fixPlan,
      durationMs: Math.round(t.durationMs),
      checks: t.checks.map((c) => ({
        name: c.name,
        status: c.status,
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        findings: c.findings.length,
        durationMs: Math.round(c.durationMs),
      })),
      findings: sortFindings(t.checks.flatMap((c) => c.findings.map((f) => ({ ...f, check: c.name })))),
      ignoredFindings: t.ignoredFindings,
      abortedConnections: t.abortedConnections,
      overview: Object.fromEntries(t.overview),
      details: t.details,
    })),
    summary: r.summary,
  };
}
