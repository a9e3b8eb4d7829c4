import { FINDING_IDS } from "./finding-ids.js";

/** The README's table of finding ids, one row per id, grouped by check in the table's own order. */
export function renderFindingIdTable(): string {
  const rows = FINDING_IDS.map((d) => `| \`${d.id}\` | ${d.check} | ${d.severity} | ${d.meaning.replace(/\|/g, "\\|")} |`);
  return ["| id | check | usual severity | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
