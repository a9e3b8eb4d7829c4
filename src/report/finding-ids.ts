import type { CheckName } from "./report.js";
import type { Severity } from "./types.js";

/** The documentation of one finding id: which check emits it, how severe it usually is, what it means. */
export interface FindingIdDoc {
  id: string;
  check: CheckName;
  /** The usual severity; "varies" when the evidence decides (days left, key size, local or remote host). */
  severity: Severity | "varies";
  meaning: string;
}

/** Every finding id the audit can emit; test/unit/report-finding-ids.test.ts keeps it in sync with the source. */
export const FINDING_IDS: readonly FindingIdDoc[] = [
  // connectivity: the greeting and the TLS offer
  { id: "audit.target-unreachable", check: "connectivity", severity: "error", meaning: "The target could not be reached or did not speak MySQL; nothing else was checked (exit code 3)." },
  { id: "audit.check-error", check: "connectivity", severity: "error", meaning: "A check could not run; its reason is the evidence. The other checks still ran. Reported under the check that failed." },
  { id: "server.greeting-error", check: "connectivity", severity: "error", meaning: "The server sent an ERR packet instead of a greeting (1129 host blocked, 1040 too many connections): not audited." },
  { id: "server.protocol-9", check: "connectivity", severity: "critical", meaning: "The server speaks protocol 9 (MySQL before 3.21) and cannot encrypt connections." },
  { id: "tls.not-offered", check: "connectivity", severity: "critical", meaning: "The greeting lacks CLIENT_SSL: no client can encrypt its connection." },
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
  { id: "settings.admin-weak-ssl-cipher", check: "settings", severity: "medium", meaning: "admin_ssl_cipher enables weak ciphers on the admin interface." },
  { id: "settings.tls-library-eol", check: "settings", severity: "varies", meaning: "The server's TLS library is past its end of life." },
  { id: "settings.tls-library-cve", check: "settings", severity: "high", meaning: "The server's TLS library version has known TLS CVEs." },
  { id: "settings.tls-library-obsolete", check: "settings", severity: "high", meaning: "The server's TLS library is obsolete (yaSSL, OpenSSL 1.0 and older)." },
  { id: "settings.server-certificate-expired", check: "settings", severity: "high", meaning: "Ssl_server_not_after is in the past: the loaded certificate has expired." },
  { id: "settings.tls-channel-without-tls", check: "settings", severity: "high", meaning: "A TLS channel of performance_schema.tls_channel_status has no TLS (MySQL 8.0.21+)." },
  { id: "settings.tls-channel-legacy-version", check: "settings", severity: "medium", meaning: "A TLS channel allows TLS 1.0 or 1.1." },
  { id: "settings.login-not-encrypted", check: "settings", severity: "info", meaning: "This tool's own login was not encrypted." },
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
];
