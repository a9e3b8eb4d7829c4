// Names and strings in the SQL statements the tool prints as fixes, written so each statement means the same under
// every sql_mode a server or session may have ('', NO_BACKSLASH_ESCAPES, ANSI_QUOTES, both): a fix for 'a\b'@'%'
// must alter that account, never another. Pure: no I/O, no imports.
//
// The one mode-dependent character is the backslash: in a '...' literal it escapes the next character, except under
// NO_BACKSLASH_ESCAPES where it is itself. So no '...' literal holding a backslash means one thing in both modes.
// - A string with no backslash is written '...' with ' doubled: the same in every mode (ANSI_QUOTES changes only
//   "...", never '...'; other bytes, newline, tab and ; and -- included, stand for themselves inside the quotes).
// - An account name part with a backslash is written as a backtick-quoted identifier (` doubled), which an account
//   name may be (`me`@`localhost`) and in which a backslash is never an escape, whatever the mode.
// - What neither can write (a string literal holding a backslash, such as an ISSUER, or an account part holding
//   both a backslash and NUL, which an identifier cannot hold) is written for NO_BACKSLASH_ESCAPES, and the
//   statements are wrapped in SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES' ... and a restore of the session's mode.
// Control characters in a name are written as themselves (exact, and the JSON carries them exactly); they are
// reported in `controls` so that text output can say it cannot show the statement and point to --json.

/** An account name, user and host. */
export interface SqlAccount {
  readonly kind: "account";
  readonly user: string;
  readonly host: string;
}

/** A string literal, e.g. an ISSUER or a file path. */
export interface SqlString {
  readonly kind: "string";
  readonly value: string;
}

/** An identifier (a database, a table), always backtick-quoted. */
export interface SqlIdentifier {
  readonly kind: "identifier";
  readonly name: string;
}

/** A piece of SQL with its own values, for statements built from parts: sql`REQUIRE ISSUER ${sqlString(i)}`. */
export interface SqlFragment {
  readonly kind: "fragment";
  readonly strings: readonly string[];
  readonly values: readonly SqlValue[];
}

export type SqlValue = SqlAccount | SqlString | SqlIdentifier | SqlFragment;

/** One or more statements that mean the same under every sql_mode. */
export interface SqlFix {
  /** The statements, exactly (control characters in names included). */
  sql: string;
  /** Names of the control characters that quoted names in `sql` hold, e.g. ["newline"]; empty when none. */
  controls: string[];
}

export const sqlAccount = (user: string, host: string): SqlAccount => ({ kind: "account", user, host });
export const sqlString = (value: string): SqlString => ({ kind: "string", value });
export const sqlIdentifier = (name: string): SqlIdentifier => ({ kind: "identifier", name });

/** '...' with ' doubled: exact in every mode only when `s` holds no backslash (or the mode is NO_BACKSLASH_ESCAPES). */
function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `...` with ` doubled: exact in every mode for any string without NUL. */
export function backtickQuoted(s: string): string {
  return `\`${s.replace(/`/g, "``")}\``;
}

/** An account name for a statement the tool runs itself: the same in every mode unless a part holds both a backslash and NUL. */
export function accountSql(user: string, host: string): string {
  return write(sqlAccount(user, host), false);
}

function accountPart(s: string, noBackslashEscapes: boolean): string {
  return noBackslashEscapes || !s.includes("\\") ? singleQuoted(s) : backtickQuoted(s);
}

/** Whether the value can be written the same for every mode without changing the session's sql_mode. */
function modeIndependent(v: SqlValue): boolean {
  const part = (s: string) => !(s.includes("\\") && s.includes("\0"));
  switch (v.kind) {
    case "account":
      return part(v.user) && part(v.host);
    case "identifier":
      return true;
    case "string":
      return !v.value.includes("\\");
    case "fragment":
      return v.values.every(modeIndependent);
  }
}

function write(v: SqlValue, noBackslashEscapes: boolean): string {
  switch (v.kind) {
    case "account":
      return `${accountPart(v.user, noBackslashEscapes)}@${accountPart(v.host, noBackslashEscapes)}`;
    case "identifier":
      return backtickQuoted(v.name);
    case "string":
      return singleQuoted(v.value);
    case "fragment":
      return v.strings.reduce((out, s, i) => out + s + (i < v.values.length ? write(v.values[i]!, noBackslashEscapes) : ""), "");
  }
}

const NAMED: Record<string, string> = { "\n": "newline", "\r": "carriage return", "\t": "tab", "\0": "NUL", "\x1b": "escape", "\x7f": "delete" };

// C0, DEL, C1, and the invisible format characters that reorder or hide text (bidi controls, zero-width, BOM).
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** The distinct control characters in `s`, named: ["newline", "tab", "U+202E"]. */
export function controlCharacterNames(s: string): string[] {
  const names = new Set<string>();
  for (const c of s.match(CONTROL) ?? []) names.add(NAMED[c] ?? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
  return [...names];
}

function textOf(v: SqlValue): string {
  switch (v.kind) {
    case "account":
      return v.user + v.host;
    case "identifier":
      return v.name;
    case "string":
      return v.value;
    case "fragment":
      return v.values.map(textOf).join("");
  }
}

/** A piece of SQL to put into a fixSql statement (or another sql piece); its values are quoted when written. */
export function sql(strings: TemplateStringsArray | readonly string[], ...values: SqlValue[]): SqlFragment {
  return { kind: "fragment", strings: [...strings], values };
}

const WRAP_START = "SET @saved_sql_mode = @@SESSION.sql_mode;";
const WRAP_END = "SET SESSION sql_mode = @saved_sql_mode;";

/**
 * Tagged template for fix statements: the template is our own SQL (statements end with ";"; a trailing "-- ..."
 * comment is fine), the values are names and strings, quoted here so the statements mean the same under any sql_mode.
 *   fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`
 */
export function fixSql(strings: TemplateStringsArray | readonly string[], ...values: SqlValue[]): SqlFix {
  const all = sql(strings, ...values);
  const wrap = !modeIndependent(all);
  const text = write(all, wrap);
  const statements = wrap ? [WRAP_START, "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';  -- a value below holds a backslash: these statements are written for this mode", text, WRAP_END].join("\n") : text;
  return { sql: statements, controls: controlCharacterNames(textOf(all)) };
}

/** The Finding fields for a fix: `fix`, and `fixControlCharacters` when a name in it holds control characters. */
export function fixFields(f: SqlFix): { fix: string; fixControlCharacters?: string[] } {
  return { fix: f.sql, ...(f.controls.length ? { fixControlCharacters: f.controls } : {}) };
}

// Reading statements back. What fixSql writes holds no backslash escapes (a '...' without a backslash, a `...`, or
// text written for NO_BACKSLASH_ESCAPES), so a quote ends at the next lone quote character: the reading is exact.

/** The index after the quoted token that starts at `i` ('...', `...` or "...", the quote doubled inside). */
function afterQuoted(text: string, i: number): number {
  const q = text[i]!;
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] !== q) continue;
    if (text[j + 1] === q) j++;
    else return j + 1;
  }
  return text.length;
}

/** The statement that starts at `i`, up to its ";" outside quotes, or undefined when none ends it. */
function readStatement(text: string, i: number): { statement: string; end: number } | undefined {
  for (let j = i; j < text.length; ) {
    const c = text[j]!;
    if (c === "'" || c === "`" || c === '"') j = afterQuoted(text, j);
    else if (c === ";") return { statement: text.slice(i, j + 1), end: j + 1 };
    else j++;
  }
  return undefined;
}

/**
 * The SQL statements in a fix, each whole and exact (names holding ;, -- or a newline intact), without trailing
 * comments, for collecting fixes into one plan. A statement starts at the start of a line (after indentation) that
 * `startsStatement` (anchored, e.g. /^(ALTER|DROP) USER /) matches; other lines (option-file lines, advice) are
 * skipped. A block written for NO_BACKSLASH_ESCAPES (SET @saved_sql_mode ... its restore) is one unit: run it whole,
 * and never merge its SET lines with another block's.
 */
export function sqlStatementsIn(fix: string, startsStatement: RegExp): string[] {
  const out: string[] = [];
  let block: string[] | undefined;
  let i = 0;
  while (i < fix.length) {
    while (fix[i] === " ") i++;
    const rest = fix.slice(i);
    if (rest.startsWith(WRAP_START) || (block && rest.length > 0) || startsStatement.test(rest)) {
      const s = readStatement(fix, i);
      if (!s) break;
      if (s.statement === WRAP_START) block = [];
      if (block) block.push(s.statement);
      else out.push(s.statement);
      if (s.statement === WRAP_END && block) {
        out.push(block.join("\n"));
        block = undefined;
      }
      i = s.end;
    }
    const nl = fix.indexOf("\n", i);
    if (nl < 0) break;
    i = nl + 1;
  }
  return out;
}

/** The account an ALTER USER or DROP USER statement names, exactly as written ("'a b'@'%'"); equal text, same account. */
export function accountOfStatement(statement: string): string | undefined {
  const m = /^(?:ALTER|DROP) USER (?:IF EXISTS )?/i.exec(statement.trimStart());
  if (!m) return undefined;
  const text = statement.trimStart();
  const start = m[0].length;
  if (!"'`\"".includes(text[start] ?? "")) return undefined;
  const at = afterQuoted(text, start);
  if (text[at] !== "@" || !"'`\"".includes(text[at + 1] ?? "")) return undefined;
  return text.slice(start, afterQuoted(text, at + 1));
}

/** The control characters inside quoted names and strings of SQL we wrote, named (see controlCharacterNames). */
export function quotedControlCharacters(sql: string): string[] {
  let inside = "";
  for (let j = 0; j < sql.length; ) {
    const c = sql[j]!;
    if (c === "'" || c === "`" || c === '"') {
      const end = afterQuoted(sql, j);
      inside += sql.slice(j + 1, end - 1);
      j = end;
    } else j++;
  }
  return controlCharacterNames(inside);
}
