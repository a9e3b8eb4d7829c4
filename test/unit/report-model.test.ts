import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { AUDIT_JSON_SCHEMA } from "../../src/checks/registry.js";
import { exitCodeOf, makeReport, reportJson, summarize, type CheckResult, type FailOn, type TargetReport } from "../../src/report/report.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import type { Finding, Severity } from "../../src/report/types.js";

function finding(id: string, severity: Severity): Finding {
  return { id, severity, title: `title of ${id}`, evidence: "seen", fix: "SET GLOBAL x = 1;", references: ["manual"] };
}
function check(name: CheckResult["name"], status: CheckResult["status"], findings: Finding[] = []): CheckResult {
  return { name, status, findings, durationMs: 3.3, ...(status !== "completed" ? { reason: "why" } : {}) };
}
function target(port: number, checks: CheckResult[], audited = true): TargetReport {
  return {
    target: { host: "127.0.0.1", port },
    label: `127.0.0.1:${port}`,
    audited,
    ...(audited ? { server: { version: "10.11.6-MariaDB", flavor: "mariadb" } } : { error: { code: "refused" as const, message: "connection refused" } }),
    checks,
    ignoredFindings: 0,
    abortedConnections: 0,
    overview: [["Server", "10.11.6-MariaDB (mariadb)"]],
    details: { probe: { tls: { offered: true } } },
    durationMs: 10.4,
  };
}
const report = (ts: TargetReport[], failOn: FailOn = "medium") => makeReport(ts, { failOn, policySource: "built-in default policy", startedAt: new Date(0), durationMs: 5 });

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(AUDIT_JSON_SCHEMA);

describe("summary and exit codes", () => {
  it("counts findings by severity and passes when nothing reaches the failing severity", () => {
    const t = target(1, [check("connectivity", "completed"), check("ciphers", "completed", [finding("cipher.a", "low"), finding("cipher.b", "info")])]);
    const s = summarize([t], "medium");
    expect(s.bySeverity).toEqual({ critical: 0, high: 0, medium: 0, low: 1, info: 1, error: 0 });
    expect(s).toMatchObject({ verdict: "pass", failing: 0, targets: { total: 1, audited: 1, notAudited: 0 } });
    expect(exitCodeOf(report([t]))).toBe(0);
    expect(exitCodeOf(report([t], "low"))).toBe(1);
  });

  it("fails on a check error at every threshold, never included, with exit 3: never a silent pass", () => {
    const t = target(1, [check("connectivity", "completed"), check("certificate", "error", [finding("audit.check-error", "error")])]);
    for (const failOn of ["medium", "critical", "never"] as const) {
      const r = report([t], failOn);
      expect(r.summary).toMatchObject({ verdict: "fail", failing: 1, incomplete: 1 });
      expect(exitCodeOf(r)).toBe(3);
    }
    // allowIncompleteChecks in the policy lets it through (the finding is still reported).
    const allowed = makeReport([t], { failOn: "critical", policySource: "p.yaml", policy: { ...DEFAULT_POLICY, allowIncompleteChecks: true }, startedAt: new Date(0), durationMs: 5 });
    expect(allowed.summary).toMatchObject({ verdict: "pass", failing: 0, incomplete: 0, bySeverity: { error: 1 } });
    expect(exitCodeOf(allowed)).toBe(0);
  });

  it("--fail-on never: findings never fail the run", () => {
    const t = target(1, [check("connectivity", "completed", [finding("tls.not-offered", "critical")])]);
    expect(report([t], "never").summary).toMatchObject({ verdict: "pass", failing: 0 });
    expect(exitCodeOf(report([t], "never"))).toBe(0);
  });

  it("exits 3 when any target could not be audited, even when others have violations", () => {
    const bad = target(2, [check("connectivity", "completed", [finding("tls.not-offered", "critical")])]);
    const dead = target(3, [check("connectivity", "error", [finding("audit.target-unreachable", "error")])], false);
    const r = report([bad, dead], "critical");
    expect(r.summary).toMatchObject({ verdict: "fail", failing: 2, targets: { total: 2, audited: 1, notAudited: 1 } });
    expect(exitCodeOf(r)).toBe(3);
  });
});

describe("the --json document", () => {
  it("validates against the documented schema, for a clean, a failing and a dead target", () => {
    const ts = [
      target(1, [check("connectivity", "completed")]),
      target(2, [check("connectivity", "completed", [finding("tls.not-offered", "critical")]), check("protocols", "skipped")]),
      target(3, [check("connectivity", "error", [finding("audit.target-unreachable", "error")])], false),
    ];
    const doc = JSON.parse(JSON.stringify(reportJson(report(ts))));
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "audit", target: { host: "127.0.0.1", port: 1 }, tool: { name: "mysql-tls-audit" } });
    expect(doc.targets[1].findings[0]).toMatchObject({ id: "tls.not-offered", check: "connectivity", severity: "critical" });
    expect(doc.targets[1].checks[1]).toEqual({ name: "protocols", status: "skipped", reason: "why", findings: 0, durationMs: 3 });
    expect(doc.targets[2]).toMatchObject({ audited: false, error: { code: "refused", message: "connection refused" } });
    expect(doc.summary).toMatchObject({ verdict: "fail", failOn: "medium", bySeverity: { critical: 1, error: 1 } });
  });

  it("the schema rejects a document that breaks the contract", () => {
    const doc = JSON.parse(JSON.stringify(reportJson(report([target(1, [check("connectivity", "completed")])]))));
    expect(validate({ ...doc, schemaVersion: 2 })).toBe(false);
    expect(validate({ ...doc, summary: { ...doc.summary, verdict: "ok" } })).toBe(false);
    const renamed = structuredClone(doc);
    renamed.targets[0].checks[0].state = renamed.targets[0].checks[0].status;
    delete renamed.targets[0].checks[0].status;
    expect(validate(renamed)).toBe(false);
  });
});

describe("check failure reasons in the report", () => {
  it("reduce OpenSSL's raw error lines to their reason, on one line", async () => {
    const { plainReason } = await import("../../src/run/audit.js");
    expect(
      plainReason(
        "TLS failed (--ssl-mode PREFERRED): 80BC8AE3A57F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n",
      ),
    ).toBe("TLS failed (--ssl-mode PREFERRED): sslv3 alert handshake failure (SSL alert number 40)");
    expect(plainReason("809C029ECA7F0000:error:0680009B:asn1 encoding routines:ASN1_get_object:too long:../deps/openssl/openssl/crypto/asn1/asn1_lib.c:95:\n")).toBe("too long");
    expect(plainReason("first\nsecond")).toBe("first; second");
    expect(plainReason("Access denied for user 'a'@'localhost' (using password: YES)")).toBe("Access denied for user 'a'@'localhost' (using password: YES)");
  });
});
