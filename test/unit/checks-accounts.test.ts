import { describe, expect, it } from "vitest";
import { accountRows, checkAccounts } from "../../src/checks/accounts.js";
import type { AccountFacts, AccountsFacts } from "../../src/sql/accounts.js";

function acct(user: string, host: string, require: AccountFacts["require"], extra: Partial<AccountFacts> = {}): AccountFacts {
  return { user, host, require, plugin: "mysql_native_password", locked: false, source: "mysql.global_priv", ...extra };
}
function facts(accounts: AccountFacts[], extra: Partial<AccountsFacts> = {}): AccountsFacts {
  return { flavor: "mariadb", flavorLabel: "MariaDB 10.11", accounts, requireSecureTransport: false, tlsVersions: ["TLSv1.2", "TLSv1.3"], certKeyType: "RSA", tlsAvailable: true, problems: [], ...extra };
}
const ids = (f: { id: string }[]) => f.map((x) => x.id);

describe("checkAccounts", () => {
  it("flags REQUIRE NONE as a clear-text login while require_secure_transport is OFF, with the ALTER USER fix", () => {
    const f = checkAccounts(facts([acct("app", "%", { type: "NONE" }), acct("local", "localhost", { type: "NONE" }), acct("tls", "%", { type: "SSL" })]));
    const clear = f.filter((x) => x.id === "accounts.cleartext-login");
    expect(clear.map((x) => [x.severity, x.fix])).toEqual([
      ["high", "ALTER USER 'app'@'%' REQUIRE SSL;"],
      ["low", "ALTER USER 'local'@'localhost' REQUIRE SSL;"],
    ]);
  });
  it("does not flag clear text when require_secure_transport is ON, nor locked or unix_socket accounts", () => {
    expect(ids(checkAccounts(facts([acct("app", "%", { type: "NONE" })], { requireSecureTransport: true })))).toEqual([]);
    expect(ids(checkAccounts(facts([acct("x", "%", { type: "NONE" }, { locked: true }), acct("root", "localhost", { type: "NONE" }, { plugin: "unix_socket" })])))).toEqual([]);
    const rows = accountRows(facts([acct("app", "%", { type: "NONE" })], { requireSecureTransport: true }));
    expect(rows[0]).toMatchObject({ cleartextAllowed: false, clause: "REQUIRE NONE" });
  });
  it("treats Debian's root (password 'invalid' OR unix_socket) as socket-only, but not 'password OR unix_socket'", () => {
    const debianRoot = acct("root", "localhost", { type: "NONE" }, { passwordInvalid: true, alternativePlugins: ["unix_socket"] });
    const both = acct("both", "localhost", { type: "NONE" }, { alternativePlugins: ["unix_socket"] });
    expect(checkAccounts(facts([debianRoot, both])).map((x) => x.title.split(" ")[0])).toEqual(["both@localhost"]);
  });
  it("flags anonymous accounts with DROP USER", () => {
    const f = checkAccounts(facts([acct("", "%", { type: "SSL" })]));
    expect(f).toEqual([expect.objectContaining({ id: "accounts.anonymous", severity: "high", fix: "DROP USER ''@'%';" })]);
  });
  it("flags remote accounts without a certificate only when the policy asks", () => {
    const a = [acct("r", "10.%", { type: "SSL" }), acct("x", "%", { type: "X509" }), acct("s", "%", { type: "SPECIFIED", subject: "/CN=s" }), acct("c", "%", { type: "SPECIFIED", cipher: "TLS_AES_256_GCM_SHA384" }), acct("l", "127.0.0.1", { type: "SSL" })];
    expect(ids(checkAccounts(facts(a)))).toEqual([]);
    const f = checkAccounts(facts(a), { requireX509ForRemote: true });
    expect(f.filter((x) => x.id === "accounts.remote-without-x509").map((x) => x.fix)).toEqual([
      "ALTER USER 'r'@'10.%' REQUIRE X509;  -- or REQUIRE SUBJECT '/CN=...' AND ISSUER '/CN=your CA'",
      "ALTER USER 'c'@'%' REQUIRE X509;  -- or REQUIRE SUBJECT '/CN=...' AND ISSUER '/CN=your CA'",
    ]);
  });
  it("flags a weak REQUIRE CIPHER", () => {
    const f = checkAccounts(facts([acct("w", "%", { type: "SPECIFIED", cipher: "DES-CBC3-SHA" }), acct("i", "%", { type: "SPECIFIED", cipher: "RC4-SHA" })], { tlsVersions: ["TLSv1.2"] }));
    expect(f.filter((x) => x.id === "accounts.weak-require-cipher").map((x) => x.severity)).toEqual(["medium", "high"]);
  });
  it("judges REQUIRE CIPHER against TLS 1.3 and the certificate's key: rarely on TLS 1.3, never on an ECDSA certificate", () => {
    const c = acct("c", "%", { type: "SPECIFIED", issuer: "/CN=ca", cipher: "ECDHE-RSA-AES256-GCM-SHA384" });
    const rarely = checkAccounts(facts([c]));
    expect(rarely).toEqual([expect.objectContaining({ id: "accounts.unsatisfiable-require-cipher", severity: "low", fix: "ALTER USER 'c'@'%' REQUIRE ISSUER '/CN=ca';  -- and restrict ciphers server-wide with ssl_cipher / tls_ciphersuites" })]);
    const never = checkAccounts(facts([c], { certKeyType: "EC" }));
    expect(never).toEqual([expect.objectContaining({ id: "accounts.unsatisfiable-require-cipher", severity: "medium" })]);
    expect(never[0]!.evidence).toMatch(/RSA server certificate.*EC key/);
    expect(checkAccounts(facts([c], { tlsVersions: ["TLSv1.2"] }))).toEqual([]);
    expect(checkAccounts(facts([c], { tlsVersions: ["TLSv1.3"] }))[0]!.title).toMatch(/never/);
    expect(checkAccounts(facts([acct("l", "%", { type: "SPECIFIED", cipher: "AES128-SHA:AES256-SHA" })]))[0]!.evidence).toMatch(/list of names never matches/);
    expect(checkAccounts(facts([acct("t", "%", { type: "SPECIFIED", cipher: "TLS_AES_128_GCM_SHA256" })]))).toEqual([]);
  });
  it("turns a refused query into privilege.missing with the GRANT", () => {
    const f = checkAccounts(facts([], { problems: [{ what: "accounts", sql: "SELECT ...", errno: 1142, message: "denied", missing: { privilege: "SELECT", on: "mysql.global_priv", grant: "GRANT SELECT ON mysql.global_priv TO 'a'@'%';" } }] }));
    expect(f).toEqual([expect.objectContaining({ id: "privilege.missing", severity: "error", fix: "GRANT SELECT ON mysql.global_priv TO 'a'@'%';" })]);
  });
});
