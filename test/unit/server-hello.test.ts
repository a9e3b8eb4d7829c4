import { describe, expect, it } from "vitest";
import { HELLO_RETRY_RANDOM, judgeServerHello, parseServerHello, parseServerKeyExchange, type HelloOffer } from "../../src/tls/server-hello.js";

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), u16(data.length), data]);

/** A fluent ServerHello body builder, so each test states only what it changes. */
class HelloBuilder {
  private legacy = 0x0303;
  private rnd: Buffer = Buffer.alloc(32, 0x11);
  private sid: Buffer = Buffer.alloc(0);
  private suite = 0xc02f;
  private comp = 0;
  private exts: Buffer[] | undefined = [];
  version(v: number) { this.legacy = v; return this; }
  random(r: Buffer) { this.rnd = r; return this; }
  session(s: Buffer) { this.sid = s; return this; }
  cipher(c: number) { this.suite = c; return this; }
  compression(c: number) { this.comp = c; return this; }
  noExtensions() { this.exts = undefined; return this; }
  supportedVersion(v: number) { this.exts!.push(ext(43, u16(v))); return this; }
  keyShare(group: number, keyLen = 32) { this.exts!.push(ext(51, Buffer.concat([u16(group), u16(keyLen), Buffer.alloc(keyLen, 5)]))); return this; }
  hrrKeyShare(group: number) { this.exts!.push(ext(51, u16(group))); return this; }
  build(): Buffer {
    const parts = [u16(this.legacy), this.rnd, Buffer.from([this.sid.length]), this.sid, u16(this.suite), Buffer.from([this.comp])];
    if (this.exts) {
      const e = Buffer.concat(this.exts);
      parts.push(u16(e.length), e);
    }
    return Buffer.concat(parts);
  }
}
const sh = () => new HelloBuilder();

describe("parseServerHello", () => {
  it("reads a TLS 1.2 ServerHello", () => {
    const h = parseServerHello(sh().session(Buffer.alloc(32, 9)).cipher(0x009e).build());
    expect(h).toMatchObject({ legacyVersion: 0x0303, version: 0x0303, cipherSuite: 0x009e, compression: 0, helloRetryRequest: false });
    expect(h.sessionId.length).toBe(32);
    expect(h.keyShareGroup).toBeUndefined();
  });

  it("reads an SSL 3.0 ServerHello without extensions", () => {
    const h = parseServerHello(sh().version(0x0300).cipher(0x0004).noExtensions().build());
    expect(h).toMatchObject({ version: 0x0300, cipherSuite: 0x0004, extensions: [] });
  });

  it("takes the version from supported_versions and the group from key_share", () => {
    const h = parseServerHello(sh().cipher(0x1301).supportedVersion(0x0304).keyShare(29).build());
    expect(h).toMatchObject({ legacyVersion: 0x0303, version: 0x0304, keyShareGroup: 29, helloRetryRequest: false });
  });

  it("recognises a HelloRetryRequest by its random", () => {
    const h = parseServerHello(sh().random(HELLO_RETRY_RANDOM).cipher(0x1302).supportedVersion(0x0304).hrrKeyShare(24).build());
    expect(h).toMatchObject({ helloRetryRequest: true, keyShareGroup: 24, version: 0x0304 });
  });

  it("notices the TLS 1.3 downgrade sentinel", () => {
    const r = Buffer.concat([Buffer.alloc(24, 1), Buffer.from("444f574e47524401", "hex")]);
    expect(parseServerHello(sh().random(r).build()).downgradeSentinel).toBe("TLSv1.2");
  });

  it("throws RangeError at every cut, and on nonsense lengths", () => {
    const full = sh().session(Buffer.alloc(8, 1)).cipher(0x1301).supportedVersion(0x0304).keyShare(23, 65).build();
    // Cutting right after the compression byte yields a valid extension-less hello; every other cut is truncated.
    const extStart = 2 + 32 + 1 + 8 + 3;
    for (let i = 0; i < full.length; i++) {
      if (i === extStart) continue;
      expect(() => parseServerHello(full.subarray(0, i)), `cut at ${i}`).toThrow(RangeError);
    }
    expect(() => parseServerHello(sh().session(Buffer.alloc(33)).build())).toThrow(/session id/);
    expect(() => parseServerHello(Buffer.concat([sh().build(), Buffer.from([0])]))).toThrow(RangeError);
  });
});

describe("parseServerKeyExchange", () => {
  const dhParams = (pBytes: Buffer) => Buffer.concat([u16(pBytes.length), pBytes, u16(1), Buffer.from([2]), u16(4), Buffer.alloc(4, 7)]);
  it("measures the DH prime in bits, ignoring leading zero bytes", () => {
    const p1024 = Buffer.concat([Buffer.from([0x00, 0xff]), Buffer.alloc(127, 0xab)]);
    expect(parseServerKeyExchange(dhParams(p1024), "DHE")).toEqual({ kind: "dh", bits: 1024 });
    expect(parseServerKeyExchange(dhParams(Buffer.concat([Buffer.from([0x01]), Buffer.alloc(255)])), "DH")).toEqual({ kind: "dh", bits: 2041 });
  });
  it("skips the PSK identity hint first", () => {
    const hint = Buffer.concat([u16(3), Buffer.from("abc")]);
    expect(parseServerKeyExchange(Buffer.concat([hint, dhParams(Buffer.alloc(256, 0xff))]), "DHE-PSK")).toEqual({ kind: "dh", bits: 2048 });
    expect(parseServerKeyExchange(Buffer.concat([hint, Buffer.from([3, 0, 29, 32])]), "ECDHE-PSK")).toEqual({ kind: "ecdh", group: 29 });
    expect(parseServerKeyExchange(hint, "PSK")).toEqual({ kind: "psk-hint" });
  });
  it("reads the named curve of ECDHE, and the export RSA modulus", () => {
    expect(parseServerKeyExchange(Buffer.from([3, 0, 23, 65, 4]), "ECDHE")).toEqual({ kind: "ecdh", group: 23 });
    expect(parseServerKeyExchange(Buffer.from([1, 0, 0]), "ECDH")).toEqual({ kind: "ecdh-explicit" });
    expect(parseServerKeyExchange(Buffer.concat([u16(64), Buffer.alloc(64, 0xc0)]), "RSA")).toEqual({ kind: "rsa-export", bits: 512 });
  });
  it("throws RangeError at every cut of the DH parameters", () => {
    const body = dhParams(Buffer.alloc(32, 0xff));
    for (let i = 0; i < 2 + 32; i++) expect(() => parseServerKeyExchange(body.subarray(0, i), "DHE")).toThrow(RangeError);
  });
});

describe("judgeServerHello", () => {
  const tls12: HelloOffer = { version: "TLSv1.2", cipherSuites: [0xc02f, 0x002f] };
  const tls13: HelloOffer = { version: "TLSv1.3", cipherSuites: [0x1301, 0x1302], groups: [29, 23] };

  it("accepts a choice among what was offered", () => {
    expect(judgeServerHello(tls12, parseServerHello(sh().cipher(0x002f).build()))).toEqual({ kind: "accepted", version: "TLSv1.2", suite: 0x002f, helloRetry: false });
    expect(judgeServerHello(tls13, parseServerHello(sh().cipher(0x1302).supportedVersion(0x0304).keyShare(23, 65).build()))).toEqual({
      kind: "accepted", version: "TLSv1.3", suite: 0x1302, group: 23, helloRetry: false,
    });
    expect(judgeServerHello(tls13, parseServerHello(sh().random(HELLO_RETRY_RANDOM).cipher(0x1301).supportedVersion(0x0304).hrrKeyShare(23).build()))).toMatchObject({ kind: "accepted", helloRetry: true, group: 23 });
  });

  it("reports a lower version as such: the asked one is refused", () => {
    const offer: HelloOffer = { version: "TLSv1.2", cipherSuites: [0x002f] };
    expect(judgeServerHello(offer, parseServerHello(sh().version(0x0301).cipher(0x002f).build()))).toEqual({ kind: "lower-version", version: "TLSv1", suite: 0x002f });
  });

  it("calls out a suite, version, group or compression we did not offer as a server bug", () => {
    const bug = (offer: HelloOffer, b: HelloBuilder) => judgeServerHello(offer, parseServerHello(b.build()));
    expect(bug(tls12, sh().cipher(0x0004))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/TLS_RSA_WITH_RC4_128_MD5 \(0x0004\), which we did not offer/) });
    expect(bug({ version: "TLSv1", cipherSuites: [0x002f] }, sh().version(0x0303).cipher(0x002f))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/higher than the TLSv1/) });
    expect(bug(tls12, sh().cipher(0x1301).supportedVersion(0x0304).keyShare(29))).toMatchObject({ kind: "server-bug" });
    expect(bug(tls12, sh().cipher(0x002f).compression(1))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/compression/) });
    expect(bug(tls12, sh().version(0x0305).cipher(0x002f))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/0x0305/) });
    expect(bug(tls13, sh().cipher(0x1301).supportedVersion(0x0304).keyShare(30, 56))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/group/) });
    expect(bug(tls13, sh().cipher(0x1301).supportedVersion(0x0304))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/key_share/) });
    expect(bug({ version: "TLSv1.2", cipherSuites: [0xc02f] }, sh().version(0x0301).cipher(0xc02f))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/TLS 1.2 suite/) });
    expect(bug({ version: "TLSv1.2", cipherSuites: [0x00ff, 0x002f] }, sh().cipher(0x00ff))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/signalling/) });
    expect(bug(tls12, sh().random(HELLO_RETRY_RANDOM).cipher(0x002f))).toMatchObject({ kind: "server-bug", reason: expect.stringMatching(/HelloRetryRequest/) });
  });
});
