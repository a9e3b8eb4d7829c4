import { printable } from "../../report/printable.js";
import type { ChainFacts } from "../../x509/chain.js";
import type { FetchedChain } from "../../x509/fetch-chain.js";
import type { CertificateFacts } from "../../x509/certificate.js";
import { formatPublicKey } from "../../x509/public-key.js";
import type { Finding } from "../../report/types.js";

/** The policy knobs of the certificate checks. */
export interface CertificateCheckOptions {
  /** Warn when a certificate expires within this many days (default 30). */
  warnDays?: number;
  /** The clock the dates are judged against (default: when the facts were read). */
  now?: Date;
  /** The server's version string, to name the right reload statement. */
  serverVersion?: string;
}

export const DEFAULT_WARN_DAYS = 30;

const REF = {
  mysqlTls: "https://dev.mysql.com/doc/refman/8.4/en/using-encrypted-connections.html",
  mysqlAutoCerts: "https://dev.mysql.com/doc/refman/8.4/en/creating-ssl-rsa-files-using-mysql.html",
  mysqlReload: "https://dev.mysql.com/doc/refman/8.4/en/alter-instance.html",
  mariadbTls: "https://mariadb.com/kb/en/securing-connections-for-client-and-server/",
  mariadbFlushSsl: "https://mariadb.com/kb/en/flush/",
  rfc5280Validity: "RFC 5280 §4.1.2.5 (validity)",
  rfc5280Basic: "RFC 5280 §4.2.1.9 (basicConstraints)",
  rfc5246Order: "RFC 5246 §7.4.2 (certificate_list: each certificate certifies the one before it)",
  rfc8446Order: "RFC 8446 §4.4.2 (the sender's certificate first; intermediates follow)",
  rfc6125: "RFC 6125 §6.4 (verifying a DNS name), §6.2.1 (IP addresses only in iPAddress SANs)",
  rfc9155: "RFC 9155 (MD5 and SHA-1 deprecated for TLS signatures)",
  nist131a: "NIST SP 800-131A Rev. 2 (RSA keys below 2048 bits disallowed)",
};

/** Checks a gathered chain: dates, keys, signatures, order, trust, identity. Pure: facts in, findings out. */
export function checkCertificate(facts: ChainFacts, opts: CertificateCheckOptions = {}): Finding[] {
  const warnDays = opts.warnDays ?? DEFAULT_WARN_DAYS;
  const now = opts.now ?? new Date(facts.checkedAt);
  const certs = facts.certificates;
  const leaf = certs[0];
  if (!leaf) {
    return [{ id: "cert.not-gathered", severity: "error", title: "The server sent no certificate", evidence: `source: ${facts.source}; nothing to inspect` }];
  }
  const reload = reloadStatement(opts.serverVersion);
  const findings: Finding[] = [];
  const label = (i: number): string => `${roleOf(facts, i)} #${i + 1} (${certs[i]!.subject})`;
  const replace = (why: string): string => replaceFix(why, reload);

  // Dates: every certificate sent, because an expired intermediate breaks the chain as surely as the leaf.
  certs.forEach((c, i) => {
    const notAfter = new Date(c.notAfter);
    const notBefore = new Date(c.notBefore);
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
    if (notAfter.getTime() < now.getTime()) {
      findings.push({
        id: "cert.expired",
        severity: "critical",
        title: `The ${roleOf(facts, i)} certificate has expired`,
        evidence: `${label(i)}: notAfter ${c.notAfter}, ${-daysLeft} day(s) ago; verifying clients refuse it (OpenSSL: "certificate has expired")`,
        fix: replace("a certificate that is valid today"),
        references: [REF.rfc5280Validity, REF.mysqlTls],
      });
    } else if (notBefore.getTime() > now.getTime()) {
      findings.push({
        id: "cert.not-yet-valid",
        severity: "high",
        title: `The ${roleOf(facts, i)} certificate is not valid yet`,
        evidence: `${label(i)}: notBefore ${c.notBefore} is in the future (clock skew on the issuing host or the server?)`,
        fix: `Check the clocks (timedatectl) of the server and the host that issued it, or ${replace("a certificate whose notBefore has passed")}`,
        references: [REF.rfc5280Validity],
      });
    } else if (daysLeft <= warnDays) {
      findings.push({
        id: "cert.expiring-soon",
        severity: daysLeft <= 7 ? "high" : "medium",
        title: `The ${roleOf(facts, i)} certificate expires in ${daysLeft} day(s)`,
        evidence: `${label(i)}: notAfter ${c.notAfter} (warning threshold ${warnDays} days)`,
        fix: replace("a renewed certificate before notAfter"),
        references: [REF.rfc5280Validity],
      });
    }
  });

  certs.forEach((c, i) => {
    if ((c.publicKey.type === "RSA" || c.publicKey.type === "RSA-PSS") && c.publicKey.bits < 2048) {
      findings.push({
        id: "cert.rsa-weak-key",
        severity: c.publicKey.bits < 1024 ? "critical" : "high",
        title: `The ${roleOf(facts, i)} certificate has a ${c.publicKey.bits}-bit RSA key`,
        evidence: `${label(i)}: ${formatPublicKey(c.publicKey)}; OpenSSL at security level 2 (Debian, RHEL defaults) refuses keys under 2048 bits`,
        fix: replace("a certificate on a new key of RSA 3072 bits or EC P-256 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-key.pem)"),
        references: [REF.nist131a],
      });
    }
  });

  certs.forEach((c, i) => {
    // A root's self-signature is never checked by clients (they trust the root itself), so only the others matter.
    if (c.selfSigned && c.isCA) return;
    if (c.signatureHash === "sha1" || c.signatureHash === "md5" || c.signatureHash === "md4" || c.signatureHash === "md2") {
      findings.push({
        id: "cert.weak-signature",
        severity: c.signatureHash === "sha1" ? "high" : "critical",
        title: `The ${roleOf(facts, i)} certificate is signed with ${c.signatureHash.toUpperCase()}`,
        evidence: `${label(i)}: signatureAlgorithm ${c.signatureAlgorithm}; collisions in ${c.signatureHash.toUpperCase()} allow forged certificates, and OpenSSL 3 at security level 1+ rejects it`,
        fix: replace("a certificate signed with SHA-256 or better (openssl x509 -req ... -sha256)"),
        references: [REF.rfc9155],
      });
    }
  });

  if (leaf.isCA) {
    findings.push({
      id: "cert.leaf-is-ca",
      severity: "medium",
      title: "The server's own certificate is a CA certificate",
      evidence: `${label(0)}: basicConstraints CA:TRUE${leaf.basicConstraints?.pathLen !== undefined ? `, pathlen:${leaf.basicConstraints.pathLen}` : ""}; whoever holds the server's key can issue certificates that clients trusting this chain accept`,
      fix: replace("a leaf certificate with basicConstraints = critical,CA:FALSE and extendedKeyUsage = serverAuth"),
      references: [REF.rfc5280Basic],
    });
  }

  if (facts.orderAsSent && !facts.order.inOrder) {
    findings.push({
      id: "cert.wrong-order",
      severity: "medium",
      title: "The server sends its chain in the wrong order",
      evidence: `sent: ${certs.map((c, i) => `#${i + 1} ${c.subject}`).join(" | ")}; ${facts.order.issues.join("; ")}`,
      fix: `Rebuild the ssl_cert file as leaf, then the intermediate that signed it, then the next one up:\n  cat server-cert.pem intermediate.pem > server-chain.pem\n[mysqld]\nssl_cert=/etc/mysql/tls/server-chain.pem\nthen ${reload}. Check the order with: openssl crl2pkcs7 -nocrl -certfile server-chain.pem | openssl pkcs7 -print_certs -noout`,
      references: [REF.rfc5246Order, REF.rfc8446Order],
    });
  }

  const trust = facts.trust;
  const anchors = trust.anchorSource === "ssl-ca" ? `--ssl-ca ${trust.anchorFile ?? ""}`.trim() : "the system roots";
  const auto = facts.autoGenerated;
  // Trust includes dates; the self-signed and auto-generated wording is about the path, whatever the dates.
  const pathOk = trust.pathVerified;
  // A path that fails only on the dates of certificates the server sent is said once, by cert.expired or cert.not-yet-valid.
  const onlyDates = !trust.verified && pathOk && (trust.outOfDate ?? []).every((o) => o.index !== undefined);
  if (auto.detected) {
    findings.push({
      id: "cert.auto-generated",
      severity: "high",
      title:
        auto.kind === "mariadb-test-suite"
          ? "The server uses MariaDB's test-suite certificate, whose private key is public"
          : "The server uses MySQL's auto-generated certificate: clients cannot verify its identity",
      evidence: `${auto.evidence}; ${pathOk ? `the chain verifies against ${anchors} only because that file holds the server's own auto-generated CA` : `the chain does not verify against ${anchors} (${trust.error})`}; ${facts.hostname.matched ? `the name ${facts.hostname.name} matches` : `the name ${facts.hostname.name} cannot match (${facts.hostname.note})`}`,
      fix: replace("a certificate issued by your own CA for the names clients use (subjectAltName = DNS:db.example.com)"),
      references: [REF.mysqlAutoCerts, REF.mysqlTls],
    });
  }

  if (!auto.detected) {
    if (trust.errorCode === "self-signed-leaf" || (pathOk && leaf.selfSigned)) {
      findings.push({
        id: "cert.self-signed",
        severity: pathOk ? "low" : "high",
        title: pathOk ? "The server's certificate is self-signed (pinned through --ssl-ca)" : "The server's certificate is self-signed and no trust anchor vouches for it",
        evidence: pathOk
          ? `${label(0)} is its own issuer; it verifies only because ${anchors} holds this very certificate, so every client needs a copy and it cannot be revoked or rotated centrally`
          : `${label(0)} is its own issuer and is not in ${anchors}; a verifying client (ssl-mode=VERIFY_IDENTITY, --ssl-verify-server-cert) refuses it, a non-verifying one cannot detect an impostor`,
        fix: replace("a certificate issued by a CA that clients trust, with ssl_ca=/etc/mysql/tls/ca.pem on the clients"),
        references: [REF.mysqlTls, REF.mariadbTls],
      });
    } else if (!trust.verified && trust.errorCode === "issuer-not-found" && trust.stoppedAt && looksLikeMissingIntermediate(facts)) {
      const stop = certs[trust.stoppedAt.index]!;
      findings.push({
        id: "cert.missing-intermediate",
        severity: "high",
        title: "The server does not send the intermediate certificate clients need",
        evidence: `the server sent ${certs.length} certificate(s); the path stops at ${label(trust.stoppedAt.index)}, issued by ${trust.stoppedAt.issuer}, which was not sent and is not in ${anchors}${stop.caIssuers.length ? ` (its issuer can be fetched from ${stop.caIssuers.join(", ")})` : ""}`,
        fix: `Append the intermediate(s) to the ssl_cert file, leaf first:\n  cat server-cert.pem intermediate.pem > server-chain.pem\n[mysqld]\nssl_cert=/etc/mysql/tls/server-chain.pem\nthen ${reload}. (Servers built on OpenSSL also complete a lone leaf from their own ssl_ca file when it holds the intermediate.) If ${printable(trust.stoppedAt.issuer)} is itself a root, give clients that root instead (ssl_ca=...). Check with: openssl verify -CAfile ca.pem -untrusted intermediate.pem server-cert.pem`,
        references: [REF.rfc5246Order, REF.mysqlTls],
      });
    } else if (!trust.verified && !onlyDates) {
      findings.push({
        id: "cert.untrusted",
        severity: "high",
        title: "The chain does not verify against the trust anchors",
        evidence: `against ${anchors} (${trust.anchorCount} certificate(s)): ${trust.error}; path: ${trust.path.join(" <- ")}`,
        fix: `Give the clients the CA that issued the chain (ssl-ca / ssl_ca=/etc/mysql/tls/ca.pem), or ${replace("a chain issued by a CA the clients trust")}. Check with: openssl verify -CAfile ca.pem -untrusted server-chain.pem server-cert.pem`,
        references: [REF.mysqlTls],
      });
    }
  }

  const h = facts.hostname;
  if (!h.matched && !auto.detected) {
    findings.push({
      id: "cert.hostname-mismatch",
      severity: "high",
      title: `The certificate is not valid for ${h.name}`,
      evidence: `${h.note ?? "no identifier matches"}; presented: ${h.presented.join(", ") || "(none)"}; clients with ssl-mode=VERIFY_IDENTITY refuse the connection`,
      fix: replace(`a certificate whose subjectAltName lists the names clients use, e.g. subjectAltName = DNS:${h.kind === "ip" ? "db.example.com" : h.name}${h.kind === "ip" ? `,IP:${h.name}` : ""}; or connect by a name the certificate already lists`),
      references: [REF.rfc6125],
    });
  } else if (h.matched && h.usedCommonName) {
    findings.push({
      id: "cert.hostname-cn-only",
      severity: "low",
      title: `${h.name} matches only through the subject CN (the certificate has no DNS SAN)`,
      evidence: `${h.matchedBy}; RFC 6125 deprecates the CN fallback, and Go, Chrome and recent Java clients ignore it`,
      fix: replace(`a certificate with subjectAltName = DNS:${h.name}`),
      references: [REF.rfc6125],
    });
  }
  return findings;
}

/** The finding for a chain that could not be read at all (the check ran, its facts did not). */
export function certificateNotGathered(reason: string): Finding[] {
  return [{ id: "cert.not-gathered", severity: "error", title: "The certificate chain could not be read", evidence: reason }];
}

// Without --ssl-ca we cannot tell a missing intermediate from a private root the system does not know; only an
// AIA caIssuers URL (public CAs put one in every leaf) says an intermediate exists. With --ssl-ca, the user has
// named the root, so an issuer found nowhere is what sits between.
function looksLikeMissingIntermediate(facts: ChainFacts): boolean {
  const stop = facts.certificates[facts.trust.stoppedAt!.index]!;
  return facts.trust.anchorSource === "ssl-ca" || stop.caIssuers.length > 0;
}

function roleOf(facts: ChainFacts, i: number): string {
  if (i === 0) return "leaf";
  const c: CertificateFacts = facts.certificates[i]!;
  return c.selfSigned ? "root" : "intermediate";
}

/** The statement that makes a running server load new certificate files. */
export function reloadStatement(serverVersion: string | undefined): string {
  if (serverVersion && /mariadb/i.test(serverVersion)) return "reload: FLUSH SSL; (MariaDB 10.4+; older versions need a restart)";
  if (serverVersion && /^(5\.|8\.0\.([0-9]|1[0-5])\b)/.test(serverVersion)) return "restart mysqld (ALTER INSTANCE RELOAD TLS needs MySQL 8.0.16+)";
  return "reload: ALTER INSTANCE RELOAD TLS; (MySQL 8.0.16+) or FLUSH SSL; (MariaDB 10.4+)";
}

function replaceFix(what: string, reload: string): string {
  return `Install ${what}:\n[mysqld]\nssl_cert=/etc/mysql/tls/server-chain.pem   # leaf first, then intermediates\nssl_key=/etc/mysql/tls/server-key.pem\nssl_ca=/etc/mysql/tls/ca.pem\nthen ${reload}. Check the files with: openssl x509 -in /etc/mysql/tls/server-chain.pem -noout -subject -issuer -dates -ext subjectAltName`;
}

/**
 * The certificate check's JSON section, the same in `cert --json` and the audit's `details.certificate`: the
 * contract's `chain` entries first, then the path, trust and name verdict facts.
 */
export function certificateJson(facts: ChainFacts, fetched: Pick<FetchedChain, "serverVersion" | "fallbackReason">): Record<string, unknown> {
  return {
    server: { version: fetched.serverVersion },
    source: facts.source,
    orderAsSent: facts.orderAsSent,
    ...(fetched.fallbackReason ? { fallbackReason: fetched.fallbackReason } : {}),
    ...(facts.protocol ? { protocol: facts.protocol } : {}),
    checkedAt: facts.checkedAt,
    chain: facts.certificates.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      serialNumber: c.serialNumber,
      subjectAltNames: c.subjectAltNames,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      daysLeft: c.daysLeft,
      publicKey: c.publicKey,
      signatureAlgorithm: c.signatureAlgorithm,
      sha256Fingerprint: c.sha256Fingerprint,
      selfSigned: c.selfSigned,
      isCA: c.isCA,
      subjectAttributes: c.subjectAttributes,
      issuerAttributes: c.issuerAttributes,
      signatureHash: c.signatureHash,
      ...(c.basicConstraints ? { basicConstraints: c.basicConstraints } : {}),
      keyUsage: c.keyUsage,
      extendedKeyUsage: c.extendedKeyUsage,
      ...(c.subjectKeyId ? { subjectKeyId: c.subjectKeyId } : {}),
      ...(c.authorityKeyId ? { authorityKeyId: c.authorityKeyId } : {}),
      caIssuers: c.caIssuers,
      version: c.version,
      pem: c.pem,
    })),
    order: facts.order,
    trust: facts.trust,
    hostname: facts.hostname,
    autoGenerated: facts.autoGenerated,
    ...(facts.handshakeVerification ? { handshakeVerification: facts.handshakeVerification } : {}),
  };
}

/** The chain as gathered: the facts and how they were read. */
export interface CertificateCheckFacts {
  facts: ChainFacts;
  fetched: FetchedChain;
}

/** The certificate check's findings, with the policy's warning days. */
export function judgeCertificate(c: CertificateCheckFacts, policy: { certificateWarningDays: number }): Finding[] {
  return checkCertificate(c.facts, { warnDays: policy.certificateWarningDays, serverVersion: c.fetched.serverVersion });
}

/** The certificate check's overview rows. */
export function certificateRows({ facts }: CertificateCheckFacts): [string, string][] {
  const leaf = facts.certificates[0];
  if (!leaf) return [];
  return [
    ["Certificate", `${leaf.subject} (issuer ${leaf.issuer})`],
    ["Expires", `${leaf.notAfter} (${leaf.daysLeft} days left)`],
    ["Chain", `${facts.certificates.length} certificate${facts.certificates.length === 1 ? "" : "s"}, ${facts.trust.verified ? "verified" : `not verified: ${facts.trust.error ?? "no path to a trusted root"}`}`],
  ];
}
