import type { CheckName } from "./report.js";
import type { Finding, Severity } from "./types.js";

/** The documentation of one finding id: which check emits it, how severe it usually is, what it means. */
export interface FindingIdDoc {
  id: string;
  check: CheckName;
  /** The usual severity; "varies" when the evidence decides (days left, key size, local or remote host). */
  severity: Severity | "varies";
  meaning: string;
}

/** The benchmarks the audit cites, by edition; a finding cites the one for the server's flavour (MySQL and Percona: Oracle MySQL). */
export const BENCHMARKS = {
  mysql: "CIS Oracle MySQL 8.0 Enterprise v1.4.0 / 8.4 v1.0.0",
  mariadb: "CIS MariaDB 10.11 v1.0.0",
  stig: "DISA STIG Oracle MySQL 8.0",
} as const;

/** One numbered recommendation: its number in each benchmark and what it asks. */
interface Recommendation {
  mysql?: string;
  mariadb?: string;
  stig?: string;
  what: string;
}

/** The recommendations the audit cites, with their numbers in each benchmark edition. */
export const RECOMMENDATIONS = {
  material: { mysql: "2.6", mariadb: "2.5", what: "non-default, unique cryptographic material" },
  versions: { mysql: "2.15", mariadb: "2.10", what: "limit accepted TLS versions (tls_version = TLSv1.2,TLSv1.3)" },
  clientCerts: { mysql: "2.16", mariadb: "2.11", what: "client-side certificates (X.509)" },
  ciphers: { mysql: "2.17", mariadb: "2.12", what: "approved ciphers only" },
  transport: { mysql: "8.1", mariadb: "8.1", stig: "MYS8-00-011300", what: "require_secure_transport ON (have_ssl YES)" },
  sslType: { mysql: "8.2", mariadb: "8.2", what: "ssl_type ANY, X509 or SPECIFIED for remote users" },
  replicationVerify: { mysql: "9.2", mariadb: "9.2", what: "SOURCE_SSL_VERIFY_SERVER_CERT (MASTER_SSL_VERIFY_SERVER_CERT) on replication" },
  replicationCiphers: { mariadb: "9.4", what: "approved ciphers and TLS versions for replication" },
  replicationMutual: { mariadb: "9.5", what: "mutual TLS for replication" },
} as const satisfies Record<string, Recommendation>;
type RecommendationName = keyof typeof RECOMMENDATIONS;

/** The findings about the suites the server accepts or its ssl_cipher enables: what one cipher list in my.cnf fixes. */
export const SERVER_CIPHER_IDS: readonly string[] = [
  "cipher.null",
  "cipher.anonymous",
  "cipher.export",
  "cipher.insecure",
  "cipher.weak",
  "cipher.no-server-preference",
  "cipher.dhe-weak-params",
  "settings.weak-ssl-cipher",
  "policy.suite-forbidden",
  "policy.suite-not-allowed",
];

// Which recommendations apply to which finding ids.
const BY_ID: Record<string, RecommendationName[]> = {
  ...Object.fromEntries(
    [
      "protocol.sslv3-accepted",
      "protocol.tls10-accepted",
      "protocol.tls11-accepted",
      "protocol.no-tls12-or-13",
      "policy.tls-version-below-minimum",
      "settings.legacy-tls-version",
      "settings.admin-legacy-tls-version",
      "settings.tls-channel-legacy-version",
    ].map((id) => [id, ["versions"]]),
  ),
  ...Object.fromEntries([...SERVER_CIPHER_IDS, "settings.admin-weak-ssl-cipher", "accounts.weak-require-cipher"].map((id) => [id, ["ciphers"]])),
  ...Object.fromEntries(
    ["tls.not-offered", "protocol.tls-not-offered", "settings.tls-disabled", "settings.tls-channel-disabled", "settings.require-secure-transport-off", "settings.require-secure-transport-missing"].map((id) => [
      id,
      ["transport"],
    ]),
  ),
  "accounts.cleartext-login": ["sslType", "transport"],
  "accounts.remote-without-x509": ["clientCerts", "sslType"],
  "cert.auto-generated": ["material"],
  "replication.no-tls": ["replicationVerify", "replicationMutual"],
  "replication.no-verify": ["replicationVerify"],
  "replication.legacy-tls-version": ["versions", "replicationCiphers"],
};

/** The numbered benchmark references for a finding id on a server of this flavour ("mariadb"; anything else reads as MySQL). */
export function benchmarkReferences(id: string, flavor: string | undefined): string[] {
  const mariadb = flavor === "mariadb";
  const out: string[] = [];
  for (const name of BY_ID[id] ?? []) {
    const r: Recommendation = RECOMMENDATIONS[name];
    const n = mariadb ? r.mariadb : r.mysql;
    if (n) out.push(`${mariadb ? BENCHMARKS.mariadb : BENCHMARKS.mysql} ${n}: ${r.what}`);
    if (!mariadb && r.stig) out.push(`${BENCHMARKS.stig} ${r.stig}: ${r.what}`);
  }
  return out;
}

/**
 * The finding with the benchmark recommendations for its id and the server's flavour: numbered references replace
 * the checks' own unnumbered CIS wording for the same ids; ids no recommendation covers keep their references.
 */
export function withBenchmarkReferences<T extends Pick<Finding, "id" | "references">>(f: T, flavor: string | undefined): T {
  const numbered = benchmarkReferences(f.id, flavor);
  if (numbered.length === 0) return f;
  const own = (f.references ?? []).filter((r) => !r.startsWith("CIS ") && !r.startsWith("DISA STIG "));
  return { ...f, references: [...own, ...numbered] };
}

/** Every finding id the audit (and the subcommands) can emit; test/unit/report-finding-ids.test.ts keeps it in sync with the source. */
export const FINDING_IDS: readonly FindingIdDoc[] = [
  // connectivity: the greeting and the TLS offer
  { id: "audit.target-unreachable", check: "connectivity", severity: "error", meaning: "The target could not be reached or did not speak MySQL; nothing else was checked (exit code 3)." },
  { id: "audit.check-error", check: "connectivity", severity: "error", meaning: "A check could not run; its reason is the evidence. The other checks still ran. Reported under the check that failed." },
  { id: "server.greeting-error", check: "connectivity", severity: "error", meaning: "The server sent an ERR packet instead of a greeting (1129 host blocked, 1040 too many connections): not audited." },
  { id: "server.anonymous-login", check: "connectivity", severity: "high", meaning: "The probe's login as an unknown user with no password was accepted: an anonymous account is open (seen without credentials)." },
  { id: "server.protocol-9", check: "connectivity", severity: "critical", meaning: "The server speaks protocol 9 (MySQL before 3.21) and cannot encrypt connections." },
  { id: "tls.handshake-failed", check: "connectivity", severity: "high", meaning: "The greeting offers TLS but a TLS handshake failed (alert, ERR packet, garbage); the other checks still run, the enumeration with its own ClientHellos." },
  { id: "tls.not-offered", check: "connectivity", severity: "critical", meaning: "The greeting lacks CLIENT_SSL: no client can encrypt its connection." },
  // protocols (one enumeration feeds protocols and ciphers)
  { id: "protocol.sslv3-accepted", check: "protocols", severity: "critical", meaning: "SSL 3.0 handshakes are accepted (POODLE; RFC 7568)." },
  { id: "protocol.tls10-accepted", check: "protocols", severity: "high", meaning: "TLS 1.0 is accepted (RFC 8996; CIS: limit accepted TLS versions). Waived when the policy's minTlsVersion is TLSv1." },
  { id: "protocol.tls11-accepted", check: "protocols", severity: "medium", meaning: "TLS 1.1 is accepted (RFC 8996). Waived when the policy's minTlsVersion is TLSv1 or TLSv1.1." },
  { id: "protocol.no-tls12-or-13", check: "protocols", severity: "high", meaning: "Neither TLS 1.2 nor TLS 1.3 is accepted." },
  { id: "protocol.no-tls13", check: "protocols", severity: "low", meaning: "TLS 1.3 is refused while TLS 1.2 is accepted." },
  { id: "protocol.none-accepted", check: "protocols", severity: "error", meaning: "The server offers TLS but accepted no handshake of any version." },
  { id: "protocol.undetermined", check: "protocols", severity: "error", meaning: "Whether a version is accepted could not be settled (probe failures or the error budget)." },
  { id: "policy.tls-version-below-minimum", check: "protocols", severity: "high", meaning: "An accepted version is below the policy's minTlsVersion and no other finding names it (e.g. TLS 1.2 under a TLS 1.3-only policy)." },
  // ciphers
  { id: "cipher.null", check: "ciphers", severity: "critical", meaning: "NULL suites are accepted: no encryption at all." },
  { id: "cipher.anonymous", check: "ciphers", severity: "critical", meaning: "Anonymous (ADH/AECDH) suites are accepted: no server authentication." },
  { id: "cipher.export", check: "ciphers", severity: "critical", meaning: "EXPORT-grade suites are accepted (FREAK, Logjam)." },
  { id: "cipher.insecure", check: "ciphers", severity: "high", meaning: "Insecure suites are accepted (RC4, single DES, MD5 MAC ...), per the registry's rating rule." },
  { id: "cipher.weak", check: "ciphers", severity: "medium", meaning: "Weak suites are accepted (no forward secrecy, CBC, 3DES ...; CIS: approved ciphers only)." },
  { id: "cipher.no-server-preference", check: "ciphers", severity: "low", meaning: "Under a version the server follows the client's order while it accepts weak suites." },
  { id: "cipher.dhe-weak-params", check: "ciphers", severity: "varies", meaning: "DHE parameters below 2048 bits (high below 1024)." },
  { id: "policy.suite-forbidden", check: "ciphers", severity: "high", meaning: "An accepted suite is in the policy's forbiddenSuites." },
  { id: "policy.suite-not-allowed", check: "ciphers", severity: "medium", meaning: "An accepted suite is missing from the policy's non-empty allowedSuites." },
  { id: "profile.mozilla", check: "ciphers", severity: "info", meaning: "The strictest Mozilla server-side TLS profile (modern, intermediate, old, or none) the accepted versions and suites meet." },
  { id: "scan.server-error", check: "ciphers", severity: "error", meaning: "The server answered a TLS probe with a MySQL ERR packet instead of TLS (old yaSSL builds)." },
  { id: "scan.greeting-error", check: "ciphers", severity: "error", meaning: "A probe was refused with an ERR packet before the greeting (e.g. 1129 blocked, 1040 too many connections)." },
  { id: "scan.garbage", check: "ciphers", severity: "error", meaning: "The server answered a ClientHello with bytes that are not TLS." },
  { id: "scan.timeout", check: "ciphers", severity: "error", meaning: "The server stalled during a TLS probe." },
  { id: "scan.closed", check: "ciphers", severity: "error", meaning: "The server closed a TLS probe mid-handshake." },
  { id: "scan.no-tls", check: "ciphers", severity: "error", meaning: "A probe found no TLS offered." },
  { id: "scan.connect", check: "ciphers", severity: "error", meaning: "A probe could not connect." },
  { id: "scan.node-incomplete", check: "ciphers", severity: "info", meaning: "node:tls could not complete handshakes the server accepted; the raw ClientHello engine found those suites." },
  { id: "scan.budget-exhausted", check: "ciphers", severity: "error", meaning: "The scan stopped at the aborted-connection budget (--max-aborted); the evidence says what was not scanned." },
  { id: "tls.server-bug", check: "ciphers", severity: "medium", meaning: "The server's TLS answer broke the protocol (a suite or version not offered): reported, not trusted." },
  // certificate
  { id: "cert.not-gathered", check: "certificate", severity: "error", meaning: "The certificate chain could not be read." },
  { id: "cert.expired", check: "certificate", severity: "critical", meaning: "A certificate in the chain is past its notAfter." },
  { id: "cert.not-yet-valid", check: "certificate", severity: "high", meaning: "A certificate in the chain is before its notBefore." },
  { id: "cert.expiring-soon", check: "certificate", severity: "varies", meaning: "A certificate expires within the policy's certificateWarningDays (high within 7 days, else medium)." },
  { id: "cert.rsa-weak-key", check: "certificate", severity: "varies", meaning: "An RSA key below 2048 bits (critical below 1024)." },
  { id: "cert.weak-signature", check: "certificate", severity: "varies", meaning: "A SHA-1 (high) or MD5 (critical) signature on a certificate that is not a trust anchor." },
  { id: "cert.leaf-is-ca", check: "certificate", severity: "medium", meaning: "The server's own certificate has basicConstraints CA:TRUE." },
  { id: "cert.wrong-order", check: "certificate", severity: "medium", meaning: "The chain is not sent leaf first, each certificate followed by its issuer." },
  { id: "cert.auto-generated", check: "certificate", severity: "high", meaning: "MySQL's auto-generated (or another default) certificate: clients cannot verify the server's identity (CIS: no auto-generated certificates)." },
  { id: "cert.self-signed", check: "certificate", severity: "varies", meaning: "A self-signed leaf: high unless --ssl-ca names it, then low." },
  { id: "cert.missing-intermediate", check: "certificate", severity: "high", meaning: "The server does not send the intermediate between its certificate and the root." },
  { id: "cert.untrusted", check: "certificate", severity: "high", meaning: "The chain does not verify against --ssl-ca (or the system roots)." },
  { id: "cert.hostname-mismatch", check: "certificate", severity: "high", meaning: "The certificate does not name the host clients connect to (RFC 6125)." },
  { id: "cert.hostname-cn-only", check: "certificate", severity: "low", meaning: "The name matches only through the CN, which RFC 6125 clients ignore when SANs exist." },
  // settings (with credentials)
  { id: "settings.tls-disabled", check: "settings", severity: "critical", meaning: "have_ssl is not YES: the server cannot encrypt connections." },
  { id: "settings.require-secure-transport-off", check: "settings", severity: "medium", meaning: "require_secure_transport is OFF: clear-text connections are accepted (CIS). Waived when the policy sets requireSecureTransport: false." },
  { id: "settings.require-secure-transport-missing", check: "settings", severity: "low", meaning: "The server has no require_secure_transport (MariaDB before 10.5); only per-account REQUIRE refuses clear text." },
  { id: "settings.legacy-tls-version", check: "settings", severity: "medium", meaning: "tls_version enables TLS 1.0 or 1.1 (CIS: limit accepted TLS versions)." },
  { id: "settings.admin-legacy-tls-version", check: "settings", severity: "medium", meaning: "admin_tls_version enables TLS 1.0 or 1.1 on the admin interface." },
  { id: "settings.weak-ssl-cipher", check: "settings", severity: "medium", meaning: "ssl_cipher enables weak ciphers (CIS: approved ciphers only)." },
  { id: "settings.configured-version-refused", check: "settings", severity: "low", meaning: "With a login and a scan: tls_version allows a version the handshakes refuse (e.g. MariaDB with only TLS 1.3 names in ssl_cipher refuses every TLS 1.2 suite)." },
  { id: "settings.unconfigured-version-accepted", check: "settings", severity: "medium", meaning: "With a login and a scan: the handshakes accept a version tls_version leaves out (the configuration in effect is not the variable's)." },
  { id: "settings.admin-weak-ssl-cipher", check: "settings", severity: "medium", meaning: "admin_ssl_cipher enables weak ciphers on the admin interface." },
  { id: "settings.tls-library-eol", check: "settings", severity: "varies", meaning: "The server's TLS library is past its end of life." },
  { id: "settings.tls-library-cve", check: "settings", severity: "high", meaning: "The server's TLS library version has known TLS CVEs." },
  { id: "settings.tls-library-obsolete", check: "settings", severity: "high", meaning: "The server's TLS library is obsolete (yaSSL, OpenSSL 1.0 and older)." },
  { id: "settings.server-certificate-expired", check: "settings", severity: "high", meaning: "Ssl_server_not_after is in the past: the loaded certificate has expired." },
  { id: "settings.tls-channel-disabled", check: "settings", severity: "critical", meaning: "performance_schema.tls_channel_status says the main interface's TLS is disabled (mysql_main Enabled = No)." },
  { id: "settings.tls-channel-legacy-version", check: "settings", severity: "medium", meaning: "A TLS channel allows TLS 1.0 or 1.1." },
  { id: "login.cleartext", check: "settings", severity: "high", meaning: "This tool's own login travelled in clear text (only under an explicit --ssl-mode PREFERRED or DISABLED): the network saw the password's challenge answer, crackable offline, or the password encrypted to a key the server chose." },
  { id: "login.tls-stripped", check: "settings", severity: "critical", meaning: "This tool's login fell back to clear text although the probe's greeting offered TLS or the session reads have_ssl = YES: TLS was stripped in transit; change the password." },
  { id: "login.password-unverified-tls", check: "settings", severity: "high", meaning: "The server asked for the password itself (caching_sha2_password full authentication, sha256_password, mysql_clear_password) and it went inside TLS whose certificate was not verified (explicit --ssl-mode REQUIRED or PREFERRED)." },
  { id: "settings.login-not-verified", check: "settings", severity: "info", meaning: "This tool's own login did not verify the server's certificate (use --ssl-mode VERIFY_IDENTITY --ssl-ca)." },
  // accounts (with credentials)
  { id: "accounts.anonymous", check: "accounts", severity: "high", meaning: "An anonymous account (user '') exists and is not locked." },
  { id: "accounts.cleartext-login", check: "accounts", severity: "varies", meaning: "An account can log in over clear text: REQUIRE NONE while require_secure_transport is OFF (high from other hosts, low local). Accounts in the policy's accountsAllowedRequireNone are exempt." },
  { id: "accounts.remote-without-x509", check: "accounts", severity: "medium", meaning: "A remote account without a client certificate, when the policy sets requireX509ForRemote (CIS: X509 for remote users)." },
  { id: "accounts.weak-require-cipher", check: "accounts", severity: "varies", meaning: "REQUIRE CIPHER names a weak (medium) or insecure (high) suite." },
  { id: "accounts.unsatisfiable-require-cipher", check: "accounts", severity: "varies", meaning: "REQUIRE CIPHER names a suite the server can never (medium) or rarely (low) negotiate, e.g. a TLS 1.2 name under TLS 1.3." },
  // replication (with credentials)
  { id: "replication.no-tls", check: "replication", severity: "high", meaning: "A replication channel connects to its source without TLS." },
  { id: "replication.no-verify", check: "replication", severity: "medium", meaning: "A replication channel uses TLS without verifying the source's certificate." },
  { id: "replication.legacy-tls-version", check: "replication", severity: "low", meaning: "A replication channel allows TLS 1.0 or 1.1." },
  // any authenticated check
  { id: "privilege.missing", check: "settings", severity: "error", meaning: "The login lacks a privilege a query needs; the finding names the GRANT. Reported under the check that needed it." },
  { id: "query.failed", check: "settings", severity: "error", meaning: "A query failed for another reason; reported under the check that ran it." },
  { id: "query.unexpected-result", check: "settings", severity: "error", meaning: "A query's answer lacked the columns it reads, or was malformed; nothing was read from it. Reported under the check that ran it." },
];
