import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the ciphers check emits, documented (the README's table and the schema's enum are made from them). */
export const CIPHERS_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "cipher.null", severity: "critical", meaning: "NULL suites are accepted: no encryption at all." },
  { id: "cipher.anonymous", severity: "critical", meaning: "Anonymous (ADH/AECDH) suites are accepted: no server authentication." },
  { id: "cipher.export", severity: "critical", meaning: "EXPORT-grade suites are accepted (FREAK, Logjam)." },
  { id: "cipher.insecure", severity: "high", meaning: "Insecure suites are accepted (RC4, single DES, MD5 MAC ...), per the registry's rating rule." },
  { id: "cipher.weak", severity: "medium", meaning: "Weak suites are accepted (no forward secrecy, CBC, 3DES ...; CIS: approved ciphers only)." },
  { id: "cipher.no-server-preference", severity: "low", meaning: "Under a version the server follows the client's order while it accepts weak suites." },
  { id: "cipher.dhe-weak-params", severity: "varies", meaning: "DHE parameters below 2048 bits (high below 1024)." },
  { id: "policy.suite-forbidden", severity: "high", meaning: "An accepted suite is in the policy's forbiddenSuites." },
  { id: "policy.suite-not-allowed", severity: "medium", meaning: "An accepted suite is missing from the policy's non-empty allowedSuites." },
  { id: "profile.mozilla", severity: "info", meaning: "The strictest Mozilla server-side TLS profile (modern, intermediate, old, or none) the accepted versions and suites meet." },
  { id: "scan.server-error", severity: "error", meaning: "The server answered a TLS probe with a MySQL ERR packet instead of TLS (old yaSSL builds)." },
  { id: "scan.greeting-error", severity: "error", meaning: "A probe was refused with an ERR packet before the greeting (e.g. 1129 blocked, 1040 too many connections)." },
  { id: "scan.garbage", severity: "error", meaning: "The server answered a ClientHello with bytes that are not TLS." },
  { id: "scan.timeout", severity: "error", meaning: "The server stalled during a TLS probe." },
  { id: "scan.closed", severity: "error", meaning: "The server closed a TLS probe mid-handshake." },
  { id: "scan.no-tls", severity: "error", meaning: "A probe found no TLS offered." },
  { id: "scan.connect", severity: "error", meaning: "A probe could not connect." },
  { id: "scan.node-incomplete", severity: "info", meaning: "node:tls could not complete handshakes the server accepted; the raw ClientHello engine found those suites." },
  { id: "scan.budget-exhausted", severity: "error", meaning: "The scan stopped at the aborted-connection budget (--max-aborted); the evidence says what was not scanned." },
  { id: "tls.server-bug", severity: "medium", meaning: "The server's TLS answer broke the protocol (a suite or version not offered): reported, not trusted." },
];
