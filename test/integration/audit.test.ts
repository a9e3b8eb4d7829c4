import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditTarget, type AuditOptions } from "../../src/run/audit.js";
import { audit, exitCodeOf, renderJunit, reportJson } from "../../src/index.js";
import { DEFAULT_POLICY, type Policy } from "../../src/policy/policy.js";
import type { CheckName, TargetReport } from "../../src/report/report.js";
import { Secret, type LoginSpec } from "../../src/sql/credentials.js";
import { startPosture, type MariaDB, type PostureName } from "../support/mariadb.js";
import { startFakeMysql } from "../support/fake-mysql/server.js";

// Real MariaDB postures, audited with and without a login; each test lists the findings the posture deserves, per check.
const postures: PostureName[] = ["off", "modern", "legacy", "self-signed", "expired"];
const dbs = new Map<PostureName, MariaDB>();
const db = (p: PostureName) => dbs.get(p)!;

beforeAll(async () => {
  const started = await Promise.all(postures.map((p) => startPosture(p)));
  postures.forEach((p, i) => dbs.set(p, started[i]!));
  // The classic weak spot: an application account reachable from anywhere without TLS.
  await db("legacy").query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-demo-pass' REQUIRE NONE");
  await db("modern").query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-demo-pass' REQUIRE NONE");
});
afterAll(async () => {
  await Promise.all([...dbs.values()].map((s) => s.stop()));
});

function loginOf(s: MariaDB): LoginSpec {
  // An explicit PREFERRED: the TLS-off server is audited over a clear-text login, which the default refuses.
  return { host: s.host, port: s.port, user: s.admin.user, password: new Secret(s.admin.password), passwordSource: "command line", sslMode: "PREFERRED", sslModeGiven: true, optionFiles: [] };
}

/** Audit options: the harness CA as --ssl-ca (so only the posture's own certificate flaw shows), a login if asked. */
function optionsFor(s: MariaDB, opts: { login?: boolean; policy?: Partial<Policy> } = {}): AuditOptions {
  return {
    ...(s.certs ? { ca: readFileSync(s.certs.caBundle, "utf8"), caLabel: s.certs.caBundle } : {}),
    ...(opts.login ? { login: loginOf(s) } : {}),
    policy: { ...DEFAULT_POLICY, ...opts.policy },
  };
}

/** Finding ids per check, sorted, for exact comparison; only the checks named. */
function idsByCheck(r: TargetReport, checks: CheckName[]): Partial<Record<CheckName, string[]>> {
  return Object.fromEntries(checks.map((name) => [name, (r.checks.find((c) => c.name === name)?.findings ?? []).map((f) => f.id).sort()]));
}
/** Asserts the exact findings (ids, any order) of each check named in expected. */
function expectIds(r: TargetReport, expected: Partial<Record<CheckName, string[]>>): void {
  const want = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v!].sort()]));
  expect(idsByCheck(r, Object.keys(expected) as CheckName[])).toEqual(want);
}
const status = (r: TargetReport) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));
// MariaDB 10.11's default cipher list on Debian (TLS 1.2 and 1.3): 23 accepted pairs, 14 of them weak (CBC or no
// forward secrecy), in the client's order, and ARIA/CAMELLIA/CCM suites outside even Mozilla's "old" list.
const DEFAULT_CIPHERS = ["cipher.weak", "cipher.no-server-preference", "profile.mozilla"];

// Debian 12's MariaDB links OpenSSL 3.0, past its end of life on 2026-09-07: every server here deserves it.
const LIB_EOL = "settings.tls-library-eol";
// The four local admin accounts (harness_admin@localhost, @127.0.0.1, @::1, root@localhost): one condition, one finding listing them.
const LOCAL_ADMIN = ["accounts.cleartext-login"];

describe("the audit against real MariaDB postures", () => {
  it("without credentials: connectivity first, settings/accounts/replication skipped saying why", async () => {
    const r = await auditTarget({ host: db("modern").host, port: db("modern").port }, optionsFor(db("modern")));
    expect(r.audited).toBe(true);
    expect(r.server).toMatchObject({ flavor: "mariadb" });
    expect(r.checks.map((c) => c.name)).toEqual(["connectivity", "protocols", "ciphers", "certificate", "settings", "accounts", "replication"]);
    for (const name of ["settings", "accounts", "replication"]) {
      const c = r.checks.find((x) => x.name === name)!;
      expect(c.status).toBe("skipped");
      expect(c.reason).toMatch(/^no credentials given/);
    }
    expectIds(r, { connectivity: [], protocols: [], ciphers: DEFAULT_CIPHERS, certificate: [] });
  });

  it("TLS off: tls.not-offered, the TLS checks skipped, have_ssl and clear-text logins with a login", async () => {
    const r = await auditTarget({ host: db("off").host, port: db("off").port }, optionsFor(db("off"), { login: true }));
    expect(status(r)).toEqual({ connectivity: "completed", protocols: "skipped", ciphers: "skipped", certificate: "skipped", settings: "completed", accounts: "completed", replication: "completed" });
    expect(r.checks.find((c) => c.name === "certificate")!.reason).toBe("the server does not offer TLS (no CLIENT_SSL in its greeting)");
    expectIds(r, {
      connectivity: ["tls.not-offered"],
      protocols: [],
      ciphers: [],
      certificate: [],
      // have_ssl = DISABLED is what tls.not-offered already says: said once (#11).
      settings: [LIB_EOL, "login.cleartext", "settings.require-secure-transport-off"],
      accounts: LOCAL_ADMIN,
      replication: [],
    });
    expect(r.checks[0]!.findings[0]!.severity).toBe("critical");
  });

  it("modern (TLS 1.2+1.3, require_secure_transport ON): no certificate, settings or account findings beyond the library", async () => {
    const r = await auditTarget({ host: db("modern").host, port: db("modern").port }, optionsFor(db("modern"), { login: true }));
    expectIds(r, {
      connectivity: [],
      protocols: [],
      ciphers: DEFAULT_CIPHERS,
      certificate: [],
      settings: [LIB_EOL, "settings.login-not-verified"],
      // app@'%' is REQUIRE NONE, but require_secure_transport ON refuses its clear-text logins.
      accounts: [],
      replication: [],
    });
  });

  it("legacy (TLS 1.0-1.3, ALL:@SECLEVEL=0, require_secure_transport OFF, app@'%' REQUIRE NONE)", async () => {
    const r = await auditTarget({ host: db("legacy").host, port: db("legacy").port }, optionsFor(db("legacy"), { login: true }));
    expectIds(r, {
      connectivity: [],
      protocols: ["protocol.tls10-accepted", "protocol.tls11-accepted"],
      // ALL:@SECLEVEL=0 enables ADH/AECDH; server order is the client's under TLS 1.0, 1.1 and 1.2 (one finding).
      ciphers: ["cipher.anonymous", "cipher.weak", "cipher.no-server-preference", "profile.mozilla"],
      certificate: [],
      // tls_version and ssl_cipher are folded into what the handshakes measured: one finding per condition.
      settings: [LIB_EOL, "settings.login-not-verified", "settings.require-secure-transport-off"],
      accounts: [...LOCAL_ADMIN, "accounts.cleartext-login"],
      replication: [],
    });
    const all = r.checks.flatMap((c) => c.findings);
    expect(all.find((f) => f.id === "protocol.tls10-accepted")!.evidence).toContain("configured: tls_version = TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3");
    expect(all.find((f) => f.id === "cipher.anonymous")!.evidence).toContain("configured: ssl_cipher = ALL:@SECLEVEL=0");
    expect(all.find((f) => f.id === "cipher.no-server-preference")!.title).toMatch(/^Under TLSv1, TLSv1\.1, TLSv1\.2 the server follows the client's order/);
    // References numbered for MariaDB.
    expect(all.find((f) => f.id === "cipher.weak")!.references).toContain("CIS MariaDB 10.11 v1.0.0 2.12: approved ciphers only");
    const remote = r.checks.find((c) => c.name === "accounts")!.findings.filter((f) => f.severity === "high");
    expect(remote).toHaveLength(1);
    expect(remote[0]!.title).toContain("app@%");
    expect(remote[0]!.fix).toBe("ALTER USER 'app'@'%' REQUIRE SSL;");
  });

  it("an anonymous account: seen by the probe without credentials, named by the accounts check with them (one finding, not two)", async () => {
    const modern = db("modern");
    await modern.query("CREATE USER ''@'127.0.0.1'");
    try {
      const target = { host: modern.host, port: modern.port };
      const without = await auditTarget(target, optionsFor(modern, { policy: {} }));
      expectIds(without, { connectivity: ["server.anonymous-login"] });
      const withLogin = await auditTarget(target, optionsFor(modern, { login: true }));
      expectIds(withLogin, { connectivity: [], accounts: ["accounts.anonymous"] });
    } finally {
      await modern.query("DROP USER ''@'127.0.0.1'");
    }
  });

  it("self-signed and expired certificates: the certificate check names each, with its fix", async () => {
    const ss = await auditTarget({ host: db("self-signed").host, port: db("self-signed").port }, optionsFor(db("self-signed")));
    expectIds(ss, { connectivity: [], protocols: [], ciphers: DEFAULT_CIPHERS, certificate: ["cert.self-signed"] });
    const ex = await auditTarget({ host: db("expired").host, port: db("expired").port }, optionsFor(db("expired"), { login: true }));
    expectIds(ex, {
      connectivity: [],
      protocols: [],
      ciphers: DEFAULT_CIPHERS,
      certificate: ["cert.expired"],
      settings: [LIB_EOL, "settings.login-not-verified", "settings.require-secure-transport-off", "settings.server-certificate-expired"],
      accounts: LOCAL_ADMIN,
      replication: [],
    });
    expect(ex.checks.find((c) => c.name === "certificate")!.findings[0]).toMatchObject({ severity: "critical" });
    expect(ex.checks.find((c) => c.name === "certificate")!.findings[0]!.fix).toContain("ssl_cert=");
  });

  it("the policy: warning days, ignored ids, waived require_secure_transport, exempt REQUIRE NONE accounts, X509 for remote", async () => {
    const r = await auditTarget(
      { host: db("legacy").host, port: db("legacy").port },
      optionsFor(db("legacy"), {
        login: true,
        policy: {
          certificateWarningDays: 3650,
          ignore: ["settings.tls-library-*", "settings.login-not-verified"],
          requireSecureTransport: false,
          accountsAllowedRequireNone: ["harness_admin@*", "root@localhost"],
          requireX509ForRemote: true,
        },
      }),
    );
    expectIds(r, {
      connectivity: [],
      protocols: ["protocol.tls10-accepted", "protocol.tls11-accepted"],
      // The leaf and the intermediate it is sent with both end within ten years: one finding naming both.
      certificate: ["cert.expiring-soon"],
      // Folded into the protocol and cipher findings.
      settings: [],
      accounts: ["accounts.cleartext-login", "accounts.remote-without-x509"],
      replication: [],
    });
    expect(r.ignoredFindings).toBe(2);
  });

  it("legacy: the Mozilla profile and the aborted-connection cost are in the report", async () => {
    const r = await auditTarget({ host: db("legacy").host, port: db("legacy").port }, optionsFor(db("legacy")));
    const profile = r.checks.find((c) => c.name === "ciphers")!.findings.find((f) => f.id === "profile.mozilla")!;
    expect(profile.title).toBe('The accepted protocols and suites meet no Mozilla server-side TLS profile (not even "old")');
    expect(profile.evidence).toBe("versions TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; 91 accepted (version, suite) pair(s)");
    expect(Object.fromEntries(r.overview)["Protocols"]).toBe("TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
    expect(Object.fromEntries(r.overview)["Aborted connections"]).toMatch(/^\d+ \(of \d+ probe connections/);
    expect(r.abortedConnections).toBe((r.details.ciphers as { abortedConnections: number }).abortedConnections);
    expect(r.abortedConnections).toBeGreaterThan(0);
    const details = r.details.ciphers as { protocols: { version: string; suites: unknown[] }[]; abortedConnections: number };
    expect(details.protocols.map((p) => [p.version, p.suites.length])).toEqual([
      ["SSLv3", 0],
      ["TLSv1", 16],
      ["TLSv1.1", 16],
      ["TLSv1.2", 56],
      ["TLSv1.3", 3],
    ]);
  });

  it("the policy on versions and suites: minimum TLS 1.3, forbidden and allowed suites; minimum TLS 1.0 waives 1.0/1.1", async () => {
    const strict = await auditTarget(
      { host: db("modern").host, port: db("modern").port },
      optionsFor(db("modern"), { policy: { minTlsVersion: "TLSv1.3", forbiddenSuites: ["ECDHE-RSA-AES128-SHA"], allowedSuites: ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"] } }),
    );
    expectIds(strict, {
      protocols: ["policy.tls-version-below-minimum"],
      ciphers: [...DEFAULT_CIPHERS, "policy.suite-forbidden", "policy.suite-not-allowed"],
    });
    const ciphers = strict.checks.find((c) => c.name === "ciphers")!.findings;
    expect(ciphers.find((f) => f.id === "policy.suite-forbidden")!.evidence).toBe("TLSv1.2 ECDHE-RSA-AES128-SHA");
    expect(ciphers.find((f) => f.id === "policy.suite-not-allowed")!.title).toBe("The server accepts 19 cipher suite(s) outside the policy's allowed list");
    const lenient = await auditTarget({ host: db("legacy").host, port: db("legacy").port }, optionsFor(db("legacy"), { login: true, policy: { minTlsVersion: "TLSv1" } }));
    expectIds(lenient, { protocols: [] });
    expect(lenient.checks.find((c) => c.name === "settings")!.findings.map((f) => f.id)).not.toContain("settings.legacy-tls-version");
  });

  it("a wrong password fails the three authenticated checks as ONE error finding (issue 12), and never the run", async () => {
    const s = db("modern");
    const r = await auditTarget({ host: s.host, port: s.port }, { ...optionsFor(s), login: { ...loginOf(s), password: new Secret("not-the-password") } });
    expect(r.audited).toBe(true);
    const [settings, ...others] = (["settings", "accounts", "replication"] as const).map((name) => r.checks.find((x) => x.name === name)!);
    expect(settings!.status).toBe("error");
    expect(settings!.reason).toMatch(/^the login failed: .*(1045|denied)/i);
    expect(settings!.findings.map((f) => [f.id, f.severity, f.title])).toEqual([["audit.check-error", "error", "The login failed, so settings, accounts, replication could not run"]]);
    for (const c of others) expect(c).toMatchObject({ status: "error", reason: "the login failed (see settings)", findings: [] });
    for (const c of r.checks) expect(JSON.stringify(c)).not.toContain("not-the-password");
    expect(r.checks.find((c) => c.name === "certificate")!.status).toBe("completed");
  });

  it("a server that offers TLS but fails every handshake is audited, not dropped: the failure is a finding", async () => {
    const fake = await startFakeMysql({ behaviour: "tls-alert" });
    try {
      const r = await auditTarget({ host: fake.host, port: fake.port }, { readTimeoutMs: 2000 });
      expect(r.audited).toBe(true);
      expect(r.server).toBeUndefined();
      expectIds(r, { connectivity: ["tls.handshake-failed"], protocols: ["protocol.no-tls12-or-13", "protocol.none-accepted"], ciphers: [] });
      expect(r.checks.find((c) => c.name === "connectivity")!.findings[0]!.evidence).toMatch(/alert|handshake/i);
      expect(r.checks.find((c) => c.name === "certificate")).toMatchObject({ status: "error" });
      expect(Object.fromEntries(r.overview)["TLS handshake"]).toMatch(/^failed: /);
    } finally {
      await fake.stop();
    }
  });

  it("a closed port is reported as data: connectivity error, everything else skipped", async () => {
    const r = await auditTarget({ host: "127.0.0.1", port: 1 }, {});
    expect(r).toMatchObject({ audited: false, error: { code: "refused" } });
    expect(r.checks[0]).toMatchObject({ name: "connectivity", status: "error" });
    expect(r.checks[0]!.findings.map((f) => f.id)).toEqual(["audit.target-unreachable"]);
    expect(r.checks.slice(1).map((c) => c.status)).toEqual(Array(6).fill("skipped"));
  });

  it("the programmatic API audits strings or Targets into one Report and never exits the process", async () => {
    const exit = process.exit;
    let exited = false;
    process.exit = ((() => {
      exited = true;
    }) as unknown) as typeof process.exit;
    try {
      const s = db("self-signed");
      const report = await audit([`${s.host}:${s.port}`, { host: "127.0.0.1", port: 1 }], optionsFor(s));
      expect(report.targets.map((t) => t.audited)).toEqual([true, false]);
      expect(exitCodeOf(report)).toBe(3);
      expect((reportJson(report).targets as unknown[]).length).toBe(2);
      expect(renderJunit(report)).toContain('<testsuite name="127.0.0.1:1"');
      await expect(audit("127.0.0.1:99999")).rejects.toMatchObject({ code: "usage" });
    } finally {
      process.exit = exit;
    }
    expect(exited).toBe(false);
  });
});
