import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the replication check emits, documented (the README's table and the schema's enum are made from them). */
export const REPLICATION_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "replication.no-tls", severity: "high", meaning: "A replication channel connects to its source without TLS." },
  { id: "replication.no-verify", severity: "medium", meaning: "A replication channel uses TLS without verifying the source's certificate." },
  { id: "replication.legacy-tls-version", severity: "low", meaning: "A replication channel allows TLS 1.0 or 1.1." },
];
