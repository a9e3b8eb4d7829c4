import { describe, expect, it } from "vitest";
import { acceptedCiphers, accountRows, checkAccounts, type AcceptedCiphers } from "../../src/checks/accounts/judge.js";
import type { CipherFacts, ProtocolFacts } from "../../src/tls/enumerate.js";
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
  // #11: REQUIRE CIPHER 'DES-CBC3-SHA' on a server whose scan found no 3DES suite was "can rarely log in" (low).
  describe("against the suites the scan saw accepted", () => {
    const scanned: AcceptedCiphers = {
      versions: [
        { version: "TLSv1.2", names: ["ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"] },
        { version: "TLSv1.3", names: ["TLS_AES_256_GCM_SHA384"] },
      ],
    };
    it("a suite no version accepted: never (medium), whatever the configuration allows", () => {
      const f = checkAccounts(facts([acct("d", "%", { type: "SPECIFIED", cipher: "DES-CBC3-SHA" })]), {}, scanned);
      const u = f.filter((x) => x.id === "accounts.unsatisfiable-require-cipher");
      expect(u.map((x) => x.severity)).toEqual(["medium"]);
      expect(u[0]!.title).toMatch(/can never log in/);
      expect(u[0]!.evidence).toMatch(/the scan's handshakes found the server accepting TLSv1\.2, TLSv1\.3 with 5 suite name\(s\), none of them DES-CBC3-SHA/);
      // Without the scan the same account was judged from tls_version alone: "rarely".
      expect(checkAccounts(facts([acct("d", "%", { type: "SPECIFIED", cipher: "DES-CBC3-SHA" })])).find((x) => x.id === "accounts.unsatisfiable-require-cipher")!.severity).toBe("low");
    });
    it("a TLS 1.2 suite accepted while TLS 1.3 is too: rarely (low); accepted and no TLS 1.3: nothing", () => {
      const c = acct("c", "%", { type: "SPECIFIED", cipher: "AES128-SHA" });
      expect(checkAccounts(facts([c]), {}, scanned).map((x) => [x.id, x.severity])).toEqual([
        ["accounts.weak-require-cipher", "medium"],
        ["accounts.unsatisfiable-require-cipher", "low"],
      ]);
      const only12 = { versions: [scanned.versions[0]!] };
      expect(checkAccounts(facts([c]), {}, only12).map((x) => x.id)).toEqual(["accounts.weak-require-cipher"]);
    });
    it("a TLS 1.3 suite accepted: nothing; one the server does not enable: never", () => {
      expect(checkAccounts(facts([acct("t", "%", { type: "SPECIFIED", cipher: "TLS_AES_256_GCM_SHA384" })]), {}, scanned)).toEqual([]);
      expect(checkAccounts(facts([acct("t", "%", { type: "SPECIFIED", cipher: "TLS_AES_128_CCM_SHA256" })]), {}, scanned)[0]!.title).toMatch(/never/);
    });
    it("uses a scan only when it settled every version", () => {
      const p = (version: ProtocolFacts["version"], accepted: boolean | undefined, complete = true): ProtocolFacts => ({ version, accepted, complete, suites: accepted ? [{ code: 0x2f, iana: "TLS_RSA_WITH_AES_128_CBC_SHA", openssl: "AES128-SHA", rating: "weak" }] : [] } as ProtocolFacts);
      const scan = (protocols: ProtocolFacts[], stopped = false) => ({ protocols, budget: { stopped } } as unknown as CipherFacts);
      expect(acceptedCiphers(scan([p("TLSv1.2", true), p("TLSv1.3", false)]))).toEqual({ versions: [{ version: "TLSv1.2", names: ["AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"] }] });
      expect(acceptedCiphers(scan([p("TLSv1.2", true), p("TLSv1.3", undefined)]))).toBeUndefined();
      expect(acceptedCiphers(scan([p("TLSv1.2", true, false)]))).toBeUndefined();
      expect(acceptedCiphers(scan([p("TLSv1.2", true)], true))).toBeUndefined();
    });
  });
  it("turns a refused query into privilege.missing with the GRANT", () => {
    const f = checkAccounts(facts([], { problems: [{ what: "accounts", sql: "SELECT ...", errno: 1142, message: "denied", missing: { privilege: "SELECT", on: "mysql.global_priv", grant: "GRANT SELECT ON mysql.global_priv TO 'a'@'%';" } }] }));
    expect(f).toEqual([expect.objectContaining({ id: "privilege.missing", severity: "error", fix: "GRANT SELECT ON mysql.global_priv TO 'a'@'%';" })]);
  });
});
