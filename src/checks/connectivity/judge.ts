import type { HandshakeFacts } from "../../net/probe.js";
import type { Finding } from "../../report/types.js";
import { PROBE_USER } from "../../protocol/handshake-response.js";

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

/** The greeting and the one TLS upgrade: what the connectivity check learns, and the upgrade's failure if TLS was offered but failed. */
export interface ConnectivityFacts {
  handshake: HandshakeFacts;
  /** The upgrade failed though TLS was offered (the enumeration's own ClientHellos may still see more). */
  handshakeFailure?: { message: string };
}

/** The connectivity check's findings: checkTransport's, or tls.handshake-failed when the greeting offered TLS and the upgrade failed. */
export function judgeConnectivity(f: ConnectivityFacts): Finding[] {
  return f.handshakeFailure ? [handshakeFailedFinding(f.handshakeFailure.message)] : checkTransport(f.handshake);
}

/** The finding for a server that offers TLS but whose handshake with node:tls failed. */
export function handshakeFailedFinding(message: string): Finding {
  return {
    id: "tls.handshake-failed",
    severity: "high",
    title: "The server offers TLS, but a TLS handshake with it failed",
    evidence: message,
    fix: "Check the server's error log and its ssl_cert, ssl_key, ssl_cipher and tls_version settings; a client can only connect in clear text as it stands",
  };
}

/** The probe's JSON section, following the contract in shared/DESIGN.md: the audit's `details.probe` and `probe --json` alike. */
export function probeDetails(f: HandshakeFacts): Record<string, unknown> {
  return {
    connectMs: f.connectMs,
    greeting: f.greeting,
    ...(f.server
      ? {
          server: {
            protocolVersion: f.server.protocolVersion,
            version: f.server.version,
            versionNumber: f.server.versionNumber,
            flavor: f.server.flavor,
            flavorEvidence: f.server.flavorEvidence,
            connectionId: f.server.connectionId,
            capabilities: f.server.capabilities,
            capabilityFlags: f.server.capabilityFlags,
            ...(f.server.mariadbCapabilities ? { mariadbCapabilities: f.server.mariadbCapabilities } : {}),
            ...(f.server.collation ? { characterSet: f.server.characterSet, collation: f.server.collation } : {}),
            ...(f.server.statusFlags ? { statusFlags: f.server.statusFlags } : {}),
            authPlugin: f.server.authPlugin ?? null,
          },
        }
      : {}),
    ...(f.serverError ? { serverError: f.serverError } : {}),
    tls: f.tls,
  };
}

/** The connectivity check's JSON section: the probe's, with the upgrade's failure when there was one. */
export function connectivityJson(f: ConnectivityFacts): Record<string, unknown> {
  return { ...probeDetails(f.handshake), ...(f.handshakeFailure ? { handshakeError: f.handshakeFailure.message } : {}) };
}

/** The connectivity check's overview rows. */
export function connectivityRows(f: ConnectivityFacts): [string, string][] {
  const h = f.handshake;
  const rows: [string, string][] = [];
  if (h.server) rows.push(["Server", `${h.server.version} (${h.server.flavor})`]);
  if (h.serverError) rows.push(["Greeting", `ERR ${h.serverError.errno}: ${h.serverError.message}`]);
  else rows.push(["TLS offered", h.tls.offered ? "yes" : "no"]);
  if (h.tls.protocol) rows.push(["Negotiated", `${h.tls.protocol} ${h.tls.cipher ?? ""}`.trim()]);
  if (f.handshakeFailure) rows.push(["TLS handshake", `failed: ${f.handshakeFailure.message}`]);
  return rows;
}

/** The connectivity findings that say why TLS checks cannot run: what every command prints, once, in their place. */
export const TLS_BLOCKING_IDS: readonly string[] = ["tls.not-offered", "server.protocol-9"];
