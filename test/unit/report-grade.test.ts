import { describe, expect, it } from "vitest";
import { GRADE_RULES, gradeOf, gradeSummary, type GradeLetter } from "../../src/report/grade.js";
import type { Finding, Severity } from "../../src/report/types.js";

const f = (id: string, severity: Severity = "high"): Pick<Finding, "id" | "severity"> => ({ id, severity });
const grade = (findings: Pick<Finding, "id" | "severity">[], suites?: { version: string; keyExchange?: string; authentication?: string }[], audited = true): GradeLetter =>
  gradeOf({ audited, findings, ...(suites ? { suites } : {}) }).grade;
const FS = [{ version: "TLSv1.3" }, { version: "TLSv1.2", keyExchange: "ECDHE" }];

describe("the grade (README: The grade)", () => {
  it("is A when no rule applies, info and low findings included", () => {
    expect(grade([], FS)).toBe("A");
    expect(grade([f("profile.mozilla", "info"), f("protocol.no-tls13", "low"), f("settings.tls-library-eol", "medium")], FS)).toBe("A");
  });

  // Each rule, on its own: the findings that trigger it and the cap it sets.
  const cases: [string, Pick<Finding, "id" | "severity">[], GradeLetter][] = [
    ["no TLS", [f("tls.not-offered", "critical")], "F"],
    ["no TLS (settings)", [f("settings.tls-disabled", "critical")], "F"],
    ["no TLS (MySQL 8.4 channel)", [f("settings.tls-channel-disabled", "critical")], "F"],
    ["protocol 9", [f("server.protocol-9", "critical")], "F"],
    ["NULL suites", [f("cipher.null", "critical")], "F"],
    ["anonymous suites", [f("cipher.anonymous", "critical")], "F"],
    ["EXPORT suites", [f("cipher.export", "critical")], "F"],
    ["SSL 3.0", [f("protocol.sslv3-accepted", "critical")], "F"],
    ["expired certificate", [f("cert.expired", "critical")], "F"],
    ["certificate not yet valid", [f("cert.not-yet-valid")], "F"],
    ["expired certificate (settings)", [f("settings.server-certificate-expired")], "F"],
    ["RSA below 1024", [f("cert.rsa-weak-key", "critical")], "F"],
    ["MD5 signature", [f("cert.weak-signature", "critical")], "F"],
    ["DHE below 1024", [f("cipher.dhe-weak-params", "high")], "F"],
    ["another critical finding", [f("something.new", "critical")], "D"],
    ["clear-text login from other hosts", [f("accounts.cleartext-login", "high")], "D"],
    ["replication without TLS", [f("replication.no-tls", "high")], "D"],
    ["insecure suites", [f("cipher.insecure")], "C"],
    ["no TLS 1.2 or 1.3", [f("protocol.no-tls12-or-13")], "C"],
    ["untrusted certificate", [f("cert.untrusted")], "C"],
    ["self-signed, not given as --ssl-ca", [f("cert.self-signed", "high")], "C"],
    ["auto-generated certificate", [f("cert.auto-generated")], "C"],
    ["missing intermediate", [f("cert.missing-intermediate")], "C"],
    ["wrong name", [f("cert.hostname-mismatch")], "C"],
    ["TLS 1.0", [f("protocol.tls10-accepted")], "B"],
    ["TLS 1.1", [f("protocol.tls11-accepted", "medium")], "B"],
    ["TLS 1.0/1.1 configured", [f("settings.legacy-tls-version", "medium")], "B"],
    ["TLS 1.0/1.1 on a channel", [f("settings.tls-channel-legacy-version", "medium")], "B"],
    ["weak suites", [f("cipher.weak", "medium")], "B"],
    ["require_secure_transport OFF", [f("settings.require-secure-transport-off", "medium")], "B"],
    ["require_secure_transport missing", [f("settings.require-secure-transport-missing", "low")], "B"],
    ["clear-text login from this machine", [f("accounts.cleartext-login", "low")], "B"],
    ["RSA below 2048", [f("cert.rsa-weak-key", "high")], "B"],
    ["SHA-1 signature", [f("cert.weak-signature", "high")], "B"],
    ["DHE below 2048", [f("cipher.dhe-weak-params", "medium")], "B"],
    ["a check could not run", [f("audit.check-error", "error")], "B"],
    ["self-signed but given as --ssl-ca", [f("cert.self-signed", "low")], "A"],
  ];
  for (const [name, findings, want] of cases) {
    it(`${name}: ${want}`, () => expect(grade(findings, FS)).toBe(want));
  }

  it("has a test case for every rule", () => {
    for (const rule of GRADE_RULES) {
      expect(cases.some(([, findings, want]) => want === rule.grade && findings.every((x) => rule.match(x))), rule.reason).toBe(true);
    }
  });

  it("reads forward secrecy from the accepted suites: none caps at C, some without at B; anonymous suites are the F rule's", () => {
    expect(grade([], [{ version: "TLSv1.2", keyExchange: "RSA" }])).toBe("C");
    expect(grade([], [...FS, { version: "TLSv1.2", keyExchange: "RSA" }])).toBe("B");
    expect(grade([], [{ version: "TLSv1.2", keyExchange: "DHE" }, { version: "TLSv1", keyExchange: "ECDHE" }])).toBe("A");
    expect(grade([], [...FS, { version: "TLSv1.2", keyExchange: "DH", authentication: "anon" }])).toBe("A");
    expect(grade([])).toBe("A");
  });

  it("takes the lowest cap, lists every cap most severe first, and gives F to a target not audited", () => {
    const g = gradeOf({ audited: true, findings: [f("protocol.tls10-accepted"), f("cipher.anonymous", "critical"), f("cert.untrusted")] });
    expect(g.grade).toBe("F");
    // cipher.anonymous is critical, but the F rule names it: the catch-all for critical findings does not repeat it.
    expect(g.caps.map((c) => c.grade)).toEqual(["F", "C", "B"]);
    expect(g.caps[0]!.ids).toEqual(["cipher.anonymous"]);
    expect(gradeSummary(g, true)).toBe("NULL/anonymous/EXPORT suites (F), certificate not trusted (C), TLS 1.0/1.1 (B)");
    const dead = gradeOf({ audited: false, findings: [f("audit.target-unreachable", "error")] });
    expect(dead).toEqual({ grade: "F", caps: [{ grade: "F", reason: "the target could not be audited", short: "not audited", ids: ["audit.target-unreachable"] }] });
    expect(gradeSummary({ grade: "A", caps: [] })).toBe("no rule caps it");
  });
});
