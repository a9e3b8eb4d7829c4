// `settings` against a real MariaDB: every row must be what SHOW GLOBAL VARIABLES / SHOW GLOBAL STATUS say,
// what MariaDB lacks must say so, and the findings must follow the server's real configuration.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, startPosture, type MariaDB } from "../support/mariadb.js";
import { runCli } from "../support/cli.js";
import { login } from "../../src/sql/login.js";
import { Secret, type LoginSpec, type SslMode } from "../../src/sql/credentials.js";
import { gatherSettings } from "../../src/sql/settings.js";
import { gatherReplication } from "../../src/sql/replication.js";
import { checkSettings, settingRows } from "../../src/checks/settings/judge.js";
import { checkReplication } from "../../src/checks/replication/judge.js";
import { AuditError } from "../../src/errors.js";
import { makeCerts } from "../support/certs.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model, mysql84Status, mysql84Variables } from "../support/mysql-model.js";

const PW = `Set-${randomBytes(9).toString("base64url")}`;
let db: MariaDB;

function spec(user: string, password: string, sslMode: SslMode = "PREFERRED", extra: Partial<LoginSpec> = {}): LoginSpec {
  return { host: "127.0.0.1", port: db.port, user, password: new Secret(password), passwordSource: "command line", sslMode, optionFiles: [], ...extra };
}

async function settingsAs(user = db.admin.user, password = db.admin.password) {
  const s = await login(spec(user, password));
  try {
    return { session: s, facts: await gatherSettings(s), repl: await gatherReplication(s) };
  } finally {
    await s.close();
  }
}

beforeAll(async () => {
  // TLS 1.0 to 1.3 and ALL:@SECLEVEL=0: a server with something to find.
  db = await startPosture("legacy");
  await db.query(`CREATE USER 'lowpriv'@'%' IDENTIFIED BY '${PW}'`);
});

afterAll(async () => {
  await db?.stop();
});

describe("settings against SHOW GLOBAL VARIABLES / SHOW GLOBAL STATUS", () => {
  it("reports each setting with the server's own value, and what MariaDB 10.11 lacks as not available", async () => {
    const { facts, session } = await settingsAs();
    // The reference is read over TLS: MariaDB's Ssl_server_not_before/after describe the current connection's
    // certificate and are empty on the (clear-text) unix socket.
    const ref = await mysql.createConnection({ host: "127.0.0.1", port: db.port, user: db.admin.user, password: db.admin.password, ssl: { rejectUnauthorized: false } });
    const read = async (sql: string) => new Map(((await ref.query(sql))[0] as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), r.Value]));
    const vars = await read("SHOW GLOBAL VARIABLES");
    const status = await read("SHOW GLOBAL STATUS");
    await ref.end();
    const rows = settingRows(facts);
    let available = 0;
    for (const r of rows.filter((x) => x.scope === "global")) {
      const server = (r.kind === "variable" ? vars : status).get(r.name.toLowerCase());
      if (server === undefined) {
        expect(r, r.name).toMatchObject({ available: false, note: "not available on MariaDB 10.11" });
        expect(r.value).toBeUndefined();
      } else {
        available++;
        // Ssl_* counters move between the two reads; the rows we report are configuration, which does not.
        expect(r, r.name).toMatchObject({ available: true, value: server });
      }
    }
    expect(available).toBeGreaterThanOrEqual(14);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.version_ssl_library!.value).toMatch(/^OpenSSL \d/);
    expect(byName.Tls_library_version!.note).toBe("not available on MariaDB 10.11");
    expect(byName.admin_tls_version!.available).toBe(false);
    expect(byName.tls_version).toMatchObject({ value: "TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3", secure: false });
    expect(byName.ssl_cipher).toMatchObject({ value: "ALL:@SECLEVEL=0", secure: false });
    expect(byName.require_secure_transport).toMatchObject({ value: "OFF", secure: false });
    expect(byName.have_ssl).toMatchObject({ value: "YES", secure: true });
    // This session's own Ssl_version and Ssl_cipher are what Node negotiated.
    expect(byName.Ssl_version).toMatchObject({ scope: "session", value: session.tls.protocol, secure: true });
    expect(byName.Ssl_cipher!.value).toBe(session.tls.cipher);
    expect(facts.tlsChannelsNote).toBe("not available on MariaDB 10.11 (MySQL 8.0.21+ only)");
  });

  it("finds what the legacy server is configured with, and require_secure_transport follows SET GLOBAL", async () => {
    const { facts } = await settingsAs();
    const f = checkSettings(facts);
    const ids = f.map((x) => x.id);
    expect(ids).toEqual(expect.arrayContaining(["settings.require-secure-transport-off", "settings.legacy-tls-version", "settings.weak-ssl-cipher", "settings.login-not-verified"]));
    const rst = f.find((x) => x.id === "settings.require-secure-transport-off")!;
    await db.query(rst.fix!);
    try {
      const after = checkSettings((await settingsAs()).facts);
      expect(after.map((x) => x.id)).not.toContain("settings.require-secure-transport-off");
    } finally {
      await db.query("SET GLOBAL require_secure_transport = OFF");
    }
  });

  it("a login without privileges still reads the settings, and gets privilege.missing with the GRANT for replication", async () => {
    const { facts, repl } = await settingsAs("lowpriv", PW);
    expect(settingRows(facts).find((r) => r.name === "tls_version")!.available).toBe(true);
    const f = checkReplication(repl);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: "privilege.missing", severity: "error" });
    expect(f[0]!.title).toMatch(/SLAVE MONITOR|REPLICATION CLIENT|SUPER/);
    await db.query(f[0]!.fix!);
    const again = await settingsAs("lowpriv", PW);
    expect(again.repl.problems).toEqual([]);
    expect(again.repl.channels).toEqual([]);
  });
});

describe("an old server that speaks only TLS 1.0/1.1", () => {
  it("PREFERRED still logs in (and says the protocol is obsolete); VERIFY_CA keeps Node's TLS 1.2 floor", async () => {
    const old = await startMariaDB({ name: "tls10-only", tls: { cert: "rsa", tlsVersion: "TLSv1.0,TLSv1.1", cipher: "ALL:@SECLEVEL=0" } });
    try {
      const s = await login({ ...spec(old.admin.user, old.admin.password), port: old.port });
      expect(s.tls.protocol).toMatch(/^TLSv1(\.1)?$/);
      expect(s.tls.note).toMatch(/obsolete protocol/);
      const facts = await gatherSettings(s);
      await s.close();
      expect(settingRows(facts).find((r) => r.name === "Ssl_version")).toMatchObject({ value: s.tls.protocol, secure: false });
      await expect(login({ ...spec(old.admin.user, old.admin.password, "VERIFY_CA", { sslCa: old.certs!.caBundle }), port: old.port })).rejects.toMatchObject({ code: "tls" });
    } finally {
      await old.stop();
    }
  });
});

describe("the settings command", () => {
  // These option files hold the admin password: one folder, removed after the tests.
  const cnfDir = mkdtempSync(join(tmpdir(), "mta-settings-cnf-"));
  afterAll(() => rmSync(cnfDir, { recursive: true, force: true }));
  function cnfFile(text: string): string {
    const p = join(mkdtempSync(join(cnfDir, "cnf-")), "my.cnf");
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  }

  it("logs in from --defaults-file (host, port, user, password, ssl-mode, ssl-ca), verifies, and prints JSON without the password", async () => {
    const file = cnfFile(
      `[client]\nhost=127.0.0.1\nport=${db.port}\nuser=nobody\n[mysql-tls-audit]\nuser=${db.admin.user}\npassword="${db.admin.password}"\nssl-mode=VERIFY_IDENTITY\nssl-ca=${db.certs!.caBundle}\n`,
    );
    const r = await runCli(["settings", "--defaults-file", file, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "settings", target: { host: "127.0.0.1", port: db.port }, server: { flavor: "mariadb" } });
    expect(doc.login).toMatchObject({ user: db.admin.user, passwordSource: "option file", sslMode: "VERIFY_IDENTITY", chainVerified: true, identityVerified: true });
    expect(doc.settings.find((s: { name: string }) => s.name === "require_secure_transport")).toMatchObject({ kind: "variable", available: true, value: "OFF", secure: false });
    expect(doc.settings.find((s: { name: string }) => s.name === "Tls_library_version")).toMatchObject({ kind: "status", available: false });
    expect(doc.replication).toEqual([]);
    expect(doc.findings.map((f: { id: string }) => f.id)).toContain("settings.require-secure-transport-off");
    expect(r.stdout).not.toContain(db.admin.password);
  });

  it("says in the table when the login is not verified, and fails VERIFY_CA against the system roots as a TLS error", async () => {
    // A wide terminal, so each row stays on one line (at 80 columns the table wraps the long ones).
    const r = await runCli(["settings", `127.0.0.1:${db.port}`, "-u", db.admin.user, `-p${db.admin.password}`, "--no-defaults"], { env: { COLUMNS: "250" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Login transport\s+TLSv1\.3 \S+, certificate NOT verified \(--ssl-mode PREFERRED/);
    expect(r.stdout).toMatch(/admin_tls_version\s+not available on MariaDB 10\.11/);
    expect(r.stderr).toMatch(/Using a password on the command line interface can be insecure/);
    for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(db.admin.password);
    const v = await runCli(["settings", `127.0.0.1:${db.port}`, "-u", db.admin.user, "--ssl-mode", "VERIFY_CA", "--no-defaults"], { env: { MYSQL_PWD: db.admin.password } });
    expect(v.code).toBe(3);
    expect(v.stderr).toMatch(/TLS failed \(--ssl-mode VERIFY_CA\): unable to get local issuer certificate; without --ssl-ca/);
    expect(v.stderr).not.toContain(db.admin.password);
  });

  it("-p alone prompts on a real terminal without echoing the password, then logs in", async () => {
    // util-linux `script` gives the CLI a pseudo-terminal; the password is typed only once the prompt is up
    // (before raw mode the terminal itself would echo it).
    const cmd = ["node", "bin/mysql-tls-audit.js", "settings", `127.0.0.1:${db.port}`, "-u", db.admin.user, "-p", "--no-defaults", "--json"].join(" ");
    const child = spawn("script", ["-qefc", cmd, "/dev/null"], { cwd: process.cwd(), env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Enter password: ") && !child.stdin.writableEnded) child.stdin.end(`${db.admin.password}\r`);
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(out).toContain("Enter password: ");
    expect(out).not.toContain(db.admin.password);
    const json = JSON.parse(out.slice(out.indexOf("{")).replace(/\r\n/g, "\n"));
    expect(json.login).toMatchObject({ user: db.admin.user, passwordSource: "prompt", encrypted: true });
  });

  it("-p alone prompts, and is a usage error (exit 2) when stdin is not a terminal; the next word stays the target", async () => {
    const r = await runCli(["settings", "-u", db.admin.user, "-p", `127.0.0.1:${db.port}`, "--no-defaults"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin is not a terminal/);
  });
});

describe("MySQL 8.4 rows (protocol-faithful test server with the MySQL 8.4 model)", () => {
  const NOW = new Date("2026-06-01T00:00:00Z");
  let fake: FakeMysql;
  let log: string[];
  const user = "audit";

  beforeAll(async () => {
    const certs = await makeCerts();
    log = [];
    fake = await startFakeMysql({
      greeting: "mysql-8.4",
      tls: { cert: certs.leaves.rsa.chain, key: certs.leaves.rsa.key },
      users: [
        { user, password: PW, plugin: "caching_sha2_password" },
        { user: "native", password: PW, plugin: "mysql_native_password" },
      ],
      onQuery: mysql84Model({
        log,
        channels: [
          { name: "", host: "src.example", port: 3306, sslAllowed: "YES", verify: false, ca: "/etc/mysql/ca.pem", tlsVersion: "TLSv1.2,TLSv1.3" },
          { name: "eu", host: "eu.example", port: 3306, sslAllowed: "NO", verify: false },
        ],
      }),
    });
  });
  afterAll(async () => {
    await fake?.stop();
  });

  const fakeSpec = (u: string, sslMode: SslMode, extra: Partial<LoginSpec> = {}): LoginSpec => ({
    host: "127.0.0.1", port: fake.port, user: u, password: new Secret(PW), passwordSource: "command line", sslMode, optionFiles: [], ...extra,
  });

  it("reads Tls_library_version, Current_tls_*, the TLS channels and this session's Ssl_version, as the model's tables hold them", async () => {
    const s = await login(fakeSpec(user, "VERIFY_IDENTITY", { sslCa: (await makeCerts()).caBundle }));
    const facts = await gatherSettings(s);
    const repl = await gatherReplication(s);
    await s.close();
    expect(s.flavor).toBe("mysql");
    expect(s.tls).toMatchObject({ encrypted: true, identityVerified: true });
    const rows = Object.fromEntries(settingRows(facts, NOW).map((r) => [r.name, r]));
    const vars = mysql84Variables();
    const status = mysql84Status();
    for (const r of Object.values(rows).filter((x) => x.scope === "global")) {
      const want = r.kind === "variable" ? vars[r.name.toLowerCase()] : status[r.name];
      if (want === undefined) expect(r, r.name).toMatchObject({ available: false, note: "not available on MySQL 8.4" });
      else expect(r, r.name).toMatchObject({ available: true, value: want });
    }
    expect(rows.Tls_library_version).toMatchObject({ available: true, value: "OpenSSL 3.0.13 30 Jan 2024", secure: true });
    expect(rows.have_ssl!.note).toBe("not available on MySQL 8.4");
    expect(rows.version_ssl_library!.note).toBe("not available on MySQL 8.4");
    expect(rows.Current_tls_version).toMatchObject({ value: "TLSv1.2,TLSv1.3", secure: true });
    expect(rows.Ssl_version).toMatchObject({ scope: "session", value: s.tls.protocol });
    expect(facts.tlsChannels?.map((c) => [c.channel, c.properties.Enabled])).toEqual([["mysql_main", "Yes"], ["mysql_admin", "No"]]);
    expect(log).toContain("SELECT CHANNEL, PROPERTY, VALUE FROM performance_schema.tls_channel_status");
    // OpenSSL 3.0 is an LTS until 2026-09-07: fine on 2026-06-01, a finding after.
    expect(checkSettings(facts, NOW).map((x) => x.id)).toEqual(["settings.require-secure-transport-off"]);
    expect(checkSettings(facts, NOW)[0]!.fix).toBe("SET PERSIST require_secure_transport = ON;");
    expect(checkSettings(facts, new Date("2026-11-24T00:00:00Z")).map((x) => x.id)).toContain("settings.tls-library-eol");
    const rf = checkReplication(repl);
    expect(rf.map((x) => x.id)).toEqual(["replication.no-verify", "replication.no-tls"]);
    expect(rf[0]!.fix).toBe(
      "STOP REPLICA;\nCHANGE REPLICATION SOURCE TO SOURCE_SSL = 1, SOURCE_SSL_CA = '/etc/mysql/ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT = 1;\nSTART REPLICA;",
    );
    expect(rf[1]!.fix).toContain("FOR CHANNEL 'eu'");
  });

  it("caching_sha2_password (also in clear text, via the server's RSA key) and mysql_native_password log in", async () => {
    for (const [u, mode] of [[user, "DISABLED"], [user, "REQUIRED"], ["native", "PREFERRED"]] as const) {
      // Over clear text the server's RSA key is only fetched when asked for (--get-server-public-key).
      const s = await login(fakeSpec(u, mode, mode === "DISABLED" ? { getServerPublicKey: true } : {}));
      expect(s.tls.encrypted).toBe(mode !== "DISABLED");
      await s.close();
    }
    const err = (await login({ ...fakeSpec(user, "REQUIRED"), password: new Secret(`${PW}-wrong`) }).catch((e: unknown) => e)) as AuditError;
    expect(err.code).toBe("auth");
    expect(err.message).not.toContain(PW);
  });

  it("PREFERRED falls back to clear text when the server offers no TLS, and says so; REQUIRED refuses", async () => {
    const plain = await startFakeMysql({ greeting: "mysql-8.4", behaviour: "no-ssl", users: [{ user, password: PW, plugin: "caching_sha2_password" }], onQuery: mysql84Model() });
    try {
      // An explicit PREFERRED (the default refuses a clear-text login); the cold cache needs the RSA key, which
      // only --get-server-public-key fetches from the server.
      const s = await login({ ...fakeSpec(user, "PREFERRED", { sslModeGiven: true, getServerPublicKey: true }), port: plain.port });
      expect(s.tls).toMatchObject({ encrypted: false, chainVerified: false, passwordToServerKey: true });
      expect(s.tls.note).toMatch(/the server offered no TLS/);
      const facts = await gatherSettings(s);
      await s.close();
      expect(settingRows(facts, NOW).find((r) => r.name === "Ssl_version")).toMatchObject({ value: "", secure: false, note: "this login is not encrypted" });
      // The model's tls_channel_status says mysql_main Enabled = Yes: to this login, TLS looks stripped.
      expect(checkSettings(facts, NOW).map((x) => x.id)).toContain("login.tls-stripped");
      await expect(login({ ...fakeSpec(user, "PREFERRED"), port: plain.port })).rejects.toMatchObject({ code: "tls", message: expect.stringMatching(/did not offer TLS.*no login was attempted/) });
      await expect(login({ ...fakeSpec(user, "REQUIRED"), port: plain.port })).rejects.toMatchObject({ code: "tls", message: "the server does not offer TLS, and --ssl-mode REQUIRED requires it" });
    } finally {
      await plain.stop();
    }
  });

  it("a clear-text login to require_secure_transport=ON MySQL (3159) and a certificate for another name are typed, clear errors", async () => {
    const certs = await makeCerts();
    const strict = await startFakeMysql({
      greeting: "mysql-8.4",
      requireSecureTransport: true,
      tls: { cert: certs.leaves["wrong-name"].chain, key: certs.leaves["wrong-name"].key },
      users: [{ user, password: PW, plugin: "caching_sha2_password" }],
      onQuery: mysql84Model(),
    });
    try {
      const e1 = (await login({ ...fakeSpec(user, "DISABLED", { getServerPublicKey: true }), port: strict.port }).catch((e: unknown) => e)) as AuditError;
      expect(e1).toMatchObject({ code: "auth", details: { serverErrno: 3159 } });
      expect(e1.message).toMatch(/requires TLS \(require_secure_transport=ON\)/);
      // mysql2 checks names only for DNS hosts; for an IP target the tool checks the certificate itself.
      const e2 = (await login({ ...fakeSpec(user, "VERIFY_IDENTITY", { sslCa: certs.caBundle }), port: strict.port }).catch((e: unknown) => e)) as AuditError;
      expect(e2).toMatchObject({ code: "tls" });
      expect(e2.message).toMatch(/does not match "127\.0\.0\.1"/);
      const ok = await login({ ...fakeSpec(user, "VERIFY_CA", { sslCa: certs.caBundle }), port: strict.port });
      expect(ok.tls).toMatchObject({ chainVerified: true, identityVerified: false });
      expect(ok.tls.note).toMatch(/name NOT checked/);
      await ok.close();
    } finally {
      await strict.stop();
    }
  });

  it("settings --json against MySQL 8.4: Tls_library_version, the channels, and no password", async () => {
    const r = await runCli(["settings", `127.0.0.1:${fake.port}`, "-u", user, "--ssl-mode", "REQUIRED", "--no-defaults", "--json"], { env: { MYSQL_PWD: PW } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.server).toMatchObject({ flavor: "mysql", version: "8.4.3" });
    expect(doc.settings.find((x: { name: string }) => x.name === "Tls_library_version")).toMatchObject({ kind: "status", available: true });
    expect(doc.tlsChannels).toHaveLength(2);
    expect(doc.replication.map((c: { channel: string; tls: boolean }) => [c.channel, c.tls])).toEqual([["", true], ["eu", false]]);
    expect(r.stdout + r.stderr).not.toContain(PW);
  });

  it("a failed TLS upgrade at login names the server's answer in one line: its ERR packet, or OpenSSL's reason", async () => {
    const cases = [
      [{ behaviour: "err-after-ssl-request", errno: 1043, message: "Bad handshake" }, /TLS failed \(--ssl-mode PREFERRED\): the server answered with MySQL error 1043 \(08S01\) instead of TLS: Bad handshake$/],
      [{ behaviour: "tls-alert" }, /TLS failed \(--ssl-mode PREFERRED\): sslv3 alert handshake failure$/],
      [{ behaviour: "drop-after-ssl-request" }, /the server closed the connection after the SSLRequest without any TLS reply/],
    ] as const;
    for (const [opts, want] of cases) {
      const bad = await startFakeMysql({ greeting: "mysql-8.4", ...opts });
      try {
        const r = await runCli(["settings", `127.0.0.1:${bad.port}`, "-u", user, "--no-defaults", "--json"], { env: { MYSQL_PWD: PW } });
        expect(r.code, r.stderr).toBe(3);
        // --json still prints one document, with the error inside (#11).
        expect(JSON.parse(r.stdout)).toMatchObject({ command: "settings", error: { step: "login" }, findings: [{ id: "audit.target-unreachable" }] });
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr.trim()).toMatch(want);
        expect(r.stderr).toContain(`127.0.0.1:${bad.port}: login: `);
      } finally {
        await bad.stop();
      }
    }
  });

  it("a result of another shape is query.unexpected-result naming the query, never made-up rows; the other queries still run", async () => {
    // SHOW GLOBAL STATUS answers with columns of its own; the replication table lacks the TLS columns.
    const model = mysql84Model({ channels: [{ name: "", host: "src.example", port: 3306, sslAllowed: "YES", verify: false }] });
    const odd = await startFakeMysql({
      greeting: "mysql-8.4",
      users: [{ user, password: PW, plugin: "caching_sha2_password" }],
      onQuery: (sql, conn) =>
        /^SHOW GLOBAL STATUS\b/i.test(sql.trim())
          ? { columns: ["surprise", "more_surprise"], rows: [["Tls_library_version", "OpenSSL 0.9.8"]] }
          : /replication_connection_configuration/i.test(sql)
            ? { columns: ["CHANNEL_NAME", "HOST"], rows: [["", ""]] }
            : model(sql, conn),
    });
    try {
      const r = await runCli(["settings", `127.0.0.1:${odd.port}`, "-u", user, "--ssl-mode", "REQUIRED", "--no-defaults", "--json"], { env: { MYSQL_PWD: PW } });
      // query.unexpected-result: something could not be checked, which fails the run with 3 (issue 12).
      expect(r.code).toBe(3);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const doc = JSON.parse(r.stdout);
      const unexpected = doc.findings.filter((f: { id: string }) => f.id === "query.unexpected-result");
      expect(unexpected.map((f: { severity: string; evidence: string }) => [f.severity, f.evidence.split(":")[0]])).toEqual([
        // Only the status the settings table judges is asked for.
        ["error", expect.stringMatching(/^SHOW GLOBAL STATUS WHERE Variable_name IN \('Tls_library_version', /)],
        ["error", "SELECT * FROM performance_schema.replication_connection_configuration"],
      ]);
      expect(unexpected[0].evidence).toMatch(/no column Variable_name or VARIABLE_NAME, Value or VARIABLE_VALUE \(the server sent columns: surprise, more_surprise\)/);
      // Nothing was read from the odd results: no status row, no empty channel.
      expect(doc.settings.find((x: { name: string }) => x.name === "Tls_library_version")).toMatchObject({ available: false });
      expect(doc.replication).toEqual([]);
      // The variables and this session's status were read all the same.
      expect(doc.settings.find((x: { name: string }) => x.name === "require_secure_transport")).toMatchObject({ available: true, value: "OFF" });
      expect(doc.tlsChannels).toHaveLength(2);
    } finally {
      await odd.stop();
    }
  });
});
