/** Severity of a finding; "error" means a check could not run (never a silent pass). */
export type Severity = "critical" | "high" | "medium" | "low" | "info" | "error";

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info", "error"];

/** Ordering for --fail-on: a finding fails the run when its rank is >= the threshold's. "error" ranks with high. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, error: 3, critical: 4 };

/** One thing we found, with what we saw and how to fix it. The flat record of shared/DESIGN.md. */
export interface Finding {
  /** Stable, documented id, e.g. "protocol.tls10-accepted". */
  id: string;
  severity: Severity;
  /** One line a person understands. */
  title: string;
  /** What we saw, exactly. */
  evidence: string;
  /** The SQL statement or my.cnf line that fixes it. */
  fix?: string;
  /**
   * Set when a name quoted in `fix` holds control characters (e.g. ["newline", "tab"]): `fix` is exact, but a
   * terminal cannot show it so, and a statement copied from the screen would name another account; text output
   * says so and points to --json instead (src/report/fix-text.ts).
   */
  fixControlCharacters?: string[];
  /** Manual section, CIS recommendation, RFC. */
  references?: string[];
}

/** The outcome of one check: data, so one failing check never aborts the run. */
export interface CheckOutcome {
  name: string;
  status: "completed" | "error" | "skipped";
  reason?: string;
}

/** The JSON schema version of every command's --json output. Bump on a breaking change only. */
export const SCHEMA_VERSION = 1;

/** Fields every command's JSON starts with. */
export interface Envelope {
  schemaVersion: number;
  tool: { name: string; version: string };
  target: { host: string; port: number };
  command: string;
}
