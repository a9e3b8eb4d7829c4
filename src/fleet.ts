import fs from "node:fs";
import { auditTarget, checkErrorFinding, type AuditOptions } from "./audit.js";
import { AuditError, toAuditError } from "./errors.js";
import { fileErrorText } from "./file-error-text.js";
import { formatTarget, parseTarget, type Target } from "./net/target.js";
import { DEFAULT_POLICY } from "./policy/policy.js";
import { makeReport, type Report, type TargetReport } from "./report/report.js";

/** How to audit several targets. */
export interface FleetOptions extends AuditOptions {
  /** How many targets are audited at once (default 4). */
  concurrency?: number;
  /** Where the policy came from, for the report (default: "built-in default policy", or "policy given by the caller"). */
  policySource?: string;
  /** Called as each target finishes, in finishing order. */
  onTargetDone?: (t: TargetReport, done: number, total: number) => void;
}

export const DEFAULT_CONCURRENCY = 4;

/** Reads a --targets file: one target per line; blank lines and # comments (whole-line or trailing) are ignored. */
export function readTargetsFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new AuditError("usage", `--targets ${file}: cannot read: ${fileErrorText(err)}`);
  }
  return parseTargetsList(text, file);
}

/** Parses the text of a targets file, naming the file and line of a bad target. */
export function parseTargetsList(text: string, file: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") return;
    try {
      parseTarget(line);
    } catch (err) {
      throw new AuditError("usage", `${file}:${i + 1}: ${toAuditError(err).message}`);
    }
    out.push(line);
  });
  return out;
}

/** Audits every target with at most `concurrency` at once; a dead target is reported and never stops the others. */
export async function auditFleet(targets: Target[], options: FleetOptions = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const limit = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, targets.length || 1));
  const results: TargetReport[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  // A server listed twice is audited once: two concurrent scans of one server would spend its
  // max_connect_errors twice over. Each listing still gets its own row in the report.
  const inFlight = new Map<string, Promise<TargetReport>>();
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i]!;
      const key = `${formatTarget(target)}|${target.user ?? ""}`;
      let r: TargetReport;
      try {
        let pending = inFlight.get(key);
        if (!pending) inFlight.set(key, (pending = auditTarget(target, options)));
        r = await pending;
      } catch (err) {
        // auditTarget reports target failures as data; reaching here is a bug, but it must not sink the fleet.
        const e = toAuditError(err);
        r = {
          target: { host: target.host, port: target.port },
          label: formatTarget(target),
          audited: false,
          error: { code: e.code, message: e.message },
          checks: [{ name: "connectivity", status: "error", reason: e.message, findings: [checkErrorFinding("connectivity", e.message)], durationMs: 0 }],
          ignoredFindings: 0,
          abortedConnections: 0,
          overview: [],
          details: {},
          durationMs: 0,
        };
      }
      results[i] = r;
      options.onTargetDone?.(r, ++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  const policy = options.policy ?? DEFAULT_POLICY;
  return makeReport(results, {
    failOn: policy.failOn,
    policy,
    policySource: options.policySource ?? (options.policy ? "policy given by the caller" : "built-in default policy"),
    startedAt,
    durationMs: performance.now() - t0,
  });
}
