import { describe, expect, it } from "vitest";
import { checkCiphers, recommendedCipherConfig } from "../../src/checks/ciphers/judge.js";
import type { AcceptedSuite, CipherFacts, ProtocolFacts } from "../../src/tls/enumerate.js";
import { suiteByOpenSSLName } from "../../src/tls/suites.js";

function s(openssl: string, extra: Partial<AcceptedSuite> = {}): AcceptedSuite {
  const r = suiteByOpenSSLName(openssl)!;
  return { code: r.code, iana: r.iana, openssl, rating: r.rating, ...(r.keyExchange ? { keyExchange: r.keyExchange } : {}), ...(r.authentication ? { authentication: r.authentication } : {}), ...(r.cipher ? { cipher: r.cipher } : {}), ...(r.bits !== undefined ? { bits: r.bits } : {}), ...(r.export ? { export: true } : {}), engine: "node", ...extra };
}

function facts(protocols: Partial<ProtocolFacts>[], extra: Partial<CipherFacts> = {}): CipherFacts {
  return {
    target: { host: "db", port: 3306 },
    protocols: protocols.map((p) => ({ version: "TLSv1.2", accepted: true, suites: [], complete: true, ...p })),
    abortedConnections: 2,
    connections: 10,
    budget: { stopped: false, resets: 0, notScanned: [] },
    problems: [],
    durationMs: 1,
    ...extra,
  };
}
const byId = (f: CipherFacts) => Object.fromEntries(checkCiphers(f).map((x) => [x.id, x]));

describe("checkCiphers", () => {
  it("only recommended suites under server preference: no finding", () => {
    expect(checkCiphers(facts([{ suites: [s("ECDHE-RSA-AES128-GCM-SHA256"), s("ECDHE-RSA-AES256-GCM-SHA384")], serverPreference: true }]))).toEqual([]);
  });

  it("client order with only good suites is fine (Mozilla intermediate)", () => {
    expect(checkCiphers(facts([{ suites: [s("ECDHE-RSA-AES128-GCM-SHA256")], serverPreference: false }]))).toEqual([]);
  });

  it("anonymous, NULL and weak suites each get their id; the fix is an ssl_cipher line", () => {
    const f = byId(facts([{ suites: [s("ADH-AES128-SHA"), s("NULL-SHA"), s("AES128-SHA"), s("ECDHE-RSA-AES128-GCM-SHA256")], serverPreference: false }]));
    expect(f["cipher.anonymous"]).toMatchObject({ severity: "critical", evidence: "TLSv1.2: ADH-AES128-SHA" });
    expect(f["cipher.null"]).toMatchObject({ severity: "critical", evidence: "TLSv1.2: NULL-SHA" });
    expect(f["cipher.weak"]).toMatchObject({ severity: "medium", evidence: "TLSv1.2: AES128-SHA" });
    expect(f["cipher.insecure"]).toBeUndefined(); // the insecure ones have their own ids
    expect(f["cipher.no-server-preference"]).toMatchObject({ severity: "low" });
    expect(f["cipher.weak"]!.fix).toMatch(/^\[mysqld\]\nssl_cipher=ECDHE-ECDSA-AES128-GCM-SHA256:/);
  });

  it("RC4 is insecure (high)", () => {
    expect(byId(facts([{ version: "TLSv1", suites: [s("RC4-SHA")] }]))["cipher.insecure"]).toMatchObject({ severity: "high", evidence: "TLSv1: RC4-SHA" });
  });

  it("DHE below 2048 bits is a finding; 1024 medium, 512 high; 2048 none", () => {
    expect(byId(facts([{ suites: [s("DHE-RSA-AES128-GCM-SHA256", { dhBits: 2048 })] }]))["cipher.dhe-weak-params"]).toBeUndefined();
    expect(byId(facts([{ suites: [s("DHE-RSA-AES128-GCM-SHA256", { dhBits: 1024 })] }]))["cipher.dhe-weak-params"]).toMatchObject({ severity: "medium", evidence: "TLSv1.2 DHE-RSA-AES128-GCM-SHA256: 1024-bit prime" });
    expect(byId(facts([{ suites: [s("DHE-RSA-AES128-GCM-SHA256", { dhBits: 512 })] }]))["cipher.dhe-weak-params"]!.severity).toBe("high");
  });

  it("the budget stopping the scan is an error finding that says what was skipped and how to raise it", () => {
    const f = byId(facts([], { budget: { limit: 3, stopped: true, resets: 0, notScanned: ["TLSv1.2: 12 suites only our own ClientHello can offer"] }, abortedConnections: 3 }));
    expect(f["scan.budget-exhausted"]).toMatchObject({ severity: "error" });
    expect(f["scan.budget-exhausted"]!.evidence).toContain("TLSv1.2: 12 suites");
    expect(f["scan.budget-exhausted"]!.fix).toContain("--max-aborted");
  });

  it("probe problems become one finding per kind, a server bug included", () => {
    const f = byId(facts([], { problems: [
      { version: "TLSv1.2", engine: "raw", reason: "server-bug", detail: "the server chose cipher suite X, which we did not offer" },
      { version: "TLSv1", engine: "raw", reason: "garbage", detail: "bytes that are not TLS" },
    ] }));
    expect(f["tls.server-bug"]).toMatchObject({ severity: "medium", evidence: "TLSv1.2 (raw): the server chose cipher suite X, which we did not offer" });
    expect(f["scan.garbage"]).toMatchObject({ severity: "error" });
  });

  it("the recommended config lists Mozilla intermediate suites only", () => {
    const cfg = recommendedCipherConfig();
    expect(cfg).not.toMatch(/CBC|SHA:|RC4|DES/);
    expect(cfg).toContain("tls_ciphersuites=TLS_AES_128_GCM_SHA256");
  });

  it("TLS offered on some probe connections only: scan.no-tls (mixed servers behind one address)", () => {
    const f = byId(facts([{ suites: [s("ECDHE-RSA-AES128-GCM-SHA256")] }], { problems: [{ version: "TLSv1", engine: "raw", reason: "no-tls", detail: "the server does not offer TLS (CLIENT_SSL is not set)" }] }));
    expect(f["scan.no-tls"]).toMatchObject({ severity: "high", evidence: "TLSv1 (raw): the server does not offer TLS (CLIENT_SSL is not set)" });
  });
});
