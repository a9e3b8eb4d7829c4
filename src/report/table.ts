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
  // A column gives way first down to its longest word, so "sha1WithRSAEncryption" is not cut while another column can wrap at spaces.
  const words = all.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, ...cell.split(" ").map(visibleLength))), []);
  if (opts.plain) {
    // Two spaces between columns; the widest columns give way until the table fits, their cells wrapping.
    const widths = shrink([...natural], width - 2 * (natural.length - 1), 6, words);
    return all
      .flatMap((r) => {
        const cells = r.map((cell, i) => wrapCell(cell, widths[i] ?? 6));
        const height = Math.max(...cells.map((c) => c.length));
        return Array.from({ length: height }, (_, k) =>
          cells
            .map((c, i) => {
              const part = c[k] ?? "";
              return i === cells.length - 1 ? part : part + " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(part)));
            })
            .join("  ")
            .trimEnd(),
        );
      })
      .join("\n");
  }
  // A box: 3 columns of border per cell plus 1; the widest columns give way until the table fits.
  const colWidths = shrink(
    natural.map((w) => w + 2),
    width - 1 - natural.length,
    8,
    words.map((w) => w + 2),
  );
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

// Column widths made to fit the budget by narrowing the widest column, one column at a time: first only columns
// wider than their longest word (they wrap at spaces), then any column down to `min` (words are cut).
function shrink(widths: number[], budget: number, min: number, floors: number[] = []): number[] {
  const over = () => widths.reduce((a, b) => a + b, 0) > budget;
  for (const floorOf of [(i: number) => Math.max(min, floors[i] ?? min), () => min]) {
    while (over()) {
      const room = widths.map((w, i) => (w > floorOf(i) ? w : -1));
      const widest = Math.max(...room);
      if (widest < 0) break;
      widths[room.indexOf(widest)]!--;
    }
  }
  return widths;
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
