// Our own TLS 1.0-1.2 client (src/tls/own-tls.ts, through completingProbe in own-engine.ts) against node:tls as the
// server, judged by what the server saw: for every registry suite both can speak, under each version, the server
// must report the handshake established with that suite and protocol, then read our login (user PROBE_USER) from
// inside the TLS session and refuse it. A wrong key block, PRF, MAC, IV or nonce would leave the server with an
// undecryptable Finished or login: no tls-established, or no handshake-response.
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMysql } from "../../src/net/connection.js";
import { PROBE_USER } from "../../src/net/failed-login.js";
import { NAMED_GROUPS } from "../../src/tls/client-hello.js";
import { nodeCanSpeak, type ProbeOutcome } from "../../src/tls/node-engine.js";
import type { TlsVersionName } from "../../src/tls/node-handshake.js";
import { completingProbe } from "../../src/tls/own-engine.js";
import { ownCanComplete, ownCanSpeakSuite, ownTlsStep } from "../../src/tls/own-tls.js";
import { suiteByCode, suiteByOpenSSLName, suitesForVersion, type CipherSuite } from "../../src/tls/suites.js";
import { makeCerts, type CertSet } from "../support/certs.js";
import { startFakeMysql, type FakeMysql, type FakeTlsOptions } from "../support/fake-mysql/server.js";
import { sClient } from "../support/openssl-client.js";
import { requireOpenssl } from "../support/require-binaries.js";
import {
  anonNullScript,
  ECDH_ANON_NULL_SHA,
  handshake,
  record,
  serverHello,
  serverHelloDone,
  startScriptedTls,
  u16,
  type AnonNullResult,
  type ScriptedConn,
  type ScriptedTls,
} from "../support/scripted-tls.js";

const run = promisify(execFile);
const timeouts = { connectTimeoutMs: 5000, readTimeoutMs: 5000 };
const ALL_CIPHERS = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
const VERSIONS: readonly ("TLSv1" | "TLSv1.1" | "TLSv1.2")[] = ["TLSv1", "TLSv1.1", "TLSv1.2"];
// OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (SSL_OP_BIT(0)); Node does not export the constant.
const SSL_OP_NO_EXTENDED_MASTER_SECRET = 1;

const suite = (name: string): CipherSuite => {
  const s = suiteByOpenSSLName(name);
  if (!s) throw new Error(`no registry suite ${name}`);
  return s;
};

/** Runs f over items, n at a time, keeping the order. */
async function pool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

const show = (o: ProbeOutcome): string => (o.kind === "accepted" ? `accepted 0x${o.code.toString(16)} aborted=${o.aborted}` : `${o.kind}: ${o.detail}`);

/**
 * What the server saw of the one connection (numbered above `afterConn`) whose TLS session had this protocol and
 * cipher: empty when it established TLS with them, read a HandshakeResponse from PROBE_USER inside TLS, and refused
 * it; else what is missing.
 */
function serverSaw(server: FakeMysql, protocol: string, cipher: string, afterConn = 0): string[] {
  const est = server.events.filter((e) => e.conn > afterConn && e.kind === "tls-established" && e.detail?.protocol === protocol && e.detail?.cipher === cipher);
  if (est.length !== 1) return [`${est.length} tls-established events with ${protocol} ${cipher}`];
  const conn = server.events.filter((e) => e.conn === est[0]!.conn);
  const problems: string[] = [];
  const hr = conn.find((e) => e.kind === "handshake-response");
  if (hr?.detail?.user !== PROBE_USER || hr.detail.secure !== true) problems.push(`no HandshakeResponse from ${PROBE_USER} over TLS (${JSON.stringify(hr?.detail)})`);
  if (!conn.some((e) => e.kind === "auth-failed" && e.detail?.user === PROBE_USER)) problems.push("no refused login");
  if (conn.some((e) => e.kind === "auth-ok" || e.kind === "tls-error")) problems.push("an auth-ok or tls-error");
  return problems;
}

describe("our TLS client against node:tls (judged by the fake MySQL server's events)", () => {
  let certs: CertSet;
  let dir: string;
  let dhFile: string;
  let rsa: FakeMysql;
  let ecdsa: FakeMysql;
  let dh1024: FakeMysql;
  let certRequest: FakeMysql;
  let noEms: FakeMysql;
  let picky: FakeMysql;
  const target = (s: FakeMysql) => ({ host: s.host, port: s.port });

  beforeAll(async () => {
    certs = await makeCerts();
    dir = mkdtempSync(join(tmpdir(), "own-tls-"));
    dhFile = join(dir, "dh1024.pem");
    // A prime of our own, not one of the named groups: the client must take p and g as sent.
    await run(requireOpenssl(), ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_paramgen_prime_len:1024", "-out", dhFile]);
    const tls = (leaf: "rsa" | "ecdsa", extra: Partial<FakeTlsOptions> = {}): FakeTlsOptions => ({
      cert: certs.leaves[leaf].cert,
      key: certs.leaves[leaf].key,
      ciphers: ALL_CIPHERS,
      minVersion: "TLSv1",
      maxVersion: "TLSv1.2",
      dhparam: "auto",
      ...extra,
    });
    [rsa, ecdsa, dh1024, certRequest, noEms, picky] = await Promise.all([
      startFakeMysql({ tls: tls("rsa") }),
      startFakeMysql({ tls: tls("ecdsa") }),
      startFakeMysql({ tls: tls("rsa", { dhparam: dhFile }) }),
      startFakeMysql({ tls: tls("rsa", { requestCert: true, ca: certs.caBundle }) }),
      startFakeMysql({ tls: tls("rsa", { secureOptions: SSL_OP_NO_EXTENDED_MASTER_SECRET }) }),
      // A server that serves five suites only: offers of several suites where it must pick.
      startFakeMysql({ tls: tls("rsa", { ciphers: "DHE-RSA-CHACHA20-POLY1305:AES128-SHA:CAMELLIA256-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-ARIA256-GCM-SHA384:@SECLEVEL=0" }) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([rsa, ecdsa, dh1024, certRequest, noEms, picky].map((s) => s?.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("completes every suite both clients speak, under TLS 1.0, 1.1 and 1.2, and the server reads our refused login", async () => {
    // DSS suites are left out: no DSA certificate here (OpenSSL 3 serves DSS suites only with a DSA key).
    const matrix = VERSIONS.flatMap((v) =>
      suitesForVersion(v)
        .filter((s) => ownCanSpeakSuite(v, s) && nodeCanSpeak(v, s) && s.authentication !== "DSS")
        .map((s) => ({ v, s, server: s.authentication === "ECDSA" ? ecdsa : rsa })),
    );
    const count = (v: TlsVersionName) => matrix.filter((m) => m.v === v).length;
    // Not a vacuous pass: the matrix is what both stacks have (77 TLS 1.2 and 23 TLS 1.0 and 1.1 suites on OpenSSL 3.0: 123 handshakes).
    expect(count("TLSv1.2")).toBeGreaterThanOrEqual(60);
    expect(count("TLSv1")).toBeGreaterThanOrEqual(20);
    expect(count("TLSv1.1")).toBeGreaterThanOrEqual(20);
    for (const kind of ["RSA", "DHE", "ECDHE", "DH", "ECDH"]) expect(matrix.some((m) => m.s.keyExchange === kind)).toBe(true);
    for (const bulk of ["NULL", "AES-128-CBC", "AES-256-CBC", "CAMELLIA-128-CBC", "AES-128-GCM", "ARIA-256-GCM", "AES-128-CCM", "AES-256-CCM8", "CHACHA20-POLY1305"]) {
      expect(matrix.some((m) => m.s.cipher === bulk), bulk).toBe(true);
    }
    for (const m of matrix) expect(ownCanComplete(m.v, [m.s]), `${m.v} ${m.s.iana}`).toBe(true);

    const outcomes = await pool(matrix, 4, (m) => completingProbe(target(m.server), { version: m.v, suites: [m.s] }, timeouts, undefined, "own"));
    const wrong: string[] = [];
    matrix.forEach((m, i) => {
      const o = outcomes[i]!;
      const id = `${m.v} ${m.s.openssl}`;
      if (o.kind !== "accepted" || o.code !== m.s.code || o.aborted || o.version !== m.v) wrong.push(`${id}: ${show(o)}`);
      for (const p of serverSaw(m.server, m.v, m.s.openssl!)) wrong.push(`${id}: server: ${p}`);
      if (m.s.keyExchange === "DHE" && o.kind === "accepted" && o.dhBits !== 2048) wrong.push(`${id}: dhBits ${o.dhBits} (dhparam auto is 2048)`);
    });
    expect(wrong).toEqual([]);
  });

  it("DHE with the server's own 1024-bit prime completes and reports 1024 bits; dhparam auto reports 2048", async () => {
    const s = suite("DHE-RSA-AES128-GCM-SHA256");
    expect(ownCanComplete("TLSv1.2", [s])).toBe(true);
    const [custom, auto, tls10] = await Promise.all([
      completingProbe(target(dh1024), { version: "TLSv1.2", suites: [s] }, timeouts, undefined, "own"),
      completingProbe(target(rsa), { version: "TLSv1.2", suites: [suite("DHE-RSA-AES256-SHA256")] }, timeouts, undefined, "own"),
      completingProbe(target(dh1024), { version: "TLSv1", suites: [suite("DHE-RSA-AES256-SHA")] }, timeouts, undefined, "own"),
    ]);
    expect(custom).toEqual({ kind: "accepted", version: "TLSv1.2", code: s.code, dhBits: 1024, aborted: false });
    expect(tls10).toEqual({ kind: "accepted", version: "TLSv1", code: suite("DHE-RSA-AES256-SHA").code, dhBits: 1024, aborted: false });
    expect(auto).toMatchObject({ kind: "accepted", dhBits: 2048, aborted: false });
    expect(serverSaw(dh1024, "TLSv1.2", "DHE-RSA-AES128-GCM-SHA256")).toEqual([]);
    expect(serverSaw(dh1024, "TLSv1", "DHE-RSA-AES256-SHA")).toEqual([]);
  });

  it("each ECDHE group offered alone is the one used, and the handshake completes", async () => {
    const groups = ["x25519", "x448", "secp256r1", "secp384r1", "secp521r1"];
    const s = suite("ECDHE-RSA-AES128-GCM-SHA256");
    const e = suite("ECDHE-ECDSA-AES256-SHA");
    for (const g of groups) {
      expect(ownCanComplete("TLSv1.2", [s], [NAMED_GROUPS[g]!])).toBe(true);
      // Under TLS 1.0 with an ECDSA key, the group list must also name the key's curve (P-256).
      expect(ownCanComplete("TLSv1", [e], [...new Set([NAMED_GROUPS[g]!, NAMED_GROUPS.secp256r1!])])).toBe(true);
    }
    const out = await Promise.all(groups.map((g) => completingProbe(target(rsa), { version: "TLSv1.2", suites: [s], groups: [g] }, timeouts, undefined, "own")));
    expect(out).toEqual(groups.map((g) => ({ kind: "accepted", version: "TLSv1.2", code: s.code, group: g, aborted: false })));
    // ECDHE_ECDSA under TLS 1.0 (the group list also names the key's curve): the first offered group is used.
    const ec = await completingProbe(target(ecdsa), { version: "TLSv1", suites: [e], groups: ["secp384r1", "secp256r1"] }, timeouts, undefined, "own");
    expect(ec).toEqual({ kind: "accepted", version: "TLSv1", code: e.code, group: "secp384r1", certCurve: "secp256r1", aborted: false });
  });

  it("answers a CertificateRequest with an empty Certificate: the handshake completes and the login is refused", async () => {
    // The server does ask (s_client sees the CertificateRequest), so the empty Certificate is really exercised.
    const probe = await sClient(certRequest.host, certRequest.port, ["-tls1_2"]);
    expect(probe.output).toMatch(/Client Certificate Types|Acceptable client certificate CA names/);
    const offers: [TlsVersionName, string][] = [
      ["TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"],
      ["TLSv1.2", "AES256-SHA256"],
      ["TLSv1.2", "DHE-RSA-CHACHA20-POLY1305"],
      ["TLSv1", "ECDHE-RSA-AES128-SHA"],
      ["TLSv1.1", "AES128-SHA"],
    ];
    const out = await Promise.all(offers.map(([v, n]) => completingProbe(target(certRequest), { version: v, suites: [suite(n)] }, timeouts, undefined, "own")));
    expect(out.map(show)).toEqual(offers.map(([, n]) => `accepted 0x${suite(n).code.toString(16)} aborted=false`));
    for (const [v, n] of offers) expect(serverSaw(certRequest, v, n), `${v} ${n}`).toEqual([]);
    const established = certRequest.events.filter((e) => e.kind === "tls-established" && e.detail?.protocol !== "TLSv1.3");
    expect(established.every((e) => e.detail?.clientCertificate === undefined)).toBe(true);
  });

  it("derives the master secret with and without the extended master secret, as the server does", async () => {
    // The two servers really differ: s_client reports EMS on one and not on the other.
    const [withEms, withoutEms] = await Promise.all([sClient(rsa.host, rsa.port, ["-tls1_2"]), sClient(noEms.host, noEms.port, ["-tls1_2"])]);
    expect(/Extended master secret: (\w+)/.exec(withEms.output)?.[1]).toBe("yes");
    expect(/Extended master secret: (\w+)/.exec(withoutEms.output)?.[1]).toBe("no");
    const offers: [TlsVersionName, string][] = [
      ["TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"],
      ["TLSv1.2", "AES128-SHA"],
      ["TLSv1", "DHE-RSA-AES128-SHA"],
    ];
    for (const [server, ems] of [[rsa, true], [noEms, false]] as const) {
      const mark = server.connections;
      for (const [v, n] of offers) {
        const o = await connectMysql(target(server), ownTlsStep({ version: v as "TLSv1" | "TLSv1.2", suites: [suite(n).code], timeoutMs: 5000 }), timeouts);
        expect(o.kind, `${v} ${n} ems=${ems}`).toBe("tls-ok");
        if (o.kind !== "tls-ok" || o.value.kind !== "completed") throw new Error("not completed");
        expect(o.value.result.extendedMasterSecret).toBe(ems);
        expect(o.login.outcome).toBe("auth-error");
        expect(o.aborted).toBe(false);
      }
      for (const [v, n] of offers) expect(serverSaw(server, v, n, mark), `${v} ${n}`).toEqual([]);
    }
  });

  it("gives the same answer as node:tls to offers of several suites", async () => {
    const offers: [TlsVersionName, string[]][] = [
      ["TLSv1.2", ["ECDHE-RSA-AES256-GCM-SHA384", "AES128-SHA", "DHE-RSA-CHACHA20-POLY1305"]],
      ["TLSv1.2", ["DHE-RSA-CHACHA20-POLY1305", "CAMELLIA256-SHA256"]],
      ["TLSv1.2", ["CAMELLIA256-SHA256", "ECDHE-ARIA256-GCM-SHA384", "AES128-SHA"]],
      ["TLSv1.2", ["AES256-GCM-SHA384", "ECDHE-ARIA256-GCM-SHA384", "ECDHE-RSA-AES128-SHA"]],
      ["TLSv1.2", ["AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"]],
      ["TLSv1.1", ["CAMELLIA256-SHA", "ECDHE-RSA-AES128-SHA", "AES128-SHA"]],
      ["TLSv1", ["DHE-RSA-AES256-SHA", "AES128-SHA"]],
      ["TLSv1", ["AES256-SHA", "ECDHE-RSA-AES256-SHA"]],
    ];
    const compare = (o: ProbeOutcome) => (o.kind === "accepted" ? { kind: o.kind, code: o.code, group: o.group, dhBits: o.dhBits, aborted: o.aborted } : { kind: o.kind });
    for (const [v, names] of offers) {
      const suites = names.map(suite);
      expect(ownCanComplete(v, suites), names.join(",")).toBe(true);
      const [own, node] = await Promise.all([
        completingProbe(target(picky), { version: v, suites }, timeouts, undefined, "own"),
        completingProbe(target(picky), { version: v, suites }, timeouts, undefined, "node"),
      ]);
      expect(compare(own), `${v} ${names.join(",")}`).toEqual(compare(node));
    }
    // Not all alike: the offers were accepted with several different suites, and the fifth and last refused.
    const accepted = picky.events.filter((e) => e.kind === "tls-established").map((e) => e.detail?.cipher);
    expect(new Set(accepted).size).toBeGreaterThanOrEqual(3);
  });
});

// Hostile and broken servers, scripted (test/support/scripted-tls.ts), judged by what the client sent them after
// their first flight: a key exchange it must refuse gets no ClientKeyExchange, no Finished and no login, and the
// probe ends at once (not at its read timeout) with the suite named as accepted-and-aborted, or as failed.
describe("our TLS client against scripted servers", () => {
  const servers: ScriptedTls[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const start = async (script: (c: ScriptedConn) => void): Promise<ScriptedTls> => {
    const s = await startScriptedTls(script);
    servers.push(s);
    return s;
  };
  const ADH_AES128_SHA = 0x0034;
  const AECDH_AES128_SHA = 0xc018;
  const SECP256R1 = 23;
  const X25519 = 29;
  const modp2 = crypto.getDiffieHellman("modp2").getPrime(); // RFC 2409's 1024-bit prime

  /** A first flight for an anonymous suite: ServerHello, ServerKeyExchange, ServerHelloDone. */
  const anonFlight = (suite: number, ske: Buffer) => (c: ScriptedConn) => {
    c.socket.write(record(22, Buffer.concat([serverHello(suite), handshake(12, ske), serverHelloDone()])));
  };
  const dhParams = (p: Buffer, ys: Buffer) => Buffer.concat([u16(p.length), p, u16(1), Buffer.from([2]), u16(ys.length), ys]);
  const ecParams = (group: number, point: Buffer) => Buffer.concat([Buffer.from([3]), u16(group), Buffer.from([point.length]), point]);

  const bigPrime = Buffer.alloc(1025, 0xff); // 8200 bits (the client takes at most 8192)
  const pMinus1 = Buffer.from(modp2);
  pMinus1[pMinus1.length - 1]! -= 1;
  const offCurve = Buffer.concat([Buffer.from([4]), crypto.randomBytes(64)]);
  const hostile: { name: string; suite: number; script: (c: ScriptedConn) => void }[] = [
    { name: "a DH prime of 8200 bits", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(bigPrime, crypto.randomBytes(1025))) },
    { name: "a DH Ys of 0", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2, Buffer.from([0]))) },
    { name: "a DH Ys of 1", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2, Buffer.from([1]))) },
    { name: "a DH Ys of p - 1", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2, pMinus1)) },
    { name: "a DH Ys of p", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2, modp2)) },
    { name: "a DH prime of 256 bits", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2.subarray(0, 32), Buffer.from([5]))) },
    { name: "a P-256 point off the curve", suite: AECDH_AES128_SHA, script: anonFlight(AECDH_AES128_SHA, ecParams(SECP256R1, offCurve)) },
    { name: "the P-256 point at infinity", suite: AECDH_AES128_SHA, script: anonFlight(AECDH_AES128_SHA, ecParams(SECP256R1, Buffer.from([0]))) },
    { name: "the x25519 point 0 (a shared secret of zeros)", suite: AECDH_AES128_SHA, script: anonFlight(AECDH_AES128_SHA, ecParams(X25519, Buffer.alloc(32))) },
    { name: "an x25519 point of 31 bytes", suite: AECDH_AES128_SHA, script: anonFlight(AECDH_AES128_SHA, ecParams(X25519, crypto.randomBytes(31))) },
    { name: "a group it did not offer (secp224r1, a valid point)", suite: AECDH_AES128_SHA, script: anonFlight(AECDH_AES128_SHA, ecParams(21, crypto.createECDH("secp224r1").generateKeys())) },
    { name: "a truncated ServerKeyExchange", suite: ADH_AES128_SHA, script: anonFlight(ADH_AES128_SHA, dhParams(modp2, crypto.randomBytes(128)).subarray(0, 100)) },
    {
      name: "a record of 2^14 + 2049 bytes",
      suite: ADH_AES128_SHA,
      script: (c) => {
        const flight = Buffer.concat([serverHello(ADH_AES128_SHA), handshake(12, dhParams(modp2, crypto.randomBytes(128))), serverHelloDone()]);
        c.socket.write(record(22, Buffer.concat([flight, Buffer.alloc((1 << 14) + 2049 - flight.length)])));
      },
    },
  ];

  for (const h of hostile) {
    it(`${h.name}: no ClientKeyExchange, and the probe ends at once without completing`, async () => {
      const server = await start(h.script);
      const s = suiteByCode(h.suite)!;
      expect(ownCanComplete("TLSv1.2", [s])).toBe(true);
      const o = await completingProbe({ host: server.host, port: server.port }, { version: "TLSv1.2", suites: [s] }, { connectTimeoutMs: 5000, readTimeoutMs: 8000 }, undefined, "own");
      const ok = (o.kind === "accepted" && o.code === s.code && o.aborted) || (o.kind === "failed" && o.reason !== "timeout" && o.aborted);
      expect(ok, show(o)).toBe(true);
      const conn = server.conns[0]!;
      await conn.whenClosed;
      // Nothing after the ClientHello but, at most, an alert.
      expect(conn.records().map((r) => r.type).filter((t) => t !== 21)).toEqual([]);
      expect(conn.received.length).toBeLessThan(64);
    });
  }

  // The same flights with valid values: the client goes on (so the cases above fail on the value, not the flight).
  const closeAfterLogin = (flight: (c: ScriptedConn) => void) => (c: ScriptedConn) => {
    flight(c);
    c.onData = () => {
      if (c.records().some((r) => r.type === 23)) c.socket.end();
    };
  };
  const valid: { name: string; suite: number; script: (c: ScriptedConn) => void }[] = [
    { name: "a valid DH Ys", suite: ADH_AES128_SHA, script: closeAfterLogin(anonFlight(ADH_AES128_SHA, dhParams(modp2, crypto.getDiffieHellman("modp2").generateKeys()))) },
    { name: "a valid P-256 point", suite: AECDH_AES128_SHA, script: closeAfterLogin(anonFlight(AECDH_AES128_SHA, ecParams(SECP256R1, crypto.createECDH("prime256v1").generateKeys()))) },
    {
      name: "a valid x25519 point",
      suite: AECDH_AES128_SHA,
      script: closeAfterLogin(anonFlight(AECDH_AES128_SHA, ecParams(X25519, crypto.generateKeyPairSync("x25519").publicKey.export({ type: "spki", format: "der" }).subarray(-32)))),
    },
  ];
  for (const h of valid) {
    it(`control, ${h.name}: the client sends its ClientKeyExchange, ChangeCipherSpec, Finished and login`, async () => {
      const server = await start(h.script);
      const s = suiteByCode(h.suite)!;
      const o = await completingProbe({ host: server.host, port: server.port }, { version: "TLSv1.2", suites: [s] }, timeouts, undefined, "own");
      // The server closed instead of sending its Finished: the suite was accepted, the handshake aborted.
      expect(o, show(o)).toMatchObject({ kind: "accepted", code: s.code, aborted: true });
      await server.conns[0]!.whenClosed;
      const records = server.conns[0]!.records();
      expect(records.map((r) => r.type)).toEqual([22, 20, 22, 23]);
      expect(records[0]!.fragment[0]).toBe(16); // ClientKeyExchange
    });
  }

  it("a server whose Finished is wrong (under a right MAC) is not reported as completed", async () => {
    const results: AnonNullResult[] = [];
    const server = await start(anonNullScript("wrong", results));
    const s = suiteByCode(ECDH_ANON_NULL_SHA)!;
    expect(ownCanComplete("TLSv1.2", [s])).toBe(true);
    const o = await completingProbe({ host: server.host, port: server.port }, { version: "TLSv1.2", suites: [s] }, timeouts, undefined, "own");
    expect(o).toEqual({ kind: "accepted", version: "TLSv1.2", code: ECDH_ANON_NULL_SHA, group: "x25519", aborted: true });
    await server.conns[0]!.whenClosed;
    // Our side was right: the wrong Finished is the server's alone. Nothing more was sent after it.
    expect(results[0]!.clientFinishedOk).toBe(true);
    expect(results[0]!.laterRecords).toEqual([]);
  });

  const rightCases: { name: string; opts: Parameters<typeof anonNullScript>[2] }[] = [
    { name: "EMS", opts: { echoEms: true } },
    { name: "no EMS", opts: { echoEms: false } },
    { name: "EMS, a HelloRequest first and the flight in records of 7 bytes", opts: { echoEms: true, split: 7, helloRequest: true } },
  ];
  for (const { name, opts } of rightCases) {
    it(`the same scripted server with a right Finished completes (${name}): the server checks our Finished and reads our login`, async () => {
      const echoEms = opts?.echoEms !== false;
      const results: AnonNullResult[] = [];
      const server = await start(anonNullScript("right", results, opts));
      const s = suiteByCode(ECDH_ANON_NULL_SHA)!;
      const o = await completingProbe({ host: server.host, port: server.port }, { version: "TLSv1.2", suites: [s] }, timeouts, undefined, "own");
      expect(o).toEqual({ kind: "accepted", version: "TLSv1.2", code: ECDH_ANON_NULL_SHA, group: "x25519", aborted: false });
      await server.conns[0]!.whenClosed;
      const r = results[0]!;
      expect(r.ems).toBe(echoEms);
      expect(r.clientFinishedOk).toBe(true);
      // A HandshakeResponse41 (sequence id 2, after the greeting and the SSLRequest) as PROBE_USER.
      expect(r.login?.[3]).toBe(2);
      expect(r.login?.subarray(4 + 32).toString("latin1")).toContain(`${PROBE_USER}\u0000`);
    });
  }
});
