// #11 "Subcommands are the audit restricted to their checks": for every subcommand and each test posture, the
// subcommand's JSON section deep-equals the audit's `details` section of the same check on the same server, and its
// findings (id, severity, evidence) equal the audit's findings of that check.
//
// Like with like:
// - probe, cert and ciphers are compared with one audit without a login (the audit's TLS checks); settings and
//   accounts with one audit with the same login restricted to the checks that log in (--skip protocols,ciphers,
//   certificate), as the subcommands do not scan (the scan's verdicts would add configured-vs-accepted findings).
// - The audit says each condition once (report/consolidate.ts: repeats merged, an anonymous account's clear-text
//   finding dropped); the subcommands list what their check found. So the audit's consolidation is applied to the
//   subcommand's findings before comparing; references (numbered per flavour by the audit) are not compared.
// - Fields that measure this run rather than the server (times, connection ids, the scan's connection counts) are
//   set aside; everything else must be equal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB, type PostureName } from "../support/mariadb.js";
import { runCli } from "../support/cli.js";
import { consolidateChecks } from "../../src/report/consolidate.js";
import type { Finding } from "../../src/report/types.js";
interface AuditDoc {
  targets: { checks: { name: string; status: string; reason?: string }[]; findings: (Finding & { check: string })[]; details: Record<string, any> }[];
}
type Doc = Record<string, any> & { findings: Finding[] };

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
/** What the audit would report for these findings of one command: each condition once. */
const consolidated = (fs: Finding[]) => consolidateChecks([{ name: "command", findings: fs }])[0]!.findings;

async function json(args: string[], env: Record<string, string> = {}): Promise<Doc> {
  const r = await runCli([...args, "--json", "--timeout", "5"], { env });
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  return JSON.parse(r.stdout) as Doc;
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

describe.each(POSTURES)("%s: every subcommand equals the audit's check", (posture) => {
  it("probe, cert and ciphers: the audit's details.probe / certificate / ciphers and its connectivity / certificate / protocols+ciphers findings", async () => {
    const db = servers.get(posture)!;
    const t = target(db);
    const [audit, probe, cert, ciphers] = await Promise.all([
      json(["audit", t, ...caArgs(db)]) as Promise<unknown> as Promise<AuditDoc>,
      json(["probe", t, ...caArgs(db)]),
      json(["cert", t, ...caArgs(db)]),
      json(["ciphers", t]),
    ]);
    const details = audit.targets[0]!.details;

    const { schemaVersion: _s, tool: _t, target: _g, command: _c, findings: probeFindings, ...probeSection } = probe;
    expect(stable(probeSection)).toEqual(stable(details.probe));
    expect(facts(consolidated(probeFindings))).toEqual(facts(checkOf(audit, "connectivity").findings));

    const ciphersFindings = [...checkOf(audit, "protocols").findings, ...checkOf(audit, "ciphers").findings];
    if (posture === "off") {
      // No TLS: the TLS checks do not run, in the audit (skipped) as in the command; TLS not offered is said once.
      expect(details.certificate).toBeUndefined();
      expect(details.ciphers).toBeUndefined();
      for (const doc of [cert, ciphers]) {
        expect(facts(doc.findings)).toEqual(facts(checkOf(audit, "connectivity").findings.filter((f) => BLOCKING.has(f.id))));
        expect(doc.findings.map((f) => f.id)).toEqual(["tls.not-offered"]);
      }
      expect([checkOf(audit, "certificate").status, checkOf(audit, "ciphers").status]).toEqual(["skipped", "skipped"]);
      return;
    }
    const { schemaVersion: _s2, tool: _t2, target: _g2, command: _c2, warnDays, findings: certFindings, ...certSection } = cert;
    expect(warnDays).toBe(30); // the default policy's certificateWarningDays, which the audit used
    expect(stable(certSection)).toEqual(stable(details.certificate));
    expect(details.certificate.chain.length).toBeGreaterThan(0);
    expect(facts(consolidated(certFindings))).toEqual(facts(checkOf(audit, "certificate").findings));

    const { schemaVersion: _s3, tool: _t3, target: _g3, command: _c3, findings: cipherFindings, ...ciphersSection } = ciphers;
    expect(stable(ciphersSection)).toEqual(stable(details.ciphers));
    expect(facts(consolidated(cipherFindings))).toEqual(facts(ciphersFindings));
    // The audit's ciphers check says which Mozilla profile the server meets; so does the command now.
    expect(cipherFindings.map((f) => f.id)).toContain("profile.mozilla");
  });

  it("settings and accounts with a login: the audit's details.settings / replication / accounts and their findings", async () => {
    const db = servers.get(posture)!;
    const t = target(db);
    // An explicit PREFERRED, as the mysql client: the "off" server can only be logged in to over clear text.
    const login = ["-u", db.admin.user, "--no-defaults", "--ssl-mode", "PREFERRED"];
    const env = { MYSQL_PWD: db.admin.password };
    const [audit, settings, accounts] = await Promise.all([
      json(["audit", t, ...login, "--skip", "protocols,ciphers,certificate"], env) as Promise<unknown> as Promise<AuditDoc>,
      json(["settings", t, ...login], env),
      json(["accounts", t, ...login], env),
    ]);
    const details = audit.targets[0]!.details;
    expect(checkOf(audit, "settings").status).toBe("completed");
    expect(checkOf(audit, "accounts").status).toBe("completed");
    const blocking = checkOf(audit, "connectivity").findings.filter((f) => BLOCKING.has(f.id));
    // What checkLogin (src/checks/login.ts) says about this tool's own login.
    const LOGIN_IDS = new Set(["login.tls-stripped", "login.cleartext", "login.password-unverified-tls", "settings.login-not-verified"]);
    const loginFindings = checkOf(audit, "settings").findings.filter((f) => LOGIN_IDS.has(f.id));

    // settings = the audit's settings and replication checks.
    expect(stable({ settings: settings.settings, tlsChannels: settings.tlsChannels, tlsChannelsNote: settings.tlsChannelsNote, login: settings.login })).toEqual(
      stable({ tlsChannelsNote: undefined, ...details.settings }),
    );
    expect(settings.replication).toEqual(details.replication.replication);
    expect(facts(consolidated(settings.findings))).toEqual(facts([...blocking, ...checkOf(audit, "settings").findings, ...checkOf(audit, "replication").findings]));

    // accounts = the audit's accounts check; the login's own findings, which it also prints, are the audit's
    // settings check's login.* findings (the audit says them once, under settings).
    expect(stable({ requireSecureTransport: accounts.requireSecureTransport, accounts: accounts.accounts, login: accounts.login })).toEqual(stable(details.accounts));
    expect(facts(consolidated(accounts.findings))).toEqual(facts([...blocking, ...loginFindings, ...checkOf(audit, "accounts").findings]));
    if (posture === "off") expect(loginFindings.map((f) => f.id)).toContain("login.cleartext");
  });
});
