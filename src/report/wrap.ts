// Text that fits the terminal: the width to use, and word wrapping with a hanging indent.

/** The width to fit: the terminal's, else $COLUMNS, else 80 (never below 40). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } | undefined = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  const fromTty = stream?.isTTY ? stream.columns : undefined;
  const fromEnv = Number.parseInt(env.COLUMNS ?? "", 10);
  const w = fromTty && fromTty > 0 ? fromTty : Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(40, w);
}

/** The visible length of a string, without our own colour sequences. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, "")].length;
}

/**
 * Plain text wrapped to width: the first line starts with `first`, the others with `indent` spaces (a hanging
 * indent). Breaks at spaces, then after ':' ',' ';' inside long tokens (cipher lists), then anywhere.
 */
export function wrap(text: string, width: number, first = "", hanging = first.length): string[] {
  // A hanging indent never leaves less than 20 columns for text.
  const indent = Math.max(0, Math.min(hanging, width - 20));
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  let line = first;
  let lineHasWord = false;
  const room = (): number => width - [...line].length;
  const push = (): void => {
    lines.push(line.trimEnd());
    line = pad;
    lineHasWord = false;
  };
  for (const word of text.split(/ +/).filter((w) => w !== "")) {
    const sep = lineHasWord ? " " : "";
    if ([...word].length + sep.length <= room()) {
      line += sep + word;
      lineHasWord = true;
      continue;
    }
    if (lineHasWord && [...word].length <= width - indent) {
      push();
      line += word;
      lineHasWord = true;
      continue;
    }
    // A token longer than a line: break after list separators, else anywhere.
    let rest: string = lineHasWord ? " " + word : word;
    while ([...rest].length > room()) {
      const r = room();
      if (r <= 0) {
        push();
        rest = rest.trimStart();
        continue;
      }
      const head = [...rest].slice(0, r).join("");
      const cut = Math.max(head.lastIndexOf(":"), head.lastIndexOf(","), head.lastIndexOf(";"));
      const at = cut > 0 ? cut + 1 : lineHasWord && head.startsWith(" ") ? 0 : r;
      if (at === 0) {
        push();
        rest = rest.trimStart();
        continue;
      }
      line += [...rest].slice(0, at).join("");
      rest = [...rest].slice(at).join("").trimStart();
      push();
    }
    line += rest;
    lineHasWord = rest !== "";
  }
  if (lineHasWord || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
