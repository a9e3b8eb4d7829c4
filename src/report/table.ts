import Table from "cli-table3";
import { printable } from "./printable.js";

/** The one table seam: a bordered table when colour is on, plain aligned columns otherwise (easy to grep). */
export function renderTable(head: string[], rawRows: string[][], opts: { plain: boolean }): string {
  // Cells may hold server-supplied text; only our own colour sequences survive.
  const rows = rawRows.map((r) => r.map((cell) => printable(cell, { keepColour: true })));
  if (opts.plain) {
    const all = head.length > 0 ? [head, ...rows] : rows;
    const widths = all.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, visibleLength(cell))), []);
    return all
      .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)))).join("  ").trimEnd())
      .join("\n");
  }
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
  for (const r of rows) t.push(r);
  return t.toString();
}

/** A two-column key/value table. */
export function renderKeyValues(rows: [string, string][], opts: { plain: boolean }): string {
  return renderTable([], rows, opts);
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}
