import type { ChalkInstance } from "chalk";
import { paintSeverity } from "./colour.js";
import { findingDetail, findingLine } from "./findings-text.js";
import { parseServerVersion, type FixPlan } from "./fix-plan.js";
import { gradeSummary, type GradeLetter } from "./grade.js";
import { printable } from "./printable.js";
import { renderTable, renderKeyValues } from "./table.js";
import { failOnPhrase, findingsOf, gradeTarget, isFailing, type FailOn, type Report, type Summary, type TargetReport } from "./report.js";
import { SEVERITIES } from "./types.js";
import { wrap } from "./wrap.js";
import { statementForText } from "./fix-text.js";

/** How the text report is drawn. */
export interface TextStyle {
  c: ChalkInstance;
  plain: boolean;
  /** Columns to fit (default 80). */
  width?: number;
  /** Evidence, references and the detail tables too (default: one screen without them). */
  verbose?: boolean;
}

/**
 * The audit for people, one screen by default: the verdict with the grade first, one entry per finding, then one
 * fix plan per server. --verbose adds each finding's evidence and references and the detail tables.
 */
export function renderAuditText(r: Report, style: TextStyle): string {
  const { c } = style;
  const width = style.width ?? 80;
  const fleet = r.targets.length > 1;
  const targets = r.targets.map((t) => (t.grade && t.fixPlan ? t : gradeTarget(t)));
  const single = targets.length === 1 ? targets[0] : undefined;
  const out: string[] = [...verdictLines(r.summary, style, single ? single.label : `${targets.length} targets`, single)];
  if (fleet) out.push("", c.bold("Targets"), fleetTable(r, targets, style));
  for (const t of targets) out.push("", ...targetSection(t, r.summary.failOn, style, fleet));
  out.push("", ...wrap(`Policy: ${r.policy.source}; ${r.summary.failOn === "never" ? "findings never fail it" : `${r.summary.failing} at ${r.summary.failOn} or above`}; ${r.durationMs} ms${style.verbose ? "" : "; more: --verbose"}`, width).map((l) => c.gray(l)));
  return out.join("\n");
}

/** "FAIL 127.0.0.1:3306: 1 critical, 2 high, ... (fails on medium and above: 3 failing)", as one line (--quiet). */
export function verdictLine(s: Summary, style: TextStyle, what: string): string {
  return verdictLines(s, { ...style, width: Number.MAX_SAFE_INTEGER }, what, undefined, true)[0]!;
}

// The report's first line(s); the failing count moves to the footer unless `full` (the --quiet line).
function verdictLines(s: Summary, style: TextStyle, what: string, t?: TargetReport, full = false): string[] {
  const { c } = style;
  const word = s.verdict === "pass" ? "PASS" : "FAIL";
  const grade = t?.grade ? `, grade ${t.grade}` : "";
  const counts = SEVERITIES.filter((sev) => sev !== "error" || s.bySeverity.error > 0).map((sev) => `${s.bySeverity[sev]} ${sev}`);
  const unaudited = s.targets.notAudited > 0 ? `; ${s.targets.notAudited} of ${s.targets.total} not audited` : "";
  const text = `${word} ${printable(what)}${grade}: ${counts.join(", ")}${full ? ` (${failOnPhrase(s.failOn)}: ${s.failing} failing)` : ""}${unaudited}`;
  return wrap(text, style.width ?? 80, "", 5).map((line, i) => {
    let l = i === 0 ? (s.verdict === "pass" ? c.green.bold(word) : c.red.bold(word)) + line.slice(word.length) : line;
    for (const sev of SEVERITIES) {
      const n = s.bySeverity[sev];
      const re = new RegExp(`\\b${n} ${sev}\\b`);
      l = l.replace(re, (m) => (n > 0 ? paintSeverity(c, sev, m) : c.gray(m)));
    }
    return l;
  });
}

const GRADE_COLOUR: Record<GradeLetter, (c: ChalkInstance, s: string) => string> = {
  A: (c, s) => c.green.bold(s),
  B: (c, s) => c.yellow.bold(s),
  C: (c, s) => c.yellow.bold(s),
  D: (c, s) => c.red.bold(s),
  F: (c, s) => c.red.bold(s),
};

// One row per target: result, grade, the non-zero counts in one cell, and the server.
function fleetTable(r: Report, targets: TargetReport[], style: TextStyle): string {
  const short: Record<string, string> = { critical: "crit", high: "high", medium: "med", low: "low", info: "info", error: "err" };
  const rows = targets.map((t) => {
    const fs = findingsOf(t);
    const failing = fs.some((f) => isFailing(f, r.summary.failOn));
    const result = !t.audited ? style.c.red("NOT AUDITED") : failing ? style.c.red("FAIL") : style.c.green("PASS");
    const counts = SEVERITIES.map((sev) => [sev, fs.filter((f) => f.severity === sev).length] as const)
      .filter(([, n]) => n > 0)
      .map(([sev, n]) => `${n} ${short[sev]}`)
      .join(", ");
    const server = printable(t.server ? serverName(t.server) : (t.error?.message ?? ""));
    return [printable(t.label), result, GRADE_COLOUR[t.grade ?? "F"](style.c, t.grade ?? "F"), counts || "none", server];
  });
  return renderTable(["Target", "Result", "Grade", "Findings", "Server"], rows, { plain: style.plain, width: style.width ?? 80 });
}

function targetSection(t: TargetReport, failOn: FailOn, style: TextStyle, fleet: boolean): string[] {
  const { c } = style;
  const width = style.width ?? 80;
  const out: string[] = [];
  const fs = findingsOf(t);
  if (fleet) {
    const bad = !t.audited || fs.some((f) => isFailing(f, failOn));
    out.push(c.bold(`== ${printable(t.label)} ${bad ? c.red(t.audited ? "FAIL" : "NOT AUDITED") : c.green("PASS")}, grade ${t.grade} ==`));
  }
  if (t.error) out.push(...wrap(printable(`Could not audit ${t.label}: ${t.error.message}`), width, "", 2).map((l) => c.red(l)));
  out.push(...serverLine(t, width));
  if (t.grade && t.gradeCaps) {
    const why = gradeSummary({ grade: t.grade, caps: t.gradeCaps }, !style.verbose);
    out.push(...wrap(`Grade ${t.grade}, capped by: ${why}`, width, "", 2).map((l, i) => (i === 0 ? l.replace(/^Grade ./, (m) => GRADE_COLOUR[t.grade!](c, m)) : l)));
  }
  out.push("", c.bold(`Findings (${fs.length})`));
  if (fs.length === 0) out.push(c.green("  No findings."));
  for (const f of fs) {
    out.push(...findingLine(f, c, width));
    if (style.verbose) out.push(...findingDetail(f, c, width, false));
  }
  if (t.ignoredFindings > 0) out.push(c.gray(`  (${t.ignoredFindings} finding${t.ignoredFindings === 1 ? "" : "s"} ignored by the policy)`));
  if (t.fixPlan) out.push(...fixPlanLines(t.fixPlan, t.server?.flavor, style));
  if (style.verbose) {
    out.push("", c.bold("Details"));
    if (t.overview.length) out.push(renderKeyValues(t.overview.map(([k, v]) => [printable(k), printable(v)]), { plain: style.plain, width }));
    out.push(
      renderTable(
        ["Check", "Status", "Findings", "Note"],
        t.checks.map((ch) => [
          ch.name,
          ch.status === "completed" ? c.green(ch.status) : ch.status === "error" ? c.magenta(ch.status) : c.gray(ch.status),
          String(ch.findings.length),
          printable(ch.reason ?? ""),
        ]),
        { plain: style.plain, width },
      ),
    );
  }
  return out;
}

// "MariaDB 10.11.19; TLSv1.2, TLSv1.3; certificate CN=db (820 days left)": the facts a person checks first.
function serverLine(t: TargetReport, width: number): string[] {
  const o = new Map(t.overview);
  const parts: string[] = [];
  if (t.server) parts.push(serverName(t.server));
  const protocols = o.get("Protocols") ?? (o.get("TLS offered") === "no" ? "TLS not offered" : undefined);
  if (protocols) parts.push(protocols.replace(/, /g, " "));
  const expires = /\((-?\d+) days left\)/.exec(o.get("Expires") ?? "")?.[1];
  const cert = o.get("Certificate")?.split(" (issuer")[0];
  if (cert) parts.push(`${cert}${expires !== undefined ? ` (${expires} days left)` : ""}`);
  if (!o.has("Logged in as") && t.checks.some((ch) => ch.name === "settings" && ch.status === "skipped")) parts.push("no login: settings and accounts not checked");
  return parts.length ? wrap(printable(parts.join(", ")), width, "", 2) : [];
}

// "MariaDB 10.11.19" from "5.5.5-10.11.19-MariaDB-0+deb12u1"; "MySQL 8.0.36"; the raw version when it does not parse.
function serverName(s: { flavor: string; version: string }): string {
  const name = s.flavor === "mariadb" ? "MariaDB" : s.flavor === "mysql" ? "MySQL" : s.flavor === "percona" ? "Percona Server" : "Server";
  const v = parseServerVersion(s.version, s.flavor);
  return `${name} ${v ? v.join(".") : s.version}`;
}

/** The fix plan as people copy it: the option-file block, the SQL, the other steps. */
export function fixPlanLines(p: FixPlan, flavor: string | undefined, style: TextStyle): string[] {
  const { c } = style;
  const width = style.width ?? 80;
  if (!p.optionFile && p.sql.length === 0 && p.steps.length === 0) return [];
  const daemon = flavor === "mariadb" ? "mariadbd" : "mysqld";
  const out = ["", c.bold("Fix plan")];
  if (p.optionFile) {
    const long = p.optionFile.lines.some((l) => l.length + 4 > width);
    out.push(...wrap(`Append to ${p.optionFile.file}${long ? " (one line per option)" : ""}, then restart ${daemon}:`, width, "  ", 2));
    out.push(`    [${p.optionFile.section}]`);
    for (const l of p.optionFile.lines) out.push(...wrap(l, width, "    ", 6));
  }
  if (p.sql.length) {
    out.push(`  Run as an administrator:`);
    for (const s of p.sql) out.push(...wrapSql(printable(statementForText(s), { keepNewlines: true }), width));
  }
  if (p.steps.length) {
    out.push("  Also:");
    for (const s of p.steps) out.push(...wrap(s, width, "  - ", 4));
  }
  return out;
}

// Private-use stand-in for a space inside a quoted name, so wrapping breaks only between SQL tokens.
const KEEP = "\ue000";

/**
 * One statement (or NO_BACKSLASH_ESCAPES block) of the plan, wrapped only at spaces outside quoted names and
 * strings: a break inside 'a b' would name another account. A quoted token too long for a line stays whole.
 */
export function wrapSql(statement: string, width: number): string[] {
  return statement.split("\n").flatMap((line) => {
    if (line.includes(KEEP)) return [`    ${line}`];
    let quote = "";
    let guarded = "";
    for (const ch of line) {
      if (quote) {
        if (ch === quote) quote = "";
      } else if (ch === "'" || ch === "`" || ch === '"') quote = ch;
      guarded += quote && ch === " " ? KEEP : ch;
    }
    const tooLong = guarded.split(" ").some((w) => [...w].length > width - 6);
    const lines = tooLong ? [`    ${guarded}`] : wrap(guarded, width, "    ", 6);
    return lines.map((l) => l.split(KEEP).join(" "));
  });
}
