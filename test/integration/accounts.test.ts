// Accounts of every REQUIRE kind on real MariaDB servers, with require_secure_transport OFF and ON: what
// `accounts` reads must be what SHOW CREATE USER says, and the logins must behave as the findings claim.
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, startPosture, type MariaDB } from "../support/mariadb.js";
import { CLIENT_CN, INTERMEDIATE_CN } from "../support/certs.js";
import { runCli } from "../support/cli.js";
import { login } from "../../src/sql/login.js";
import { Secret, type LoginSpec, type SslMode } from "../../src/sql/credentials.js";
import { gatherAccounts, type AccountsFacts } from "../../src/sql/accounts.js";
import { parseShowCreateUser } from "../../src/sql/require-clause.js";
import { accountRows, checkAccounts } from "../../src/checks/accounts/judge.js";
import { AuditError } from "../../src/errors.js";
import { makeCerts } from "../support/certs.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model, type ModelAccount } from "../support/mysql-model.js";

const PW = `Acc-${randomBytes(9).toString("base64url")}`;
const ISSUER = `/CN=${INTERMEDIATE_CN}`;
const SUBJECT = `/CN=${CLIENT_CN}`;
const CIPHER = "ECDHE-RSA-AES256-GCM-SHA384";

/** user, host, the REQUIRE (and lock) text of CREATE USER, and the clause accounts must report. */
const ACCOUNTS: [string, string, string, Record<string, string>][] = [
  ["req_none", "%", "REQUIRE NONE", { type: "NONE" }],
  ["req_ssl", "%", "REQUIRE SSL", { type: "SSL" }],
  ["req_x509", "%", "REQUIRE X509", { type: "X509" }],
  ["req_issuer", "%", `REQUIRE ISSUER '${ISSUER}'`, { type: "SPECIFIED", issuer: ISSUER }],
  ["req_subject", "%", `REQUIRE SUBJECT '${SUBJECT}'`, { type: "SPECIFIED", subject: SUBJECT }],
  ["req_cipher", "%", `REQUIRE CIPHER '${CIPHER}'`, { type: "SPECIFIED", cipher: CIPHER }],
  ["req_combo", "%", `REQUIRE ISSUER '${ISSUER}' AND SUBJECT '${SUBJECT}' AND CIPHER '${CIPHER}'`, { type: "SPECIFIED", issuer: ISSUER, subject: SUBJECT, cipher: CIPHER }],
  ["req_locked", "10.0.0.%", "REQUIRE NONE ACCOUNT LOCK", { type: "NONE" }],
  ["", "%", "REQUIRE NONE", { type: "NONE" }],
];

async function createAccounts(db: MariaDB): Promise<void> {
  for (const [user, host, clause] of ACCOUNTS) {
    await db.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${PW}' ${clause}`);
  }
  await db.query(`CREATE USER 'lowpriv'@'%' IDENTIFIED BY '${PW}'`);
  await db.query("INSTALL SONAME 'auth_ed25519'");
  await db.query(`CREATE USER 'ed'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('${PW}') REQUIRE SSL`);
  await db.query("GRANT SELECT ON mysql.* TO 'ed'@'%'");
  // Debian's root: no password can match 'invalid', so only the unix socket logs in.
  await db.query("CREATE USER 'sockonly'@'localhost' IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket");
  await db.query("GRANT SELECT ON mysql.* TO 'req_x509'@'%'");
}

function spec(db: MariaDB, user: string, password: string, sslMode: SslMode = "PREFERRED", extra: Partial<LoginSpec> = {}): LoginSpec {
  return { host: "127.0.0.1", port: db.port, user, password: new Secret(password), passwordSource: "command line", sslMode, optionFiles: [], ...extra };
}

async function gatherAs(db: MariaDB, user = db.admin.user, password = db.admin.password): Promise<AccountsFacts> {
  const s = await login(spec(db, user, password));
  try {
    return await gatherAccounts(s);
  } finally {
    await s.close();
  }
}

let off: MariaDB;
let on: MariaDB;
let ecdsa: MariaDB;

beforeAll(async () => {
  [off, on, ecdsa] = await Promise.all([
    startMariaDB({ name: "accounts-off", tls: { cert: "rsa" } }),
    startPosture("modern"),
    startPosture("ecdsa"),
  ]);
  await Promise.all([createAccounts(off), createAccounts(on)]);
  await ecdsa.query(`CREATE USER 'req_cipher'@'%' IDENTIFIED BY '${PW}' REQUIRE CIPHER '${CIPHER}'`);
});

afterAll(async () => {
  await Promise.all([off?.stop(), on?.stop(), ecdsa?.stop()]);
});

describe("accounts against SHOW CREATE USER", () => {
  it("reads every REQUIRE kind from mysql.global_priv exactly as SHOW CREATE USER states it", async () => {
    for (const db of [off, on]) {
      const facts = await gatherAs(db);
      for (const [user, host, , expected] of ACCOUNTS) {
        const got = facts.accounts.find((a) => a.user === user && a.host === host);
        expect(got, `${user}@${host}`).toBeDefined();
        expect(got!.source).toBe("mysql.global_priv");
        expect(got!.require, `${user}@${host}`).toEqual(expected);
        const [row] = await db.query(`SHOW CREATE USER '${user}'@'${host}'`);
        const fromShow = parseShowCreateUser(Object.values(row as Record<string, string>)[0]!);
        expect(got!.require, `${user}@${host} vs SHOW CREATE USER`).toEqual(fromShow.require);
      }
      // MariaDB stores ssl_type as an integer in JSON (1 = ANY = REQUIRE SSL), and leaves it out when never set.
      const raw = (u: string) => facts.accounts.find((a) => a.user === u)!.sslTypeRaw;
      expect([raw("req_ssl"), raw("req_x509"), raw("req_issuer"), raw("req_combo")]).toEqual(["1", "2", "3", "3"]);
      expect(facts.accounts.find((a) => a.user === db.admin.user)!.sslTypeRaw).toBeNull();
      expect(facts.accounts.find((a) => a.user === "req_locked")!.locked).toBe(true);
      expect(facts.accounts.find((a) => a.user === "ed")).toMatchObject({ plugin: "ed25519", require: { type: "SSL" } });
      expect(facts.accounts.find((a) => a.user === "mariadb.sys")).toMatchObject({ locked: true, require: { type: "NONE" } });
      const sock = facts.accounts.find((a) => a.user === "sockonly")!;
      expect(sock).toMatchObject({ plugin: "mysql_native_password", passwordInvalid: true, alternativePlugins: ["unix_socket"] });
      const [row] = await db.query("SHOW CREATE USER 'sockonly'@'localhost'");
      expect(parseShowCreateUser(Object.values(row as Record<string, string>)[0]!)).toMatchObject({ passwordInvalid: true, alternativePlugins: ["unix_socket"] });
      expect(accountRows(facts).find((r) => r.user === "sockonly")!.cleartextAllowed).toBe(false);
    }
  });

  it("with require_secure_transport OFF, flags the REQUIRE NONE and anonymous accounts and the CIPHER ones", async () => {
    const facts = await gatherAs(off);
    expect(facts.requireSecureTransport).toBe(false);
    const rows = accountRows(facts);
    expect(rows.find((r) => r.user === "req_none")!.cleartextAllowed).toBe(true);
    expect(rows.find((r) => r.user === "req_ssl")!.cleartextAllowed).toBe(false);
    expect(rows.find((r) => r.user === "req_locked")!.cleartextAllowed).toBe(false);
    const f = checkAccounts(facts);
    const by = (id: string) => f.filter((x) => x.id === id).map((x) => x.title.split(" ")[0]);
    expect(by("accounts.cleartext-login")).toEqual(expect.arrayContaining(["@%", "req_none@%", "harness_admin@127.0.0.1"]));
    expect(by("accounts.cleartext-login")).not.toContain("req_locked@10.0.0.%");
    expect(f.find((x) => x.id === "accounts.cleartext-login" && x.title.startsWith("req_none@%"))!.fix).toBe("ALTER USER 'req_none'@'%' REQUIRE SSL;");
    expect(by("accounts.anonymous")).toEqual(["Anonymous"]);
    expect(by("accounts.unsatisfiable-require-cipher").sort()).toEqual(["req_cipher@%", "req_combo@%"]);
  });

  it("with require_secure_transport ON, no account can log in over clear text", async () => {
    const facts = await gatherAs(on);
    expect(facts.requireSecureTransport).toBe(true);
    expect(accountRows(facts).every((r) => !r.cleartextAllowed)).toBe(true);
    expect(checkAccounts(facts).filter((x) => x.id === "accounts.cleartext-login")).toEqual([]);
  });

  it("applying the cleartext-login fix really moves the account to REQUIRE SSL", async () => {
    await off.query("CREATE USER 'fixme'@'%' IDENTIFIED BY 'x'");
    const before = checkAccounts(await gatherAs(off)).find((x) => x.id === "accounts.cleartext-login" && x.title.startsWith("fixme@%"));
    await off.query(before!.fix!);
    const after = await gatherAs(off);
    expect(after.accounts.find((a) => a.user === "fixme")!.require).toEqual({ type: "SSL" });
    expect(checkAccounts(after).some((x) => x.title.startsWith("fixme@%"))).toBe(false);
  });
});

describe("logins", () => {
  it("a REQUIRE NONE account logs in over clear text with --ssl-mode DISABLED while require_secure_transport is OFF", async () => {
    const s = await login(spec(off, "req_none", PW, "DISABLED"));
    expect(s.tls).toMatchObject({ encrypted: false });
    expect(s.tls.note).toMatch(/DISABLED/);
    await s.close();
  });

  it("on require_secure_transport=ON MariaDB a clear-text login gets a bare 1045, and the error says what it really means", async () => {
    const err = (await login(spec(on, "req_none", PW, "DISABLED")).catch((e: unknown) => e)) as AuditError;
    expect(err).toBeInstanceOf(AuditError);
    expect(err.code).toBe("auth");
    expect(err.details.serverErrno).toBe(1045);
    expect(err.message).toMatch(/require_secure_transport=ON/);
    expect(err.message).not.toContain(PW);
    const s = await login(spec(on, "req_none", PW, "REQUIRED"));
    expect(s.tls.encrypted).toBe(true);
    await s.close();
  });

  it("REQUIRE X509 and SUBJECT accounts log in with the client certificate, and are refused without it", async () => {
    const certs = off.certs!;
    for (const user of ["req_x509", "req_subject", "req_issuer"]) {
      const s = await login(spec(off, user, PW, "VERIFY_IDENTITY", { sslCa: certs.caBundle, sslCert: certs.client.cert, sslKey: certs.client.key }));
      expect(s.tls).toMatchObject({ encrypted: true, chainVerified: true, identityVerified: true });
      await s.close();
      await expect(login(spec(off, user, PW, "REQUIRED"))).rejects.toMatchObject({ code: "auth" });
    }
  });

  it("an account whose plugin this tool cannot speak fails with a message naming the plugin", async () => {
    await off.query("INSTALL SONAME 'auth_pam'");
    await off.query("CREATE USER 'pamuser'@'%' IDENTIFIED VIA pam");
    const err = (await login(spec(off, "pamuser", PW)).catch((e: unknown) => e)) as AuditError;
    expect(err).toBeInstanceOf(AuditError);
    expect(err.code).toBe("auth");
    // MariaDB's pam plugin asks the client for its "dialog" plugin.
    expect(err.message).toMatch(/authentication plugin dialog/);
    expect(err.message).not.toContain(PW);
  });

  it("MariaDB's ed25519 plugin works", async () => {
    const facts = await gatherAs(off, "ed", PW);
    expect(facts.accounts.length).toBeGreaterThan(5);
    await expect(login(spec(off, "ed", "wrong-password"))).rejects.toMatchObject({ code: "auth" });
  });

  it("measured: REQUIRE CIPHER 'ECDHE-RSA-AES256-GCM-SHA384' cannot log in over TLS 1.3, only at TLS 1.2 with that cipher, and never with an ECDSA certificate", async () => {
    const attempt = (db: MariaDB, tls12?: { ciphers?: string }) =>
      mysql
        .createConnection({ host: "127.0.0.1", port: db.port, user: "req_cipher", password: PW, ssl: { rejectUnauthorized: false, ...(tls12 ? { maxVersion: "TLSv1.2", ...tls12 } : {}) } })
        .then(async (c) => (await c.end(), "ok"))
        .catch((e: { errno?: number }) => `errno ${e.errno}`);
    expect(await attempt(off)).toBe("errno 1045");
    expect(await attempt(off, {})).toBe("errno 1045"); // TLS 1.2, but Node prefers ECDHE-RSA-AES128-GCM-SHA256
    expect(await attempt(off, { ciphers: CIPHER })).toBe("ok");
    expect(await attempt(ecdsa, {})).toBe("errno 1045");
    // What the check says about the same accounts on the same servers.
    const offFacts = await gatherAs(off);
    expect(checkAccounts(offFacts).find((x) => x.title.startsWith("req_cipher@%"))).toMatchObject({ id: "accounts.unsatisfiable-require-cipher", severity: "low" });
    const ecFacts = await gatherAs(ecdsa);
    expect(ecFacts.certKeyType).toBe("EC");
    expect(checkAccounts(ecFacts).find((x) => x.title.startsWith("req_cipher@%"))).toMatchObject({ id: "accounts.unsatisfiable-require-cipher", severity: "medium" });
  });
});

describe("privileges", () => {
  it("a login without SELECT on mysql gets privilege.missing with the GRANT, and its own account via SHOW CREATE USER", async () => {
    const facts = await gatherAs(off, "lowpriv", PW);
    const f = checkAccounts(facts);
    const missing = f.find((x) => x.id === "privilege.missing");
    expect(missing).toBeDefined();
    expect(missing!.fix).toBe("GRANT SELECT ON mysql.global_priv TO 'lowpriv'@'%';");
    expect(facts.accounts).toEqual([expect.objectContaining({ user: "lowpriv", host: "%", source: "SHOW CREATE USER", require: { type: "NONE" } })]);
    // The GRANT it names is the one that makes the full read work.
    await off.query(missing!.fix!);
    const after = await gatherAs(off, "lowpriv", PW);
    expect(after.problems).toEqual([]);
    expect(after.accounts.length).toBeGreaterThan(5);
  });
});

describe("the accounts command", () => {
  it("prints the JSON contract, flags, and never the password (MYSQL_PWD)", async () => {
    const r = await runCli(["accounts", `127.0.0.1:${off.port}`, "-u", off.admin.user, "--no-defaults", "--json"], { env: { MYSQL_PWD: off.admin.password } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "accounts", target: { host: "127.0.0.1", port: off.port }, requireSecureTransport: false });
    expect(doc.login).toMatchObject({ user: off.admin.user, sslMode: "PREFERRED", encrypted: true, chainVerified: false });
    expect(doc.login.note).toMatch(/NOT verified/);
    expect(doc.accounts.find((a: { user: string }) => a.user === "req_combo")).toMatchObject({
      host: "%",
      require: { type: "SPECIFIED", issuer: ISSUER, subject: SUBJECT, cipher: CIPHER },
      plugin: "mysql_native_password",
      locked: false,
      cleartextAllowed: false,
    });
    expect(doc.findings.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(["accounts.cleartext-login", "accounts.anonymous", "accounts.unsatisfiable-require-cipher"]));
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(off.admin.password);
      expect(out).not.toContain(PW);
    }
  });

  it("prints a table with --require-x509-remote, and a wrong password is one line naming no password", async () => {
    // A wide terminal, so each REQUIRE clause stays on its row (at 80 columns the table wraps it).
    const r = await runCli(["accounts", `mysql://req_x509:${PW}@127.0.0.1:${off.port}`, "--ssl-cert", off.certs!.client.cert, "--ssl-key", off.certs!.client.key, "--require-x509-remote", "--no-defaults"], { env: { COLUMNS: "250" } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/req_combo@%\s+ISSUER '\/CN=mysql-tls-audit Test Intermediate CA' AND SUBJECT '\/CN=audit-client' AND CIPHER 'ECDHE-RSA-AES256-GCM-SHA384'/);
    expect(r.stdout).toMatch(/accounts\.remote-without-x509/);
    expect(r.stdout).not.toContain(PW);
    const bad = await runCli(["accounts", `127.0.0.1:${on.port}`, "-u", "req_none", `--password=${PW}x`, "--ssl-mode", "DISABLED", "--no-defaults"]);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/Access denied.*require_secure_transport=ON/);
    expect(bad.stderr).not.toContain(PW);
    expect(bad.stderr.trim().split("\n").filter((l) => !/Warning/.test(l))).toHaveLength(1);
  });
});

describe("MySQL 8.4 mysql.user (protocol-faithful test server with the MySQL 8.4 model)", () => {
  const MODEL_ACCOUNTS: ModelAccount[] = [
    { user: "audit", host: "%", sslType: "" },
    { user: "m_ssl", host: "%", sslType: "ANY" },
    { user: "m_x509", host: "10.0.0.%", sslType: "X509" },
    { user: "m_spec", host: "%", sslType: "SPECIFIED", issuer: ISSUER, subject: SUBJECT, cipher: "TLS_AES_256_GCM_SHA384" },
    { user: "m_cipher", host: "%", sslType: "SPECIFIED", cipher: "DES-CBC3-SHA", plugin: "mysql_native_password" },
  ];
  let fake: FakeMysql;
  let fakeDenied: FakeMysql;

  beforeAll(async () => {
    const certs = await makeCerts();
    const common = {
      greeting: "mysql-8.4" as const,
      tls: { cert: certs.leaves.rsa.chain, key: certs.leaves.rsa.key },
      users: [{ user: "audit", password: PW, plugin: "caching_sha2_password" as const }],
    };
    [fake, fakeDenied] = await Promise.all([
      startFakeMysql({ ...common, onQuery: mysql84Model({ accounts: MODEL_ACCOUNTS }) }),
      startFakeMysql({ ...common, onQuery: mysql84Model({ accounts: MODEL_ACCOUNTS, denied: ["mysql.user"] }) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([fake?.stop(), fakeDenied?.stop()]);
  });

  const fakeLogin = (f: FakeMysql) =>
    login({ host: "127.0.0.1", port: f.port, user: "audit", password: new Secret(PW), passwordSource: "command line", sslMode: "REQUIRED", optionFiles: [] });

  it("maps MySQL's ssl_type enum ('', ANY, X509, SPECIFIED) as SHOW CREATE USER states it", async () => {
    const s = await fakeLogin(fake);
    const facts = await gatherAccounts(s);
    for (const a of MODEL_ACCOUNTS) {
      const got = facts.accounts.find((x) => x.user === a.user && x.host === a.host)!;
      expect(got.source).toBe("mysql.user");
      const [row] = await s.query(`SHOW CREATE USER '${a.user}'@'${a.host}'`);
      expect(got.require, a.user).toEqual(parseShowCreateUser(Object.values(row!)[0]!).require);
    }
    await s.close();
    expect(facts.accounts.find((a) => a.user === "m_spec")!.require).toEqual({ type: "SPECIFIED", issuer: ISSUER, subject: SUBJECT, cipher: "TLS_AES_256_GCM_SHA384" });
    expect(facts.accounts.find((a) => a.user === "mysql.sys")).toMatchObject({ locked: true, plugin: "caching_sha2_password", require: { type: "NONE" } });
    expect(facts.requireSecureTransport).toBe(false);
    const f = checkAccounts(facts);
    expect(f.find((x) => x.id === "accounts.weak-require-cipher")).toMatchObject({ severity: "medium", fix: "ALTER USER 'm_cipher'@'%' REQUIRE SSL;  -- and restrict ciphers server-wide with ssl_cipher / tls_ciphersuites" });
    expect(f.filter((x) => x.id === "accounts.cleartext-login").map((x) => x.title.split(" ")[0])).toEqual(["audit@%", "root@localhost"]);
  });

  it("without SELECT on mysql.user: privilege.missing with the GRANT, and the own account from SHOW CREATE USER", async () => {
    const s = await fakeLogin(fakeDenied);
    const facts = await gatherAccounts(s);
    await s.close();
    expect(facts.accounts).toEqual([expect.objectContaining({ user: "audit", host: "%", source: "SHOW CREATE USER", plugin: "caching_sha2_password", locked: false })]);
    expect(checkAccounts(facts).find((x) => x.id === "privilege.missing")!.fix).toBe("GRANT SELECT ON mysql.user TO 'audit'@'%';");
  });

  it("accounts --json never carries the password or the stored hash", async () => {
    const r = await runCli(["accounts", `mysql://audit:${encodeURIComponent(PW)}@127.0.0.1:${fakeDenied.port}`, "--no-defaults", "--json"]);
    // privilege.missing: something could not be checked, which fails the run with 3 (issue 12).
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).accounts).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toContain(PW);
    expect(r.stdout + r.stderr).not.toContain("fakehash");
  });

  it("account queries answered with other columns: query.unexpected-result, never an anonymous ''@'' account made up from them", async () => {
    const model = mysql84Model({ accounts: MODEL_ACCOUNTS });
    const odd = await startFakeMysql({
      greeting: "mysql-8.4",
      users: [{ user: "audit", password: PW, plugin: "caching_sha2_password" }],
      onQuery: (sql, conn) =>
        /mysql\.user|^SHOW CREATE USER/i.test(sql) ? { columns: ["surprise", "more_surprise", "and_more"], rows: [["1", "2", "3"], ["x", null, "z"]] } : model(sql, conn),
    });
    try {
      for (const cmd of [["accounts"], ["audit", "--skip", "protocols,ciphers,certificate"]]) {
        const r = await runCli([...cmd, `mysql://audit:${encodeURIComponent(PW)}@127.0.0.1:${odd.port}`, "--ssl-mode", "REQUIRED", "--no-defaults", "--json"]);
        // query.unexpected-result: something could not be checked, which fails the run with 3 (issue 12).
        expect(r.code, `${cmd[0]}: ${r.stderr}`).toBe(3);
        const doc = JSON.parse(r.stdout);
        const findings: { id: string; severity: string; evidence: string }[] = doc.findings ?? doc.targets[0].findings;
        expect(findings.map((f) => f.id)).not.toContain("accounts.anonymous");
        const unexpected = findings.filter((f) => f.id === "query.unexpected-result");
        expect(unexpected.map((f) => f.evidence.split(" ")[0]), cmd[0]).toEqual(["SELECT", "SELECT", "SHOW"]);
        expect(unexpected.every((f) => f.severity === "error" && /the server sent columns: surprise, more_surprise, and_more/.test(f.evidence))).toBe(true);
        if (cmd[0] === "accounts") {
          expect(doc.accounts).toEqual([]);
          // require_secure_transport was read all the same.
          expect(doc.requireSecureTransport).toBe(false);
        }
      }
    } finally {
      await odd.stop();
    }
  });
});
