// The programmatic API: everything the CLI does, as functions that return data and never exit the process.
import { auditFleet, type FleetOptions } from "./run/fleet.js";
import { parseTarget, type Target } from "./net/target.js";
import type { Report } from "./report/report.js";

/** Audits one target or several (host:port strings or Targets) and resolves to the Report; never exits the process. */
export async function audit(target: string | Target | Array<string | Target>, options: FleetOptions = {}): Promise<Report> {
  const list = Array.isArray(target) ? target : [target];
  return auditFleet(
    list.map((t) => (typeof t === "string" ? parseTarget(t) : t)),
    options,
  );
}

export { auditTarget, type AuditOptions } from "./run/audit.js";
export { CHECKS, ALL_CHECKS, CHECK_NAMES, COMMANDS, FINDING_IDS, AUDIT_JSON_SCHEMA } from "./checks/registry.js";
export type { Check, CheckInfo, CheckContext } from "./checks/check.js";
export { auditFleet, readTargetsFile, parseTargetsList, DEFAULT_CONCURRENCY, type FleetOptions } from "./run/fleet.js";
export { AuditError, type ErrorCode } from "./errors.js";
export { parseTarget, formatTarget, type Target } from "./net/target.js";
export { probe, type HandshakeFacts, type ProbeOptions } from "./net/probe.js";
export { DEFAULT_POLICY, type Policy, type LoadedPolicy } from "./policy/policy.js";
export { loadPolicy, parsePolicy, validatePolicy } from "./policy/load.js";
export { makeReport, summarize, exitCodeOf, reportJson, findingsOf, type Report, type TargetReport, type CheckResult, type Summary } from "./report/report.js";
export { renderAuditText } from "./report/audit-text.js";
export { renderJunit } from "./report/junit.js";
export type { FindingIdDoc } from "./report/finding-ids.js";
export { SCHEMA_VERSION, SEVERITIES, type Finding, type Severity, type CheckOutcome } from "./report/types.js";
