// The README's auditing account: its MariaDB GRANT block is run as written on a real MariaDB, and the audit with
// that account must complete every check; without either GRANT line a check comes back as privilege.missing.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The statements of the README's SQL block for one flavour ("MariaDB" or "MySQL"), for the account user@host. */
function readmeStatements(flavour: string, user: string, host: string, password: string): string[] {
  const block = /```sql\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## The auditing account")))![1]!;
  const sections = block.split(/^-- /m).filter(Boolean);
  const section = sections.find((s) => s.startsWith(flavour))!;
  return section
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.endsWith(";"))
    .map((l) => l.replace(/'auditor'@'10\.0\.0\.5'/g, `'${user}'@'${host}'`).replace("'choose-one'", `'${password}'`));
}

let db: MariaDB;
const PW = randomBytes(12).toString("base64url");

beforeAll(async () => {
  db = await startPosture("modern");
});
afterAll(async () => {
  await db?.stop();
});

interface Doc {
  targets: { checks: { name: string; status: string }[]; findings: { id: string; severity: string; title: string; fix?: string }[] }[];
}

async function auditAs(user: string): Promise<{ code: number | null; doc: Doc; out: string }> {
  const r = await runCli([`${db.host}:${db.port}`, "-u", user, "--skip", "protocols,ciphers", "--ssl-ca", db.certs!.caBundle, "--json", "--no-defaults"], {
    env: { MYSQL_PWD: PW },
  });
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, out: r.stdout + r.stderr };
}

describe("the README's auditing account", () => {
  it("the MariaDB block, as written, lets every check run (and the account must use TLS)", async () => {
    const stmts = readmeStatements("MariaDB", "auditor", "127.0.0.1", PW);
    expect(stmts).toHaveLength(3);
    expect(stmts[0]).toMatch(/REQUIRE SSL;$/);
    for (const sql of stmts) await db.query(sql);
    const { doc, out } = await auditAs("auditor");
    const t = doc.targets[0]!;
    expect(Object.fromEntries(t.checks.map((c) => [c.name, c.status]))).toMatchObject({ settings: "completed", accounts: "completed", replication: "completed" });
    expect(t.findings.filter((f) => f.severity === "error")).toEqual([]);
    // The auditor itself is listed with its REQUIRE SSL: the accounts check read mysql.global_priv.
    const rows = (t as unknown as { details: { accounts: { accounts: { user: string; host: string; clause: string; source: string }[] } } }).details.accounts.accounts;
    expect(rows.find((r) => r.user === "auditor")).toMatchObject({ host: "127.0.0.1", clause: "REQUIRE SSL", source: "mysql.global_priv" });
    expect(out).not.toContain(PW);
  });

  it("each GRANT line is needed: without one, that check reports privilege.missing with the GRANT", async () => {
    const all = readmeStatements("MariaDB", "partial", "127.0.0.1", PW);
    for (const [drop, check, privilege] of [
      [1, "accounts", /SELECT ON mysql\.global_priv|SELECT ON mysql\.user/],
      [2, "replication", /MONITOR ON \*\.\*/],
    ] as const) {
      await db.query("DROP USER IF EXISTS 'partial'@'127.0.0.1'");
      for (const [i, sql] of all.entries()) if (i !== drop) await db.query(sql);
      const { code, doc } = await auditAs("partial");
      const missing = doc.targets[0]!.findings.filter((f) => f.id === "privilege.missing");
      expect(missing.length, check).toBeGreaterThan(0);
      expect(missing.map((f) => f.fix).join(" "), check).toMatch(privilege);
      expect(code, check).toBe(3);
    }
  });

  it("the MySQL block grants SELECT on exactly the tables the MySQL queries read", () => {
    const stmts = readmeStatements("MySQL", "auditor", "%", "x");
    const granted = stmts.filter((s) => s.startsWith("GRANT")).map((s) => /ON (\S+) TO/.exec(s)![1]);
    const sources = ["accounts.ts", "settings.ts", "replication.ts"].map((f) => readFileSync(new URL(`../../src/sql/${f}`, import.meta.url), "utf8")).join("\n");
    for (const table of ["mysql.user", "performance_schema.tls_channel_status", "performance_schema.replication_connection_configuration"]) {
      expect(granted).toContain(table);
      expect(sources).toContain(table);
    }
  });
});
