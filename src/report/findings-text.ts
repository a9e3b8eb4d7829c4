import type { ChalkInstance } from "chalk";
import { paintSeverity } from "./colour.js";
import { printable } from "./printable.js";
import { SEVERITIES, type Finding, type Severity } from "./types.js";
import { terminalWidth, wrap } from "./wrap.js";
import { fixForText } from "./fix-text.js";

/** Findings grouped by severity, each with evidence, fix and references, wrapped to width: the subcommands' layout. */
export function renderFindings(findings: Finding[], c: ChalkInstance, width: number = terminalWidth()): string {
  if (findings.length === 0) return c.green("  No findings.");
  const out: string[] = [];
  for (const sev of SEVERITIES) {
    const group = findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push(`${paintSeverity(c, sev, sev.toUpperCase())} (${group.length})`);
    for (const f of group) out.push(...wrap(`${printable(f.title)} [${f.id}]`, width, "  - ").map((l, i, all) => (i === all.length - 1 ? grayId(l, f.id, c) : l)), ...findingDetail(f, c, width, true));
  }
  return out.join("\n");
}

/** Short severity tags, one width, for one-line findings. */
const TAGS: Record<Severity, string> = { critical: "CRIT", high: "HIGH", medium: "MED", low: "LOW", info: "INFO", error: "ERR" };

/** One finding as one entry (severity, title, id), wrapped with a hanging indent under the title. */
export function findingLine(f: Finding, c: ChalkInstance, width: number): string[] {
  const tag = TAGS[f.severity];
  const lines = wrap(`${printable(f.title)} [${f.id}]`, width, `  ${tag.padEnd(5)} `);
  lines[0] = `  ${paintSeverity(c, f.severity, tag)}${lines[0]!.slice(2 + tag.length)}`;
  lines[lines.length - 1] = grayId(lines[lines.length - 1]!, f.id, c);
  return lines;
}

/** A finding's evidence, fix (when asked) and references as indented, wrapped lines; server text made printable. */
export function findingDetail(f: Finding, c: ChalkInstance, width: number, withFix: boolean): string[] {
  const out = wrap(printable(f.evidence), width, "    evidence: ", 14);
  const fix = withFix ? fixForText(f) : undefined;
  if (fix) {
    printable(fix, { keepNewlines: true })
      .split("\n")
      .forEach((line, i) => {
        const lead = i === 0 ? "    fix:      " : " ".repeat(14);
        // A statement is shown whole, as --json has it: a break could fall inside a quoted name or turn the rest of
        // a "--" comment into SQL. Prose and option lines wrap.
        out.push(...(CODE_LINE.test(line) ? [lead + line] : wrap(line, width, lead, 16)));
      });
  }
  if (f.references?.length) out.push(...wrap(f.references.join("; "), width, "    see:      ", 14).map((l) => c.gray(l)));
  return out;
}

// SQL statements (and the note that stands in for one): copied, so never re-broken. Option-file lines wrap after
// their ":" separators like the fix plan's; a statement cannot, a break could fall inside a quoted name.
const CODE_LINE = /^not shown: |^\s*(ALTER|DROP|CREATE|GRANT|REVOKE|SET|STOP|START|CHANGE|FLUSH|INSTALL|UNINSTALL)\b|['`]/;

// The trailing [id] in gray, when the line ends with it.
function grayId(line: string, id: string, c: ChalkInstance): string {
  const tail = `[${id}]`;
  return line.endsWith(tail) ? line.slice(0, -tail.length) + c.gray(tail) : line;
}
