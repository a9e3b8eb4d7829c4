import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditError } from "../../src/errors.js";
import { loadPolicy, parsePolicy, validatePolicy } from "../../src/policy/load.js";
import { DEFAULT_POLICY, isAccountAllowedRequireNone, isIgnored, tlsVersionRank } from "../../src/policy/policy.js";
import { applyVersionPolicy, mozillaProfile, mozillaProfileFinding, suiteListed, suitePolicyFindings } from "../../src/policy/apply.js";
import type { CipherFacts, ProtocolFacts, AcceptedSuite } from "../../src/tls/enumerate.js";
import type { Finding } from "../../src/report/types.js";

const dir = mkdtempSync(join(tmpdir(), "policy-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policyError(fn: () => unknown): AuditError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuditError);
    return err as AuditError;
  }
  throw new Error("expected a policy error");
}

describe("policy files", () => {
  it("loads the YAML and JSON examples in fixtures/", () => {
    const y = loadPolicy("fixtures/policy.example.yaml");
    expect(y.source).toBe("fixtures/policy.example.yaml");
    expect(y.policy).toMatchObject({
      minTlsVersion: "TLSv1.2",
      certificateWarningDays: 21,
      requireSecureTransport: true,
      accountsAllowedRequireNone: ["monitor@localhost", "healthcheck@127.0.0.1"],
      requireX509ForRemote: true,
      ignore: ["cert.self-signed"],
      forbiddenSuites: ["TLS_RSA_WITH_AES_128_CBC_SHA"],
      failOn: "medium",
    });
    expect(y.policy.allowedSuites).toHaveLength(7);
    const j = loadPolicy("fixtures/policy.example.json");
    expect(j.policy.failOn).toBe("high");
    expect(j.policy.forbiddenSuites).toEqual(["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"]);
  });

  it("fills omitted keys with the documented defaults; an empty file is the default policy", () => {
    expect(parsePolicy("", "empty.yaml")).toEqual(DEFAULT_POLICY);
    expect(parsePolicy("failOn: high\n", "p.yaml")).toEqual({ ...DEFAULT_POLICY, failOn: "high" });
    expect(DEFAULT_POLICY).toMatchObject({ minTlsVersion: "TLSv1.2", certificateWarningDays: 30, requireSecureTransport: true, failOn: "medium" });
  });

  it("accepts TLSv1.0 as the spelling of TLSv1", () => {
    expect(parsePolicy("minTlsVersion: TLSv1.0", "p.yaml").minTlsVersion).toBe("TLSv1");
  });

  it("takes failOn in any case, never included, and allowIncompleteChecks; suite names in any case", () => {
    expect(parsePolicy("failOn: HIGH\nallowIncompleteChecks: true\nforbiddenSuites: [des-cbc3-sha]", "p.yaml")).toMatchObject({ failOn: "high", allowIncompleteChecks: true, forbiddenSuites: ["des-cbc3-sha"] });
    expect(parsePolicy("failOn: Never", "p.yaml").failOn).toBe("never");
    expect(DEFAULT_POLICY.allowIncompleteChecks).toBe(false);
  });

  it("accepts ignore entries that name real ids, exactly or by prefix", () => {
    expect(parsePolicy("ignore: [cert.self-signed, 'settings.tls-library-*', 'accounts.*']", "p.yaml").ignore).toEqual(["cert.self-signed", "settings.tls-library-*", "accounts.*"]);
  });

  it.each([
    ["minTls: TLSv1.2", "policy file p.yaml: minTls: unknown key (did you mean minTlsVersion?); the keys are"],
    ["minTlsVersion: TLSv1.4", 'policy file p.yaml: minTlsVersion: "TLSv1.4" is not one of SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3'],
    ["failOn: error", 'policy file p.yaml: failOn: "error" is not one of critical, high, medium, low, info, never'],
    ["failOn: 3", "policy file p.yaml: failOn: 3 is not one of"],
    ["certificateWarningDays: -1", "policy file p.yaml: certificateWarningDays: must be a whole number of days from 0 to 3650"],
    ["certificateWarningDays: '30'", "policy file p.yaml: certificateWarningDays: must be a whole number"],
    ["requireSecureTransport: yes please", "policy file p.yaml: requireSecureTransport: must be true or false"],
    ["requireX509ForRemote: 1", "policy file p.yaml: requireX509ForRemote: must be true or false"],
    ["ignore: certificate.self-signed", "policy file p.yaml: ignore: must be a list of strings"],
    ["ignore: [cert.expired, 3]", "policy file p.yaml: ignore[1]: must be a non-empty string"],
    ["ignore: [cert.expired, certificate.self-signed]", 'policy file p.yaml: ignore[1]: "certificate.self-signed" matches no finding id; the nearest is cert.self-signed'],
    ["ignore: [cert.self-signd]", 'policy file p.yaml: ignore[0]: "cert.self-signd" matches no finding id; the nearest is cert.self-signed'],
    ["ignore: ['acounts.*']", 'policy file p.yaml: ignore[0]: "acounts.*" matches no finding id; the nearest is accounts.*'],
    ["forbiddenSuites: [TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA1]", 'policy file p.yaml: forbiddenSuites[1]: "TLS_RSA_WITH_3DES_EDE_CBC_SHA1" is no known cipher suite (IANA or OpenSSL name); the nearest is TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
    ["forbiddenSuites: [ECDHE-RSA-AES128-SHA, DES-CBC3-SHAA]", 'policy file p.yaml: forbiddenSuites[1]: "DES-CBC3-SHAA" is no known cipher suite (IANA or OpenSSL name); the nearest is DES-CBC3-SHA'],
    ["allowedSuites: [TLS_AES_128_GCM_SHA265]", 'policy file p.yaml: allowedSuites[0]: "TLS_AES_128_GCM_SHA265" is no known cipher suite (IANA or OpenSSL name); the nearest is TLS_AES_128_GCM_SHA256'],
    ["allowIncompleteChecks: yes please", "policy file p.yaml: allowIncompleteChecks: must be true or false"],
    ["accountsAllowedRequireNone: [monitor]", 'policy file p.yaml: accountsAllowedRequireNone[0]: "monitor" must be written user@host'],
    ["allowedSuites: [DES-CBC3-SHA]\nforbiddenSuites: [DES-CBC3-SHA]", "policy file p.yaml: forbiddenSuites: DES-CBC3-SHA is also in allowedSuites"],
    ["- a\n- b", "policy file p.yaml: (top level): must be a mapping"],
    ["failOn: high\nfailOn: low", "policy file p.yaml: not valid YAML:"],
    ["a: [", "policy file p.yaml: not valid YAML:"],
  ])("rejects %j with one clear line naming the file and key", (text, message) => {
    const e = policyError(() => parsePolicy(text, "p.yaml"));
    expect(e.code).toBe("policy");
    expect(e.exitCode).toBe(2);
    expect(e.message.startsWith(message)).toBe(true);
    expect(e.message).not.toContain("\n");
  });

  it("reports invalid JSON and an unreadable file by name", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"failOn": "high",}');
    expect(policyError(() => loadPolicy(bad)).message).toMatch(/^policy file .*bad\.json: not valid JSON: /);
    expect(policyError(() => loadPolicy(join(dir, "missing.yaml"))).message).toMatch(/^--policy .*missing\.yaml: cannot read: no such file or directory$/);
    expect(policyError(() => validatePolicy({ failOn: "low", extra: 1 }, "x.json")).message).toContain("x.json: extra: unknown key");
  });
});

describe("policy matching", () => {
  it("ignores ids exactly or by a trailing * prefix", () => {
    expect(isIgnored("certificate.self-signed", ["certificate.self-signed"])).toBe(true);
    expect(isIgnored("certificate.self-signed", ["certificate.*"])).toBe(true);
    expect(isIgnored("certificate.self-signed", ["certificate"])).toBe(false);
    expect(isIgnored("protocol.tls10-accepted", ["certificate.*"])).toBe(false);
  });

  it("matches allowed REQUIRE NONE accounts literally, with * as the only wildcard", () => {
    expect(isAccountAllowedRequireNone("monitor", "localhost", ["monitor@localhost"])).toBe(true);
    expect(isAccountAllowedRequireNone("monitor", "%", ["monitor@localhost"])).toBe(false);
    expect(isAccountAllowedRequireNone("app", "%", ["app@%"])).toBe(true);
    expect(isAccountAllowedRequireNone("app", "10.0.0.1", ["app@%"])).toBe(false);
    expect(isAccountAllowedRequireNone("app", "10.0.0.1", ["app@10.0.*"])).toBe(true);
    expect(isAccountAllowedRequireNone("app.x", "h", ["app?x@h"])).toBe(false);
  });

  it("ranks TLS versions oldest first", () => {
    expect(tlsVersionRank("SSLv3")).toBeLessThan(tlsVersionRank("TLSv1"));
    expect(tlsVersionRank("TLSv1.0")).toBe(tlsVersionRank("TLSv1"));
    expect(tlsVersionRank("TLSv1.3")).toBeGreaterThan(tlsVersionRank("TLSv1.2"));
    expect(tlsVersionRank("QUIC")).toBe(-1);
  });
});

function suite(iana: string, openssl?: string): AcceptedSuite {
  return { code: 0, iana, ...(openssl ? { openssl } : {}), rating: "secure", engine: "node" };
}
function proto(version: ProtocolFacts["version"], suites: AcceptedSuite[] | false): ProtocolFacts {
  return { version, accepted: suites !== false, suites: suites || [], complete: true };
}
function facts(...protocols: ProtocolFacts[]): CipherFacts {
  return { target: { host: "h", port: 1 }, protocols, abortedConnections: 0, connections: 1, budget: { stopped: false, resets: 0, notScanned: [] }, problems: [], durationMs: 1 };
}
const T13 = suite("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256");
const GCM = suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256");
const CBC = suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA");
const CAMELLIA = suite("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA");
const versionFinding = (id: string): Finding => ({ id, severity: "high", title: id, evidence: "e" });

describe("applying the policy to protocol and cipher facts", () => {
  const legacy = facts(proto("SSLv3", false), proto("TLSv1", [CBC]), proto("TLSv1.1", [CBC]), proto("TLSv1.2", [GCM, CBC]), proto("TLSv1.3", [T13]));
  const checks = [versionFinding("protocol.tls10-accepted"), versionFinding("protocol.tls11-accepted"), versionFinding("cipher.weak")];

  it("keeps the checks' own version findings at the default minimum, TLS 1.2", () => {
    expect(applyVersionPolicy(checks, legacy, { minTlsVersion: "TLSv1.2" }).map((f) => f.id)).toEqual(["protocol.tls10-accepted", "protocol.tls11-accepted", "cipher.weak"]);
  });

  it("waives versions the policy allows", () => {
    expect(applyVersionPolicy(checks, legacy, { minTlsVersion: "TLSv1" }).map((f) => f.id)).toEqual(["cipher.weak"]);
    expect(applyVersionPolicy(checks, legacy, { minTlsVersion: "TLSv1.1" }).map((f) => f.id)).toEqual(["protocol.tls10-accepted", "cipher.weak"]);
  });

  it("adds a finding for an accepted version below the minimum that no check named", () => {
    const out = applyVersionPolicy(checks, legacy, { minTlsVersion: "TLSv1.3" });
    expect(out.map((f) => f.id)).toEqual(["protocol.tls10-accepted", "protocol.tls11-accepted", "cipher.weak", "policy.tls-version-below-minimum"]);
    expect(out[3]).toMatchObject({ severity: "high", title: "The server accepts TLSv1.2, below the policy's minimum TLSv1.3" });
    expect(out[3]!.fix).toContain("tls_version=TLSv1.3");
  });

  it("matches suites by IANA or OpenSSL name, any case", () => {
    expect(suiteListed(CBC, ["ecdhe-rsa-aes128-sha"])).toBe(true);
    expect(suiteListed(CBC, ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"])).toBe(true);
    expect(suiteListed(CBC, ["ECDHE-RSA-AES128-GCM-SHA256"])).toBe(false);
  });

  it("reports forbidden suites and suites outside a non-empty allowed list, per version", () => {
    const fs = suitePolicyFindings(legacy, { forbiddenSuites: ["ECDHE-RSA-AES128-SHA"], allowedSuites: ["TLS_AES_128_GCM_SHA256"] });
    expect(fs.map((f) => [f.id, f.severity, f.evidence])).toEqual([
      ["policy.suite-forbidden", "high", "TLSv1 ECDHE-RSA-AES128-SHA, TLSv1.1 ECDHE-RSA-AES128-SHA, TLSv1.2 ECDHE-RSA-AES128-SHA"],
      ["policy.suite-not-allowed", "medium", "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256"],
    ]);
    expect(fs[0]!.fix).toContain("ssl_cipher=");
    expect(suitePolicyFindings(legacy, { forbiddenSuites: [], allowedSuites: [] })).toEqual([]);
  });

  it("names the strictest Mozilla profile the accepted set meets", () => {
    expect(mozillaProfile(facts(proto("TLSv1.2", false), proto("TLSv1.3", [T13])))).toBe("modern");
    expect(mozillaProfile(facts(proto("TLSv1.2", [GCM]), proto("TLSv1.3", [T13])))).toBe("intermediate");
    expect(mozillaProfile(facts(proto("TLSv1.2", [GCM, CBC]), proto("TLSv1.3", [T13])))).toBe("old");
    expect(mozillaProfile(legacy)).toBe("old");
    expect(mozillaProfile(facts(proto("TLSv1.2", [GCM, CAMELLIA])))).toBe("none");
    expect(mozillaProfileFinding(facts(proto("TLSv1.2", [GCM]))!)).toMatchObject({ id: "profile.mozilla", severity: "info", title: 'The accepted protocols and suites meet the Mozilla "intermediate" profile' });
    expect(mozillaProfileFinding(facts(proto("TLSv1.2", false)))).toBeUndefined();
  });
});
