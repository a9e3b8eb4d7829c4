// The primitives of our own TLS client (src/tls/own-tls.ts): the PRF against OpenSSL's TLS1-PRF (`openssl kdf`),
// and the record protection: each bulk kind under each version seals what it opens, in sequence; a flipped byte,
// a record out of order or a wrong key makes open throw; and the sealed bytes are the RFC's construction, computed
// here from node:crypto independently of the class (GCM RFC 5288, ChaCha20-Poly1305 RFC 7905, TLS 1.0 chained CBC).
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { prf, RecordCipher } from "../../src/tls/own-tls.js";
import { requireOpenssl } from "../support/require-binaries.js";

const TLS10 = 0x0301;
const TLS11 = 0x0302;
const TLS12 = 0x0303;

/** OpenSSL's TLS1-PRF: the label goes in front of the seed. */
function opensslPrf(digest: string, secret: Buffer, label: string, seed: Buffer, len: number): Buffer {
  const out = execFileSync(requireOpenssl(), [
    "kdf", "-keylen", String(len),
    "-kdfopt", `digest:${digest}`,
    "-kdfopt", `hexsecret:${secret.toString("hex")}`,
    "-kdfopt", `hexseed:${Buffer.concat([Buffer.from(label, "ascii"), seed]).toString("hex")}`,
    "TLS1-PRF",
  ], { encoding: "utf8" });
  return Buffer.from(out.trim().replace(/:/g, ""), "hex");
}

describe("prf", () => {
  const cases: { secret: Buffer; label: string; seed: Buffer; len: number }[] = [
    { secret: crypto.randomBytes(48), label: "master secret", seed: crypto.randomBytes(64), len: 48 },
    { secret: crypto.randomBytes(48), label: "key expansion", seed: crypto.randomBytes(64), len: 100 },
    // An odd length: under TLS 1.0/1.1 the two halves overlap by one byte (RFC 2246 §5).
    { secret: crypto.randomBytes(47), label: "client finished", seed: crypto.randomBytes(36), len: 12 },
    { secret: crypto.randomBytes(256), label: "extended master secret", seed: crypto.randomBytes(32), len: 48 },
    { secret: crypto.randomBytes(1), label: "x", seed: Buffer.alloc(0), len: 100 },
  ];
  for (const [ours, theirs] of [["sha256", "SHA256"], ["sha384", "SHA384"], ["md5sha1", "MD5-SHA1"]] as const) {
    it(`${ours} equals OpenSSL's TLS1-PRF with ${theirs}`, () => {
      for (const c of cases) {
        const expected = opensslPrf(theirs, c.secret, c.label, c.seed, c.len);
        expect(expected.length).toBe(c.len);
        expect(prf(ours, c.secret, c.label, c.seed, c.len).toString("hex"), `${c.label} ${c.secret.length}`).toBe(expected.toString("hex"));
      }
    });
  }
});

type BulkArg = ConstructorParameters<typeof RecordCipher>[1];
type MacArg = ConstructorParameters<typeof RecordCipher>[2];

interface Kind {
  name: string;
  bulk: BulkArg;
  mac: MacArg;
  versions: number[];
  ivLen: number;
}

const SHA1 = { hash: "sha1", len: 20 };
const KINDS: Kind[] = [
  { name: "NULL-MD5", bulk: { kind: "null", keyLen: 0 }, mac: { hash: "md5", len: 16 }, versions: [TLS10, TLS11, TLS12], ivLen: 0 },
  { name: "NULL-SHA256", bulk: { kind: "null", keyLen: 0 }, mac: { hash: "sha256", len: 32 }, versions: [TLS12], ivLen: 0 },
  { name: "AES-128-CBC-SHA", bulk: { kind: "cbc", cipher: "aes-128-cbc", keyLen: 16, blockLen: 16 }, mac: SHA1, versions: [TLS10, TLS11, TLS12], ivLen: 16 },
  { name: "AES-256-CBC-SHA384", bulk: { kind: "cbc", cipher: "aes-256-cbc", keyLen: 32, blockLen: 16 }, mac: { hash: "sha384", len: 48 }, versions: [TLS12], ivLen: 16 },
  { name: "3DES-EDE-CBC-SHA", bulk: { kind: "cbc", cipher: "des-ede3-cbc", keyLen: 24, blockLen: 8 }, mac: SHA1, versions: [TLS10, TLS11, TLS12], ivLen: 8 },
  { name: "CAMELLIA-128-CBC-SHA", bulk: { kind: "cbc", cipher: "camellia-128-cbc", keyLen: 16, blockLen: 16 }, mac: SHA1, versions: [TLS10, TLS12], ivLen: 16 },
  { name: "AES-128-GCM", bulk: { kind: "gcm", cipher: "aes-128-gcm", keyLen: 16, tagLen: 16 }, mac: undefined, versions: [TLS12], ivLen: 4 },
  { name: "ARIA-256-GCM", bulk: { kind: "gcm", cipher: "aria-256-gcm", keyLen: 32, tagLen: 16 }, mac: undefined, versions: [TLS12], ivLen: 4 },
  { name: "AES-128-CCM", bulk: { kind: "ccm", cipher: "aes-128-ccm", keyLen: 16, tagLen: 16 }, mac: undefined, versions: [TLS12], ivLen: 4 },
  { name: "AES-256-CCM8", bulk: { kind: "ccm", cipher: "aes-256-ccm", keyLen: 32, tagLen: 8 }, mac: undefined, versions: [TLS12], ivLen: 4 },
  { name: "CHACHA20-POLY1305", bulk: { kind: "chacha", cipher: "chacha20-poly1305", keyLen: 32, tagLen: 16 }, mac: undefined, versions: [TLS12], ivLen: 12 },
];

function keysFor(k: Kind): { macKey: Buffer; key: Buffer; iv: Buffer } {
  return { macKey: crypto.randomBytes(k.mac?.len ?? 0), key: crypto.randomBytes(k.bulk.keyLen), iv: crypto.randomBytes(k.ivLen) };
}

/** Two ends of one direction with the same keys. */
function pair(k: Kind, v: number): { seal: RecordCipher; open: RecordCipher; keys: ReturnType<typeof keysFor> } {
  const keys = keysFor(k);
  return { seal: new RecordCipher(v, k.bulk, k.mac, keys), open: new RecordCipher(v, k.bulk, k.mac, keys), keys };
}

const vname = (v: number): string => ({ [TLS10]: "TLS 1.0", [TLS11]: "TLS 1.1", [TLS12]: "TLS 1.2" })[v]!;
const SIZES = [0, 1, 15, 16, 17, 100, 1 << 14];

describe("RecordCipher", () => {
  for (const k of KINDS) {
    for (const v of k.versions) {
      it(`${k.name} under ${vname(v)}: opens what it seals, in sequence; a flipped byte, a reordering or another key fails`, () => {
        const { seal, open, keys } = pair(k, v);
        // (Not randomBytes(0): Node hands CCM a zero-length buffer without a backing store as no update at all.)
        const plains = SIZES.map((n) => (n === 0 ? Buffer.alloc(0) : crypto.randomBytes(n)));
        const types = SIZES.map((_, i) => [22, 23, 21][i % 3]!);
        const sealed = plains.map((p, i) => seal.seal(types[i]!, p));
        sealed.forEach((f, i) => {
          if (k.bulk.kind !== "null") expect(f.includes(plains[i]!) && plains[i]!.length > 16, "plaintext visible in a sealed record").toBe(false);
          expect(open.open(types[i]!, f).equals(plains[i]!)).toBe(true);
        });

        // A flipped byte anywhere (explicit IV or nonce, body, MAC or tag, padding) does not open.
        const msg = Buffer.from("a refused login, 48 bytes of it, give or take...");
        for (const at of ["first", "middle", "last"] as const) {
          const p = pair(k, v);
          const f = Buffer.from(p.seal.seal(23, msg));
          const i = at === "first" ? 0 : at === "middle" ? f.length >> 1 : f.length - 1;
          f[i]! ^= 0x01;
          expect(() => p.open.open(23, f), `${at} byte`).toThrow();
        }
        // The record type is authenticated.
        const t = pair(k, v);
        expect(() => t.open.open(22, t.seal.seal(23, msg))).toThrow();
        // Out of order: the sequence number is in the MAC or the additional data.
        const r = pair(k, v);
        r.seal.seal(23, msg);
        expect(() => r.open.open(23, r.seal.seal(23, msg))).toThrow();
        // Another MAC key / key does not open.
        const other = new RecordCipher(v, k.bulk, k.mac, { ...keys, macKey: crypto.randomBytes(keys.macKey.length), key: crypto.randomBytes(keys.key.length) });
        expect(() => other.open(23, new RecordCipher(v, k.bulk, k.mac, keys).seal(23, msg))).toThrow();
      });
    }
  }

  const header = (seq: bigint, type: number, version: number, len: number): Buffer => {
    const b = Buffer.alloc(13);
    b.writeBigUInt64BE(seq);
    b[8] = type;
    b.writeUInt16BE(version, 9);
    b.writeUInt16BE(len, 11);
    return b;
  };

  it("AES-GCM is RFC 5288's: explicit nonce = sequence number, salt || explicit as the nonce, header as AAD", () => {
    const keys = { macKey: Buffer.alloc(0), key: crypto.randomBytes(16), iv: crypto.randomBytes(4) };
    const c = new RecordCipher(TLS12, { kind: "gcm", cipher: "aes-128-gcm", keyLen: 16, tagLen: 16 }, undefined, keys);
    for (let seq = 0n; seq < 3n; seq++) {
      const plain = crypto.randomBytes(40);
      const explicit = Buffer.alloc(8);
      explicit.writeBigUInt64BE(seq);
      const e = crypto.createCipheriv("aes-128-gcm", keys.key, Buffer.concat([keys.iv, explicit]));
      e.setAAD(header(seq, 23, TLS12, plain.length));
      const expected = Buffer.concat([explicit, e.update(plain), e.final(), e.getAuthTag()]);
      expect(c.seal(23, plain).toString("hex")).toBe(expected.toString("hex"));
    }
  });

  it("ChaCha20-Poly1305 is RFC 7905's: the IV xor the padded sequence number, no explicit nonce", () => {
    const keys = { macKey: Buffer.alloc(0), key: crypto.randomBytes(32), iv: crypto.randomBytes(12) };
    const c = new RecordCipher(TLS12, { kind: "chacha", cipher: "chacha20-poly1305", keyLen: 32, tagLen: 16 }, undefined, keys);
    for (let seq = 0n; seq < 3n; seq++) {
      const plain = crypto.randomBytes(33);
      const nonce = Buffer.from(keys.iv);
      const s = Buffer.alloc(8);
      s.writeBigUInt64BE(seq);
      for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!;
      const e = crypto.createCipheriv("chacha20-poly1305", keys.key, nonce, { authTagLength: 16 });
      e.setAAD(header(seq, 22, TLS12, plain.length), { plaintextLength: plain.length });
      const expected = Buffer.concat([e.update(plain), e.final(), e.getAuthTag()]);
      expect(c.seal(22, plain).toString("hex")).toBe(expected.toString("hex"));
    }
  });

  it("TLS 1.0 CBC is RFC 2246's: MAC-then-pad-then-encrypt, each record's IV the last ciphertext block of the one before", () => {
    const keys = { macKey: crypto.randomBytes(20), key: crypto.randomBytes(16), iv: crypto.randomBytes(16) };
    const c = new RecordCipher(TLS10, { kind: "cbc", cipher: "aes-128-cbc", keyLen: 16, blockLen: 16 }, SHA1, keys);
    let iv = keys.iv;
    for (let seq = 0n; seq < 3n; seq++) {
      const plain = crypto.randomBytes(21 + Number(seq) * 7);
      const mac = crypto.createHmac("sha1", keys.macKey).update(header(seq, 23, TLS10, plain.length)).update(plain).digest();
      const data = Buffer.concat([plain, mac]);
      const padLen = 15 - (data.length % 16);
      const e = crypto.createCipheriv("aes-128-cbc", keys.key, iv).setAutoPadding(false);
      const expected = Buffer.concat([e.update(Buffer.concat([data, Buffer.alloc(padLen + 1, padLen)])), e.final()]);
      expect(c.seal(23, plain).toString("hex")).toBe(expected.toString("hex"));
      iv = expected.subarray(expected.length - 16);
    }
  });

  it("TLS 1.1+ CBC carries a fresh explicit IV in each record", () => {
    const k = KINDS.find((x) => x.name === "AES-128-CBC-SHA")!;
    const { seal, open } = pair(k, TLS11);
    const a = seal.seal(23, Buffer.from("same"));
    const b = seal.seal(23, Buffer.from("same"));
    expect(a.subarray(0, 16).equals(b.subarray(0, 16))).toBe(false);
    expect(open.open(23, a).toString()).toBe("same");
    expect(open.open(23, b).toString()).toBe("same");
  });

  it("a CBC record of a bad length or with bad padding throws, never returns", () => {
    const k = KINDS.find((x) => x.name === "AES-128-CBC-SHA")!;
    const { open } = pair(k, TLS12);
    for (const n of [0, 15, 16, 17, 31]) expect(() => open.open(23, crypto.randomBytes(n)), `${n} bytes`).toThrow();
    const g = pair(KINDS.find((x) => x.name === "AES-128-GCM")!, TLS12);
    for (const n of [0, 8, 23]) expect(() => g.open.open(23, crypto.randomBytes(n)), `${n} bytes`).toThrow();
  });
});
