/**
 * Server-supplied text (versions, ERR messages, certificate names) made safe for a terminal: control characters
 * are shown as \xNN, so a hostile server cannot move the cursor, retitle the window or fake extra lines.
 * keepNewlines keeps "\n" (for multi-line fixes we wrote ourselves); our own colour (SGR) sequences are kept.
 */
export function printable(text: string, opts: { keepNewlines?: boolean; keepColour?: boolean } = {}): string {
  return text.replace(/\x1b\[[0-9;]*m|[\x00-\x1f\x7f]/g, (c) => {
    if (c.length > 1) return opts.keepColour ? c : escape(c[0]!) + c.slice(1);
    if (c === "\n" && opts.keepNewlines) return c;
    return escape(c);
  });
}

function escape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}
