import type { Finding } from "../report/types.js";
import type { SessionTls } from "../sql/login.js";

/** What else was seen of the server's TLS, beside this login: the probe's greeting and the session's have_ssl. */
export interface LoginWitnesses {
  /** The probe's greeting (another connection) carried CLIENT_SSL. */
  probeOfferedTls?: boolean;
  /** have_ssl as this session read it. */
  haveSsl?: string;
  /** performance_schema.tls_channel_status's Enabled for mysql_main (MySQL 8.0.21+, which dropped have_ssl in 8.4). */
  mainChannelEnabled?: string;
}

const VERIFY_FIX = "Log in with --ssl-mode VERIFY_IDENTITY --ssl-ca /path/ca.pem (the CA that signed the server's certificate), and change the password this login used";

/**
 * How this tool's own login exposed the credentials, if it did: clear text (high, critical when TLS was stripped
 * in transit), the password inside TLS whose certificate was not verified, or encrypted to a key the server chose.
 */
export function checkLogin(t: SessionTls, seen: LoginWitnesses = {}): Finding[] {
  const out: Finding[] = [];
  const mode = `--ssl-mode ${t.sslMode}${t.sslModeGiven === false ? " (not given)" : ""}`;
  const plugin = t.authPlugin ?? "mysql_native_password";
  if (!t.encrypted) {
    const witnesses = [
      seen.probeOfferedTls ? "the probe's greeting offered TLS (CLIENT_SSL)" : undefined,
      t.greetingOfferedTls ? "this login's own second greeting offered TLS (CLIENT_SSL)" : undefined,
      seen.haveSsl?.toUpperCase() === "YES" ? "the session reads have_ssl = YES" : undefined,
      seen.mainChannelEnabled?.toUpperCase() === "YES" ? "the session reads tls_channel_status mysql_main Enabled = Yes" : undefined,
    ].filter((w): w is string => w !== undefined);
    const answer = t.passwordToServerKey
      ? `the password encrypted to an RSA key the server sent (${plugin}, --get-server-public-key)`
      : `a ${plugin} answer to its challenge, which a dictionary cracks offline`;
    if (t.sslMode !== "DISABLED" && witnesses.length > 0) {
      out.push({
        id: "login.tls-stripped",
        severity: "critical",
        title: "TLS was stripped in transit: this tool's login fell back to clear text although the server offers TLS",
        evidence: `${t.note}; yet ${witnesses.join(" and ")}. Whoever sits between this host and the server saw ${answer}.`,
        fix: "Change the password this login used: treat it as known. Find what rewrites the greeting between this host and the server, and log in with --ssl-mode VERIFY_IDENTITY --ssl-ca /path/ca.pem (or leave --ssl-mode out) so that a stripped greeting stops the login",
      });
    } else {
      out.push({
        id: "login.cleartext",
        severity: "high",
        title: "This tool's login travelled in clear text",
        evidence: `${t.note} (${mode}): the network saw the user name, every query and its answer, and ${answer}.`,
        fix: "Give the server a certificate and log in over TLS (--ssl-mode VERIFY_IDENTITY --ssl-ca /path/ca.pem); leave --ssl-mode out and a clear-text login never happens",
      });
    }
  } else if (t.passwordInUnverifiedTls) {
    out.push({
      id: "login.password-unverified-tls",
      severity: "high",
      title: "This tool sent the password itself inside TLS whose certificate was not verified",
      evidence: `${t.note}; the server asked for the password (${plugin}) and ${mode} let it go: whoever terminated that TLS now has it.`,
      fix: VERIFY_FIX,
    });
  } else if (!t.chainVerified) {
    out.push({
      id: "settings.login-not-verified",
      severity: "info",
      title: "This tool's own login did not verify the server's certificate",
      evidence: t.note,
      fix: "Run with --ssl-mode VERIFY_IDENTITY --ssl-ca /path/ca.pem",
    });
  }
  return out;
}
