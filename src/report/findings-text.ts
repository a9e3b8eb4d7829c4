import type { ChalkInstance } from "chalk";
import { paintSeverity } from "./colour.js";
import { printable } from "./printable.js";
import { SEVERITIES, type Finding } from "./types.js";
import { fixForText } from "./fix-text.js";

/** Findings grouped by severity, each with evidence, fix and references: the one layout every command uses. */
export function renderFindings(findings: Finding[], c: ChalkInstance): string {
  if (findings.length === 0) return c.green("  No findings.");
  const out: string[] = [];
  for (const sev of SEVERITIES) {
    const group = findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push(`${paintSeverity(c, sev, sev.toUpperCase())} (${group.length})`);
    for (const f of group) out.push(...findingLines(f, c));
  }
  return out.join("\n");
}

/** One finding as lines for people; server-supplied text is made printable. */
function findingLines(f: Finding, c: ChalkInstance): string[] {
  const out = [`  - ${c.bold(printable(f.title))} ${c.gray(`[${f.id}]`)}`, `    evidence: ${printable(f.evidence)}`];
  const fix = fixForText(f);
  if (fix) out.push(`    fix:      ${printable(fix, { keepNewlines: true }).split("\n").join("\n              ")}`);
  if (f.references?.length) out.push(c.gray(`    see:      ${f.references.join("; ")}`));
  return out;
}
