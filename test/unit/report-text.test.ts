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
    expect(text.split("\n")[0]).toBe("FAIL 127.0.0.1:3306: 1 critical, 1 high, 1 medium, 0 low, 1 info (fails on medium and above: 3 failing)");
    const pass = renderAuditText(makeReport([target(1, [check("connectivity", "completed")])], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 1 }), plain);
    expect(pass.split("\n")[0]).toBe("PASS 127.0.0.1:1: 0 critical, 0 high, 0 medium, 0 low, 0 info (fails on medium and above: 0 failing)");
    expect(pass).toContain("No findings.");
  });

  it("lists findings most severe first with evidence, fix and references, then the details", () => {
    const text = renderAuditText(makeReport([one], { failOn: "medium", policySource: "p.yaml", startedAt: new Date(0), durationMs: 7 }), plain);
    const order = ["CRITICAL (1)", "certificate.z", "HIGH (1)", "protocol.tls10-accepted", "MEDIUM (1)", "INFO (1)", "Details", "Server"].map((s) => text.indexOf(s));
    expect(order.every((p) => p >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain("evidence: evidence of protocol.tls10-accepted");
    expect(text).toContain("fix:      fix of protocol.tls10-accepted");
    expect(text).toContain("see:      ref of protocol.tls10-accepted");
    expect(text).toMatch(/settings\s+skipped\s+0\s+no credentials given/);
    expect(text).toContain("(2 findings ignored by the policy)");
    expect(text).toContain("Policy: p.yaml; fails on medium and above");
  });

  it("has a summary table and a section per target for a fleet, dead targets included", () => {
    const dead = target(1, [check("connectivity", "error", [finding("audit.target-unreachable", "error")], "connection refused")], false);
    const text = renderAuditText(makeReport([one, dead], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), plain);
    const lines = text.split("\n");
    expect(lines[0]).toBe("FAIL 2 targets: 1 critical, 1 high, 1 medium, 0 low, 1 info, 1 error (fails on medium and above: 4 failing); 1 of 2 not audited");
    expect(text).toMatch(/Target\s+Result\s+critical\s+high\s+medium\s+low\s+info\s+error\s+Server/);
    expect(text).toMatch(/127\.0\.0\.1:3306\s+FAIL\s+1\s+1\s+1\s+0\s+1\s+0\s+mariadb 10\.11\.6-MariaDB/);
    expect(text).toMatch(/127\.0\.0\.1:1\s+NOT AUDITED\s+0\s+0\s+0\s+0\s+0\s+1\s+connection refused/);
    expect(text).toContain("== 127.0.0.1:3306 FAIL ==");
    expect(text).toContain("== 127.0.0.1:1 NOT AUDITED ==");
    expect(text).toContain("Could not audit 127.0.0.1:1: connection refused");
  });

  it("is plain text without escape codes when colour is off", () => {
    const text = renderAuditText(makeReport([one], { failOn: "medium", policySource: "p", startedAt: new Date(0), durationMs: 7 }), plain);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/\x1b\[/);
  });
});
