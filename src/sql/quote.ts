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

/**
 * Tagged template for fix statements: the template is our own SQL (statements end with ";"; a trailing "-- ..."
 * comment is fine), the values are names and strings, quoted here so the statements mean the same under any sql_mode.
 *   fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`
 */
export function fixSql(strings: TemplateStringsArray | readonly string[], ...values: SqlValue[]): SqlFix {
  const all = sql(strings, ...values);
  const wrap = !modeIndependent(all);
  const text = write(all, wrap);
  const statements = wrap
    ? [
        "SET @saved_sql_mode = @@SESSION.sql_mode;",
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';  -- a value below holds a backslash: these statements are written for this mode",
        text,
        "SET SESSION sql_mode = @saved_sql_mode;",
      ].join("\n")
    : text;
  return { sql: statements, controls: controlCharacterNames(textOf(all)) };
}

/** The Finding fields for a fix: `fix`, and `fixControlCharacters` when a name in it holds control characters. */
export function fixFields(f: SqlFix): { fix: string; fixControlCharacters?: string[] } {
  return { fix: f.sql, ...(f.controls.length ? { fixControlCharacters: f.controls } : {}) };
}
