// Every policy rule, through the registry's checks: each check's judge is pure ((facts, policy) -> findings), so
// each rule is tested here on plain facts, each once with the default policy and once with the policy that
// changes the answer.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertSet } from "../support/certs.js";
import { DEFAULT_POLICY, type Policy } from "../../src/policy/policy.js";
import { CHECKS, connectivity } from "../../src/checks/registry.js";
import type { ScanFacts } from "../../src/checks/scan.js";
import type { SettingsCheckFacts } from "../../src/checks/settings/judge.js";
import type { AccountsCheckFacts } from "../../src/checks/accounts/judge.js";
import type { CertificateCheckFacts } from "../../src/checks/certificate/judge.js";
import type { LoginFacts } from "../../src/checks/session.js";
import type { AcceptedSuite, CipherFacts, ProtocolFacts } from "../../src/tls/enumerate.js";
import type { ServerSettingsFacts } from "../../src/sql/settings.js";
import type { AccountFacts } from "../../src/sql/accounts.js";
import type { ReplicationFacts } from "../../src/sql/replication.js";
import { buildChainFacts } from "../../src/x509/chain.js";
import { loadAnchors } from "../../src/x509/trust.js";
import { pemToDerList } from "../../src/x509/pem.js";
import type { Check } from "../../src/checks/check.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const check = <F>(name: string) => CHECKS.find((c) => c.name === name)! as Check<any> as Check<F>;
const ids = (fs: { id: string }[]) => fs.map((f) => f.id).sort();
const policy = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });

function suite(iana: string, openssl: string, rating: AcceptedSuite["rating"] = "recommended"): AcceptedSuite {
  return { code: 0, iana, openssl, rating, engine: "node" };
}
const T13 = suite("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256");
const GCM = suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256");
const CBC = suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "weak");

function scan(accepted: Partial<Record<ProtocolFacts["version"], AcceptedSuite[]>>): ScanFacts {
  const protocols: ProtocolFacts[] = (["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const).map((v) => ({
    version: v,
    accepted: accepted[v] !== undefined,
    suites: accepted[v] ?? [],
    complete: true,
    serverPreference: true,
  }));
  const facts: CipherFacts = { target: { host: "db", port: 3306 }, protocols, abortedConnections: 0, connections: 0, budget: { stopped: false, resets: 0, notScanned: [] }, problems: [], durationMs: 1 };
  return { facts, engine: "node" };
}

describe("protocols: minTlsVersion", () => {
  const legacy = scan({ TLSv1: [GCM], "TLSv1.2": [GCM], "TLSv1.3": [T13] });
  const judge = (p: Policy) => ids(check<ScanFacts>("protocols").judge(legacy, p));
  it("the default minimum (TLS 1.2) flags TLS 1.0", () => {
    expect(judge(policy())).toContain("protocol.tls10-accepted");
  });
  it("a minimum of TLS 1.0 waives it", () => {
    expect(judge(policy({ minTlsVersion: "TLSv1" }))).not.toContain("protocol.tls10-accepted");
  });
  it("a minimum of TLS 1.3 names TLS 1.2 too, which no other finding names", () => {
    expect(judge(policy({ minTlsVersion: "TLSv1.3" }))).toContain("policy.tls-version-below-minimum");
    expect(judge(policy())).not.toContain("policy.tls-version-below-minimum");
  });
});

describe("ciphers: forbiddenSuites and allowedSuites", () => {
  const facts = scan({ "TLSv1.2": [GCM, CBC], "TLSv1.3": [T13] });
  const judge = (p: Policy) => check<ScanFacts>("ciphers").judge(facts, p);
  it("the default policy lists nothing, and names the Mozilla profile met", () => {
    expect(ids(judge(policy())).filter((id) => id.startsWith("policy."))).toEqual([]);
    expect(ids(judge(policy()))).toContain("profile.mozilla");
  });
  it("an accepted suite the policy forbids (by OpenSSL or IANA name, any case) is policy.suite-forbidden", () => {
    expect(judge(policy({ forbiddenSuites: ["ecdhe-rsa-aes128-sha"] })).filter((f) => f.id === "policy.suite-forbidden").map((f) => f.severity)).toEqual(["high"]);
  });
  it("an accepted suite outside a non-empty allowedSuites is policy.suite-not-allowed", () => {
    const fs = judge(policy({ allowedSuites: [GCM.iana, T13.iana] }));
    expect(fs.filter((f) => f.id === "policy.suite-not-allowed").map((f) => f.evidence).join(" ")).toContain("ECDHE-RSA-AES128-SHA");
  });
});

describe("certificate: certificateWarningDays", () => {
  let certs: CertSet;
  beforeAll(async () => {
    certs = await makeCerts();
  });
  it("warns within the policy's days, not outside them", () => {
    const leaf = certs.leaves.rsa;
    const facts = buildChainFacts(pemToDerList(readFileSync(leaf.chain, "utf8")), {
      anchors: loadAnchors([readFileSync(leaf.trustAnchor, "utf8")]),
      anchorSource: "ssl-ca",
      anchorFile: leaf.trustAnchor,
      hostName: "localhost",
      source: "certificate-message",
    });
    const c = { facts, fetched: { serverVersion: "10.11.19-MariaDB" } } as unknown as CertificateCheckFacts;
    const daysLeft = facts.certificates[0]!.daysLeft;
    const judge = (days: number) => ids(check<CertificateCheckFacts>("certificate").judge(c, policy({ certificateWarningDays: days })));
    expect(judge(daysLeft + 5)).toContain("cert.expiring-soon");
    expect(judge(Math.max(0, daysLeft - 5))).not.toContain("cert.expiring-soon");
  });
});

const LOGIN: LoginFacts = {
  json: {},
  tls: { encrypted: true, sslMode: "VERIFY_IDENTITY", sslModeGiven: true, protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", chainVerified: true, identityVerified: true, note: "ok" } as LoginFacts["tls"],
  currentUser: "audit@%",
  version: "10.11.19-MariaDB",
  versionComment: "",
  flavor: "mariadb",
  target: { host: "db", port: 3306 },
  passwordSource: "MYSQL_PWD",
};

describe("settings: requireSecureTransport and minTlsVersion", () => {
  const settings: ServerSettingsFacts = {
    flavor: "mariadb",
    version: "10.11.19-MariaDB",
    versionNumber: 101119,
    flavorLabel: "MariaDB 10.11",
    variables: { have_ssl: "YES", require_secure_transport: "OFF", tls_version: "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3", ssl_cipher: "", version_ssl_library: "OpenSSL 3.5.4 30 Sep 2025" },
    status: {},
    session: { ssl_version: "TLSv1.3", ssl_cipher: "TLS_AES_256_GCM_SHA384" },
    sessionTls: LOGIN.tls,
    problems: [],
  };
  const facts: SettingsCheckFacts = { settings, login: LOGIN, now: new Date("2026-11-24T12:00:00Z") };
  const judge = (p: Policy, f = facts) => ids(check<SettingsCheckFacts>("settings").judge(f, p));
  it("the default policy flags require_secure_transport OFF and a tls_version with TLS 1.0/1.1", () => {
    expect(judge(policy())).toEqual(expect.arrayContaining(["settings.require-secure-transport-off", "settings.legacy-tls-version"]));
  });
  it("requireSecureTransport: false waives require_secure_transport", () => {
    expect(judge(policy({ requireSecureTransport: false }))).not.toContain("settings.require-secure-transport-off");
  });
  it("a minimum of TLS 1.0 waives the legacy tls_version", () => {
    expect(judge(policy({ minTlsVersion: "TLSv1" }))).not.toContain("settings.legacy-tls-version");
  });
  it("with the scan's verdicts, a configured version the handshakes refuse is said (configured is not accepted)", () => {
    const refused = { ...facts, scan: scan({ "TLSv1.3": [T13] }).facts };
    expect(judge(policy(), refused)).toContain("settings.configured-version-refused");
    expect(judge(policy())).not.toContain("settings.configured-version-refused");
  });
});

describe("accounts: accountsAllowedRequireNone and requireX509ForRemote", () => {
  const app: AccountFacts = { user: "app", host: "%", require: { type: "NONE" }, plugin: "mysql_native_password", locked: false, source: "mysql.global_priv" };
  const facts: AccountsCheckFacts = {
    accounts: { flavor: "mariadb", flavorLabel: "MariaDB 10.11", accounts: [app], requireSecureTransport: false, tlsVersions: ["TLSv1.2", "TLSv1.3"], certKeyType: "RSA", tlsAvailable: true, problems: [] },
    login: LOGIN,
  };
  const judge = (p: Policy, f = facts) => ids(check<AccountsCheckFacts>("accounts").judge(f, p));
  it("the default policy flags a remote REQUIRE NONE account that can log in over clear text", () => {
    expect(judge(policy())).toContain("accounts.cleartext-login");
  });
  it("an account in accountsAllowedRequireNone is exempt from that rule only", () => {
    expect(judge(policy({ accountsAllowedRequireNone: ["app@%"] }))).not.toContain("accounts.cleartext-login");
  });
  it("requireX509ForRemote flags a remote account without a client certificate", () => {
    const withSsl = { ...facts, accounts: { ...facts.accounts, accounts: [{ ...app, require: { type: "SSL" as const } }] } };
    expect(judge(policy(), withSsl)).not.toContain("accounts.remote-without-x509");
    expect(judge(policy({ requireX509ForRemote: true }), withSsl)).toContain("accounts.remote-without-x509");
  });
  it("without the settings check, it says how this tool's own login went (a clear-text login)", () => {
    const clear = { ...facts, login: { ...LOGIN, tls: { ...LOGIN.tls, encrypted: false, sslMode: "PREFERRED" as const, note: "clear text" } }, ownLogin: { probeOfferedTls: false } };
    expect(judge(policy(), clear)).toContain("login.cleartext");
    expect(judge(policy(), { ...clear, ownLogin: undefined } as AccountsCheckFacts)).not.toContain("login.cleartext");
  });
});

describe("replication and connectivity have no policy knob; their judges are pure too", () => {
  it("replication: a channel without TLS", () => {
    const f = { flavor: "mariadb", versionNumber: 101119, source: "SHOW ALL REPLICAS STATUS", channels: [{ channel: "", sourceHost: "src", sourcePort: 3306, tls: false, verifyServerCert: false }], problems: [] } as unknown as ReplicationFacts;
    expect(ids(check<ReplicationFacts>("replication").judge(f, policy()))).toContain("replication.no-tls");
  });
  it("connectivity: a failed upgrade is tls.handshake-failed with the cause as evidence", () => {
    const fs = connectivity.judge({ handshake: { target: { host: "db", port: 3306 }, connectMs: 0, greeting: "handshake-v10", tls: { offered: true } }, handshakeFailure: { message: "alert 40" } });
    expect(fs.map((f) => [f.id, f.evidence])).toEqual([["tls.handshake-failed", "alert 40"]]);
  });
});
