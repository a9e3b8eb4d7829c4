// #11 "Subcommands are the audit restricted to their checks": for every subcommand (the registry's COMMANDS) and
// each test posture, the subcommand's JSON sections deep-equal the audit's `details` sections of the same checks on
// the same server, its findings (id, severity, evidence) equal the audit's findings of those checks, its checks
// have the audit's status and reason, and its exit code is the audit's rule applied to those findings.
//
// Like with like:
// - probe, cert and ciphers are compared with one audit without a login (the audit's TLS checks); settings and
//   accounts with one audit with the same login restricted to the checks that log in (--skip protocols,ciphers,
//   certificate), as the subcommands do not scan (the scan's verdicts would add configured-vs-accepted findings).
// - A command whose checks need TLS also carries the connectivity finding that stopped them (tls.not-offered),
//   said once; the accounts command, which runs without the settings check, says how its own login went (the
//   login.* findings the audit reports under settings).
// - Fields that measure this run rather than the server (times, connection ids, the scan's connection counts) are
//   set aside; everything else must be equal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB, type PostureName } from "../support/mariadb.js";
import { runCli, targetSubcommands } from "../support/cli.js";
import { ALL_CHECKS, COMMANDS } from "../../src/checks/registry.js";
import { isFailing } from "../../src/report/report.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import type { Finding } from "../../src/report/types.js";
interface AuditDoc {
  targets: { checks: { name: string; status: string; reason?: string }[]; findings: (Finding & { check: string })[]; details: Record<string, any> }[];
}
type Doc = Record<string, any> & { findings: Finding[]; checks: { name: string; status: string; reason?: string }[] };

const POSTURES: PostureName[] = ["legacy", "modern", "off", "expired", "self-signed"];
const servers = new Map<PostureName, MariaDB>();

beforeAll(async () => {
  const started = await Promise.all(POSTURES.map((p) => startPosture(p)));
  started.forEach((db, i) => servers.set(POSTURES[i]!, db));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((db) => db.stop()));
});

// Measured per run, not facts of the server.
const VOLATILE = new Set(["connectMs", "handshakeMs", "connectionId", "durationMs", "connections", "abortedConnections", "checkedAt"]);

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === "object") {
    const o = Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stable(x)]));
    // A server without a group preference has no order: the scan lists its groups as the probes settle them.
    if (Array.isArray(o.groups) && o.groupPreference !== true) o.groups = [...(o.groups as string[])].sort();
    return o;
  }
  return v;
}

const key = (f: Pick<Finding, "id" | "severity" | "evidence">) => `${f.id}\u0000${f.severity}\u0000${f.evidence}`;
const facts = (fs: Finding[]) => fs.map((f) => ({ id: f.id, severity: f.severity, evidence: f.evidence })).sort((a, b) => key(a).localeCompare(key(b)));

async function jsonAndCode(args: string[], env: Record<string, string> = {}): Promise<{ doc: Doc; code: number }> {
  const r = await runCli([...args, "--json", "--timeout", "5"], { env });
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  return { doc: JSON.parse(r.stdout) as Doc, code: r.code ?? -1 };
}

async function json(args: string[], env: Record<string, string> = {}): Promise<Doc> {
  return (await jsonAndCode(args, env)).doc;
}

function target(db: MariaDB): string {
  return `127.0.0.1:${db.port}`;
}

/** The certificate anchor both runs are given, so trust is judged the same way (none for a server without TLS). */
function caArgs(db: MariaDB): string[] {
  return db.certs ? ["--ssl-ca", db.certs.caBundle] : [];
}

/** A check of the audit's one target: its status and the findings the audit reports for it. */
function checkOf(audit: AuditDoc, name: string): { status: string; reason?: string; findings: Finding[] } {
  const t = audit.targets[0]!;
  return { ...t.checks.find((c) => c.name === name)!, findings: t.findings.filter((f) => f.check === name) };
}
const BLOCKING = new Set(["tls.not-offered", "server.protocol-9"]);

/** The audit's exit-code rule (src/report/report.ts) on one command's findings. */
function exitCodeFor(findings: Finding[]): number {
  if (findings.some((f) => f.severity === "error")) return 3;
  return findings.some((f) => isFailing(f, DEFAULT_POLICY.failOn)) ? 1 : 0;
}

/** What the command prints of the audit's sections: each check's object section spread, an array under its key, in registry order. */
function expectedSections(details: Record<string, any>, checks: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of ALL_CHECKS.filter((x) => checks.includes(x.name))) {
    const section = details[c.section ?? c.name];
    if (section === undefined) continue;
    if (section && typeof section === "object" && !Array.isArray(section)) Object.assign(out, section);
    else out[c.section ?? c.name] = section;
  }
  return out;
}

/** Compares one command's document with the audit's checks. */
function expectSameAsAudit(cmd: string, doc: Doc, code: number, audit: AuditDoc, extra: Finding[] = []): void {
  const checks = COMMANDS.get(cmd)!;
  const details = audit.targets[0]!.details;
  const expected = expectedSections(details, checks);
  if (checks.some((n) => checkOf(audit, n).status === "completed")) expect(Object.keys(expected).length, `${cmd}: the audit has sections for ${checks.join(", ")}`).toBeGreaterThan(0);
  for (const [k, v] of Object.entries(expected)) if (!VOLATILE.has(k)) expect(stable(doc[k]), `${cmd}: ${k}`).toEqual(stable(v));
  // The same checks, with the same status and reason.
  expect(doc.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual(checks.map((n) => [n, checkOf(audit, n).status]));
  const blocking = checks.includes("connectivity") ? [] : checkOf(audit, "connectivity").findings.filter((f) => BLOCKING.has(f.id));
  const findings = [...blocking, ...extra, ...checks.flatMap((n) => checkOf(audit, n).findings)];
  expect(facts(doc.findings), `${cmd}: findings`).toEqual(facts(findings));
  expect(code, `${cmd}: exit code`).toBe(exitCodeFor(findings));
}

describe("the subcommands are the registry's", () => {
  it("each command in --help that audits a target runs the checks the registry gives it", async () => {
    const listed = (await targetSubcommands()).map((c) => c.name).filter((n) => n !== "audit");
    expect(listed.sort()).toEqual([...COMMANDS.keys()].sort());
  });
});

describe.each(POSTURES)("%s: every subcommand equals the audit's checks", (posture) => {
  it("probe, cert and ciphers: the audit's sections, findings and exit rule for connectivity / certificate / protocols+ciphers", async () => {
    const db = servers.get(posture)!;
    const t = target(db);
    const [audit, probe, cert, ciphers] = await Promise.all([
      json(["audit", t, ...caArgs(db)]) as Promise<unknown> as Promise<AuditDoc>,
      jsonAndCode(["probe", t, ...caArgs(db)]),
      jsonAndCode(["cert", t, ...caArgs(db)]),
      jsonAndCode(["ciphers", t]),
    ]);
    const details = audit.targets[0]!.details;
    expectSameAsAudit("probe", probe.doc, probe.code, audit);
    expectSameAsAudit("cert", cert.doc, cert.code, audit);
    expectSameAsAudit("ciphers", ciphers.doc, ciphers.code, audit);
    if (posture === "off") {
      // No TLS: the TLS checks do not run, in the audit (skipped) as in the command; TLS not offered is said once.
      expect(details.certificate).toBeUndefined();
      expect(details.ciphers).toBeUndefined();
      for (const doc of [cert.doc, ciphers.doc]) expect(doc.findings.map((f) => f.id)).toEqual(["tls.not-offered"]);
      return;
    }
    expect(cert.doc.warnDays).toBe(30); // the default policy's certificateWarningDays, which the audit used
    expect(details.certificate.chain.length).toBeGreaterThan(0);
    // The audit's ciphers check says which Mozilla profile the server meets; so does the command.
    expect(ciphers.doc.findings.map((f) => f.id)).toContain("profile.mozilla");
  });

  it("settings and accounts with a login: the audit's sections, findings and exit rule for settings+replication / accounts", async () => {
    const db = servers.get(posture)!;
    const t = target(db);
    // An explicit PREFERRED, as the mysql client: the "off" server can only be logged in to over clear text.
    const login = ["-u", db.admin.user, "--no-defaults", "--ssl-mode", "PREFERRED"];
    const env = { MYSQL_PWD: db.admin.password };
    const [audit, settings, accounts] = await Promise.all([
      json(["audit", t, ...login, "--skip", "protocols,ciphers,certificate"], env) as Promise<unknown> as Promise<AuditDoc>,
      jsonAndCode(["settings", t, ...login], env),
      jsonAndCode(["accounts", t, ...login], env),
    ]);
    expect(checkOf(audit, "settings").status).toBe("completed");
    expect(checkOf(audit, "accounts").status).toBe("completed");
    expectSameAsAudit("settings", settings.doc, settings.code, audit);
    // What checkLogin (src/checks/login.ts) says about this tool's own login: the audit says it once, under
    // settings; the accounts command, which runs without settings, says it under accounts.
    const LOGIN_IDS = new Set(["login.tls-stripped", "login.cleartext", "login.password-unverified-tls", "settings.login-not-verified"]);
    const loginFindings = checkOf(audit, "settings").findings.filter((f) => LOGIN_IDS.has(f.id));
    expectSameAsAudit("accounts", accounts.doc, accounts.code, audit, loginFindings);
    if (posture === "off") expect(loginFindings.map((f) => f.id)).toContain("login.cleartext");
  });
});
