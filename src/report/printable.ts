import { OUR_SGR } from "./colour.js";

/**
 * Server-supplied text (versions, ERR messages, certificate names, account names) made inert for a terminal.
 * Every character a terminal or a text renderer acts on is shown as an escape instead: the C0 controls and DEL
 * (\x1b, \r, \x08, ...), the C1 controls U+0080-U+009F (U+009B is an 8-bit CSI, U+009D an 8-bit OSC), the
 * bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) and the Unicode line and
 * paragraph separators. So a hostile server cannot retitle the window, clear or scroll the screen, move the
 * cursor, hide text (ESC[8m), overwrite a line (CR) or reorder what is shown.
 *
 * keepNewlines keeps "\n" (for multi-line text we wrote ourselves). keepColour keeps exactly the SGR sequences
 * our own palette emits (OUR_SGR, from colour.ts), so renderers can escape a string that already holds our
 * colour; any other escape sequence, ESC[8m (conceal) included, is escaped. Server text must be escaped before
 * our colour is added (a server could send a palette sequence too): keepColour is for text we composed.
 */
export function printable(text: string, opts: { keepNewlines?: boolean; keepColour?: boolean } = {}): string {
  return text.replace(UNSAFE, (m) => {
    if (m.length > 1) return opts.keepColour && OUR_SGR.has(m) ? m : escapeChar(m[0]!) + m.slice(1);
    if (m === "\n" && opts.keepNewlines) return m;
    return escapeChar(m);
  });
}

/**
 * The last step before any byte reaches stdout or stderr (the writers in src/cli/output.ts and the progress
 * line): keeps "\n", and our own palette's SGR sequences only when colour is on; escapes every other control.
 * With colour off no ESC byte is written at all. A second line of defence: renderers already escape server text.
 */
export function terminalSafe(text: string, opts: { colour: boolean }): string {
  return printable(text, { keepNewlines: true, keepColour: opts.colour });
}

/**
 * The characters beyond C0 that a terminal acts on or that reorder text: DEL, the C1 controls, the bidi controls
 * and the line and paragraph separators. JSON.stringify and XML escaping leave them raw; jsonText (cli/output.ts)
 * and xmlEscape (junit.ts) escape them with this class.
 */
export const ACTIVE_BEYOND_C0 = "\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";

// An SGR-shaped sequence (checked against the palette) or one unsafe character.
const UNSAFE = new RegExp(`\\x1b\\[[0-9;]*m|[\\x00-\\x1f${ACTIVE_BEYOND_C0}]`, "g");

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
}
