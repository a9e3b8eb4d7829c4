import type { ChalkInstance } from "chalk";
import { paintSeverity } from "./colour.js";
import { renderFindings } from "./findings-text.js";
import { renderTable, renderKeyValues } from "./table.js";
import { failOnPhrase, findingsOf, isFailing, type FailOn, type Report, type Summary, type TargetReport } from "./report.js";
import { SEVERITIES } from "./types.js";

/** How the text report is drawn. */
export interface TextStyle {
  c: ChalkInstance;
  plain: boolean;
}

/** The audit for people: the verdict line first, then findings by severity, then the details; a table per fleet. */
export function renderAuditText(r: Report, style: TextStyle): string {
  const { c } = style;
  const out: string[] = [verdictLine(r.summary, style, r.targets.length === 1 ? r.targets[0]!.label : `${r.targets.length} targets`)];
  if (r.targets.length > 1) {
    out.push("", c.bold("Targets"), fleetTable(r, style));
  }
  for (const t of r.targets) {
    out.push("", ...targetSection(t, r.summary.failOn, style, r.targets.length > 1));
  }
  out.push("", c.gray(`Policy: ${r.policy.source}; ${failOnPhrase(r.summary.failOn)}; ${r.durationMs} ms.`));
  return out.join("\n");
}

/** "FAIL 127.0.0.1:3306: 1 critical, 2 high, ... (fails on medium)". */
export function verdictLine(s: Summary, style: TextStyle, what: string): string {
  const { c } = style;
  const word = s.verdict === "pass" ? c.green.bold("PASS") : c.red.bold("FAIL");
  const counts = SEVERITIES.filter((sev) => sev !== "error" || s.bySeverity.error > 0)
    .map((sev) => {
      const n = s.bySeverity[sev];
      const text = `${n} ${sev}`;
      return n > 0 ? paintSeverity(c, sev, text) : c.gray(text);
    })
    .join(", ");
  const unaudited = s.targets.notAudited > 0 ? c.red(`; ${s.targets.notAudited} of ${s.targets.total} not audited`) : "";
  return `${word} ${what}: ${counts} (${failOnPhrase(s.failOn)}: ${s.failing} failing)${unaudited}`;
}

function fleetTable(r: Report, style: TextStyle): string {
  const head = ["Target", "Result", ...SEVERITIES.filter((s) => s !== "error"), "error", "Server"];
  const rows = r.targets.map((t) => {
    const fs = findingsOf(t);
    const failing = fs.some((f) => isFailing(f, r.summary.failOn));
    const result = !t.audited ? style.c.red("NOT AUDITED") : failing ? style.c.red("FAIL") : style.c.green("PASS");
    const counts = [...SEVERITIES.filter((s) => s !== "error"), "error" as const].map((sev) => String(fs.filter((f) => f.severity === sev).length));
    const server = t.server ? `${t.server.flavor} ${t.server.version}` : (t.error?.message ?? "");
    return [t.label, result, ...counts, server];
  });
  return renderTable(head, rows, style);
}

function targetSection(t: TargetReport, failOn: FailOn, style: TextStyle, fleet: boolean): string[] {
  const { c } = style;
  const out: string[] = [];
  const fs = findingsOf(t);
  if (fleet) {
    const bad = !t.audited || fs.some((f) => isFailing(f, failOn));
    out.push(c.bold(`== ${t.label} ${bad ? c.red(t.audited ? "FAIL" : "NOT AUDITED") : c.green("PASS")} ==`));
  }
  if (t.error) out.push(c.red(`Could not audit ${t.label}: ${t.error.message}`));
  out.push(c.bold("Findings"), renderFindings(fs, c));
  if (t.ignoredFindings > 0) out.push(c.gray(`  (${t.ignoredFindings} finding${t.ignoredFindings === 1 ? "" : "s"} ignored by the policy)`));
  out.push("", c.bold("Details"));
  if (t.overview.length) out.push(renderKeyValues(t.overview, style));
  out.push(
    renderTable(
      ["Check", "Status", "Findings", "Note"],
      t.checks.map((ch) => [
        ch.name,
        ch.status === "completed" ? c.green(ch.status) : ch.status === "error" ? c.magenta(ch.status) : c.gray(ch.status),
        String(ch.findings.length),
        ch.reason ?? "",
      ]),
      style,
    ),
  );
  return out;
}
