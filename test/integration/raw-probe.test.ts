import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditError } from "../../src/errors.js";
import { connectMysql } from "../../src/net/connection.js";
import type { Target } from "../../src/net/target.js";
import { nodeTlsStep, type TlsVersionName } from "../../src/tls/node-handshake.js";
import { WOLFSSL_MAX_SUITES, YASSL_MAX_SUITES } from "../../src/tls/client-hello.js";
import { rawTlsProbe, type RawOffer, type RawProbeResult } from "../../src/tls/raw-probe.js";
import { suiteByCode, suiteByOpenSSLName, suitesForVersion } from "../../src/tls/suites.js";
import { makeCerts } from "../support/certs.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { sClient } from "../support/openssl-client.js";
import { startOpenSslBehindMysql, type OpenSslMysql } from "../support/openssl-server.js";
import { startTlsResponder, type TlsResponder, type TlsResponderOptions } from "../support/tls-responder.js";

const OPTS = { connectTimeoutMs: 3000, readTimeoutMs: 3000 };
const VERSIONS: TlsVersionName[] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
const NODE_FLAGS: Partial<Record<TlsVersionName, string>> = { TLSv1: "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3" };
const code = (openssl: string): number => suiteByOpenSSLName(openssl)!.code;

/** Offer everything for the version, note the server's choice, remove it, repeat: one connection per suite. */
async function enumerate(target: Target, version: TlsVersionName): Promise<{ suites: number[]; last: RawProbeResult; probes: RawProbeResult[] }> {
  let offer = suitesForVersion(version).map((s) => s.code);
  const suites: number[] = [];
  const probes: RawProbeResult[] = [];
  for (;;) {
    const r = await rawTlsProbe(target, { version, cipherSuites: offer }, OPTS);
    probes.push(r);
    if (r.kind !== "accepted") return { suites, last: r, probes };
    suites.push(r.suite);
    offer = offer.filter((c) => c !== r.suite);
  }
}

/** Whether node:tls completes a handshake offering exactly this suite under exactly this version. */
async function nodeNegotiates(target: Target, version: TlsVersionName, openssl: string): Promise<boolean> {
  const v = version as tls.SecureVersion;
  // TLS 1.3 suite names go in `ciphers` too: Node sorts them out of the string itself.
  const step = nodeTlsStep({ minVersion: v, maxVersion: v, ciphers: version === "TLSv1.3" ? openssl : `${openssl}:@SECLEVEL=0`, timeoutMs: 3000 }, (res) => res.cipher);
  const o = await connectMysql(target, step, OPTS);
  return o.kind === "tls-ok" && (o.value.name === openssl || o.value.standardName === suiteByOpenSSLName(openssl)?.iana);
}

describe("raw probes against real MariaDB 10.11", () => {
  let legacy: MariaDB;
  let modern: MariaDB;
  let legacyTarget: Target;
  let modernTarget: Target;
  beforeAll(async () => {
    // One after the other: the harness builds its datadir template on first use.
    legacy = await startPosture("legacy");
    modern = await startPosture("modern");
    legacyTarget = { host: "127.0.0.1", port: legacy.port };
    modernTarget = { host: "127.0.0.1", port: modern.port };
  });
  afterAll(async () => {
    await Promise.all([legacy?.stop(), modern?.stop()]);
  });

  it("finds the 91 suites of the legacy posture (16 TLS 1.0, 16 TLS 1.1, 56 TLS 1.2, 3 TLS 1.3), and no SSL 3.0", async () => {
    const found: Partial<Record<TlsVersionName, number[]>> = {};
    for (const v of VERSIONS) {
      const { suites, last, probes } = await enumerate(legacyTarget, v);
      found[v] = suites;
      expect(last, v).toMatchObject({ kind: "rejected", alert: "handshake_failure" });
      expect(probes.every((p) => p.aborted)).toBe(true);
    }
    expect(Object.fromEntries(VERSIONS.map((v) => [v, found[v]!.length]))).toEqual({ SSLv3: 0, TLSv1: 16, "TLSv1.1": 16, "TLSv1.2": 56, "TLSv1.3": 3 });
    expect(found.TLSv1).toContain(code("ADH-AES128-SHA"));
    expect(found["TLSv1.2"]).toContain(code("ECDHE-RSA-CHACHA20-POLY1305"));
  });

  it("reads the certificate chain, the DH size and the ECDHE curve from the first flight", async () => {
    const dhe = await rawTlsProbe(legacyTarget, { version: "TLSv1.2", cipherSuites: [code("DHE-RSA-AES128-GCM-SHA256")] }, OPTS);
    expect(dhe).toMatchObject({ kind: "accepted", version: "TLSv1.2", dhBits: 2048, flightComplete: true, helloRetry: false, aborted: true });
    if (dhe.kind !== "accepted") return;
    expect(dhe.certificates).toHaveLength(2); // leaf + intermediate
    expect(new (await import("node:crypto")).X509Certificate(dhe.certificates[0]!).subject).toMatch(/CN=localhost/);
    const ecdhe = await rawTlsProbe(legacyTarget, { version: "TLSv1", cipherSuites: [code("ECDHE-RSA-AES128-SHA")], groups: [24] }, OPTS);
    expect(ecdhe).toMatchObject({ kind: "accepted", version: "TLSv1", group: 24 });
    const v13 = await rawTlsProbe(legacyTarget, { version: "TLSv1.3", cipherSuites: [0x1302], groups: [23] }, OPTS);
    expect(v13).toMatchObject({ kind: "accepted", version: "TLSv1.3", suite: 0x1302, group: 23, certificates: [] });
  });

  it("counts a TLS 1.3 HelloRetryRequest for a group we sent no key share for as acceptance of that group", async () => {
    // We make key shares for elliptic groups only, so an ffdhe-only offer can be answered only by a retry request.
    const r = await rawTlsProbe(legacyTarget, { version: "TLSv1.3", cipherSuites: [0x1301], groups: [256] }, OPTS);
    expect(r).toMatchObject({ kind: "accepted", version: "TLSv1.3", suite: 0x1301, group: 256, helloRetry: true });
  });

  it("sees TLS 1.0 and 1.1 refused on the modern posture, 1.2 and 1.3 accepted", async () => {
    for (const v of ["TLSv1", "TLSv1.1", "SSLv3"] as const) {
      const r = await rawTlsProbe(modernTarget, { version: v, cipherSuites: suitesForVersion(v).map((s) => s.code) }, OPTS);
      expect(r, v).toMatchObject({ kind: "rejected", aborted: true });
    }
    for (const v of ["TLSv1.2", "TLSv1.3"] as const) {
      const r = await rawTlsProbe(modernTarget, { version: v, cipherSuites: suitesForVersion(v).map((s) => s.code) }, OPTS);
      expect(r, v).toMatchObject({ kind: "accepted", version: v });
    }
  });

  it("agrees with `openssl s_client -starttls mysql` suite by suite", async () => {
    const cases: [TlsVersionName, string][] = [
      ["TLSv1", "AES128-SHA"],
      ["TLSv1", "ADH-AES256-SHA"],
      ["TLSv1.1", "ECDHE-RSA-AES256-SHA"],
      ["TLSv1.2", "DHE-RSA-AES256-CCM8"],
      ["TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"], // needs an ECDSA certificate: refused by both
      ["TLSv1.2", "ECDHE-PSK-CHACHA20-POLY1305"], // no PSK configured: refused by both
      ["TLSv1.3", "TLS_AES_128_CCM_SHA256"], // not enabled in MariaDB's TLS 1.3 list: refused by both
    ];
    let opensslAcceptances = 0;
    for (const target of [legacyTarget, modernTarget]) {
      for (const [v, name] of cases) {
        const cipherArgs = v === "TLSv1.3" ? ["-ciphersuites", name] : ["-cipher", `${name}:@SECLEVEL=0`];
        const [ours, theirs] = await Promise.all([
          rawTlsProbe(target, { version: v, cipherSuites: [code(name)] }, OPTS),
          sClient(target.host, target.port, [NODE_FLAGS[v]!, ...cipherArgs]),
        ]);
        const opensslAccepted = theirs.cipher === name && theirs.protocol === v;
        if (opensslAccepted) opensslAcceptances++;
        expect(ours.kind === "accepted", `${target.port} ${v} ${name}: openssl ${theirs.protocol} ${theirs.cipher}`).toBe(opensslAccepted);
      }
    }
    // Legacy accepts the first four; modern (TLS 1.2+, MariaDB's default list) accepts none of the four.
    expect(opensslAcceptances).toBe(4);
  });

  it("measured: node:tls at @SECLEVEL=0 completes every suite the legacy posture accepts", async () => {
    const missing: string[] = [];
    for (const v of ["TLSv1", "TLSv1.2", "TLSv1.3"] as TlsVersionName[]) {
      for (const c of (await enumerate(legacyTarget, v)).suites) {
        const name = suiteByCode(c)!.openssl!;
        if (!(await nodeNegotiates(legacyTarget, v, name))) missing.push(`${v} ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("raw probes against openssl s_server behind a MySQL greeting", () => {
  let server: OpenSslMysql;
  beforeAll(async () => {
    const certs = await makeCerts();
    server = await startOpenSslBehindMysql({ cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key, chain: certs.intermediate.cert, minProtocol: "TLSv1" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("finds the NULL suites Debian's OpenSSL serves at security level 0, as node:tls does", async () => {
    const target = { host: server.host, port: server.port };
    const { suites } = await enumerate(target, "TLSv1");
    const names = suites.map((c) => suiteByCode(c)!.openssl);
    expect(names).toEqual(expect.arrayContaining(["NULL-MD5", "NULL-SHA", "ECDHE-RSA-NULL-SHA", "AECDH-NULL-SHA", "AES128-SHA"]));
    expect(names).toHaveLength(20);
    expect(await nodeNegotiates(target, "TLSv1", "NULL-SHA")).toBe(true);
    const r = await rawTlsProbe(target, { version: "TLSv1.2", cipherSuites: [code("NULL-SHA256")] }, OPTS);
    expect(r).toMatchObject({ kind: "accepted", version: "TLSv1.2", suite: code("NULL-SHA256") });
    if (r.kind === "accepted") expect(r.certificates).toHaveLength(2);
  });
});

describe("raw probes against the scripted responder", () => {
  const responders: TlsResponder[] = [];
  const fakes: FakeMysql[] = [];
  const start = async (o: TlsResponderOptions): Promise<Target> => {
    const r = await startTlsResponder(o);
    responders.push(r);
    return { host: r.host, port: r.port };
  };
  afterAll(async () => {
    await Promise.all([...responders.map((r) => r.stop()), ...fakes.map((f) => f.stop())]);
  });
  const all = (v: TlsVersionName): RawOffer => ({ version: v, cipherSuites: suitesForVersion(v).map((s) => s.code) });

  it("finds RC4, EXPORT, NULL and 3DES suites no OpenSSL here can serve, and SSL 3.0", async () => {
    const legacySuites = ["RC4-MD5", "EXP-RC4-MD5", "NULL-SHA", "DES-CBC3-SHA", "EDH-RSA-DES-CBC-SHA"].map(code);
    const target = await start({ suites: legacySuites, versions: ["SSLv3", "TLSv1"] });
    for (const v of ["SSLv3", "TLSv1"] as const) {
      const { suites, last } = await enumerate(target, v);
      expect(suites, v).toEqual(legacySuites);
      expect(last).toMatchObject({ kind: "rejected", alert: "handshake_failure" });
    }
    // TLS 1.2 hellos get TLS 1.0 answers: the asked version is refused, the lower one named.
    expect(await rawTlsProbe(target, all("TLSv1.2"), OPTS)).toMatchObject({ kind: "lower-version", version: "TLSv1", suite: legacySuites[0] });
    // ... and node:tls cannot even offer them.
    for (const name of ["DES-CBC3-SHA", "RC4-MD5", "EXP-RC4-MD5"]) expect(() => tls.createSecureContext({ ciphers: `${name}:@SECLEVEL=0` }), name).toThrow(/no cipher match/);
  });

  it("shows why offers must stay short: yaSSL reads 64 suites, wolfSSL refuses more than 150", async () => {
    const offer = suitesForVersion("TLSv1.2").map((s) => s.code);
    const last = offer[offer.length - 1]!;
    const yassl = await start({ suites: [last], suiteLimit: { maxSuites: YASSL_MAX_SUITES, overflow: "truncate" } });
    expect(await rawTlsProbe(yassl, { version: "TLSv1.2", cipherSuites: offer }, OPTS)).toMatchObject({ kind: "rejected", alert: "handshake_failure" });
    expect(await rawTlsProbe(yassl, { version: "TLSv1.2", cipherSuites: offer.slice(-YASSL_MAX_SUITES) }, OPTS)).toMatchObject({ kind: "accepted", suite: last });
    const wolfssl = await start({ suites: [last], suiteLimit: { maxSuites: WOLFSSL_MAX_SUITES, overflow: "refuse" } });
    expect(await rawTlsProbe(wolfssl, { version: "TLSv1.2", cipherSuites: offer }, OPTS)).toMatchObject({ kind: "rejected", alert: "decode_error" });
    expect(await rawTlsProbe(wolfssl, { version: "TLSv1.2", cipherSuites: offer.slice(-WOLFSSL_MAX_SUITES) }, OPTS)).toMatchObject({ kind: "accepted", suite: last });
  });

  it("reports the DH size of a DHE suite and the curve of an ECDHE suite", async () => {
    const target = await start({ suites: [code("DHE-RSA-AES128-SHA"), code("ECDHE-RSA-AES128-SHA")], dhBits: 1024, curve: 25 });
    expect(await rawTlsProbe(target, { version: "TLSv1.2", cipherSuites: [code("DHE-RSA-AES128-SHA")] }, OPTS)).toMatchObject({ kind: "accepted", dhBits: 1024, certificates: [expect.any(Buffer)] });
    expect(await rawTlsProbe(target, { version: "TLSv1.2", cipherSuites: [code("ECDHE-RSA-AES128-SHA")] }, OPTS)).toMatchObject({ kind: "accepted", group: 25 });
  });

  it("follows the server's order or the client's", async () => {
    const [a, b] = [code("AES128-SHA"), code("AES256-SHA")];
    const serverOrder = await start({ suites: [b, a] });
    const clientOrder = await start({ suites: [b, a], serverPreference: false });
    expect(await rawTlsProbe(serverOrder, { version: "TLSv1.2", cipherSuites: [a, b] }, OPTS)).toMatchObject({ suite: b });
    expect(await rawTlsProbe(clientOrder, { version: "TLSv1.2", cipherSuites: [a, b] }, OPTS)).toMatchObject({ suite: a });
  });

  it("says a server that rejects every suite did so with an alert, and names a refused version", async () => {
    const target = await start({ suites: [code("RC4-MD5")], versions: ["TLSv1.2"] });
    expect(await rawTlsProbe(target, { version: "TLSv1.2", cipherSuites: [code("AES128-SHA")] }, OPTS)).toMatchObject({ kind: "rejected", alert: "handshake_failure", aborted: true });
    expect(await rawTlsProbe(target, { version: "TLSv1", cipherSuites: [code("RC4-MD5")] }, OPTS)).toMatchObject({ kind: "rejected", alert: "protocol_version" });
  });

  it("does not trust a ServerHello for a suite or a version we did not offer", async () => {
    const unoffered = await start({ suites: [], mode: "unoffered-suite" });
    const r1 = await rawTlsProbe(unoffered, { version: "TLSv1.2", cipherSuites: [code("AES128-SHA")] }, OPTS);
    expect(r1).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/TLS_RSA_WITH_RC4_128_MD5 \(0x0004\), which we did not offer/), aborted: true });
    const wrongVersion = await start({ suites: [], mode: "wrong-version" });
    expect(await rawTlsProbe(wrongVersion, { version: "TLSv1", cipherSuites: [code("AES128-SHA")] }, OPTS)).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/TLSv1\.1, higher than the TLSv1/) });
    expect(await rawTlsProbe(wrongVersion, { version: "TLSv1.2", cipherSuites: [code("AES128-SHA")] }, OPTS)).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/TLSv1\.3/) });
  });

  it("names garbage, a close mid-handshake, a silent close and a stall", async () => {
    const offer = all("TLSv1.2");
    expect(await rawTlsProbe(await start({ suites: [], mode: "garbage" }), offer, OPTS)).toMatchObject({ kind: "garbage", reason: expect.stringMatching(/not TLS \(7468697320/) });
    expect(await rawTlsProbe(await start({ suites: [], mode: "close-mid-handshake" }), offer, OPTS)).toMatchObject({ kind: "rejected", alert: "closed", reason: expect.stringMatching(/mid-handshake/) });
    expect(await rawTlsProbe(await start({ suites: [], mode: "close" }), offer, OPTS)).toMatchObject({ kind: "rejected", alert: "closed", reason: expect.stringMatching(/without a TLS answer/) });
    const t0 = Date.now();
    const stalled = await rawTlsProbe(await start({ suites: [], mode: "stall" }), offer, { connectTimeoutMs: 1000, readTimeoutMs: 400 });
    expect(stalled).toMatchObject({ kind: "timeout", reason: expect.stringMatching(/within 0.4 s/), aborted: true });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("reports the server's own message when it answers with a MySQL ERR packet", async () => {
    const afterHello = await start({ suites: [], mode: "err-packet", errno: 2026, message: "SSL connection error: unknown protocol" });
    expect(await rawTlsProbe(afterHello, all("TLSv1.2"), OPTS)).toMatchObject({ kind: "server-error", errno: 2026, message: "SSL connection error: unknown protocol", aborted: true });
    const afterSslRequest = await startFakeMysql({ behaviour: "err-after-ssl-request", errno: 1045, message: "Access denied for user ''@'localhost'" });
    fakes.push(afterSslRequest);
    expect(await rawTlsProbe({ host: "127.0.0.1", port: afterSslRequest.port }, all("TLSv1.2"), OPTS)).toMatchObject({ kind: "server-error", errno: 1045, message: expect.stringMatching(/Access denied/) });
    const blocked = await startFakeMysql({ behaviour: "err-greeting", errno: 1129 });
    fakes.push(blocked);
    expect(await rawTlsProbe({ host: "127.0.0.1", port: blocked.port }, all("TLSv1.2"), OPTS)).toMatchObject({ kind: "server-error", errno: 1129, message: expect.stringMatching(/blocked/), aborted: false });
  });

  it("throws a typed error when the server offers no TLS", async () => {
    const noSsl = await startFakeMysql({ behaviour: "no-ssl" });
    fakes.push(noSsl);
    const err = await rawTlsProbe({ host: "127.0.0.1", port: noSsl.port }, all("TLSv1.2"), OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).message).toMatch(/CLIENT_SSL/);
  });
});
