import type { CheckName } from "./report.js";
import type { Severity } from "./types.js";

/** The documentation of one finding id: which check emits it, how severe it usually is, what it means. */
export interface FindingIdDoc {
  id: string;
  check: CheckName;
  /** The usual severity; "varies" when evidence decides (e.g. days left on a certificate). */
  severity: Severity | "varies";
  meaning: string;
}

/** Every finding id the audit can emit; test/unit/report-finding-ids.test.ts keeps it in sync with the source. */
export const FINDING_IDS: readonly FindingIdDoc[] = [
  { id: "audit.target-unreachable", check: "connectivity", severity: "error", meaning: "The target could not be reached or did not speak MySQL; nothing else was checked." },
  { id: "audit.check-error", check: "connectivity", severity: "error", meaning: "A check could not run (its reason is the evidence); the other checks still ran." },
  { id: "server.greeting-error", check: "connectivity", severity: "error", meaning: "The server sent an ERR packet instead of a greeting (e.g. 1129 host blocked, 1040 too many connections)." },
  { id: "server.protocol-9", check: "connectivity", severity: "critical", meaning: "The server speaks protocol 9 (MySQL before 3.21) and cannot encrypt connections." },
  { id: "tls.not-offered", check: "connectivity", severity: "critical", meaning: "The greeting lacks CLIENT_SSL: no client can encrypt its connection." },
];
