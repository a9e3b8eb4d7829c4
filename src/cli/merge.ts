// `merge FILE...`: one report from the JSON (--json) and NDJSON (--ndjson) reports of several runs, e.g. the shards
// of a CI matrix, with the exit code the whole fleet deserves (the audit's rule).
import fs from "node:fs";
import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { FAIL_SEVERITIES, DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { renderAuditText } from "../report/audit-text.js";
import { gradeOf, renderPrometheus } from "../report/prometheus.js";
import { CHECK_NAMES } from "../checks/registry.js";
import { exitCodeOf, makeReport, reportJson, type CheckName, type FailOn, type Report, type TargetReport } from "../report/report.js";
import { SCHEMA_VERSION, SEVERITIES, SEVERITY_RANK, type Finding } from "../report/types.js";
import { TOOL } from "../version.js";
import { failSeverity } from "./options.js";
import { jsonLine, jsonText, makeOutput, writeOut } from "./output.js";
import { writeOutputFile } from "./write-file.js";
import type { RunState } from "./main.js";

/** The --ndjson line of one finished target: the --json document's per-target object with the envelope's fields. */
export function targetLine(t: TargetReport, failOn: FailOn): string {
  const doc = reportJson(makeReport([t], { failOn, policySource: "", startedAt: new Date(), durationMs: 0 }));
  const one = (doc.targets as Record<string, unknown>[])[0]!;
  const grade = gradeOf(t);
  return jsonLine({ schemaVersion: SCHEMA_VERSION, tool: { ...TOOL }, kind: "target", ...one, ...(grade ? { grade: (t as unknown as { grade: unknown }).grade } : {}) });
}

/** The last --ndjson line: the run's summary, counted as targets finished. */
export function summaryLine(s: { summary: unknown; startedAt: string; durationMs: number }, policy: { source: string; effective?: Policy }): string {
  return jsonLine({ schemaVersion: SCHEMA_VERSION, tool: { ...TOOL }, kind: "summary", startedAt: s.startedAt, durationMs: s.durationMs, policy, summary: s.summary });
}

interface ReadInput {
  targets: TargetReport[];
  failOn: FailOn[];
  startedAt: string[];
  durationMs: number;
  policies: { source: string; effective?: Policy }[];
}

/** Reads one --json document or --ndjson stream into target reports; any malformed input is one line naming the file. */
export function readReportFile(file: string, into: ReadInput): void {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new AuditError("usage", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const docs: { doc: unknown; where: string }[] = [];
  const trimmed = text.trim();
  if (trimmed === "") throw new AuditError("usage", `${file}: empty, not a JSON or NDJSON report`);
  try {
    docs.push({ doc: JSON.parse(trimmed), where: file });
  } catch {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        docs.push({ doc: JSON.parse(line), where: `${file}:${i + 1}` });
      } catch (err) {
        throw new AuditError("usage", `${file}:${i + 1}: not JSON (${(err as Error).message.split("\n")[0]})`);
      }
    });
  }
  for (const { doc, where } of docs) {
    if (!isObject(doc) || doc.schemaVersion !== SCHEMA_VERSION) throw new AuditError("usage", `${where}: not a ${TOOL.name} report (schemaVersion ${SCHEMA_VERSION} expected)`);
    if (doc.kind === "target") into.targets.push(targetFromJson(doc, where));
    else if (doc.kind === "summary" || Array.isArray(doc.targets)) {
      const s = doc.summary;
      if (isObject(s) && typeof s.failOn === "string" && (FAIL_SEVERITIES as readonly string[]).includes(s.failOn)) into.failOn.push(s.failOn as FailOn);
      if (typeof doc.startedAt === "string") into.startedAt.push(doc.startedAt);
      if (typeof doc.durationMs === "number") into.durationMs += doc.durationMs;
      if (isObject(doc.policy) && typeof doc.policy.source === "string") into.policies.push(doc.policy as { source: string; effective?: Policy });
      if (Array.isArray(doc.targets)) doc.targets.forEach((t, i) => into.targets.push(targetFromJson(t, `${where}: targets[${i}]`)));
    } else throw new AuditError("usage", `${where}: neither an audit report (--json) nor an --ndjson line`);
  }
}

/** A target of the JSON contract back into the report model (findings return to their checks). */
export function targetFromJson(raw: unknown, where: string): TargetReport {
  const bad = (why: string): never => {
    throw new AuditError("usage", `${where}: ${why}`);
  };
  if (!isObject(raw)) bad("a target must be an object");
  const t = raw as Record<string, any>;
  if (!isObject(t.target) || typeof t.target.host !== "string" || typeof t.target.port !== "number") bad("target.host and target.port missing");
  if (typeof t.audited !== "boolean") bad("audited missing");
  const findings: (Finding & { check?: string })[] = Array.isArray(t.findings) ? t.findings : bad("findings must be a list");
  for (const [i, f] of findings.entries()) {
    if (!isObject(f) || typeof f.id !== "string" || !(SEVERITIES as readonly string[]).includes(f.severity as string)) bad(`findings[${i}]: id and severity expected`);
  }
  const checks = (Array.isArray(t.checks) ? t.checks : []).map((c: any, i: number) => {
    if (!isObject(c) || !(CHECK_NAMES as readonly string[]).includes(c.name) || !["completed", "error", "skipped"].includes(c.status)) bad(`checks[${i}]: name and status expected`);
    return {
      name: c.name as CheckName,
      status: c.status,
      ...(typeof c.reason === "string" ? { reason: c.reason } : {}),
      findings: findings.filter((f) => f.check === c.name).map(({ check: _c, ...f }) => f as Finding),
      durationMs: typeof c.durationMs === "number" ? c.durationMs : 0,
    };
  });
  // A finding whose check is not listed still counts (never dropped silently).
  const listed = new Set(checks.map((c: { name: string }) => c.name));
  const orphans = findings.filter((f) => !listed.has(f.check ?? ""));
  if (orphans.length) checks.push({ name: "connectivity", status: "completed", findings: orphans.map(({ check: _c, ...f }) => f as Finding), durationMs: 0 });
  const report: TargetReport = {
    target: { host: t.target.host, port: t.target.port },
    label: typeof t.label === "string" ? t.label : `${t.target.host}:${t.target.port}`,
    audited: t.audited,
    ...(isObject(t.error) ? { error: { code: t.error.code, message: String(t.error.message) } } : {}),
    ...(isObject(t.server) ? { server: { version: String(t.server.version), flavor: String(t.server.flavor) } } : {}),
    checks,
    ignoredFindings: typeof t.ignoredFindings === "number" ? t.ignoredFindings : 0,
    abortedConnections: typeof t.abortedConnections === "number" ? t.abortedConnections : 0,
    overview: isObject(t.overview) ? Object.entries(t.overview).map(([k, v]) => [k, String(v)] as [string, string]) : [],
    details: isObject(t.details) ? t.details : {},
    durationMs: typeof t.durationMs === "number" ? t.durationMs : 0,
  };
  if (t.grade !== undefined) (report as unknown as { grade: unknown }).grade = t.grade;
  return report;
}

// "never" is the least strict threshold of all.
function failRank(f: FailOn): number {
  return f === "never" ? Number.MAX_SAFE_INTEGER : SEVERITY_RANK[f];
}

/** Merges report files into one Report; failOn is the option's, else the strictest of the inputs'. */
export function mergeReports(files: readonly string[], failOn?: FailOn): Report {
  const input: ReadInput = { targets: [], failOn: [], startedAt: [], durationMs: 0, policies: [] };
  for (const f of files) readReportFile(f, input);
  const strictest = input.failOn.length ? input.failOn.reduce((a, b) => (failRank(b) < failRank(a) ? b : a)) : DEFAULT_POLICY.failOn;
  const sources = [...new Set(input.policies.map((p) => p.source))];
  const effective = input.policies.map((p) => p.effective).filter((p): p is Policy => p !== undefined);
  const same = effective.length > 0 && effective.every((p) => JSON.stringify(p) === JSON.stringify(effective[0]));
  const report = makeReport(input.targets, {
    failOn: failOn ?? strictest,
    policySource: `merged from ${files.length} file${files.length === 1 ? "" : "s"}${sources.length ? ` (policy: ${sources.join("; ")})` : ""}`,
    ...(same ? { policy: effective[0]! } : {}),
    startedAt: new Date(input.startedAt.length ? input.startedAt.sort()[0]! : Date.now()),
    durationMs: input.durationMs,
  });
  return report;
}

/** `merge FILE...`. */
export function registerMerge(program: Command, state: RunState): void {
  program
    .command("merge")
    .description("combine JSON (--json) or NDJSON (--ndjson) audit reports, e.g. of --shard runs, into one report with the exit code the whole fleet deserves")
    .argument("<files...>", "report files written by --json or --ndjson")
    .addOption(new Option("--json", "print the merged report as one JSON document"))
    .addOption(new Option("--format <format>", "text, json or prometheus (the textfile format, one target label per series)").choices(["text", "json", "prometheus"]))
    .addOption(new Option("--output <file>", "write the merged report to this file (atomically: a temporary file in the same folder, then a rename) instead of stdout"))
    .addOption(new Option("--fail-on <severity>", `fail (exit 1) on findings at or above this severity: ${FAIL_SEVERITIES.join(", ")} (default: the strictest of the inputs')`).argParser(failSeverity))
    .addOption(new Option("--no-color", "plain output without colour"))
    .action((files: string[], o: { json?: boolean; format?: string; output?: string; failOn?: FailOn; color?: boolean }) => {
      const format = o.format ?? (o.json ? "json" : "text");
      const report = mergeReports(files, o.failOn);
      const text = renderReport(report, format, { color: o.output ? false : o.color !== false });
      if (o.output) writeOutputFile("--output", o.output, text);
      else writeOut(text);
      state.exitCode = exitCodeOf(report);
    });
}

/** A whole report in one of the file formats: text, json or prometheus. */
export function renderReport(report: Report, format: string, o: { color: boolean }): string {
  if (format === "json") return jsonText(reportJson(report)) + "\n";
  if (format === "prometheus") {
    return renderPrometheus(
      report.targets.map((t) => {
        const grade = gradeOf(t);
        return { report: t, failOn: report.summary.failOn, ...(grade ? { grade } : {}) };
      }),
      { targetLabel: true },
    );
  }
  const io = makeOutput({ color: o.color, json: false });
  const text = renderAuditText(report, io);
  return text.endsWith("\n") ? text : text + "\n";
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
