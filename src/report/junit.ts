import { gradeTarget, isFailing, sortFindings, type FailOn, type Report, type TargetReport } from "./report.js";
import { gradeSummary } from "./grade.js";
import type { Finding } from "./types.js";
import { ACTIVE_BEYOND_C0 } from "./printable.js";
import { fixForText } from "./fix-text.js";

const ACTIVE_IN_XML = new RegExp(`[${ACTIVE_BEYOND_C0}]`, "g");

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry at all (C0 controls, ESC included). */
export function xmlEscape(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
      // Legal in XML but acted on by terminals (C1, 8-bit CSI/OSC) or reordering text (bidi): character references,
      // the same value to a parser and inert when the file is shown with cat.
      .replace(ACTIVE_IN_XML, (ch) => `&#x${ch.charCodeAt(0).toString(16)};`)
  );
}

interface Case {
  xml: string;
  failure: boolean;
  error: boolean;
  skipped: boolean;
}

/** JUnit XML: a testsuite per target and a testcase per check, failing on findings at/above failOn. */
export function renderJunit(r: Report): string {
  const suites = r.targets.map((t) => suiteXml(t, r.summary.failOn));
  const totals = suites.reduce((a, s) => ({ tests: a.tests + s.tests, failures: a.failures + s.failures, errors: a.errors + s.errors, skipped: a.skipped + s.skipped }), {
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="mysql-tls-audit" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${secs(r.durationMs)}">`,
    ...suites.map((s) => s.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}

function suiteXml(raw: TargetReport, failOn: FailOn): { xml: string; tests: number; failures: number; errors: number; skipped: number } {
  const t = raw.grade && raw.gradeCaps ? raw : gradeTarget(raw);
  const cases: Case[] = t.checks.map((ch) => {
    const open = `    <testcase classname="${xmlEscape(`mysql-tls-audit.${t.label}`)}" name="${xmlEscape(ch.name)}" time="${secs(ch.durationMs)}"`;
    if (ch.status === "skipped") {
      return { xml: `${open}>\n      <skipped message="${xmlEscape(ch.reason ?? "not run")}"/>\n    </testcase>`, failure: false, error: false, skipped: true };
    }
    if (ch.status === "error") {
      const body = [ch.reason ?? "the check could not run", ...ch.findings.map(findingText)].join("\n\n");
      return {
        xml: `${open}>\n      <error message="${xmlEscape(ch.reason ?? "the check could not run")}" type="error">${xmlEscape(body)}</error>\n    </testcase>`,
        failure: false,
        error: true,
        skipped: false,
      };
    }
    const failing = ch.findings.filter((f) => isFailing(f, failOn));
    if (failing.length === 0) {
      const others = ch.findings.map(findingText).join("\n\n");
      return { xml: others ? `${open}>\n      <system-out>${xmlEscape(others)}</system-out>\n    </testcase>` : `${open}/>`, failure: false, error: false, skipped: false };
    }
    const worst = sortFindings(failing)[0]!.severity;
    const message = `${failing.length} finding${failing.length === 1 ? "" : "s"} at or above ${failOn}: ${failing.map((f) => f.id).join(", ")}`;
    return {
      xml: `${open}>\n      <failure message="${xmlEscape(message)}" type="${xmlEscape(worst)}">${xmlEscape(ch.findings.map(findingText).join("\n\n"))}</failure>\n    </testcase>`,
      failure: true,
      error: false,
      skipped: false,
    };
  });
  const n = {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    skipped: cases.filter((c) => c.skipped).length,
  };
  const props: [string, string][] = [
    ["host", t.target.host],
    ["port", String(t.target.port)],
    ["audited", String(t.audited)],
    ...(t.server ? ([["server.version", t.server.version], ["server.flavor", t.server.flavor]] as [string, string][]) : []),
    ...(t.error ? ([["error", t.error.message]] as [string, string][]) : []),
    ["grade", t.grade!],
    ["grade.caps", gradeSummary({ grade: t.grade!, caps: t.gradeCaps! })],
  ];
  const xml = [
    `  <testsuite name="${xmlEscape(t.label)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="${secs(t.durationMs)}">`,
    `    <properties>`,
    ...props.map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`),
    `    </properties>`,
    ...cases.map((c) => c.xml),
    `  </testsuite>`,
  ].join("\n");
  return { xml, ...n };
}

function findingText(f: Finding): string {
  return [`[${f.severity}] ${f.id}: ${f.title}`, `evidence: ${f.evidence}`, ...(f.fix ? [`fix: ${fixForText(f)}`] : []), ...(f.references?.length ? [`see: ${f.references.join("; ")}`] : [])].join("\n");
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}
