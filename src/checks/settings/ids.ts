import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the settings check emits, documented (the README's table and the schema's enum are made from them). */
export const SETTINGS_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "settings.tls-disabled", severity: "critical", meaning: "have_ssl is not YES: the server cannot encrypt connections." },
  { id: "settings.require-secure-transport-off", severity: "medium", meaning: "require_secure_transport is OFF: clear-text connections are accepted (CIS). Waived when the policy sets requireSecureTransport: false." },
  { id: "settings.require-secure-transport-missing", severity: "low", meaning: "The server has no require_secure_transport (MariaDB before 10.5); only per-account REQUIRE refuses clear text." },
  { id: "settings.legacy-tls-version", severity: "medium", meaning: "tls_version enables TLS 1.0 or 1.1 (CIS: limit accepted TLS versions)." },
  { id: "settings.admin-legacy-tls-version", severity: "medium", meaning: "admin_tls_version enables TLS 1.0 or 1.1 on the admin interface." },
  { id: "settings.weak-ssl-cipher", severity: "medium", meaning: "ssl_cipher enables weak ciphers (CIS: approved ciphers only)." },
  { id: "settings.configured-version-refused", severity: "low", meaning: "With a login and a scan: tls_version allows a version the handshakes refuse (e.g. MariaDB with only TLS 1.3 names in ssl_cipher refuses every TLS 1.2 suite)." },
  { id: "settings.unconfigured-version-accepted", severity: "medium", meaning: "With a login and a scan: the handshakes accept a version tls_version leaves out (the configuration in effect is not the variable's)." },
  { id: "settings.admin-weak-ssl-cipher", severity: "medium", meaning: "admin_ssl_cipher enables weak ciphers on the admin interface." },
  { id: "settings.tls-library-eol", severity: "varies", meaning: "The server's TLS library is past its end of life." },
  { id: "settings.tls-library-cve", severity: "high", meaning: "The server's TLS library version has known TLS CVEs." },
  { id: "settings.tls-library-obsolete", severity: "high", meaning: "The server's TLS library is obsolete (yaSSL, OpenSSL 1.0 and older)." },
  { id: "settings.server-certificate-expired", severity: "high", meaning: "Ssl_server_not_after is in the past: the loaded certificate has expired." },
  { id: "settings.tls-channel-disabled", severity: "critical", meaning: "performance_schema.tls_channel_status says the main interface's TLS is disabled (mysql_main Enabled = No)." },
  { id: "settings.tls-channel-legacy-version", severity: "medium", meaning: "A TLS channel allows TLS 1.0 or 1.1." },
  { id: "login.cleartext", severity: "high", meaning: "This tool's own login travelled in clear text (only under an explicit --ssl-mode PREFERRED or DISABLED): the network saw the password's challenge answer, crackable offline, or the password encrypted to a key the server chose." },
  { id: "login.tls-stripped", severity: "critical", meaning: "This tool's login fell back to clear text although the probe's greeting offered TLS or the session reads have_ssl = YES: TLS was stripped in transit; change the password." },
  { id: "login.password-unverified-tls", severity: "high", meaning: "The server asked for the password itself (caching_sha2_password full authentication, sha256_password, mysql_clear_password) and it went inside TLS whose certificate was not verified (explicit --ssl-mode REQUIRED or PREFERRED)." },
  { id: "settings.login-not-verified", severity: "info", meaning: "This tool's own login did not verify the server's certificate (use --ssl-mode VERIFY_IDENTITY --ssl-ca)." },
  { id: "privilege.missing", severity: "error", meaning: "The login lacks a privilege a query needs; the finding names the GRANT. Reported under the check that needed it." },
  { id: "query.failed", severity: "error", meaning: "A query failed for another reason; reported under the check that ran it." },
  { id: "query.unexpected-result", severity: "error", meaning: "A query's answer lacked the columns it reads, or was malformed; nothing was read from it. Reported under the check that ran it." },
];
