// The quoting of names in fix statements, against a model of the server's lexer for '...' and `...` under each
// sql_mode (test/integration/fix-statements.test.ts runs the statements on a real MariaDB).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountOfStatement, accountSql, controlCharacterNames, fixSql, quotedControlCharacters, sql, sqlAccount, sqlIdentifier, sqlStatementsIn, sqlString } from "../../src/knowledge/sql-quote.js";
import { fixForText, statementForText } from "../../src/report/fix-text.js";

const MODES = ["", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI_QUOTES,NO_BACKSLASH_ESCAPES"];

// MySQL's escapes in a '...' literal when backslashes escape (sql/sql_lex.cc): \% and \_ keep their backslash.
const ESCAPES: Record<string, string> = { "0": "\0", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\x1a", "%": "\\%", _: "\\_" };

/** Reads one quoted token at `i`: its value and where it ends. */
function readQuoted(s: string, i: number, backslashEscapes: boolean): { value: string; end: number } {
  const q = s[i]!;
  if (q !== "'" && q !== "`") throw new Error(`no quote at ${i}: ${JSON.stringify(s.slice(i, i + 20))}`);
  let value = "";
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (q === "'" && c === "\\" && backslashEscapes) {
      const n = s[++j]!;
      value += ESCAPES[n] ?? n;
    } else if (c === q) {
      if (s[j + 1] === q) {
        value += q;
        j++;
      } else return { value, end: j + 1 };
    } else value += c;
  }
  throw new Error("unterminated");
}

/** Runs our statements on a model session: SET SESSION sql_mode, and ALTER USER <account> <rest>. */
function interpret(statements: string, startMode: string): { user: string; host: string; rest: string }[] {
  let mode = startMode;
  let saved = "";
  const out: { user: string; host: string; rest: string }[] = [];
  let i = 0;
  while (i < statements.length) {
    while (statements[i] === "\n" || statements[i] === " ") i++;
    if (i >= statements.length) break;
    const escapes = !mode.split(",").includes("NO_BACKSLASH_ESCAPES");
    const head = statements.slice(i);
    if (head.startsWith("SET @saved_sql_mode = @@SESSION.sql_mode;")) {
      saved = mode;
      i += "SET @saved_sql_mode = @@SESSION.sql_mode;".length;
    } else if (head.startsWith("SET SESSION sql_mode = @saved_sql_mode;")) {
      mode = saved;
      i += "SET SESSION sql_mode = @saved_sql_mode;".length;
    } else if (head.startsWith("SET SESSION sql_mode = ")) {
      const v = readQuoted(statements, i + "SET SESSION sql_mode = ".length, escapes);
      mode = v.value;
      i = statements.indexOf("\n", v.end);
      if (i < 0) i = statements.length;
    } else if (head.startsWith("ALTER USER ")) {
      const u = readQuoted(statements, i + "ALTER USER ".length, escapes);
      expect(statements[u.end]).toBe("@");
      const h = readQuoted(statements, u.end + 1, escapes);
      // The rest up to ";": quoted values in it are read too.
      let j = h.end;
      let rest = "";
      while (statements[j] !== ";") {
        if (statements[j] === "'") {
          const v = readQuoted(statements, j, escapes);
          rest += `<${v.value}>`;
          j = v.end;
        } else rest += statements[j++];
      }
      out.push({ user: u.value, host: h.value, rest: rest.trim() });
      i = statements.indexOf("\n", j);
      if (i < 0) i = statements.length;
    } else throw new Error(`unexpected statement: ${JSON.stringify(head.slice(0, 40))}`);
  }
  return out;
}

// Names biased towards what breaks quoting.
const nasty = fc.string({ unit: fc.oneof(fc.constantFrom("\\", "'", '"', "`", "\n", "\r", "\t", "\0", ";", "-", "%", "_", "n", "0", "\u202e", " "), fc.string({ minLength: 1, maxLength: 1, unit: "grapheme-ascii" }), fc.string({ minLength: 1, maxLength: 1, unit: "binary" })), maxLength: 12 });

describe("fixSql", () => {
  it("an account name means exactly that account under every sql_mode", () => {
    fc.assert(
      fc.property(nasty, nasty, (user, host) => {
        const f = fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`;
        for (const mode of MODES) expect(interpret(f.sql, mode)).toEqual([{ user, host, rest: "REQUIRE SSL" }]);
      }),
      { numRuns: 2000 },
    );
  });

  it("a string literal means exactly that string under every sql_mode (wrapped in NO_BACKSLASH_ESCAPES when it holds a backslash)", () => {
    fc.assert(
      fc.property(nasty, nasty, (user, issuer) => {
        const f = fixSql`ALTER USER ${sqlAccount(user, "%")} ${sql`REQUIRE ISSUER ${sqlString(issuer)}`};  -- a comment`;
        for (const mode of MODES) expect(interpret(f.sql, mode)).toEqual([{ user, host: "%", rest: `REQUIRE ISSUER <${issuer}>` }]);
        expect(f.sql.startsWith("SET @saved_sql_mode")).toBe(issuer.includes("\\") || (user.includes("\\") && user.includes("\0")));
      }),
      { numRuns: 2000 },
    );
  });

  it("names the control characters a name holds, and only then", () => {
    fc.assert(
      fc.property(nasty, nasty, (user, host) => {
        const f = fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`;
        expect(f.controls.length > 0).toBe(/[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/.test(user + host));
      }),
      { numRuns: 1000 },
    );
    expect(controlCharacterNames("a\nb\tc\r\0\x1b\u202e\n")).toEqual(["newline", "tab", "carriage return", "NUL", "escape", "U+202E"]);
  });

  it("writes the readable forms", () => {
    expect(fixSql`DROP USER ${sqlAccount("", "%")};`.sql).toBe("DROP USER ''@'%';");
    expect(fixSql`ALTER USER ${sqlAccount("o'brien", "10.0.0.%")} REQUIRE SSL;`.sql).toBe("ALTER USER 'o''brien'@'10.0.0.%' REQUIRE SSL;");
    expect(fixSql`ALTER USER ${sqlAccount("a\\b", "%")} REQUIRE SSL;`.sql).toBe("ALTER USER `a\\b`@'%' REQUIRE SSL;");
    expect(fixSql`ALTER USER ${sqlAccount("t`ick\\", "%")} REQUIRE SSL;`.sql).toBe("ALTER USER `t``ick\\`@'%' REQUIRE SSL;");
    expect(fixSql`GRANT SELECT ON ${sqlIdentifier("my`db")}.* TO ${sqlAccount("a", "%")};`.sql).toBe("GRANT SELECT ON `my``db`.* TO 'a'@'%';");
    expect(accountSql("x\\y", "h")).toBe("`x\\y`@'h'");
  });
});

describe("fixForText", () => {
  it("shows the statement itself, or a note pointing to --json: never a statement that differs", () => {
    fc.assert(
      fc.property(nasty, nasty, (user, host) => {
        const f = fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`;
        const shown = fixForText({ fix: f.sql, ...(f.controls.length ? { fixControlCharacters: f.controls } : {}) })!;
        if (shown !== f.sql) expect(shown).toMatch(/^not shown: .*; run with --json for the exact statement$/);
        else expect(shown).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
      }),
      { numRuns: 1000 },
    );
    expect(fixForText({ fix: "ALTER USER 'a\nb'@'%' REQUIRE SSL;", fixControlCharacters: ["newline"] })).toBe(
      "not shown: a name in it holds control characters (newline), which text output cannot show exactly; run with --json for the exact statement",
    );
    expect(fixForText({ fix: "[mysqld]\ntls_version=TLSv1.2" })).toBe("[mysqld]\ntls_version=TLSv1.2");
    expect(fixForText({ fix: "Replace the certificate of CN=\x1b]0;x\x07" })).toMatch(/^not shown: it holds control characters/);
    expect(fixForText({})).toBeUndefined();
  });
});

describe("reading fixes back into statements (for a plan that collects them)", () => {
  const START = /^(ALTER|DROP) USER /;
  const WRAP_COMMENT = "  -- a value below holds a backslash: these statements are written for this mode";

  it("every statement whole and exact, whatever the names hold; a NO_BACKSLASH_ESCAPES block as one unit", () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, (user, host, issuer) => {
        const one = fixSql`ALTER USER ${sqlAccount(user, host)} REQUIRE SSL;`;
        const two = fixSql`ALTER USER ${sqlAccount(host, user)} ${sql`REQUIRE ISSUER ${sqlString(issuer)}`};`;
        const twoWithComment = fixSql`ALTER USER ${sqlAccount(host, user)} ${sql`REQUIRE ISSUER ${sqlString(issuer)}`};  -- and a comment`;
        const three = fixSql`DROP USER ${sqlAccount("", host)};`;
        const fix = `[mysqld]\nrequire_secure_transport=ON\nthe server's advice\n${one.sql}  -- why\n  ${twoWithComment.sql}\n${three.sql}`;
        const units = [one, two, three].map((f) => f.sql.replace(WRAP_COMMENT, ""));
        expect(sqlStatementsIn(fix, START)).toEqual(units);
        if (!units[0]!.startsWith("SET")) expect(accountOfStatement(units[0]!)).toBe(accountSql(user, host));
        if (!units[2]!.startsWith("SET")) expect(accountOfStatement(units[2]!)).toBe(accountSql("", host));
      }),
      { numRuns: 1000 },
    );
  });

  it("a name cannot smuggle a statement into the plan", () => {
    const evil = fixSql`ALTER USER ${sqlAccount("a;\nDROP USER 'root'@'localhost';\n-- ", "%")} REQUIRE SSL;`;
    expect(sqlStatementsIn(evil.sql, START)).toEqual([evil.sql]);
    expect(accountOfStatement(evil.sql)).toBe("'a;\nDROP USER ''root''@''localhost'';\n-- '@'%'");
    expect(statementForText(evil.sql)).toMatch(/^not shown: a name in it holds control characters \(newline\)/);
    expect(quotedControlCharacters("ALTER USER 'a'@'%' REQUIRE SSL;\nDROP USER ''@'h';")).toEqual([]);
    expect(statementForText("ALTER USER `a\\b`@'%' REQUIRE SSL;")).toBe("ALTER USER `a\\b`@'%' REQUIRE SSL;");
  });
});
