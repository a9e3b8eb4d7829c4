import type { FindingIdDoc } from "./finding-ids.js";

/** The README's table of finding ids, one row per id, grouped by check in the registry's order (scripts/readme-ids.mjs writes it). */
export function renderFindingIdTable(docs: readonly FindingIdDoc[]): string {
  const rows = docs.map((d) => `| \`${d.id}\` | ${d.check} | ${d.severity} | ${d.meaning.replace(/\|/g, "\\|")} |`);
  return ["| id | check | usual severity | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
