import { quotedControlCharacters } from "../knowledge/sql-quote.js";
import type { Finding } from "./types.js";

// Control characters other than the newlines that separate our own statements and lines of advice.
const UNSHOWABLE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

/**
 * How a finding's fix is shown in text (the terminal, JUnit): the statement itself, or, when a name it quotes holds
 * control characters, a note saying so and pointing to --json. Text output never shows a copyable statement that
 * differs from the JSON one: a newline in a name would be indented, a tab or CR escaped, and the copy would alter
 * another account.
 */
export function fixForText(f: Pick<Finding, "fix" | "fixControlCharacters">): string | undefined {
  if (f.fix === undefined) return undefined;
  const held = f.fixControlCharacters ?? [];
  if (held.length === 0 && !UNSHOWABLE.test(f.fix)) return f.fix;
  const what = held.length ? `a name in it holds control characters (${held.join(", ")})` : "it holds control characters";
  return `not shown: ${what}, which text output cannot show exactly; run with --json for the exact statement`;
}

/** How one SQL statement (or NO_BACKSLASH_ESCAPES block) of ours is shown in text, e.g. in a fix plan: itself, or the note. */
export function statementForText(statement: string): string {
  const held = quotedControlCharacters(statement);
  return fixForText({ fix: statement, ...(held.length ? { fixControlCharacters: held } : {}) })!;
}
