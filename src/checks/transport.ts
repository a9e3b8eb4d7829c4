import type { HandshakeFacts } from "../net/probe.js";
import type { Finding } from "../report/types.js";
import { PROBE_USER } from "../protocol/handshake-response.js";

const REF_ENCRYPTED = "MySQL 8.4 Reference Manual, 8.3.1 Configuring MySQL to Use Encrypted Connections";
const REF_MARIADB = "MariaDB docs: Securing Connections for Client and Server";

/** Findings from the greeting and the probe's own login: no TLS at all, an obsolete protocol, a refusal, an open anonymous account. */
export function checkTransport(f: HandshakeFacts): Finding[] {
  const out: Finding[] = [];
  if (f.serverError) {
    out.push({
      id: "server.greeting-error",
      severity: "error",
      title: `The server refused the connection before the handshake (error ${f.serverError.errno})`,
      evidence: `ERR ${f.serverError.errno}${f.serverError.sqlState ? ` (${f.serverError.sqlState})` : ""}: ${f.serverError.message}`,
      fix: f.serverError.advice,
    });
    return out;
  }
  if (f.greeting === "handshake-v9") {
    out.push({
      id: "server.protocol-9",
      severity: "critical",
      title: "The server speaks protocol 9 (MySQL before 3.21): too old to encrypt connections",
      evidence: `protocol version 9, server version "${f.server?.version}"`,
      fix: "Upgrade the server to a supported MySQL or MariaDB release.",
    });
    return out;
  }
  if (f.tls.closedWith === "logged-in") {
    out.push({
      id: "server.anonymous-login",
      severity: "high",
      title: "An unknown user logged in with no password: an anonymous account is open",
      evidence: `the probe's closing login as '${PROBE_USER}' with an empty password was accepted (over ${f.tls.protocol ?? "TLS"}); no such user should exist, so an anonymous account (user '') matched, or an account of that name has no password`,
      fix: "Find them with SELECT user, host FROM mysql.user WHERE user IN ('', '" + PROBE_USER + "'); then DROP USER ''@'<host>'; for each (mysql_secure_installation does the same)",
      references: ["CIS Oracle MySQL Benchmark: ensure no anonymous accounts exist"],
    });
  }
  if (!f.tls.offered) {
    const flavor = f.server?.flavor;
    out.push({
      id: "tls.not-offered",
      severity: "critical",
      title: "The server cannot encrypt connections at all (CLIENT_SSL is not offered)",
      evidence: `the greeting's capability flags lack CLIENT_SSL: ${f.server?.capabilities.join(" ") ?? "(none)"}`,
      ...notOfferedAdvice(flavor),
    });
  }
  return out;
}

// The fix names a my.cnf section only for a flavour we recognised: a server that is neither MySQL nor MariaDB
// (Sphinx's SphinxQL listener, say) has no my.cnf, and a MySQL fix would send its owner the wrong way.
function notOfferedAdvice(flavor: string | undefined): Pick<Finding, "fix" | "references"> {
  if (flavor === "mariadb") {
    return {
      fix: "In my.cnf [mariadbd]: ssl_cert=/path/server-cert.pem, ssl_key=/path/server-key.pem, ssl_ca=/path/ca.pem (remove skip-ssl), then restart",
      references: [REF_MARIADB, "CIS Oracle MySQL Benchmark: ensure 'have_ssl' is set to 'YES'"],
    };
  }
  if (flavor === "mysql" || flavor === "percona") {
    return {
      fix: "In my.cnf [mysqld]: ssl_cert=/path/server-cert.pem, ssl_key=/path/server-key.pem, ssl_ca=/path/ca.pem (remove skip_ssl / ssl=0), then restart or ALTER INSTANCE RELOAD TLS",
      references: [REF_ENCRYPTED, "CIS Oracle MySQL Benchmark: ensure 'have_ssl' is set to 'YES'"],
    };
  }
  return {
    fix: "This server is not MySQL or MariaDB (see its flavour evidence): enable TLS in its own configuration if it has any; if it cannot encrypt, reach it only over a trusted network or through a TLS tunnel (stunnel, an SSH tunnel)",
  };
}
