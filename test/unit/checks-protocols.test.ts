import { describe, expect, it } from "vitest";
import { checkProtocols } from "../../src/checks/protocols/judge.js";
import type { CipherFacts, ProtocolFacts } from "../../src/tls/enumerate.js";
import type { TlsVersionName } from "../../src/tls/node-handshake.js";

const suite = { code: 0x002f, iana: "TLS_RSA_WITH_AES_128_CBC_SHA", openssl: "AES128-SHA", rating: "weak" as const, keyExchange: "RSA", engine: "node" as const };

function facts(accepted: Partial<Record<TlsVersionName, boolean | undefined>>, extra: Partial<CipherFacts> = {}): CipherFacts {
  const protocols: ProtocolFacts[] = (["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as TlsVersionName[]).map((v) => ({
    version: v,
    accepted: accepted[v],
    suites: accepted[v] ? [suite] : [],
    complete: accepted[v] !== undefined,
  }));
  return {
    target: { host: "db", port: 3306 },
    protocols,
    abortedConnections: 0,
    connections: 0,
    budget: { stopped: false, resets: 0, notScanned: [] },
    problems: [],
    durationMs: 1,
    ...extra,
  };
}
const ids = (f: CipherFacts): string[] => checkProtocols(f).map((x) => x.id).sort();

describe("checkProtocols", () => {
  it("a modern server (TLS 1.2 and 1.3 only) has no finding", () => {
    expect(ids(facts({ SSLv3: false, TLSv1: false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true }))).toEqual([]);
  });

  it("flags each obsolete version with its own id, severity and the tls_version fix", () => {
    const out = checkProtocols(facts({ SSLv3: true, TLSv1: true, "TLSv1.1": true, "TLSv1.2": true, "TLSv1.3": true }));
    expect(out.map((f) => [f.id, f.severity])).toEqual([
      ["protocol.sslv3-accepted", "critical"],
      ["protocol.tls10-accepted", "high"],
      ["protocol.tls11-accepted", "medium"],
    ]);
    for (const f of out) expect(f.fix).toContain("tls_version=TLSv1.2,TLSv1.3");
    expect(out[1]!.evidence).toContain("TLSv1 handshake accepted with 1 cipher suite(s)");
    expect(out[1]!.references!.join(" ")).toContain("RFC 8996");
  });

  it("neither TLS 1.2 nor 1.3: protocol.no-tls12-or-13", () => {
    const out = checkProtocols(facts({ SSLv3: false, TLSv1: true, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": false }));
    expect(out.map((f) => f.id)).toEqual(["protocol.tls10-accepted", "protocol.no-tls12-or-13"]);
    expect(out[1]!.evidence).toContain("accepted: TLSv1");
  });

  it("TLS 1.2 without 1.3 is a low finding", () => {
    expect(ids(facts({ SSLv3: false, TLSv1: false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": false }))).toEqual(["protocol.no-tls13"]);
  });

  it("a version we could not settle is an error finding with the reason, never a silent pass", () => {
    const f = facts(
      { SSLv3: false, TLSv1: undefined, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true },
      { problems: [{ version: "TLSv1", engine: "raw", reason: "server-error", detail: "MySQL error 1043: Bad handshake" }] },
    );
    const out = checkProtocols(f);
    expect(out).toEqual([expect.objectContaining({ id: "protocol.undetermined", severity: "error", evidence: "MySQL error 1043: Bad handshake" })]);
  });

  it("nothing accepted at all is an error", () => {
    expect(ids(facts({ SSLv3: false, TLSv1: false, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": false }))).toEqual(["protocol.no-tls12-or-13", "protocol.none-accepted"]);
  });

  it("a server without TLS: one critical finding, not a list of undetermined versions", () => {
    const f = facts({}, { problems: [{ version: "TLSv1.2", engine: "raw", reason: "no-tls", detail: "the server does not offer TLS (CLIENT_SSL is not set)" }] });
    expect(checkProtocols(f)).toEqual([expect.objectContaining({ id: "tls.not-offered", severity: "critical", evidence: "the server does not offer TLS (CLIENT_SSL is not set)" })]);
  });
});
