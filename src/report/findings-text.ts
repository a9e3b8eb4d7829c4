import type { ChalkInstance } from "chalk";
import { paintSeverity } from "./colour.js";
import { printable } from "./printable.js";
import { SEVERITY_RANK, type Finding } from "./types.js";

/** Findings sorted most severe first, each with evidence and fix, as plain lines for people. */
export function renderFindings(findings: Finding[], c: ChalkInstance): string {
  if (findings.length === 0) return c.green("No findings.");
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));
  const out: string[] = [];
  for (const f of sorted) {
    out.push(`${paintSeverity(c, f.severity, f.severity.toUpperCase().padEnd(8))} ${c.bold(printable(f.title))} ${c.gray(`[${f.id}]`)}`);
    out.push(`         evidence: ${printable(f.evidence)}`);
    if (f.fix) out.push(`         fix:      ${printable(f.fix, { keepNewlines: true }).split("\n").join("\n                   ")}`);
    if (f.references?.length) out.push(c.gray(`         see:      ${f.references.join("; ")}`));
  }
  return out.join("\n");
}
