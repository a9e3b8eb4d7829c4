// Fix statements mean what they say: accounts whose names hold quotes, backslash, backtick, newline, CR, tab, NUL,
// `;`, `--` or a bidi control, beside decoy accounts named what a mis-quoted statement would hit. Every fix the
// audit prints (--json) is run on a real MariaDB through the mariadb client and through mysql2, under each
// sql_mode, and judged by mysql.global_priv: exactly the intended account changed, every other account untouched.
// The text output shows the very same statements, or says it cannot and points to --json.
import { execFileSync } from "node:child_process";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, type MariaDB } from "../support/mariadb.js";
import { runCli } from "../support/cli.js";
import { accountOfStatement, sqlStatementsIn } from "../../src/knowledge/sql-quote.js";

const MODES = ["", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI_QUOTES,NO_BACKSLASH_ESCAPES"];

interface Account {
  user: string;
  host: string;
  /** The REQUIRE clause it is created with (its values escaped for the default sql_mode). */
  require?: string;
}

/** Hostile names, each followed by the decoys a wrong quoting of it would hit. */
const ACCOUNTS: Account[] = [
  // A newline: the text output indented the line after it, so a copy named "nl\n<spaces>user".
  { user: "nl\nuser", host: "%" },
  { user: "nluser", host: "%" },
  { user: "nl", host: "%" },
  { user: "nl\n              user", host: "%" },
  { user: "nl\\nuser", host: "%" },
  // A tab and a CR: the text output showed them as \x09 and \x0d, which the server reads as x09 and x0d.
  { user: "tab\tuser", host: "%" },
  { user: "tabuser", host: "%" },
  { user: "tabx09user", host: "%" },
  { user: "tab\\x09user", host: "%" },
  { user: "cr\ruser", host: "%" },
  { user: "cruser", host: "%" },
  { user: "crx0duser", host: "%" },
  { user: "cr\\x0duser", host: "%" },
  // A backslash: 'back\\slash' is back\slash by default and back\\slash under NO_BACKSLASH_ESCAPES.
  { user: "back\\slash", host: "%" },
  { user: "back\\\\slash", host: "%" },
  { user: "backslash", host: "%" },
  { user: "end\\", host: "%" },
  { user: "end", host: "%" },
  { user: "end\\\\", host: "%" },
  { user: "bs\\n", host: "%" },
  { user: "bs\n", host: "%" },
  { user: "b\\'q", host: "%" },
  { user: "b'q", host: "%" },
  { user: "b\\\\'q", host: "%" },
  // Quotes, backtick, ; and -- in one name.
  { user: "q'uo\"te`tick;--x", host: "%" },
  { user: "q", host: "%" },
  { user: "q'uo\"te", host: "%" },
  // A backslash in the host part.
  { user: "hostbs", host: "ho\\st" },
  { user: "hostbs", host: "host" },
  { user: "hostbs", host: "ho\\\\st" },
  // An anonymous account (DROP USER) whose host holds a newline.
  { user: "", host: "an\non" },
  { user: "", host: "anon" },
  { user: "", host: "an" },
  // NUL and a backslash: neither '...' nor `...` can hold both for every mode. (MariaDB ends an account name at
  // NUL when it looks accounts up, so a decoy "nul" cannot exist beside it.)
  { user: "nul\0back\\", host: "%" },
  { user: "nulback\\", host: "%" },
  { user: "nul0back", host: "%" },
  // A bidi override.
  { user: "bidi\u202euser", host: "%" },
  { user: "bidiuser", host: "%" },
  // A REQUIRE ISSUER holding a backslash, in the fix for a weak REQUIRE CIPHER: a string literal, not a name.
  { user: "ciph", host: "%", require: "REQUIRE ISSUER '/CN=back\\\\slash CA' AND CIPHER 'DES-CBC3-SHA'" },
];

const keyOf = (user: string, host: string) => `${Buffer.from(user).toString("hex")}@${Buffer.from(host).toString("hex")}`;
const KEYS = new Set(ACCOUNTS.map((a) => keyOf(a.user, a.host)));

let db: MariaDB;

function createSql(a: Account): string {
  return mysql.format(`CREATE USER ?@? ${a.require ?? ""}`, [a.user, a.host]);
}

/** Every account's TLS requirements, keyed by hex user@host (global_priv, read with the admin's default sql_mode). */
async function snapshot(): Promise<Map<string, string>> {
  const rows = await db.query<{ u: string; h: string; t: string | null; c: string | null; i: string | null }>(
    "SELECT HEX(User) AS u, HEX(Host) AS h, JSON_VALUE(Priv, '$.ssl_type') AS t, JSON_VALUE(Priv, '$.ssl_cipher') AS c, JSON_VALUE(Priv, '$.x509_issuer') AS i FROM mysql.global_priv",
  );
  return new Map(rows.map((r) => [`${r.u.toLowerCase()}@${r.h.toLowerCase()}`, JSON.stringify([r.t ?? "0", r.c ?? "", r.i ?? ""])]));
}

async function restore(a: Account): Promise<void> {
  await db.query(mysql.format("DROP USER IF EXISTS ?@?", [a.user, a.host]));
  await db.query(createSql(a));
}

/** Runs statements as a person would paste them into the mariadb client, after SET SESSION sql_mode. */
function viaClient(mode: string, statements: string): void {
  execFileSync("mariadb", ["--no-defaults", "-S", db.socket, "-u", db.admin.user, "--batch"], {
    input: `SET SESSION sql_mode = '${mode}';\n${statements}\n`,
    env: { ...process.env, MYSQL_PWD: db.admin.password },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs statements through mysql2 (multiple statements in one query), after SET SESSION sql_mode. */
async function viaMysql2(mode: string, statements: string): Promise<void> {
  const c = await mysql.createConnection({ socketPath: db.socket, user: db.admin.user, password: db.admin.password, multipleStatements: true });
  try {
    await c.query(`SET SESSION sql_mode = '${mode}'`);
    await c.query(statements);
  } finally {
    await c.end();
  }
}

interface JsonFinding {
  id: string;
  title: string;
  fix?: string;
  fixControlCharacters?: string[];
}

let findings: JsonFinding[];
let text: string;

beforeAll(async () => {
  db = await startMariaDB({ name: "fix-statements", tls: { cert: "rsa" } });
  for (const a of ACCOUNTS) await db.query(createSql(a));
  // The names are on the server exactly as meant (read back as hex, independently of any quoting).
  const have = await snapshot();
  for (const k of KEYS) expect(have.has(k), k).toBe(true);
  const args = ["accounts", `127.0.0.1:${db.port}`, "-u", db.admin.user, "--no-defaults", "--ssl-mode", "VERIFY_CA", "--ssl-ca", db.certs!.caBundle];
  const env = { env: { MYSQL_PWD: db.admin.password } };
  const json = await runCli([...args, "--json"], env);
  expect(json.stderr).toBe("");
  findings = (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings;
  const t = await runCli([...args, "--no-color"], env);
  expect(t.stderr).toBe("");
  text = t.stdout;
});

afterAll(async () => {
  await db?.stop();
});

const ACCOUNT_FIX_IDS = ["accounts.anonymous", "accounts.cleartext-login", "accounts.weak-require-cipher"];

/**
 * Every statement of the accounts' fixes, once, with its finding. Like the audit, the accounts command says each
 * condition once: one finding per id lists every account it is about, its fix one statement per account. The
 * statements are read with the quoting module's own reader (a name may hold a newline or a semicolon).
 */
function accountStatements(): { f: JsonFinding; statement: string }[] {
  const seen = new Set<string>();
  const out: { f: JsonFinding; statement: string }[] = [];
  for (const f of findings.filter((x) => x.fix && ACCOUNT_FIX_IDS.includes(x.id))) {
    for (const statement of sqlStatementsIn(f.fix!, /^(ALTER|DROP) USER /)) {
      // The server's own accounts (the harness's admin, root, mariadb.sys) are not the test's to alter.
      if (seen.has(statement) || /^'(harness_admin|root|mariadb\.sys)'@/.test(accountOfStatement(statement.split("\n").find((l) => /^(ALTER|DROP) USER /.test(l)) ?? statement) ?? "")) continue;
      seen.add(statement);
      out.push({ f, statement });
    }
  }
  return out;
}

describe("fix statements on a real MariaDB under every sql_mode", () => {
  it("there is a fix for every hostile account and every decoy", () => {
    // One statement per account (which account each one alters is what the runs below check, under every sql_mode).
    const statements = accountStatements();
    expect(statements.length).toBeGreaterThanOrEqual(ACCOUNTS.length);
    expect([...new Set(statements.map((x) => x.f.id))].sort()).toEqual(ACCOUNT_FIX_IDS);
  });

  it("the decoys are real: the old quoting ('' doubled, backslash doubled) hits another account under NO_BACKSLASH_ESCAPES", async () => {
    const old = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
    const before = await snapshot();
    await viaMysql2("NO_BACKSLASH_ESCAPES", `ALTER USER ${old("back\\slash")}@${old("%")} REQUIRE SSL`);
    const after = await snapshot();
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(changed).toEqual([keyOf("back\\\\slash", "%")]);
    await restore({ user: "back\\\\slash", host: "%" });
  });

  for (const mode of MODES) {
    for (const [runner, run] of [
      ["the mariadb client", async (m: string, s: string) => viaClient(m, s)],
      ["mysql2", viaMysql2],
    ] as const) {
      it(`sql_mode '${mode}', through ${runner}: each fix statement alters exactly one account, and every account is altered`, async () => {
        const altered = new Map<string, string>();
        for (const { f, statement } of accountStatements()) {
          // The mariadb client reads its input as C strings: a NUL ends the line; mysql2 runs those. The client (a
          // process per statement) runs the statements on names that hold more than letters and digits; mysql2 runs all.
          if (runner === "the mariadb client" && (statement.includes("\0") || /^(ALTER|DROP) USER '[a-z0-9]*'@'[a-z0-9%]*'[^']*$/.test(statement))) continue;
          const before = await snapshot();
          await run(mode, statement);
          const after = await snapshot();
          const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
          expect(changed, `${f.id} ${JSON.stringify(statement)}`).toHaveLength(1);
          const key = changed[0]!;
          expect(KEYS.has(key), key).toBe(true);
          expect(altered.get(key), `${key} altered twice`).toBeUndefined();
          altered.set(key, statement);
          const a = ACCOUNTS.find((x) => keyOf(x.user, x.host) === key)!;
          if (f.id === "accounts.anonymous") expect(after.has(key)).toBe(false);
          if (f.id === "accounts.cleartext-login") expect(JSON.parse(after.get(key)!)[0]).toBe("1");
          if (f.id === "accounts.weak-require-cipher") expect(JSON.parse(after.get(key)!)).toEqual(["3", "", "/CN=back\\slash CA"]);
          await restore(a);
        }
        if (runner === "mysql2") expect([...altered.keys()].sort()).toEqual([...KEYS].sort());
        else expect(altered.size).toBeGreaterThanOrEqual(20);
      });
    }
  }
});

describe("the text output", () => {
  it("shows each fix exactly as the JSON has it, or says it cannot and points to --json", () => {
    const jsonLines = new Set(findings.flatMap((f) => (f.fix ? f.fix.split("\n") : [])));
    for (const f of findings.filter((x) => x.fix && ACCOUNT_FIX_IDS.includes(x.id))) {
      if (f.fixControlCharacters) {
        expect(f.fix).toMatch(/[\n\r\t\0\u202e]/);
        continue;
      }
      expect(f.fix).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
      // Every line of the statement is shown whole (continuation lines are indented; leading spaces change nothing).
      for (const line of f.fix!.split("\n")) expect(text.split("\n").some((l) => l.endsWith(line)), line).toBe(true);
    }
    const marked = findings.filter((f) => f.fixControlCharacters && ACCOUNT_FIX_IDS.includes(f.id));
    expect(marked.length).toBeGreaterThanOrEqual(2);
    const notes = text.split("\n").filter((l) => l.includes("not shown: a name in it holds control characters"));
    expect(notes.length).toBe(findings.filter((f) => f.fixControlCharacters).length);
    expect(notes.every((l) => l.endsWith("run with --json for the exact statement"))).toBe(true);
    // One finding per condition: a note names every control character its statements quote.
    const named = notes.join("\n");
    for (const name of ["newline", "tab", "carriage return", "NUL", "U+202E"]) expect(named).toMatch(new RegExp(`[(, ]${name.replace("+", "\\+")}[,)]`));
    // No other statement: every ALTER/DROP USER the text shows is, from there on, a line of a JSON fix.
    for (const l of text.split("\n")) {
      const m = /(ALTER|DROP) USER /.exec(l);
      if (m) expect(jsonLines.has(l.slice(m.index)), l).toBe(true);
    }
  });
});

describe("replication fixes: channel names and a CA path holding a backslash or a newline", () => {
  /** MariaDB connection names (compared without case), each with what it is set up with. */
  const CHANNELS: { name: string; options: string }[] = [
    { name: "ch\\an", options: "MASTER_SSL = 0" },
    { name: "chan", options: "MASTER_SSL = 0" },
    { name: "ch\\\\an", options: "MASTER_SSL = 0" },
    { name: "nl\nch", options: "MASTER_SSL = 0" },
    { name: "nlch", options: "MASTER_SSL = 0" },
    { name: "ca\\path", options: mysql.format("MASTER_SSL = 1, MASTER_SSL_VERIFY_SERVER_CERT = 0, MASTER_SSL_CA = ?", ["/tmp/c\\a.pem"]) },
  ];
  let repl: JsonFinding[];

  async function setUp(c: (typeof CHANNELS)[number]): Promise<void> {
    // Each its own (closed) source port: MariaDB refuses two connections to one source.
    const port = 1 + CHANNELS.indexOf(c);
    await db.query(mysql.format(`CHANGE MASTER ? TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${port}, MASTER_USER = 'nobody', ${c.options}`, [c.name]));
  }

  async function tearDown(c: (typeof CHANNELS)[number]): Promise<void> {
    await db.query(mysql.format("STOP SLAVE ?", [c.name]));
    await db.query(mysql.format("RESET SLAVE ? ALL", [c.name]));
  }

  /** Every channel's TLS settings, keyed by hex name. */
  async function channels(): Promise<Map<string, string>> {
    const rows = await db.query<Record<string, string>>("SHOW ALL SLAVES STATUS");
    return new Map(rows.map((r) => [Buffer.from(r.Connection_name!).toString("hex"), JSON.stringify([r.Master_SSL_Allowed, r.Master_SSL_CA_File, r.Master_SSL_Verify_Server_Cert])]));
  }

  beforeAll(async () => {
    for (const c of CHANNELS) await setUp(c);
    const have = await channels();
    for (const c of CHANNELS) expect(have.has(Buffer.from(c.name).toString("hex")), c.name).toBe(true);
    // The settings command says each condition once, as the audit does: one finding lists every channel it is
    // about, and its fix holds each channel's statements.
    const r = await runCli(["settings", `127.0.0.1:${db.port}`, "-u", db.admin.user, "--no-defaults", "--ssl-mode", "VERIFY_CA", "--ssl-ca", db.certs!.caBundle, "--json"], {
      env: { MYSQL_PWD: db.admin.password },
    });
    repl = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.id.startsWith("replication."));
  });

  afterAll(async () => {
    for (const c of CHANNELS) await tearDown(c).catch(() => undefined);
  });

  for (const [mode, runner, run] of MODES.flatMap((m) => [[m, "the mariadb client", async (mm: string, st: string) => viaClient(mm, st)], [m, "mysql2", viaMysql2]] as const)) {
    it(`sql_mode '${mode}', through ${runner}: the fixes turn on verified TLS for every channel, each with its own CA`, async () => {
      const fixes = repl.filter((f) => f.id === "replication.no-tls" || f.id === "replication.no-verify");
      expect(fixes.length).toBeGreaterThan(0);
      // Every channel is named: a fix quoted wrongly for one name would alter its decoy (ch\an for chan) and leave
      // that channel as it was, so each one ending verified, with its own CA, is each statement hitting its own.
      const before = await channels();
      for (const f of fixes) await run(mode, f.fix!);
      const after = await channels();
      for (const c of CHANNELS) {
        const key = Buffer.from(c.name).toString("hex");
        expect(before.get(key), c.name).not.toBe(after.get(key));
        const [allowed, ca, verify] = JSON.parse(after.get(key)!) as string[];
        expect([allowed, verify], c.name).toEqual(["Yes", "Yes"]);
        expect(ca, c.name).toBe(c.name === "ca\\path" ? "/tmp/c\\a.pem" : "/path/to/source-ca.pem");
      }
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const c of CHANNELS) {
        await tearDown(c);
        await setUp(c);
      }
    });
  }
});
