import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { renderAuditText } from "../../src/report/audit-text.js";
import { makeReport, type CheckResult, type TargetReport } from "../../src/report/report.js";
import type { Finding, Severity } from "../../src/report/types.js";

const plain = { c: new Chalk({ level: 0 }), plain: true };
function finding(id: string, severity: Severity): Finding {
  return { id, severity, title: `title of ${id}`, evidence: `evidence of ${id}`, fix: `fix of ${id}`, references: [`ref of ${id}`] };
}
function check(name: CheckResult["name"], status: CheckResult["status"], findings: Finding[] = [], reason?: string): CheckResult {
  return { name, status, findings, durationMs: 1, ...(reason ? { reason } : {}) };
}
function target(port: number, checks: CheckResult[], audited = true): TargetReport {
  return {
    target: { host: "127.0.0.1", port },
    label: `127.0.0.1:${port}`,
    audited,
    ...(audited ? { server: { version: "10.11.6-MariaDB", flavor: "mariadb" } } : { error: { code: "refused" as const, message: "connection refused" } }),
    checks,
    ignoredFindings: audited ? 2 : 0,
    abortedConnections: 0,
    overview: audited ? [["Server", "10.11.6-MariaDB (mariadb)"]] : [],
    details: {},
    durationMs: 1,
  };
}

describe("the text report", () => {
  const one = target(3306, [
    check("connectivity", "completed"),
    check("protocols", "completed", [finding("protocol.tls10-accepted", "high"), finding("protocol.x", "info")]),
    check("certificate", "completed", [finding("certificate.self-signed", "medium"), finding("certificate.z", "critical")]),
    check("settings", "skipped", [], "no credentials given"),
  ]);

  it("starts with the verdict line: pass/fail and counts by severity", () => {
    const text = renderAuditText(makeReport([one], { failOn: "medium", policySource: "p.yaml", startedAt: new Date(0), durationMs: 7 }), plain);
    expect(text.split("\n")[0]).toBe("FAIL 127.0.0.1:3306, grade D: 1 critical, 1 high, 1 medium, 0 low, 1 info");
    expect(text).toContain("Policy: p.yaml; 3 at medium or above; 7 ms; more: --verbose");
    const pass = renderAuditText(makeReport([target(1, [check("connectivity", "completed")])], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 1 }), plain);
    expect(pass.split("\n")[0]).toBe("PASS 127.0.0.1:1, grade A: 0 critical, 0 high, 0 medium, 0 low, 0 info");
    expect(pass).toContain("No findings.");
  });

  it("lists one line per finding, most severe first, and no evidence or tables unless --verbose", () => {
    const report = makeReport([one], { failOn: "medium", policySource: "p.yaml", startedAt: new Date(0), durationMs: 7 });
    const text = renderAuditText(report, plain);
    expect(text).toContain("  CRIT  title of certificate.z [certificate.z]\n  HIGH  title of protocol.tls10-accepted [protocol.tls10-accepted]\n  MED   title of certificate.self-signed");
    expect(text).toContain("  INFO  title of protocol.x [protocol.x]");
    expect(text).toContain("Grade D, capped by: a critical finding (D), TLS 1.0/1.1 (B)");
    expect(text).toContain("(2 findings ignored by the policy)");
    expect(text).not.toContain("evidence:");
    expect(text).not.toContain("Details");
    const verbose = renderAuditText(report, { ...plain, verbose: true });
    const order = ["certificate.z", "evidence: evidence of certificate.z", "protocol.tls10-accepted", "evidence: evidence of protocol.tls10-accepted", "see:      ref of protocol.tls10-accepted", "Details", "Server"].map((s) => verbose.indexOf(s));
    expect(order.every((p) => p >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(verbose).toMatch(/settings\s+skipped\s+0\s+no credentials given/);
    expect(verbose.replace(/\s+/g, " ")).toContain("Grade D, capped by: a critical finding no other rule names (D), TLS 1.0 or 1.1 accepted (B)");
  });

  it("fits the width: long titles and lists wrap under a hanging indent, tables shrink", () => {
    const long = target(3306, [
      check("connectivity", "completed"),
      check("ciphers", "completed", [{ ...finding("cipher.weak", "medium"), title: "The server accepts 52 weak suites", evidence: Array.from({ length: 52 }, (_, i) => `ECDHE-RSA-AES${i}-SHA`).join(", ") }]),
    ]);
    long.overview.push(["Chain", "word ".repeat(60)]);
    for (const width of [60, 80, 120]) {
      const text = renderAuditText(makeReport([long, target(2, [check("connectivity", "completed")])], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), { ...plain, width, verbose: true });
      const lines = text.split("\n");
      expect(lines.filter((l) => l.length > width)).toEqual([]);
      const evidence = lines.findIndex((l) => l.startsWith("    evidence: "));
      expect(lines[evidence + 1]).toMatch(/^ {14}\S/);
      // The boxed style has no rule between rows.
      const boxed = renderAuditText(makeReport([long, target(2, [check("connectivity", "completed")])], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), { ...plain, plain: false, width, verbose: true });
      expect(Math.max(...boxed.split("\n").map((l) => l.length))).toBeLessThanOrEqual(width);
      expect(boxed.split("\n").filter((l) => l.startsWith("├"))).toEqual([]);
      expect(boxed.split("\n").filter((l) => l.startsWith("┌")).length).toBe(5);
    }
  });

  it("has a summary table and a section per target for a fleet, dead targets included", () => {
    const dead = target(1, [check("connectivity", "error", [finding("audit.target-unreachable", "error")], "connection refused")], false);
    const text = renderAuditText(makeReport([one, dead], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), { ...plain, width: 120 });
    const lines = text.split("\n");
    expect(lines[0]).toBe("FAIL 2 targets: 1 critical, 1 high, 1 medium, 0 low, 1 info, 1 error; 1 of 2 not audited");
    expect(text).toMatch(/Target\s+Result\s+Grade\s+Findings\s+Server/);
    expect(text).toMatch(/127\.0\.0\.1:3306\s+FAIL\s+D\s+1 crit, 1 high, 1 med, 1 info\s+MariaDB\s+10\.11\.6/);
    expect(text).toMatch(/127\.0\.0\.1:1\s+NOT AUDITED\s+F\s+1 err\s+connection\s+refused/);
    expect(text).toContain("== 127.0.0.1:3306 FAIL, grade D ==");
    expect(text).toContain("== 127.0.0.1:1 NOT AUDITED, grade F ==");
    expect(text).toContain("Could not audit 127.0.0.1:1: connection refused");
  });

  it("is plain text without escape codes when colour is off", () => {
    const text = renderAuditText(makeReport([one], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), plain);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/\x1b\[/);
  });
});
