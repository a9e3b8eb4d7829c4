import { createHash } from "node:crypto";
import fs from "node:fs";
import { auditTarget, checkErrorFinding, type AuditOptions } from "./audit.js";
import { AuditError, toAuditError } from "../errors.js";
import { fileErrorText } from "../file-error-text.js";
import { formatTarget, parseTarget, type Target } from "../net/target.js";
import { DEFAULT_POLICY } from "../policy/policy.js";
import { makeReport, summarize, type Report, type Summary, type TargetReport } from "../report/report.js";
import { SEVERITIES } from "../report/types.js";

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

/** Parses --shard K/N: K from 1 to N. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new AuditError("usage", `--shard "${value}" is not K/N with 1 <= K <= N (e.g. 1/4)`);
  return { index, count };
}

/**
 * The shard (1 to count) a target belongs to: a hash of the target string as written, so a target stays in its
 * shard when others are added to or removed from the list.
 */
export function shardOf(target: string, count: number): number {
  const h = createHash("sha256").update(target.trim()).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** The targets of shard index/count, in list order. */
export function selectShard<T extends string>(targets: readonly T[], shard: { index: number; count: number }): T[] {
  return targets.filter((t) => shardOf(t, shard.count) === shard.index);
}

/** Audits every target with at most `concurrency` at once; a dead target is reported and never stops the others. */
export async function auditFleet(targets: Target[], options: FleetOptions = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const results: TargetReport[] = new Array(targets.length);
  await runFleet(targets, options, (r, i) => {
    results[i] = r;
  });
  const policy = options.policy ?? DEFAULT_POLICY;
  return makeReport(results, {
    failOn: policy.failOn,
    policy,
    policySource: options.policySource ?? (options.policy ? "policy given by the caller" : "built-in default policy"),
    startedAt,
    durationMs: performance.now() - t0,
  });
}

/**
 * Audits every target like auditFleet, but hands each report to `sink` as it finishes and keeps none: memory stays
 * flat however long the list. The summary (and so the exit code) comes from counters.
 */
export async function auditFleetStreaming(
  targets: Target[],
  options: FleetOptions,
  sink: (t: TargetReport) => void | Promise<void>,
): Promise<{ summary: Summary; startedAt: string; durationMs: number }> {
  const startedAt = new Date();
  const t0 = performance.now();
  const policy = options.policy ?? DEFAULT_POLICY;
  const failOn = policy.failOn;
  const allowIncomplete = policy.allowIncompleteChecks === true;
  const total = summarize([], failOn, allowIncomplete);
  await runFleet(targets, options, async (r) => {
    addSummary(total, summarize([r], failOn, allowIncomplete));
    await sink(r);
  }, true);
  return { summary: total, startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0) };
}

/** Adds one summary's counts into another, verdict included. */
export function addSummary(into: Summary, s: Summary): void {
  for (const sev of SEVERITIES) into.bySeverity[sev] += s.bySeverity[sev];
  into.failing += s.failing;
  into.targets.total += s.targets.total;
  into.targets.audited += s.targets.audited;
  into.targets.notAudited += s.targets.notAudited;
  into.verdict = into.failing > 0 || into.targets.notAudited > 0 ? "fail" : "pass";
}

// `forget`: drop each finished audit from the in-flight map (streaming keeps no report; a server listed twice far
// apart is then audited twice, one after the other, never at once).
async function runFleet(targets: Target[], options: FleetOptions, done: (r: TargetReport, index: number) => void | Promise<void>, forget = false): Promise<void> {
  const limit = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, targets.length || 1));
  let next = 0;
  let finished = 0;
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
        if (forget) inFlight.delete(key);
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
      await done(r, i);
      options.onTargetDone?.(r, ++finished, targets.length);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
