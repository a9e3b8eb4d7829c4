import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the protocols check emits, documented (the README's table and the schema's enum are made from them). */
export const PROTOCOLS_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "protocol.sslv3-accepted", severity: "critical", meaning: "SSL 3.0 handshakes are accepted (POODLE; RFC 7568)." },
  { id: "protocol.tls10-accepted", severity: "high", meaning: "TLS 1.0 is accepted (RFC 8996; CIS: limit accepted TLS versions). Waived when the policy's minTlsVersion is TLSv1." },
  { id: "protocol.tls11-accepted", severity: "medium", meaning: "TLS 1.1 is accepted (RFC 8996). Waived when the policy's minTlsVersion is TLSv1 or TLSv1.1." },
  { id: "protocol.no-tls12-or-13", severity: "high", meaning: "Neither TLS 1.2 nor TLS 1.3 is accepted." },
  { id: "protocol.no-tls13", severity: "low", meaning: "TLS 1.3 is refused while TLS 1.2 is accepted." },
  { id: "protocol.none-accepted", severity: "error", meaning: "The server offers TLS but accepted no handshake of any version." },
  { id: "protocol.undetermined", severity: "error", meaning: "Whether a version is accepted could not be settled (probe failures or the error budget)." },
  { id: "policy.tls-version-below-minimum", severity: "high", meaning: "An accepted version is below the policy's minTlsVersion and no other finding names it (e.g. TLS 1.2 under a TLS 1.3-only policy)." },
];
