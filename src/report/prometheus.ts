// The Prometheus text exposition format (version 0.0.4) of audit reports: blackbox_exporter's and ssl_exporter's
// metric names where users already alert on them, mysql_tls_* for the rest. Pure: a report in, text out.
import { SEVERITIES } from "./types.js";
import { printable } from "./printable.js";
import { findingsOf, gradeTarget, isFailing, type FailOn, type TargetReport } from "./report.js";
import type { Severity } from "./types.js";

/** One metric family as documented (the README's "Monitoring" table is generated from this list). */
export interface MetricDoc {
  name: string;
  type: "gauge" | "counter";
  help: string;
  labels?: string[];
}

/** Every per-target metric, in output order. */
export const PROBE_METRICS: readonly MetricDoc[] = [
  { name: "probe_success", type: "gauge", help: "1 if the target was reached and spoke the MySQL protocol, 0 if it could not be audited" },
  { name: "probe_duration_seconds", type: "gauge", help: "How long the audit of the target took, in seconds" },
  { name: "probe_ssl_earliest_cert_expiry", type: "gauge", help: "Earliest notAfter of the certificates the server sent, as a Unix timestamp" },
  { name: "probe_tls_version_info", type: "gauge", help: "The TLS version a default client negotiates with the server (value 1)", labels: ["version"] },
  { name: "ssl_cert_not_after", type: "gauge", help: "notAfter of each certificate the server sent, as a Unix timestamp", labels: ["serial_no", "issuer_cn", "cn", "dnsnames", "ips", "emails", "ou"] },
  { name: "ssl_cert_not_before", type: "gauge", help: "notBefore of each certificate the server sent, as a Unix timestamp", labels: ["serial_no", "issuer_cn", "cn", "dnsnames", "ips", "emails", "ou"] },
  { name: "mysql_tls_offered", type: "gauge", help: "1 if the server's greeting offers TLS (CLIENT_SSL), 0 if it does not" },
  { name: "mysql_tls_protocol_accepted", type: "gauge", help: "1 if the server accepts this protocol version, 0 if it refuses it (absent when not determined)", labels: ["version"] },
  { name: "mysql_tls_weak_suites", type: "gauge", help: "Accepted (version, cipher suite) pairs rated weak (only with a cipher enumeration)" },
  { name: "mysql_tls_insecure_suites", type: "gauge", help: "Accepted (version, cipher suite) pairs rated insecure (only with a cipher enumeration)" },
  { name: "mysql_tls_certificate_verified", type: "gauge", help: "1 if the certificate chain verifies against the configured CA (or the system roots) and matches the host name, else 0" },
  { name: "mysql_tls_require_secure_transport", type: "gauge", help: "Value of require_secure_transport, 1 ON, 0 OFF (only with a login)" },
  { name: "mysql_tls_cleartext_accounts", type: "gauge", help: "Accounts that can log in over an unencrypted connection (only with a login)" },
  { name: "mysql_tls_findings", type: "gauge", help: "Findings by severity (after the policy's ignore list)", labels: ["severity"] },
  { name: "mysql_tls_failing_findings", type: "gauge", help: "Findings at or above the policy's failing severity" },
  { name: "mysql_tls_verdict_pass", type: "gauge", help: "1 if the target passes the policy (no failing finding and audited), 0 if it fails" },
  { name: "mysql_tls_grade_info", type: "gauge", help: "The target's letter grade (value 1; only when the report has a grade)", labels: ["grade"] },
  { name: "mysql_tls_check_success", type: "gauge", help: "1 if the check completed, 0 if it could not run (skipped checks are absent)", labels: ["check"] },
  { name: "mysql_tls_aborted_connections", type: "gauge", help: "Handshakes this audit left aborted on the server (they count toward max_connect_errors, except on loopback)" },
  { name: "mysql_tls_server_info", type: "gauge", help: "The server's version string and flavour from its greeting (value 1)", labels: ["version", "flavor"] },
];

/** One target to render, with what the report itself does not carry. */
export interface PrometheusTarget {
  report: TargetReport;
  /** The failing severity of the policy in force (for the verdict and mysql_tls_failing_findings). */
  failOn: FailOn;
  /** The letter grade, when the report has one. */
  grade?: string;
}

/** Escapes a label value: backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(v: string): string {
  // Server text (a certificate's CN, say) is made inert first: a textfile or a scrape read on a terminal shows it escaped.
  return printable(v, { keepNewlines: true }).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

type Labels = Record<string, string>;

/** The grade of a target report: its own when set, else graded now by the audit's rule (report.ts gradeTarget). */
export function gradeOf(t: TargetReport): string {
  return t.grade ?? gradeTarget(t).grade;
}

/**
 * Renders targets in the text exposition format. With `targetLabel`, every series carries target="host:port"
 * (a textfile for node_exporter, many targets in one file); without it (one /probe answer) Prometheus adds the
 * instance itself.
 */
export function renderPrometheus(targets: readonly PrometheusTarget[], opts: { targetLabel?: boolean } = {}): string {
  const samples = new Map<string, string[]>(PROBE_METRICS.map((m) => [m.name, []]));
  for (const t of targets) {
    const base: Labels = opts.targetLabel ? { target: t.report.label } : {};
    const add = (name: string, value: number, labels: Labels = {}): void => {
      samples.get(name)!.push(`${name}${labelText({ ...base, ...labels })} ${formatValue(value)}`);
    };
    for (const s of targetSamples(t)) add(s.name, s.value, s.labels);
  }
  const out: string[] = [];
  for (const m of PROBE_METRICS) {
    const lines = samples.get(m.name)!;
    if (lines.length === 0) continue;
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...lines);
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/** The answer for a probe that did not finish within the scrape's timeout: probe_success 0 and the time spent. */
export function renderUnanswered(durationMs: number): string {
  const out: string[] = [];
  for (const [name, value] of [["probe_success", 0], ["probe_duration_seconds", Math.round(durationMs) / 1000]] as const) {
    const m = PROBE_METRICS.find((x) => x.name === name)!;
    out.push(`# HELP ${name} ${escapeHelp(m.help)}`, `# TYPE ${name} ${m.type}`, `${name} ${formatValue(value)}`);
  }
  return out.join("\n") + "\n";
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(",")}}`;
}

interface Sample {
  name: string;
  value: number;
  labels?: Labels;
}

const BLACKBOX_VERSION: Record<string, string> = { SSLv3: "SSL 3.0", TLSv1: "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3" };

/** The facts of one target as samples; reads the report's plain-JSON details defensively (they may come from a file). */
function targetSamples(t: PrometheusTarget): Sample[] {
  const r = t.report;
  const out: Sample[] = [];
  const d = r.details as Record<string, any>;
  out.push({ name: "probe_success", value: r.audited ? 1 : 0 });
  out.push({ name: "probe_duration_seconds", value: Math.round(r.durationMs) / 1000 });

  // `chain` since the audit and `cert` share one section; `certificates` in reports written before.
  const chain = d.certificate?.chain ?? d.certificate?.certificates;
  const certs: any[] = Array.isArray(chain) ? chain : [];
  const probeCert = d.probe?.tls?.certificate;
  const notAfters = certs.map((c) => toUnix(c.notAfter)).filter((n): n is number => n !== undefined);
  if (notAfters.length === 0 && probeCert) {
    const n = toUnix(probeCert.notAfter);
    if (n !== undefined) notAfters.push(n);
  }
  if (notAfters.length) out.push({ name: "probe_ssl_earliest_cert_expiry", value: Math.min(...notAfters) });
  const negotiated = d.probe?.tls?.protocol;
  if (typeof negotiated === "string") out.push({ name: "probe_tls_version_info", value: 1, labels: { version: BLACKBOX_VERSION[negotiated] ?? negotiated } });
  const seen = new Set<string>();
  for (const c of certs) {
    const labels = sslExporterLabels(c);
    const key = JSON.stringify(labels);
    if (seen.has(key)) continue; // the same certificate sent twice would make a duplicate series
    seen.add(key);
    const na = toUnix(c.notAfter);
    const nb = toUnix(c.notBefore);
    if (na !== undefined) out.push({ name: "ssl_cert_not_after", value: na, labels });
    if (nb !== undefined) out.push({ name: "ssl_cert_not_before", value: nb, labels });
  }

  if (r.audited && d.probe?.tls && typeof d.probe.tls.offered === "boolean") out.push({ name: "mysql_tls_offered", value: d.probe.tls.offered ? 1 : 0 });
  const protocols: any[] = Array.isArray(d.protocols) ? d.protocols : Array.isArray(d.ciphers?.protocols) ? d.ciphers.protocols : [];
  for (const p of protocols) {
    if (typeof p?.version === "string" && typeof p.accepted === "boolean") out.push({ name: "mysql_tls_protocol_accepted", value: p.accepted ? 1 : 0, labels: { version: p.version } });
  }
  if (Array.isArray(d.ciphers?.protocols)) {
    let weak = 0;
    let insecure = 0;
    for (const p of d.ciphers.protocols) {
      for (const s of Array.isArray(p?.suites) ? p.suites : []) {
        if (s?.rating === "weak") weak++;
        else if (s?.rating === "insecure") insecure++;
      }
    }
    out.push({ name: "mysql_tls_weak_suites", value: weak }, { name: "mysql_tls_insecure_suites", value: insecure });
  }
  if (d.certificate?.trust && typeof d.certificate.trust.verified === "boolean") {
    const nameOk = d.certificate.hostname?.matched !== false;
    out.push({ name: "mysql_tls_certificate_verified", value: d.certificate.trust.verified && nameOk ? 1 : 0 });
  }
  const rst = requireSecureTransport(d);
  if (rst !== undefined) out.push({ name: "mysql_tls_require_secure_transport", value: rst ? 1 : 0 });
  if (Array.isArray(d.accounts?.accounts)) out.push({ name: "mysql_tls_cleartext_accounts", value: d.accounts.accounts.filter((a: any) => a?.cleartextAllowed === true).length });

  const findings = findingsOf(r);
  const by = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) by[f.severity]++;
  for (const s of SEVERITIES) out.push({ name: "mysql_tls_findings", value: by[s], labels: { severity: s } });
  const failing = findings.filter((f) => isFailing(f, t.failOn)).length;
  out.push({ name: "mysql_tls_failing_findings", value: failing });
  out.push({ name: "mysql_tls_verdict_pass", value: r.audited && failing === 0 ? 1 : 0 });
  if (t.grade !== undefined) out.push({ name: "mysql_tls_grade_info", value: 1, labels: { grade: t.grade } });
  for (const c of r.checks) {
    if (c.status !== "skipped") out.push({ name: "mysql_tls_check_success", value: c.status === "completed" ? 1 : 0, labels: { check: c.name } });
  }
  out.push({ name: "mysql_tls_aborted_connections", value: r.abortedConnections });
  if (r.server) out.push({ name: "mysql_tls_server_info", value: 1, labels: { version: r.server.version, flavor: r.server.flavor } });
  return out;
}

function requireSecureTransport(d: Record<string, any>): boolean | undefined {
  const v = d.accounts?.requireSecureTransport;
  if (typeof v === "boolean") return v;
  const row = Array.isArray(d.settings?.settings) ? d.settings.settings.find((s: any) => s?.name === "require_secure_transport") : undefined;
  if (row?.available && typeof row.value === "string") return /^(on|1)$/i.test(row.value);
  return undefined;
}

function toUnix(iso: unknown): number | undefined {
  if (typeof iso !== "string") return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/** ssl_exporter's labels: serial as a decimal integer, the CNs, and ","-wrapped lists (",a,b,", or "" when empty). */
function sslExporterLabels(c: any): Labels {
  const attr = (list: unknown, type: string): string => {
    const found = Array.isArray(list) ? list.find((a: any) => a?.type === type) : undefined;
    return typeof found?.value === "string" ? found.value : "";
  };
  const wrap = (xs: unknown): string => (Array.isArray(xs) && xs.length ? `,${xs.map(String).join(",")},` : "");
  const san = c.subjectAltNames ?? {};
  const emails = Array.isArray(san.other) ? san.other.filter((o: string) => typeof o === "string" && o.startsWith("email:")).map((o: string) => o.slice(6)) : [];
  return {
    serial_no: decimalSerial(c.serialNumber),
    issuer_cn: attr(c.issuerAttributes, "CN"),
    cn: attr(c.subjectAttributes, "CN"),
    dnsnames: wrap(san.dns),
    ips: wrap(san.ip),
    emails: wrap(emails),
    ou: wrap(Array.isArray(c.subjectAttributes) ? c.subjectAttributes.filter((a: any) => a?.type === "OU").map((a: any) => a.value) : []),
  };
}

function decimalSerial(hex: unknown): string {
  if (typeof hex !== "string" || !/^[0-9A-Fa-f:]+$/.test(hex)) return "";
  try {
    return BigInt(`0x${hex.replace(/:/g, "")}`).toString(10);
  } catch {
    return "";
  }
}
