import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the certificate check emits, documented (the README's table and the schema's enum are made from them). */
export const CERTIFICATE_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "cert.not-gathered", severity: "error", meaning: "The certificate chain could not be read." },
  { id: "cert.expired", severity: "critical", meaning: "A certificate in the chain is past its notAfter." },
  { id: "cert.not-yet-valid", severity: "high", meaning: "A certificate in the chain is before its notBefore." },
  { id: "cert.expiring-soon", severity: "varies", meaning: "A certificate expires within the policy's certificateWarningDays (high within 7 days, else medium)." },
  { id: "cert.rsa-weak-key", severity: "varies", meaning: "An RSA key below 2048 bits (critical below 1024)." },
  { id: "cert.weak-signature", severity: "varies", meaning: "A SHA-1 (high) or MD5 (critical) signature on a certificate that is not a trust anchor." },
  { id: "cert.leaf-is-ca", severity: "medium", meaning: "The server's own certificate has basicConstraints CA:TRUE." },
  { id: "cert.wrong-order", severity: "medium", meaning: "The chain is not sent leaf first, each certificate followed by its issuer." },
  { id: "cert.auto-generated", severity: "high", meaning: "MySQL's auto-generated (or another default) certificate: clients cannot verify the server's identity (CIS: no auto-generated certificates)." },
  { id: "cert.self-signed", severity: "varies", meaning: "A self-signed leaf: high unless --ssl-ca names it, then low." },
  { id: "cert.missing-intermediate", severity: "high", meaning: "The server does not send the intermediate between its certificate and the root." },
  { id: "cert.untrusted", severity: "high", meaning: "The chain does not verify against --ssl-ca (or the system roots)." },
  { id: "cert.hostname-mismatch", severity: "high", meaning: "The certificate does not name the host clients connect to (RFC 6125)." },
  { id: "cert.hostname-cn-only", severity: "low", meaning: "The name matches only through the CN, which RFC 6125 clients ignore when SANs exist." },
];
