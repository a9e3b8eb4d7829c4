import { mozillaProfile, mozillaProfileFinding, suitePolicyFindings } from "../../policy/apply.js";
import type { Policy } from "../../policy/policy.js";
import type { AcceptedSuite, CipherFacts, Engine, ScanProblem } from "../../tls/enumerate.js";
import { REGISTRY } from "../../tls/suites.js";
import type { Finding } from "../../report/types.js";

const REF_MOZILLA = "Mozilla Server Side TLS guidelines 5.7 (https://wiki.mozilla.org/Security/Server_Side_TLS)";
const REF_IANA = "IANA TLS Cipher Suites registry, Recommended column (RFC 8447)";
const REF_MYSQL = "MySQL 8.4 Reference Manual, 8.3.2 Encrypted Connection TLS Protocols and Ciphers";
const REF_BUDGET = "MySQL 8.4 Reference Manual, max_connect_errors; B.3.2.5 Host 'host_name' is blocked";

/** The my.cnf lines that leave only Mozilla's "intermediate" suites (TLS 1.2 list and TLS 1.3 list). */
export function recommendedCipherConfig(): string {
  const mozilla = REGISTRY.sources.mozilla as { intermediate: string[] };
  const tls12 = mozilla.intermediate.filter((n) => !n.startsWith("TLS_"));
  const tls13 = mozilla.intermediate.filter((n) => n.startsWith("TLS_"));
  return `[mysqld]\nssl_cipher=${tls12.join(":")}\ntls_ciphersuites=${tls13.join(":")}   # MySQL 8.0.16+; MariaDB takes TLS 1.3 names in ssl_cipher`;
}

function list(f: CipherFacts, pick: (s: AcceptedSuite) => boolean): { count: number; text: string } {
  const parts: string[] = [];
  let count = 0;
  for (const p of f.protocols) {
    const names = p.suites.filter(pick).map((s) => s.openssl ?? s.iana);
    count += names.length;
    if (names.length) parts.push(`${p.version}: ${names.join(", ")}`);
  }
  return { count, text: parts.join("; ") };
}

/** Findings about the accepted suites, the server's order, DHE parameters, and what the scan could not cover. */
export function checkCiphers(f: CipherFacts): Finding[] {
  const out: Finding[] = [];
  const fix = recommendedCipherConfig();
  const special: { id: string; title: string; pick: (s: AcceptedSuite) => boolean }[] = [
    { id: "cipher.null", title: "The server accepts NULL cipher suites: traffic is not encrypted at all", pick: (s) => s.cipher === "NULL" },
    { id: "cipher.anonymous", title: "The server accepts anonymous cipher suites: anyone in the path can impersonate it", pick: (s) => s.authentication === "anon" },
    { id: "cipher.export", title: "The server accepts EXPORT-grade cipher suites (FREAK, Logjam)", pick: (s) => s.export === true },
  ];
  for (const sp of special) {
    const l = list(f, sp.pick);
    if (l.count) out.push({ id: sp.id, severity: "critical", title: sp.title, evidence: l.text, fix, references: [REF_MOZILLA, REF_MYSQL] });
  }
  const isSpecial = (s: AcceptedSuite): boolean => special.some((sp) => sp.pick(s));
  const insecure = list(f, (s) => s.rating === "insecure" && !isSpecial(s));
  if (insecure.count) {
    out.push({
      id: "cipher.insecure",
      severity: "high",
      title: `The server accepts ${insecure.count} insecure cipher suite(s)`,
      evidence: insecure.text,
      fix,
      references: [REF_MOZILLA, REF_IANA, REF_MYSQL],
    });
  }
  const weak = list(f, (s) => s.rating === "weak");
  if (weak.count) {
    out.push({
      id: "cipher.weak",
      severity: "medium",
      title: `The server accepts ${weak.count} weak cipher suite(s) (no forward secrecy, CBC, SHA-1 or 3DES)`,
      evidence: weak.text,
      fix,
      references: [REF_MOZILLA, REF_IANA],
    });
  }
  for (const p of f.protocols) {
    if (p.serverPreference !== false) continue;
    const bad = p.suites.filter((s) => s.rating === "weak" || s.rating === "insecure");
    if (bad.length === 0) continue;
    out.push({
      id: "cipher.no-server-preference",
      severity: "low",
      title: `Under ${p.version} the server follows the client's order, and it accepts weak suites a client may pick`,
      evidence: `offered two accepted suites in both orders; the server took the client's first each time; ${bad.length} weak or insecure suite(s) accepted under ${p.version}`,
      fix,
      references: [REF_MOZILLA],
    });
  }
  const weakDh = f.protocols.flatMap((p) => p.suites.filter((s) => s.dhBits !== undefined && s.dhBits < 2048).map((s) => ({ v: p.version, s })));
  if (weakDh.length) {
    const min = Math.min(...weakDh.map((x) => x.s.dhBits!));
    out.push({
      id: "cipher.dhe-weak-params",
      severity: min < 1024 ? "high" : "medium",
      title: `The server's DHE parameters are ${min} bits (below 2048: Logjam)`,
      evidence: weakDh.map((x) => `${x.v} ${x.s.openssl ?? x.s.iana}: ${x.s.dhBits}-bit prime`).join("; "),
      fix: `${fix}\n# or keep DHE with a 2048-bit or larger group (MySQL 8.0 and MariaDB 10.4+ use 2048 bits by default)`,
      references: ["RFC 7919", "https://weakdh.org", REF_MOZILLA],
    });
  }
  out.push(...scanFindings(f));
  return out;
}

const PROBLEM_IDS: Record<string, { id: string; severity: Finding["severity"]; title: string }> = {
  "greeting-error": { id: "scan.greeting-error", severity: "error", title: "The server refused a probe connection before any TLS (blocked host, too many connections)" },
  "server-error": { id: "scan.server-error", severity: "error", title: "The server answered a TLS probe with a MySQL error instead of TLS" },
  garbage: { id: "scan.garbage", severity: "error", title: "The server answered a ClientHello with bytes that are not TLS" },
  "server-bug": { id: "tls.server-bug", severity: "medium", title: "The server's TLS answer broke the protocol (not trusted)" },
  timeout: { id: "scan.timeout", severity: "error", title: "The server stalled during a TLS probe" },
  closed: { id: "scan.closed", severity: "error", title: "The server closed a TLS probe mid-handshake" },
  "no-tls": { id: "scan.no-tls", severity: "high", title: "Some probe connections were not offered TLS while others were: the servers behind this address differ" },
  connect: { id: "scan.connect", severity: "error", title: "A probe could not connect" },
  "node-incomplete": { id: "scan.node-incomplete", severity: "info", title: "node:tls could not complete handshakes the server accepted; our own ClientHello found those suites" },
};

function scanFindings(f: CipherFacts): Finding[] {
  const out: Finding[] = [];
  const grouped = new Map<string, ScanProblem[]>();
  for (const p of f.problems) grouped.set(p.reason, [...(grouped.get(p.reason) ?? []), p]);
  for (const [reason, ps] of grouped) {
    // No TLS on every probe is checkProtocols' tls.not-offered; on some only, the servers behind the
    // address differ (a load balancer over mixed backends), and that is this finding.
    if (reason === "no-tls" && f.protocols.every((p) => p.accepted === undefined)) continue;
    const meta = PROBLEM_IDS[reason] ?? { id: `scan.${reason}`, severity: "error" as const, title: `A TLS probe failed (${reason})` };
    const details = [...new Set(ps.map((p) => `${p.version ? `${p.version} ` : ""}(${p.engine}): ${p.detail}`))];
    out.push({ id: meta.id, severity: meta.severity, title: meta.title, evidence: details.join("; ") });
  }
  if (f.budget.stopped) {
    out.push({
      id: "scan.budget-exhausted",
      severity: "error",
      title: `The scan stopped at the connection-error budget of ${f.budget.limit} aborted connections`,
      evidence: `not scanned: ${f.budget.notScanned.join("; ") || "some probes"}; the run cost ${f.abortedConnections} aborted connection(s)`,
      fix: `raise it with --max-aborted N (keep it well under the server's max_connect_errors, SELECT @@max_connect_errors), or give credentials (mysql://user@host, password in MYSQL_PWD) so a successful login resets the server's count between batches`,
      references: [REF_BUDGET],
    });
  }
  return out;
}

/** The ciphers JSON body (shared/DESIGN.md: protocols, abortedConnections; findings added by the caller). */
export function ciphersJson(f: CipherFacts, engine: Engine): Record<string, unknown> {
  return {
    protocols: f.protocols.map((p) => ({
      version: p.version,
      accepted: p.accepted ?? null,
      ...(p.serverPreference !== undefined ? { serverPreference: p.serverPreference } : {}),
      complete: p.complete,
      suites: p.suites.map((s) => ({
        iana: s.iana,
        ...(s.openssl ? { openssl: s.openssl } : {}),
        code: `0x${s.code.toString(16).padStart(4, "0")}`,
        rating: s.rating,
        ...(s.keyExchange ? { keyExchange: s.keyExchange } : {}),
        ...(s.authentication ? { authentication: s.authentication } : {}),
        ...(s.cipher ? { cipher: s.cipher } : {}),
        ...(s.bits !== undefined ? { bits: s.bits } : {}),
        ...(s.mac ? { mac: s.mac } : {}),
        ...(s.dhBits !== undefined ? { dhBits: s.dhBits } : {}),
        ...(s.group ? { group: s.group } : {}),
        engine: s.engine,
      })),
      ...(p.groups ? { groups: p.groups } : {}),
      ...(p.groupPreference !== undefined ? { groupPreference: p.groupPreference } : {}),
    })),
    abortedConnections: f.abortedConnections,
    connections: f.connections,
    engine,
    budget: { limit: f.budget.limit ?? null, stopped: f.budget.stopped, resets: f.budget.resets, notScanned: f.budget.notScanned },
    problems: f.problems,
    durationMs: f.durationMs,
  };
}

/** The ciphers check's findings: the suites' ratings, the policy's suite lists and the Mozilla profile met. */
export function judgeCiphers(facts: CipherFacts, policy: Pick<Policy, "allowedSuites" | "forbiddenSuites">): Finding[] {
  const profile = mozillaProfileFinding(facts);
  return [...checkCiphers(facts), ...suitePolicyFindings(facts, policy), ...(profile ? [profile] : [])];
}

/** The ciphers check's overview rows. */
export function ciphersRows(facts: CipherFacts): [string, string][] {
  const suites = facts.protocols.reduce((n, p) => n + p.suites.length, 0);
  const weak = facts.protocols.reduce((n, p) => n + p.suites.filter((s) => s.rating === "weak" || s.rating === "insecure").length, 0);
  return [
    ["Cipher suites", `${suites} accepted (version, suite) pairs, ${weak} weak or insecure; Mozilla profile: ${mozillaProfile(facts)}`],
    ["Aborted connections", `${facts.abortedConnections} (of ${facts.connections} probe connections; they count toward max_connect_errors except on loopback)`],
  ];
}
