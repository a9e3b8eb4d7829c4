import { applyVersionPolicy } from "../../policy/apply.js";
import type { Policy } from "../../policy/policy.js";
import type { CipherFacts, ProtocolFacts } from "../../tls/enumerate.js";
import type { TlsVersionName } from "../../tls/node-handshake.js";
import type { Finding, Severity } from "../../report/types.js";

const FIX_VERSIONS = "[mysqld]\ntls_version=TLSv1.2,TLSv1.3   # MySQL 8.0.16+ / MariaDB 10.4.6+; restart (or ALTER INSTANCE RELOAD TLS on MySQL 8)";
const REF_MYSQL = "MySQL 8.4 Reference Manual, 8.3.2 Encrypted Connection TLS Protocols and Ciphers";
const REF_MARIADB = "MariaDB docs: Secure Connections Overview, TLS Protocol Versions";
const REF_RFC8996 = "RFC 8996: Deprecating TLS 1.0 and TLS 1.1";

const OBSOLETE: { version: TlsVersionName; id: string; severity: Severity; title: string; reference: string }[] = [
  { version: "SSLv3", id: "protocol.sslv3-accepted", severity: "critical", title: "The server accepts SSL 3.0 (broken: POODLE)", reference: "RFC 7568: Deprecating Secure Sockets Layer Version 3.0" },
  { version: "TLSv1", id: "protocol.tls10-accepted", severity: "high", title: "The server accepts TLS 1.0 (deprecated: BEAST, SHA-1 handshake)", reference: REF_RFC8996 },
  { version: "TLSv1.1", id: "protocol.tls11-accepted", severity: "medium", title: "The server accepts TLS 1.1 (deprecated)", reference: REF_RFC8996 },
];

/** Findings about which protocol versions the server accepts, and about versions we could not settle. */
export function checkProtocols(f: CipherFacts): Finding[] {
  const out: Finding[] = [];
  const noTls = f.problems.find((p) => p.reason === "no-tls");
  if (noTls && f.protocols.every((p) => p.accepted === undefined)) {
    // Every command checks connectivity first and says this there; the scan meets it only when the server
    // changed in between. Then it is the same finding, under the same id, not a list of undetermined versions.
    return [
      {
        id: "tls.not-offered",
        severity: "critical",
        title: "The server cannot encrypt connections at all (CLIENT_SSL is not offered)",
        evidence: noTls.detail,
        references: [REF_MYSQL, REF_MARIADB],
      },
    ];
  }
  const by = new Map(f.protocols.map((p) => [p.version, p]));
  for (const o of OBSOLETE) {
    const p = by.get(o.version);
    if (p?.accepted !== true) continue;
    out.push({
      id: o.id,
      severity: o.severity,
      title: o.title,
      evidence: `${o.version} handshake accepted with ${p.suites.length} cipher suite(s), e.g. ${p.suites[0]?.iana ?? "?"}`,
      fix: FIX_VERSIONS,
      references: [o.reference, REF_MYSQL, REF_MARIADB],
    });
  }
  const modern = ["TLSv1.2", "TLSv1.3"].map((v) => by.get(v as TlsVersionName));
  if (modern.every((p) => p?.accepted === false)) {
    out.push({
      id: "protocol.no-tls12-or-13",
      severity: "high",
      title: "The server accepts neither TLS 1.2 nor TLS 1.3",
      evidence: `TLS 1.2 and TLS 1.3 handshakes refused; accepted: ${accepted(f.protocols) || "none"}`,
      fix: `Upgrade to a server built with OpenSSL 1.1.1 or later (MySQL 8.0, MariaDB 10.4+), then\n${FIX_VERSIONS}`,
      references: [REF_MYSQL, REF_RFC8996],
    });
  } else if (by.get("TLSv1.3")?.accepted === false && by.get("TLSv1.2")?.accepted === true) {
    out.push({
      id: "protocol.no-tls13",
      severity: "low",
      title: "The server does not accept TLS 1.3",
      evidence: "TLS 1.3 handshake refused; TLS 1.2 accepted",
      fix: `Use a server built with OpenSSL 1.1.1+ (MySQL 8.0.16+, MariaDB 10.4.6+) and\n${FIX_VERSIONS}`,
      references: [REF_MYSQL, "RFC 8446: TLS 1.3"],
    });
  }
  if (f.protocols.length > 0 && f.protocols.every((p) => p.accepted === false)) {
    out.push({
      id: "protocol.none-accepted",
      severity: "error",
      title: "The server offers TLS but accepted no handshake of any version",
      evidence: `every version from SSL 3.0 to TLS 1.3 refused`,
      fix: "Check ssl_cert/ssl_key and the ssl_cipher and tls_version settings in the server's error log",
    });
  }
  for (const p of f.protocols) {
    if (p.accepted !== undefined) continue;
    const why = f.problems.filter((x) => x.version === p.version).map((x) => x.detail);
    out.push({
      id: "protocol.undetermined",
      severity: "error",
      title: `Could not tell whether the server accepts ${p.version}`,
      evidence: why.length ? why.join("; ") : "the connection-error budget ran out before this version was probed",
    });
  }
  return out;
}

function accepted(ps: ProtocolFacts[]): string {
  return ps.filter((p) => p.accepted).map((p) => p.version).join(", ");
}

/** The protocols check's findings from the scan's facts and the policy (minTlsVersion waives or adds version findings). */
export function judgeProtocols(facts: CipherFacts, policy: Pick<Policy, "minTlsVersion">): Finding[] {
  return applyVersionPolicy(checkProtocols(facts), facts, policy);
}

/** The protocols check's JSON section: each version's verdict. */
export function protocolsJson(facts: CipherFacts): { version: string; accepted: boolean | null; complete: boolean }[] {
  return facts.protocols.map((p) => ({ version: p.version, accepted: p.accepted ?? null, complete: p.complete }));
}

/** The protocols check's overview row. */
export function protocolsRows(facts: CipherFacts): [string, string][] {
  const accepted = facts.protocols.filter((p) => p.accepted === true).map((p) => p.version);
  return [["Protocols", accepted.length ? accepted.join(", ") : "none accepted"]];
}
