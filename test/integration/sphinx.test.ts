import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_JSON_SCHEMA, COMMANDS } from "../../src/checks/registry.js";
import { runCli } from "../support/cli.js";
import { startSphinx, type Sphinx } from "../support/sphinx.js";
import { startFakeMysql } from "../support/fake-mysql/server.js";

// #11: Sphinx's SphinxQL listener was reported as "mariadb 2.2.11" (CLIENT_MYSQL clear, though MariaDB's
// extended capabilities are absent) and then got a [mariadbd] fix. Against a real searchd (Debian's
// sphinxsearch): flavour "other" with its evidence, no flavour-specific fix, and settings/accounts say in one
// line that the server does not speak MySQL's SQL.
let sphinx: Sphinx;
let target: string;
beforeAll(async () => {
  sphinx = await startSphinx();
  target = `${sphinx.host}:${sphinx.port}`;
});
afterAll(async () => {
  await sphinx?.stop();
});

interface Finding {
  id: string;
  severity: string;
  fix?: string;
}
const MY_CNF = /\[(mysqld|mariadbd|mariadb|server)\]|my\.cnf|ALTER INSTANCE/;
const NOT_SQL = /neither MySQL, MariaDB nor Percona \(2\.2\.11-id64-release .*\), so it does not speak MySQL's SQL/;

describe("Sphinx searchd (SphinxQL on a mysql41 listener)", () => {
  it("probe: flavour other, with the greeting's evidence; no TLS; the fix names no my.cnf section", async () => {
    const r = await runCli(["probe", target, "--json", "--timeout", "2"]);
    const j = JSON.parse(r.stdout) as { server: { version: string; flavor: string; versionNumber: string; flavorEvidence: string[] }; tls: { offered: boolean }; findings: Finding[] };
    expect(j.server).toMatchObject({ version: "2.2.11-id64-release (95ae9a6)", flavor: "other", versionNumber: "2.2.11" });
    expect(j.server.flavorEvidence.join("; ")).toMatch(/CLIENT_MYSQL \(CLIENT_LONG_PASSWORD\) capability clear.*no MariaDB extended capability set/);
    expect(j.tls.offered).toBe(false);
    expect(j.findings.map((f) => [f.id, f.severity])).toEqual([["tls.not-offered", "critical"]]);
    for (const f of j.findings) expect(f.fix ?? "").not.toMatch(MY_CNF);
    expect(r.code).toBe(1);
    const text = await runCli(["probe", target, "--timeout", "2"]);
    expect(text.stdout).toMatch(/Flavour\s+other 2\.2\.11/);
    expect(text.stdout).not.toMatch(/Flavour\s+mariadb|MariaDB capabilities|\[mariadbd\]/i);
  });

  it.each(["settings", "accounts"])("%s: one line that the server does not speak MySQL's SQL, before any login", async (cmd) => {
    const text = await runCli([cmd, `mysql://root@${target}`, "--no-defaults", "--timeout", "2"]);
    expect(text.stderr).toBe("");
    const lines = text.stdout.split("\n").filter((l) => NOT_SQL.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${target.replace(/\./g, "\\.")}: ${cmd === "settings" ? "settings, replication" : "accounts"} not checked: `));
    // The only finding is the missing TLS, said once; its exit rule is every command's.
    expect(text.code).toBe(1);
    const json = JSON.parse((await runCli([cmd, `mysql://root@${target}`, "--no-defaults", "--json", "--timeout", "2"])).stdout) as {
      server: { flavor: string };
      checks: { name: string; status: string; reason: string }[];
      findings: Finding[];
    };
    expect(json.server.flavor).toBe("other");
    // The command's checks (the registry's: settings runs settings and replication), each skipped saying why.
    expect(json.checks).toEqual(COMMANDS.get(cmd)!.map((name) => ({ name, status: "skipped", reason: expect.stringMatching(NOT_SQL) })));
    expect(json.findings.map((f) => f.id)).toEqual(["tls.not-offered"]);
  });

  it("audit with a login: flavour other, the SQL checks skipped with that reason, no flavour-specific fix, schema-valid", async () => {
    const r = await runCli(["audit", `mysql://root@${target}`, "--no-defaults", "--json", "--timeout", "2"]);
    const doc = JSON.parse(r.stdout) as { targets: { server: { flavor: string }; checks: { name: string; status: string; reason?: string }[]; findings: Finding[] }[] };
    const validate = new Ajv({ allErrors: true, strict: false }).compile(AUDIT_JSON_SCHEMA);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const t = doc.targets[0]!;
    expect(t.server.flavor).toBe("other");
    for (const name of ["settings", "accounts", "replication"]) {
      expect(t.checks.find((c) => c.name === name)).toMatchObject({ status: "skipped", reason: expect.stringMatching(NOT_SQL) });
    }
    expect(t.findings.map((f) => f.id)).toEqual(["tls.not-offered"]);
    for (const f of t.findings) expect(f.fix ?? "").not.toMatch(MY_CNF);
    expect(r.code).toBe(1);
  });
});

describe("a greeting that looks like MySQL from a server that does not speak its SQL", () => {
  it("settings: the first query's syntax error (1064) is 'not MySQL', exit 3, one line", async () => {
    // The test server answers 1064 to every statement it does not model, as a SQL-less peer would.
    const fake = await startFakeMysql({ greeting: "mysql-8.4", users: [{ user: "auditor", password: "pw-123", plugin: "mysql_native_password" }] });
    try {
      const r = await runCli(["settings", `127.0.0.1:${fake.port}`, "-u", "auditor", "--no-defaults", "--ssl-mode", "REQUIRED", "--timeout", "2"], { env: { MYSQL_PWD: "pw-123" } });
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/login: the server speaks the MySQL protocol but not MySQL's SQL: SELECT VERSION\(\), @@version_comment is a syntax error to it/);
    } finally {
      await fake.stop();
    }
  });
});
