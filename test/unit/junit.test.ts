import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { renderJunit, xmlEscape } from "../../src/report/junit.js";
import { makeReport, type CheckResult, type TargetReport } from "../../src/report/report.js";
import type { Finding, Severity } from "../../src/report/types.js";

function finding(id: string, severity: Severity, extra: Partial<Finding> = {}): Finding {
  return { id, severity, title: `title of ${id}`, evidence: `evidence of ${id}`, ...extra };
}

function check(name: CheckResult["name"], status: CheckResult["status"], findings: Finding[] = [], reason?: string): CheckResult {
  return { name, status, findings, durationMs: 12, ...(reason ? { reason } : {}) };
}

function target(label: string, checks: CheckResult[], audited = true): TargetReport {
  const [host, port] = label.split(":");
  return { target: { host: host!, port: Number(port) }, label, audited, checks, ignoredFindings: 0, abortedConnections: 0, overview: [], details: {}, durationMs: 100 };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => name === "testsuite" || name === "testcase" || name === "property" });

describe("JUnit XML escaping of server text", () => {
  it("drops C0 (ESC included) and writes C1, DEL and bidi controls as character references: inert under cat", () => {
    const text = xmlEscape("v\x1b]0;pwned\x07 \u009b2J \u202eevil \x7f");
    expect(text).toBe("v]0;pwned &#x9b;2J &#x202e;evil &#x7f;");
    const xml = `<a v="${text}">${text}</a>`;
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(xml).a["@_v"]).toBe("v]0;pwned \u009b2J \u202eevil \x7f");
  });
});

describe("JUnit XML", () => {
  const good = target("127.0.0.1:3306", [
    check("connectivity", "completed"),
    check("protocols", "completed", [finding("protocol.tls10-accepted", "high"), finding("protocol.tls11-accepted", "high")]),
    check("ciphers", "completed", [finding("cipher.info", "info")]),
    check("certificate", "error", [finding("audit.check-error", "error")], "TLS handshake failed: <alert 40> & \"bye\""),
    check("settings", "skipped", [], "no credentials given"),
  ]);
  const dead = target("127.0.0.1:1", [check("connectivity", "error", [finding("audit.target-unreachable", "error")], "connection refused"), check("protocols", "skipped", [], "the target could not be reached")], false);
  const report = makeReport([good, dead], { failOn: "medium", policySource: "default", startedAt: new Date(0), durationMs: 1234 });
  const xml = renderJunit(report);

  it("is well-formed XML that a JUnit parser reads: a testsuite per target, a testcase per check", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s: { name: string }) => s.name)).toEqual(["127.0.0.1:3306", "127.0.0.1:1"]);
    expect(suites[0].testcase.map((c: { name: string }) => c.name)).toEqual(["connectivity", "protocols", "ciphers", "certificate", "settings"]);
    expect(suites[0]).toMatchObject({ tests: "5", failures: "1", errors: "1", skipped: "1" });
    expect(suites[1]).toMatchObject({ tests: "2", failures: "0", errors: "1", skipped: "1" });
    expect(doc.testsuites).toMatchObject({ tests: "7", failures: "1", errors: "2", skipped: "2", time: "1.234" });
  });

  it("names each target's server and state in the testsuite's properties", () => {
    const suites = parser.parse(xml).testsuites.testsuite;
    const props = (i: number) => Object.fromEntries(suites[i].properties.property.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(props(0)).toMatchObject({ host: "127.0.0.1", port: "3306", audited: "true", grade: "B" });
    expect(props(0)["grade.caps"]).toContain("TLS 1.0 or 1.1 accepted (B)");
    expect(props(1)).toMatchObject({ host: "127.0.0.1", port: "1", audited: "false", grade: "F", "grade.caps": "the target could not be audited (F)" });
  });

  it("fails a check on findings at or above the failing severity, and not below", () => {
    const cases = parser.parse(xml).testsuites.testsuite[0].testcase;
    expect(cases[1].failure.message).toBe("2 findings at or above medium: protocol.tls10-accepted, protocol.tls11-accepted");
    expect(cases[1].failure.type).toBe("high");
    expect(cases[1].failure["#text"]).toContain("evidence: evidence of protocol.tls10-accepted");
    expect(cases[2].failure).toBeUndefined();
    expect(cases[2]["system-out"]).toContain("cipher.info");
    const lenient = renderJunit(makeReport([good], { failOn: "critical", policySource: "d", startedAt: new Date(0), durationMs: 1 }));
    expect(parser.parse(lenient).testsuites.testsuite[0].failures).toBe("0");
  });

  it("marks a check that could not run as an error with its reason, escaped", () => {
    const cases = parser.parse(xml).testsuites.testsuite[0].testcase;
    expect(cases[3].error.message).toBe('TLS handshake failed: <alert 40> & "bye"');
    expect(cases[4].skipped.message).toBe("no credentials given");
    const dc = parser.parse(xml).testsuites.testsuite[1].testcase;
    expect(dc[0].error.message).toBe("connection refused");
  });

  it("escapes markup and drops characters XML cannot carry", () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(xmlEscape("bell\u0007 nul\u0000 tab\t ok")).toBe("bell nul tab\t ok");
    const nasty = target("h:1", [check("connectivity", "completed", [finding("x.y", "high", { evidence: "]]></failure><x>\u0001\uD800" })])]);
    const out = renderJunit(makeReport([nasty], { failOn: "low", policySource: "d", startedAt: new Date(0), durationMs: 1 }));
    expect(XMLValidator.validate(out)).toBe(true);
    expect(parser.parse(out).testsuites.testsuite[0].testcase[0].failure["#text"]).toContain("]]></failure><x>");
  });
});
