import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the connectivity check emits, documented (the README's table and the schema's enum are made from them). */
export const CONNECTIVITY_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "audit.target-unreachable", severity: "error", meaning: "The target could not be reached or did not speak MySQL; nothing else was checked (exit code 3)." },
  { id: "audit.check-error", severity: "error", meaning: "A check could not run; its reason is the evidence. The other checks still ran. Reported under the check that failed." },
  { id: "server.greeting-error", severity: "error", meaning: "The server sent an ERR packet instead of a greeting (1129 host blocked, 1040 too many connections): not audited." },
  { id: "server.anonymous-login", severity: "high", meaning: "The probe's login as an unknown user with no password was accepted: an anonymous account is open (seen without credentials)." },
  { id: "server.protocol-9", severity: "critical", meaning: "The server speaks protocol 9 (MySQL before 3.21) and cannot encrypt connections." },
  { id: "tls.handshake-failed", severity: "high", meaning: "The greeting offers TLS but a TLS handshake failed (alert, ERR packet, garbage); the other checks still run, the enumeration with its own ClientHellos." },
  { id: "tls.not-offered", severity: "critical", meaning: "The greeting lacks CLIENT_SSL: no client can encrypt its connection." },
];
