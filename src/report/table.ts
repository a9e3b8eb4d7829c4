import Table from "cli-table3";
import { printable } from "./printable.js";
import { terminalWidth, visibleLength } from "./wrap.js";

/** How a table is drawn: plain aligned columns (easy to grep) or a box, fitted to `width` columns (default: the terminal's). */
export interface TableStyle {
  plain: boolean;
  width?: number;
}

/** The one table seam: a bordered table when colour is on, plain aligned columns otherwise; both fit the width. */
export function renderTable(head: string[], rawRows: string[][], opts: TableStyle): string {
  // Cells may hold server-supplied text; only our own colour sequences survive.
  const rows = rawRows.map((r) => r.map((cell) => printable(cell, { keepColour: true })));
  const all = head.length > 0 ? [head, ...rows] : rows;
  const natural = all.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, visibleLength(cell))), []);
  const width = opts.width ?? terminalWidth();
  if (opts.plain) {
    // Two spaces between columns; the last column takes what is left and wraps under itself.
    const lead = natural.slice(0, -1).reduce((a, w) => a + w + 2, 0);
    const lastRoom = Math.max(10, width - lead);
    return all
      .flatMap((r) => {
        const cells = r.map((cell, i) => (i === r.length - 1 ? cell : cell + " ".repeat((natural[i] ?? 0) - visibleLength(cell))));
        const last = cells.pop() ?? "";
        const prefix = cells.map((c) => c + "  ").join("");
        return wrapCell(last, lastRoom).map((part, k) => ((k === 0 ? prefix : " ".repeat(lead)) + part).trimEnd());
      })
      .join("\n");
  }
  // A box: 3 columns of border per cell plus 1; the widest columns give way until the table fits.
  const colWidths = natural.map((w) => w + 2);
  const budget = width - 1 - colWidths.length;
  while (colWidths.reduce((a, b) => a + b, 0) > budget) {
    const i = colWidths.indexOf(Math.max(...colWidths));
    if (colWidths[i]! <= 8) break;
    colWidths[i]!--;
  }
  const t = new Table({
    head,
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [] },
    // No rule between rows: a rule under the header and around the box only.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const r of rows) t.push(r);
  return t.toString();
}

/** A two-column key/value table. */
export function renderKeyValues(rows: [string, string][], opts: TableStyle): string {
  return renderTable([], rows, opts);
}

// A plain cell wrapped at spaces (then anywhere) to `room` columns; colour sequences count as zero width.
function wrapCell(cell: string, room: number): string[] {
  if (visibleLength(cell) <= room) return [cell];
  const out: string[] = [];
  let line = "";
  for (const word of cell.split(" ")) {
    if (line !== "" && visibleLength(line) + 1 + visibleLength(word) > room) {
      out.push(line);
      line = "";
    }
    let w = word;
    while (visibleLength(w) > room) {
      out.push(w.slice(0, room));
      w = w.slice(room);
    }
    line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") out.push(line);
  return out;
}
