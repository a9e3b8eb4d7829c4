// The exposition renderer: names users alert on, ssl_exporter's labels, escaping, one HELP/TYPE per family, the
// optional grade, and a target label only where many targets share one file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { escapeHelp, escapeLabelValue, gradeOf, PROBE_METRICS, renderPrometheus, renderUnanswered } from "../../src/report/prometheus.js";
import { gradeTarget, type TargetReport } from "../../src/report/report.js";

function report(over: Partial<TargetReport> = {}): TargetReport {
  return {
    target: { host: "db1", port: 3306 },
    label: "db1:3306",
    audited: true,
    server: { version: '10.11.6-MariaDB "quoted"\\back\nline', flavor: "mariadb" },
    checks: [
      { name: "connectivity", status: "completed", findings: [], durationMs: 1 },
      { name: "protocols", status: "completed", findings: [{ id: "protocol.tls10-accepted", severity: "high", title: "t", evidence: "e" }], durationMs: 1 },
      { name: "ciphers", status: "completed", findings: [{ id: "cipher.x", severity: "low", title: "t", evidence: "e" }], durationMs: 1 },
      { name: "certificate", status: "error", reason: "why", findings: [{ id: "audit.check-error", severity: "error", title: "t", evidence: "e" }], durationMs: 1 },
      { name: "settings", status: "skipped", reason: "no login", findings: [], durationMs: 0 },
    ],
    ignoredFindings: 0,
    abortedConnections: 2,
    overview: [],
    details: {
      probe: { tls: { offered: true, protocol: "TLSv1.3", certificate: { notAfter: "2030-01-01T00:00:00.000Z" } } },
      protocols: [
        { version: "TLSv1", accepted: true },
        { version: "TLSv1.1", accepted: false },
        { version: "TLSv1.2", accepted: null },
      ],
      ciphers: { protocols: [{ version: "TLSv1", suites: [{ rating: "weak" }, { rating: "insecure" }, { rating: "recommended" }, { rating: "weak" }] }] },
      certificate: {
        trust: { verified: true },
        hostname: { matched: false },
        certificates: [
          {
            serialNumber: "0A:FF",
            subjectAttributes: [{ type: "CN", value: "db1.example.com" }, { type: "OU", value: "dba" }],
            issuerAttributes: [{ type: "CN", value: "Issuing CA" }],
            subjectAltNames: { dns: ["db1.example.com", "db1"], ip: ["10.0.0.1"], other: ["email:dba@example.com", "URI:x"] },
            notBefore: "2025-01-01T00:00:00.000Z",
            notAfter: "2026-06-01T00:00:00.000Z",
          },
          { serialNumber: "01", subjectAttributes: [{ type: "CN", value: "Issuing CA" }], issuerAttributes: [{ type: "CN", value: "Root" }], subjectAltNames: { dns: [], ip: [], other: [] }, notBefore: "2020-01-01T00:00:00.000Z", notAfter: "2026-03-01T00:00:00.000Z" },
        ],
      },
      accounts: { requireSecureTransport: false, accounts: [{ cleartextAllowed: true }, { cleartextAllowed: false }, { cleartextAllowed: true }] },
    },
    durationMs: 1234.5,
    ...over,
  };
}

const lines = (text: string): string[] => text.split("\n").filter((l) => l && !l.startsWith("#"));

describe("renderPrometheus", () => {
  const text = renderPrometheus([{ report: report(), failOn: "medium" }]);

  it("blackbox_exporter's names: success, duration, earliest expiry (of the whole chain), TLS version", () => {
    expect(lines(text)).toContain("probe_success 1");
    expect(lines(text)).toContain("probe_duration_seconds 1.235");
    expect(lines(text)).toContain(`probe_ssl_earliest_cert_expiry ${Date.parse("2026-03-01T00:00:00Z") / 1000}`);
    expect(lines(text)).toContain('probe_tls_version_info{version="TLS 1.3"} 1');
  });

  it("ssl_exporter's labels: decimal serial, CNs, ,-wrapped lists", () => {
    expect(lines(text)).toContain(
      `ssl_cert_not_after{serial_no="2815",issuer_cn="Issuing CA",cn="db1.example.com",dnsnames=",db1.example.com,db1,",ips=",10.0.0.1,",emails=",dba@example.com,",ou=",dba,"} ${Date.parse("2026-06-01T00:00:00Z") / 1000}`,
    );
    expect(lines(text)).toContain(`ssl_cert_not_before{serial_no="1",issuer_cn="Root",cn="Issuing CA",dnsnames="",ips="",emails="",ou=""} ${Date.parse("2020-01-01T00:00:00Z") / 1000}`);
  });

  it("mysql_tls_*: offered, versions (undetermined ones absent), suite counts, verification, logins, findings, verdict", () => {
    const l = lines(text);
    expect(l).toContain("mysql_tls_offered 1");
    expect(l).toContain('mysql_tls_protocol_accepted{version="TLSv1"} 1');
    expect(l).toContain('mysql_tls_protocol_accepted{version="TLSv1.1"} 0');
    expect(l.some((x) => x.includes('version="TLSv1.2"'))).toBe(false);
    expect(l).toContain("mysql_tls_weak_suites 2");
    expect(l).toContain("mysql_tls_insecure_suites 1");
    expect(l).toContain("mysql_tls_certificate_verified 0"); // verified chain, wrong name
    expect(l).toContain("mysql_tls_require_secure_transport 0");
    expect(l).toContain("mysql_tls_cleartext_accounts 2");
    expect(l).toContain('mysql_tls_findings{severity="high"} 1');
    expect(l).toContain('mysql_tls_findings{severity="critical"} 0');
    expect(l).toContain("mysql_tls_failing_findings 2"); // high and error reach medium; low does not
    expect(l).toContain("mysql_tls_verdict_pass 0");
    expect(l).toContain('mysql_tls_check_success{check="certificate"} 0');
    expect(l.some((x) => x.includes('check="settings"'))).toBe(false);
    expect(l).toContain("mysql_tls_aborted_connections 2");
  });

  it("escapes label values (backslash, quote, line feed) so server text cannot break the format", () => {
    expect(lines(text)).toContain('mysql_tls_server_info{version="10.11.6-MariaDB \\"quoted\\"\\\\back\\nline",flavor="mariadb"} 1');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp("a\\b\nc")).toBe("a\\\\b\\nc");
    expect(text.split("\n").every((l) => !l.includes("\r"))).toBe(true);
  });

  it("one HELP and one TYPE per family, before its samples; every rendered family is documented", () => {
    const names = [...new Set(lines(text).map((l) => /^[a-z_]+/.exec(l)![0]))];
    for (const n of names) {
      expect(text.split("\n").filter((l) => l.startsWith(`# HELP ${n} `))).toHaveLength(1);
      expect(text.indexOf(`# TYPE ${n} gauge`)).toBeLessThan(text.indexOf(`\n${n}`));
      expect(PROBE_METRICS.map((m) => m.name)).toContain(n);
    }
  });

  it("mysql_tls_grade_info only when given a grade; gradeOf is the report's own grade, else the audit's rule", () => {
    expect(text).not.toContain("mysql_tls_grade_info");
    const graded = { ...report(), grade: "B" } as TargetReport;
    expect(gradeOf(graded)).toBe("B");
    expect(gradeOf(report())).toBe(gradeTarget(report()).grade);
    const g = renderPrometheus([{ report: graded, failOn: "medium", grade: gradeOf(graded) }]);
    expect(lines(g)).toContain('mysql_tls_grade_info{grade="B"} 1');
  });

  it("a target that could not be audited: probe_success 0, no TLS facts, verdict fail", () => {
    const dead = renderPrometheus([{ report: report({ audited: false, details: {}, server: undefined as never, checks: [{ name: "connectivity", status: "error", findings: [], durationMs: 0 }] }), failOn: "medium" }]);
    expect(lines(dead)).toContain("probe_success 0");
    expect(dead).not.toContain("mysql_tls_offered");
    expect(lines(dead)).toContain("mysql_tls_verdict_pass 0");
  });

  it("with targetLabel, every series of every target names its target, and families are not repeated", () => {
    const two = renderPrometheus(
      [
        { report: report(), failOn: "medium" },
        { report: report({ label: 'odd"host:1', target: { host: "odd", port: 1 } }), failOn: "medium" },
      ],
      { targetLabel: true },
    );
    for (const l of lines(two)) expect(l).toMatch(/^[a-z_]+\{target="(db1:3306|odd\\"host:1)"/);
    expect(two.split("\n").filter((l) => l === "# TYPE probe_success gauge")).toHaveLength(1);
  });

  it("renderUnanswered: probe_success 0 and the time spent", () => {
    expect(lines(renderUnanswered(2500))).toEqual(["probe_success 0", "probe_duration_seconds 2.5"]);
  });
});

describe("README", () => {
  it("documents every per-target metric with its labels and HELP text (section Monitoring)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const monitoring = readme.slice(readme.indexOf("## Monitoring"), readme.indexOf("## Exit codes"));
    for (const m of PROBE_METRICS) expect(monitoring).toContain(`| \`${m.name}\`${m.labels ? ` {${m.labels.join(", ")}}` : ""} | ${m.help} |`);
  });
});
