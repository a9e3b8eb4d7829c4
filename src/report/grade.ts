// The overall grade of one target, A to F, in the spirit of the SSL Labs server rating guide adapted to MySQL:
// start at A; each rule that applies caps the grade; the grade is the lowest cap. Pure: the report's findings
// (after the policy's ignore list) and the accepted suites in, a grade and the caps that made it out.
// The rule is documented in README.md ("The grade"); test/unit/report-grade.test.ts covers every rule.
import type { Finding } from "./types.js";

export type GradeLetter = "A" | "B" | "C" | "D" | "F";
export const GRADES: readonly GradeLetter[] = ["A", "B", "C", "D", "F"];

/** One rule that capped the grade: the cap, why, and the finding ids (or fact) that triggered it. */
export interface GradeCap {
  grade: GradeLetter;
  reason: string;
  /** A few words for the one-screen report. */
  short: string;
  ids: string[];
}

/** A target's grade and the caps that made it (most severe first; empty for an A). */
export interface Grade {
  grade: GradeLetter;
  caps: GradeCap[];
}

/** What the grade is computed from. */
export interface GradeInput {
  /** False when the target could not be audited at all. */
  audited: boolean;
  findings: readonly Pick<Finding, "id" | "severity">[];
  /** Every accepted (version, suite) pair, when the cipher scan ran; undefined when it did not. */
  suites?: readonly { version: string; keyExchange?: string; authentication?: string }[];
}

interface Rule {
  grade: GradeLetter;
  reason: string;
  short: string;
  /** The findings that trigger the rule (id, and severity when the id's severity varies). */
  match: (f: Pick<Finding, "id" | "severity">) => boolean;
}

const ids =
  (...list: string[]) =>
  (f: Pick<Finding, "id">): boolean =>
    list.includes(f.id);
const idAt =
  (id: string, ...severities: Finding["severity"][]) =>
  (f: Pick<Finding, "id" | "severity">): boolean =>
    f.id === id && severities.includes(f.severity);

const CRITICAL_RULE: Rule = { grade: "D", reason: "a critical finding no other rule names", short: "a critical finding", match: (f) => f.severity === "critical" };

const ERROR_RULE: Rule = { grade: "B", reason: "a check could not run: the grade covers only what was checked", short: "a check could not run", match: (f) => f.severity === "error" };

/** The rules, as README.md documents them. Order does not matter: the lowest cap wins. */
export const GRADE_RULES: readonly Rule[] = [
  { grade: "F", reason: "TLS not offered: every connection is clear text", short: "no TLS", match: ids("tls.not-offered", "protocol.tls-not-offered", "settings.tls-disabled", "settings.tls-channel-disabled", "server.protocol-9") },
  { grade: "F", reason: "NULL, anonymous or EXPORT cipher suites accepted", short: "NULL/anonymous/EXPORT suites", match: ids("cipher.null", "cipher.anonymous", "cipher.export") },
  { grade: "F", reason: "SSL 3.0 accepted", short: "SSL 3.0", match: ids("protocol.sslv3-accepted") },
  { grade: "F", reason: "expired or not yet valid certificate", short: "certificate expired", match: ids("cert.expired", "cert.not-yet-valid", "settings.server-certificate-expired") },
  { grade: "F", reason: "RSA key below 1024 bits, MD5 signature or DHE below 1024 bits", short: "key/signature/DH broken", match: (f) => idAt("cert.rsa-weak-key", "critical")(f) || idAt("cert.weak-signature", "critical")(f) || idAt("cipher.dhe-weak-params", "high")(f) },
  CRITICAL_RULE,
  { grade: "D", reason: "clear-text logins allowed from other hosts", short: "clear-text remote logins", match: (f) => idAt("accounts.cleartext-login", "high", "critical")(f) || f.id === "replication.no-tls" },
  { grade: "C", reason: "insecure cipher suites accepted (RC4, DES, MD5)", short: "insecure suites", match: ids("cipher.insecure") },
  { grade: "C", reason: "neither TLS 1.2 nor TLS 1.3 accepted", short: "no TLS 1.2/1.3", match: ids("protocol.no-tls12-or-13") },
  {
    grade: "C",
    reason: "certificate not trusted by clients (untrusted, self-signed, auto-generated, incomplete chain or wrong name)", short: "certificate not trusted",
    match: (f) => ids("cert.untrusted", "cert.auto-generated", "cert.missing-intermediate", "cert.hostname-mismatch")(f) || idAt("cert.self-signed", "high")(f),
  },
  { grade: "B", reason: "TLS 1.0 or 1.1 accepted", short: "TLS 1.0/1.1", match: ids("protocol.tls10-accepted", "protocol.tls11-accepted", "settings.legacy-tls-version", "settings.tls-channel-legacy-version") },
  { grade: "B", reason: "weak cipher suites accepted (CBC, SHA-1, 3DES)", short: "weak suites", match: ids("cipher.weak") },
  { grade: "B", reason: "clear-text connections accepted (require_secure_transport OFF or missing)", short: "clear text accepted", match: (f) => ids("settings.require-secure-transport-off", "settings.require-secure-transport-missing")(f) || idAt("accounts.cleartext-login", "low", "medium")(f) },
  { grade: "B", reason: "RSA key below 2048 bits, SHA-1 signature or DHE below 2048 bits", short: "key/signature/DH weak", match: (f) => idAt("cert.rsa-weak-key", "high")(f) || idAt("cert.weak-signature", "high")(f) || idAt("cipher.dhe-weak-params", "medium")(f) },
  ERROR_RULE,
];

const RANK: Record<GradeLetter, number> = { A: 0, B: 1, C: 2, D: 3, F: 4 };

// Forward secrecy: every TLS 1.3 suite has it; before 1.3, only (EC)DHE key exchange does (anonymous suites aside).
function hasForwardSecrecy(s: { version: string; keyExchange?: string }): boolean {
  return s.version === "TLSv1.3" || /^(EC)?DHE(-PSK)?$/.test(s.keyExchange ?? "");
}

/** The grade of one target: A unless a rule caps it; the lowest cap wins. A target not audited gets F. */
export function gradeOf(input: GradeInput): Grade {
  const caps: GradeCap[] = [];
  if (!input.audited) caps.push({ grade: "F", reason: "the target could not be audited", short: "not audited", ids: ["audit.target-unreachable"] });
  for (const rule of GRADE_RULES) {
    // A target not audited is F already; its error finding says nothing more.
    if (!input.audited && rule === ERROR_RULE) continue;
    // The catch-all for critical findings counts only those no other rule names.
    const named = (f: Pick<Finding, "id" | "severity">): boolean => GRADE_RULES.some((r) => r !== rule && r.match(f));
    const hit = [...new Set(input.findings.filter((f) => rule.match(f) && (rule !== CRITICAL_RULE || !named(f))).map((f) => f.id))];
    if (hit.length) caps.push({ grade: rule.grade, reason: rule.reason, short: rule.short, ids: hit });
  }
  // Forward secrecy is read from the accepted suites, not a finding: no suite with it caps at C, some without at B.
  const suites = (input.suites ?? []).filter((s) => s.authentication !== "anon");
  if (suites.length > 0) {
    const without = suites.filter((s) => !hasForwardSecrecy(s));
    if (without.length === suites.length) caps.push({ grade: "C", reason: "no forward secrecy: no accepted suite uses (EC)DHE or TLS 1.3", short: "no forward secrecy", ids: ["cipher.weak"] });
    else if (without.length > 0) caps.push({ grade: "B", reason: `no forward secrecy with ${without.length} accepted suite(s) (static RSA key exchange)`, short: "suites without forward secrecy", ids: ["cipher.weak"] });
  }
  caps.sort((a, b) => RANK[b.grade] - RANK[a.grade]);
  return { grade: caps[0]?.grade ?? "A", caps };
}

/** "F: NULL, anonymous or EXPORT cipher suites accepted; ..." (the most severe caps first); short words with `brief`. */
export function gradeSummary(g: Grade, brief = false): string {
  if (g.caps.length === 0) return "no rule caps it";
  return g.caps.map((c) => `${brief ? c.short : c.reason} (${c.grade})`).join(", ");
}
