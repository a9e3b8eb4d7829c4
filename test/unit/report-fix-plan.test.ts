import { describe, expect, it } from "vitest";
import { consolidateChecks, mergeRepeats } from "../../src/report/consolidate.js";
import { fixPlanOf, parseServerVersion, recommendedSuites, serverSection, statementsOf } from "../../src/report/fix-plan.js";
import type { Finding, Severity } from "../../src/report/types.js";
import { terminalWidth, wrap } from "../../src/report/wrap.js";
import { fixFields, fixSql, sqlAccount } from "../../src/knowledge/sql-quote.js";
import { wrapSql } from "../../src/report/audit-text.js";

const f = (id: string, severity: Severity, extra: Partial<Finding> = {}): Finding => ({ id, severity, title: `title of ${id}`, evidence: `evidence of ${id}`, ...extra });
const MARIADB = { flavor: "mariadb", version: "5.5.5-10.11.19-MariaDB-0+deb12u1" };
const MYSQL = { flavor: "mysql", version: "8.0.36" };

describe("the fix plan", () => {
  const legacy = [
    f("protocol.tls10-accepted", "high", { fix: "[mysqld]\ntls_version=TLSv1.2,TLSv1.3" }),
    f("cipher.weak", "medium", { fix: "[mysqld]\nssl_cipher=...\ntls_ciphersuites=..." }),
    f("cipher.no-server-preference", "low"),
    f("settings.require-secure-transport-off", "medium", { fix: "SET GLOBAL require_secure_transport = ON;  -- and in my.cnf [mariadbd]: require_secure_transport = ON" }),
    f("accounts.cleartext-login", "high", { fix: "ALTER USER 'app'@'%' REQUIRE SSL;" }),
    f("accounts.remote-without-x509", "medium", { fix: "ALTER USER 'app'@'%' REQUIRE X509;  -- or REQUIRE SUBJECT '/CN=...'" }),
    f("cert.untrusted", "high", { fix: "Give the clients the CA ..." }),
  ];

  it("MariaDB 10.4.6+: one [mariadbd] block, TLS 1.3 suites inside ssl_cipher, no tls_ciphersuites", () => {
    const p = fixPlanOf(MARIADB, legacy);
    const { tls12, tls13 } = recommendedSuites();
    expect(p.optionFile).toEqual({
      file: "/etc/mysql/my.cnf",
      section: "mariadbd",
      lines: ["tls_version=TLSv1.2,TLSv1.3", `ssl_cipher=${[...tls13, ...tls12].join(":")}`, "require_secure_transport=ON"],
      addresses: ["accounts.cleartext-login", "cipher.no-server-preference", "cipher.weak", "protocol.tls10-accepted", "settings.require-secure-transport-off"],
    });
    expect(tls13).toContain("TLS_AES_128_GCM_SHA256");
    // require_secure_transport=ON covers every account; X509 is still asked for; the comment is not part of it.
    expect(p.sql).toEqual(["SET GLOBAL require_secure_transport = ON;", "ALTER USER 'app'@'%' REQUIRE X509;"]);
    expect(p.steps).toEqual(["Give clients the CA that issued the chain (ssl-ca), or use one they trust"]);
  });

  it("MySQL 8.0.16+: [mysqld] with tls_ciphersuites; older MySQL has no tls_ciphersuites; MariaDB before 10.4.6 reads [mysqld]", () => {
    const mysql = fixPlanOf(MYSQL, legacy).optionFile!;
    expect(mysql.section).toBe("mysqld");
    expect(mysql.lines).toContain(`ssl_cipher=${recommendedSuites().tls12.join(":")}`);
    expect(mysql.lines).toContain(`tls_ciphersuites=${recommendedSuites().tls13.join(":")}`);
    expect(fixPlanOf({ flavor: "mysql", version: "5.7.44" }, legacy).optionFile!.lines.some((l) => l.startsWith("tls_ciphersuites"))).toBe(false);
    expect(serverSection("mariadb", parseServerVersion("10.4.5-MariaDB", "mariadb"))).toBe("mysqld");
    expect(serverSection("mariadb", parseServerVersion("5.5.5-10.4.6-MariaDB", "mariadb"))).toBe("mariadbd");
    expect(serverSection("percona", parseServerVersion("8.0.36-28", "percona"))).toBe("mysqld");
  });

  it("one cipher list for every cipher finding, and each statement once", () => {
    const p = fixPlanOf(MARIADB, [...legacy, f("settings.weak-ssl-cipher", "medium", { fix: "In my.cnf [mariadbd]: ssl_cipher = OTHER" }), f("accounts.cleartext-login", "low", { fix: "ALTER USER 'app'@'%' REQUIRE X509;" })]);
    expect(p.optionFile!.lines.filter((l) => l.startsWith("ssl_cipher="))).toHaveLength(1);
    expect(p.sql.filter((s) => s === "ALTER USER 'app'@'%' REQUIRE X509;")).toHaveLength(1);
  });

  it("the anonymous account gets DROP USER only", () => {
    const p = fixPlanOf(MARIADB, [f("accounts.anonymous", "high", { fix: "DROP USER ''@'%';" }), f("accounts.cleartext-login", "low", { fix: "ALTER USER ''@'%' REQUIRE SSL;" })]);
    expect(p.sql).toEqual(["DROP USER ''@'%';"]);
  });

  it("a server without TLS gets certificate lines, versions and suites; without require_secure_transport per-account REQUIRE SSL stays", () => {
    const p = fixPlanOf(MARIADB, [f("tls.not-offered", "critical"), f("accounts.cleartext-login", "high", { fix: "ALTER USER 'app'@'%' REQUIRE SSL;" })]);
    expect(p.optionFile!.lines.slice(0, 3)).toEqual(["ssl_cert=/etc/mysql/tls/server-cert.pem", "ssl_key=/etc/mysql/tls/server-key.pem", "tls_version=TLSv1.2,TLSv1.3"]);
    expect(p.sql).toEqual(["ALTER USER 'app'@'%' REQUIRE SSL;"]);
  });

  it("a policy's own minimum and allowed suites win over the defaults", () => {
    const p = fixPlanOf(MYSQL, [
      f("policy.tls-version-below-minimum", "high", { fix: "[mysqld]\ntls_version=TLSv1.3   # then restart" }),
      f("policy.suite-not-allowed", "medium", { fix: "[mysqld]\nssl_cipher=ECDHE-RSA-AES256-GCM-SHA384\ntls_ciphersuites=TLS_AES_256_GCM_SHA384   # MySQL 8.0.16+" }),
    ]);
    expect(p.optionFile!.lines).toEqual(["tls_version=TLSv1.3", "ssl_cipher=ECDHE-RSA-AES256-GCM-SHA384", "tls_ciphersuites=TLS_AES_256_GCM_SHA384"]);
  });

  it("nothing to do: no block, no SQL", () => {
    expect(fixPlanOf(MARIADB, [f("profile.mozilla", "info")])).toEqual({ sql: [], steps: [], addresses: [] });
  });

  it("collects only whole statements from a fix", () => {
    expect(statementsOf("STOP SLAVE;\nCHANGE MASTER TO MASTER_SSL = 1;\nSTART SLAVE;")).toEqual(["STOP SLAVE;", "CHANGE MASTER TO MASTER_SSL = 1;", "START SLAVE;"]);
    expect(statementsOf("Find them with SELECT user FROM mysql.user; then DROP USER ''@'<host>';")).toEqual([]);
    expect(statementsOf("[mysqld]\ntls_version=TLSv1.2")).toEqual([]);
  });
});

describe("one condition, one finding", () => {
  const check = (name: string, findings: Finding[]) => ({ name, findings });

  it("folds the TLS version and cipher settings into what the handshakes measured", () => {
    const out = consolidateChecks([
      check("protocols", [f("protocol.tls10-accepted", "high"), f("protocol.tls11-accepted", "medium")]),
      check("ciphers", [f("cipher.anonymous", "critical"), f("cipher.weak", "medium")]),
      check("settings", [
        f("settings.legacy-tls-version", "medium", { evidence: "tls_version = TLSv1.0,TLSv1.1 (whether ...)", references: ["RFC 8996"] }),
        f("settings.weak-ssl-cipher", "medium", { evidence: "ssl_cipher = ALL:@SECLEVEL=0; weak: ALL" }),
      ]),
    ]);
    expect(out.map((c) => c.findings.map((x) => x.id))).toEqual([["protocol.tls10-accepted", "protocol.tls11-accepted"], ["cipher.anonymous", "cipher.weak"], []]);
    expect(out[0]!.findings[0]!.evidence).toBe("evidence of protocol.tls10-accepted; configured: tls_version = TLSv1.0,TLSv1.1");
    expect(out[0]!.findings[0]!.references).toEqual(["RFC 8996"]);
    expect(out[1]!.findings[0]!.evidence).toBe("evidence of cipher.anonymous; configured: ssl_cipher = ALL:@SECLEVEL=0");
  });

  it("keeps a setting the handshakes did not confirm (the library refuses TLS 1.0 although tls_version allows it)", () => {
    const out = consolidateChecks([check("protocols", []), check("settings", [f("settings.legacy-tls-version", "medium")])]);
    expect(out[1]!.findings.map((x) => x.id)).toEqual(["settings.legacy-tls-version"]);
  });

  it("drops the clear-text finding of an account the plan drops", () => {
    const out = consolidateChecks([
      check("accounts", [f("accounts.anonymous", "high", { fix: "DROP USER ''@'%';" }), f("accounts.cleartext-login", "high", { fix: "ALTER USER ''@'%' REQUIRE SSL;" }), f("accounts.cleartext-login", "high", { fix: "ALTER USER 'app'@'%' REQUIRE SSL;" })]),
    ]);
    expect(out[0]!.findings.map((x) => x.fix)).toEqual(["DROP USER ''@'%';", "ALTER USER 'app'@'%' REQUIRE SSL;"]);
  });

  it("merges one condition seen under several versions or on several accounts into one finding that lists where", () => {
    const pref = (v: string) => f("cipher.no-server-preference", "low", { title: `Under ${v} the server follows the client's order`, evidence: `${v} evidence`, fix: "FIX" });
    const merged = mergeRepeats([pref("TLSv1"), pref("TLSv1.1"), pref("TLSv1.2"), f("cipher.weak", "medium")]);
    expect(merged.map((x) => x.id)).toEqual(["cipher.no-server-preference", "cipher.weak"]);
    expect(merged[0]).toMatchObject({ title: "Under TLSv1, TLSv1.1, TLSv1.2 the server follows the client's order", evidence: "TLSv1: TLSv1 evidence; TLSv1.1: TLSv1.1 evidence; TLSv1.2: TLSv1.2 evidence", fix: "FIX" });
    const acct = (a: string) => f("accounts.cleartext-login", "low", { title: `${a} can log in over clear text (from this machine only)`, fix: `ALTER USER ${a} REQUIRE SSL;` });
    const accounts = mergeRepeats([acct("root@localhost"), acct("admin@::1"), f("accounts.cleartext-login", "high", { title: "app@% can log in over clear text from other hosts" })]);
    expect(accounts.map((x) => x.title)).toEqual(["root@localhost, admin@::1 can log in over clear text (from this machine only)", "app@% can log in over clear text from other hosts"]);
    expect(accounts[0]!.fix).toBe("ALTER USER root@localhost REQUIRE SSL;\nALTER USER admin@::1 REQUIRE SSL;");
    expect(mergeRepeats([f("x.y", "low", { title: "one thing" }), f("x.y", "low", { title: "another" })])[0]!.title).toBe("one thing (and 1 more like it)");
  });
});

describe("fitting the terminal", () => {
  it("takes the terminal's width, else COLUMNS, else 80", () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: "60" })).toBe(132);
    expect(terminalWidth({ isTTY: false, columns: 132 }, { COLUMNS: "60" })).toBe(60);
    expect(terminalWidth(undefined, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "junk" })).toBe(80);
  });

  it("wraps with a hanging indent, long lists after their separators, never past the width", () => {
    const list = Array.from({ length: 52 }, (_, i) => `DHE-RSA-AES${i}-SHA`).join(", ");
    const lines = wrap(`TLSv1: ${list}`, 80, "    evidence: ", 14);
    expect(lines[0]!.startsWith("    evidence: TLSv1: DHE-RSA-AES0-SHA,")).toBe(true);
    expect(lines.slice(1).every((l) => /^ {14}\S/.test(l))).toBe(true);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(lines.map((l) => l.trim()).join(" ")).toBe(`evidence: TLSv1: ${list}`);
    const colon = wrap("ssl_cipher=" + recommendedSuites().tls12.join(":"), 60, "    ", 6);
    expect(colon.every((l) => l.length <= 60)).toBe(true);
    expect(colon.slice(0, -1).every((l) => l.endsWith(":"))).toBe(true);
    expect(colon.map((l) => l.trim()).join("")).toBe("ssl_cipher=" + recommendedSuites().tls12.join(":"));
    expect(wrap("x".repeat(100), 40, "", 2).every((l) => l.length <= 40)).toBe(true);
  });
});

describe("the fix plan's SQL with hostile account names", () => {
  const hostile = "a;\nDROP USER 'root'@'localhost';";
  const fix = fixFields(fixSql`ALTER USER ${sqlAccount(hostile, "%")} REQUIRE SSL;`);

  it("keeps a name holding ';' and a newline inside its one statement: no statement is injected", () => {
    const plan = fixPlanOf(MARIADB, [f("accounts.cleartext-login", "high", fix)]);
    expect(plan.sql).toEqual([fix.fix]);
    expect(plan.sql.some((s) => /^DROP USER 'root'/m.test(s) && !s.startsWith("ALTER USER"))).toBe(false);
  });

  it("drops the ALTER of an account it drops, whatever the name holds", () => {
    const anon = sqlAccount("", "a b\n;");
    const plan = fixPlanOf(
      MARIADB,
      [f("accounts.anonymous", "high", fixFields(fixSql`DROP USER ${anon};`)), f("accounts.cleartext-login", "high", fixFields(fixSql`ALTER USER ${anon} REQUIRE SSL;`))],
    );
    expect(plan.sql).toEqual([`DROP USER ''@'a b\n;';`]);
  });

  it("wraps a plan statement only outside quoted names, and keeps a long quoted name whole", () => {
    const stmt = `ALTER USER 'a name with several spaces in it'@'host.example with spaces' REQUIRE SSL;`;
    const lines = wrapSql(stmt, 80);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.some((l) => l.includes("'a name with several spaces in it'@'host.example with spaces'"))).toBe(true);
    expect(wrapSql(stmt, 40)).toEqual([`    ${stmt}`]);
    expect(lines.map((l) => l.trim()).join(" ")).toBe(stmt);
    for (const l of lines) expect((l.match(/'/g) ?? []).length % 2).toBe(0);
  });
});

describe("merged findings and control characters", () => {
  it("a merged fix names the control characters of every statement it holds, not only the first's", () => {
    const plain = fixFields(fixSql`ALTER USER ${sqlAccount("app", "%")} REQUIRE SSL;`);
    const tabbed = fixFields(fixSql`ALTER USER ${sqlAccount("a\tb", "%")} REQUIRE SSL;`);
    const [merged] = mergeRepeats([f("accounts.cleartext-login", "high", { title: "app@% can log in", ...plain }), f("accounts.cleartext-login", "high", { title: "a\tb@% can log in", ...tabbed })]);
    expect(merged!.fix).toContain(tabbed.fix);
    expect(merged!.fixControlCharacters).toEqual(["tab"]);
  });
});
