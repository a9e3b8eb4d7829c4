// Our own TLS 1.0-1.2 client for the scan's completed handshakes: the ClientHello of client-hello.ts, then the key
// exchange, Finished and record protection done here with node:crypto's primitives (RFC 2246, 4346, 5246, 7627,
// 5288, 6655, 7905), so that the handshake ends, as node:tls's does, in a refused login that the server does not
// count toward max_connect_errors. Why not node:tls: OpenSSL's client draws a full-length DH exponent for a prime
// it does not know by name (MariaDB's and MySQL's own 2048-bit primes), about 4 ms of CPU a DHE handshake (two
// 2048-bit exponentiations); a 256-bit exponent, as OpenSSL itself uses for the named RFC 7919 groups, costs 0.8 ms.
// It verifies nothing about the server (as the scan's node:tls probes, which trust nothing): it only needs the
// server to finish its side of the handshake.
import crypto from "node:crypto";
import type net from "node:net";
import { Duplex } from "node:stream";
import type { TlsStep } from "../net/connection.js";
import { listenUntilEnd } from "../net/socket-listen.js";
import { childrenOf, elementAt } from "../x509/name-key.js";
import { buildClientHello, NAMED_GROUPS, u16, u24, u8, VERSION_CODES } from "./client-hello.js";
import type { TlsVersionName } from "./node-handshake.js";
import { ALERT_NAMES, ContentType, HandshakeType, parseCertificateMessage, splitHandshakes, type HandshakeMessage } from "./records.js";
import { bitLength, parseServerHello } from "./server-hello.js";
import { suiteByCode, suitesForVersion, type CipherSuite } from "./suites.js";

export type OwnVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2";
const OWN_VERSIONS: readonly TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2"];

/** The groups Node's OpenSSL offers under TLS 1.2 when told none (OpenSSL 3's default list less the TLS 1.3-only ffdhe). */
export const OWN_DEFAULT_GROUPS: readonly number[] = ["x25519", "secp256r1", "x448", "secp521r1", "secp384r1"].map((n) => NAMED_GROUPS[n]!);

type Bulk =
  | { kind: "cbc"; cipher: string; keyLen: number; blockLen: number }
  | { kind: "gcm" | "ccm"; cipher: string; keyLen: number; tagLen: number }
  | { kind: "chacha"; cipher: string; keyLen: number; tagLen: number }
  | { kind: "null"; keyLen: 0 };

const BULK: Readonly<Record<string, Bulk>> = {
  NULL: { kind: "null", keyLen: 0 },
  "AES-128-CBC": { kind: "cbc", cipher: "aes-128-cbc", keyLen: 16, blockLen: 16 },
  "AES-256-CBC": { kind: "cbc", cipher: "aes-256-cbc", keyLen: 32, blockLen: 16 },
  "CAMELLIA-128-CBC": { kind: "cbc", cipher: "camellia-128-cbc", keyLen: 16, blockLen: 16 },
  "CAMELLIA-256-CBC": { kind: "cbc", cipher: "camellia-256-cbc", keyLen: 32, blockLen: 16 },
  "ARIA-128-CBC": { kind: "cbc", cipher: "aria-128-cbc", keyLen: 16, blockLen: 16 },
  "ARIA-256-CBC": { kind: "cbc", cipher: "aria-256-cbc", keyLen: 32, blockLen: 16 },
  "3DES-EDE-CBC": { kind: "cbc", cipher: "des-ede3-cbc", keyLen: 24, blockLen: 8 },
  "SEED-CBC": { kind: "cbc", cipher: "seed-cbc", keyLen: 16, blockLen: 16 },
  "AES-128-GCM": { kind: "gcm", cipher: "aes-128-gcm", keyLen: 16, tagLen: 16 },
  "AES-256-GCM": { kind: "gcm", cipher: "aes-256-gcm", keyLen: 32, tagLen: 16 },
  "ARIA-128-GCM": { kind: "gcm", cipher: "aria-128-gcm", keyLen: 16, tagLen: 16 },
  "ARIA-256-GCM": { kind: "gcm", cipher: "aria-256-gcm", keyLen: 32, tagLen: 16 },
  "AES-128-CCM": { kind: "ccm", cipher: "aes-128-ccm", keyLen: 16, tagLen: 16 },
  "AES-256-CCM": { kind: "ccm", cipher: "aes-256-ccm", keyLen: 32, tagLen: 16 },
  "AES-128-CCM8": { kind: "ccm", cipher: "aes-128-ccm", keyLen: 16, tagLen: 8 },
  "AES-256-CCM8": { kind: "ccm", cipher: "aes-256-ccm", keyLen: 32, tagLen: 8 },
  "CHACHA20-POLY1305": { kind: "chacha", cipher: "chacha20-poly1305", keyLen: 32, tagLen: 16 },
};

const MAC: Readonly<Record<string, { hash: string; len: number }>> = {
  MD5: { hash: "md5", len: 16 },
  SHA1: { hash: "sha1", len: 20 },
  SHA256: { hash: "sha256", len: 32 },
  SHA384: { hash: "sha384", len: 48 },
};

// Elliptic-curve groups by code point, as node:crypto names them (createECDH, or the X25519/X448 key types).
const EC_GROUPS: Readonly<Record<number, string>> = {
  [NAMED_GROUPS.x25519!]: "x25519",
  [NAMED_GROUPS.x448!]: "x448",
  [NAMED_GROUPS.secp256r1!]: "prime256v1",
  [NAMED_GROUPS.secp384r1!]: "secp384r1",
  [NAMED_GROUPS.secp521r1!]: "secp521r1",
  [NAMED_GROUPS.secp224r1!]: "secp224r1",
  [NAMED_GROUPS.secp256k1!]: "secp256k1",
  [NAMED_GROUPS.brainpoolP256r1!]: "brainpoolP256r1",
  [NAMED_GROUPS.brainpoolP384r1!]: "brainpoolP384r1",
  [NAMED_GROUPS.brainpoolP512r1!]: "brainpoolP512r1",
};

const available = new Map<string, boolean>();
/** Whether this Node's OpenSSL has the primitive (SEED, for one, is only in OpenSSL 3's legacy provider). */
function has(kind: "cipher" | "curve", name: string): boolean {
  const key = `${kind}:${name}`;
  let ok = available.get(key);
  if (ok === undefined) {
    try {
      if (kind === "curve") {
        if (name !== "x25519" && name !== "x448" && !crypto.getCurves().includes(name)) throw new Error(name);
      } else {
        const b = Object.values(BULK).find((x) => x.kind !== "null" && x.cipher === name)!;
        const ivLen = b.kind === "cbc" ? b.blockLen : 12;
        crypto.createCipheriv(name, Buffer.alloc(b.keyLen), Buffer.alloc(ivLen), b.kind === "ccm" || b.kind === "chacha" ? ({ authTagLength: b.tagLen } as crypto.CipherCCMOptions) : undefined);
      }
      ok = true;
    } catch {
      ok = false;
    }
    available.set(key, ok);
  }
  return ok;
}

/** The key exchanges done here: RSA (not EXPORT), DHE, ECDHE, and the anonymous DH and ECDH (no static DH keys). */
function kxSupported(s: CipherSuite): boolean {
  switch (s.keyExchange) {
    case "RSA":
      return !s.export && s.authentication === "RSA";
    case "DHE":
    case "ECDHE":
      return s.authentication === "RSA" || s.authentication === "DSS" || s.authentication === "ECDSA";
    case "DH":
    case "ECDH":
      return s.authentication === "anon";
    default:
      return false;
  }
}

const speaks = new Map<TlsVersionName, Map<CipherSuite, boolean>>();

/**
 * True when this client can complete a handshake for this suite under this version: asked of every suite of every
 * offer, so worked out once per pair.
 */
export function ownCanSpeakSuite(version: TlsVersionName, s: CipherSuite): boolean {
  let known = speaks.get(version);
  if (!known) speaks.set(version, (known = new Map()));
  let ok = known.get(s);
  if (ok === undefined) known.set(s, (ok = canSpeak(version, s)));
  return ok;
}

function canSpeak(version: TlsVersionName, s: CipherSuite): boolean {
  if (!OWN_VERSIONS.includes(version) || s.scsv || s.protocol === "tls13") return false;
  if (s.protocol === "tls12" && version !== "TLSv1.2") return false;
  const bulk = s.cipher ? BULK[s.cipher] : undefined;
  if (!bulk || !kxSupported(s)) return false;
  if (bulk.kind !== "null" && !has("cipher", bulk.cipher)) return false;
  if (bulk.kind === "cbc" || bulk.kind === "null") return !!s.mac && !!MAC[s.mac];
  return s.mac === "AEAD" && version === "TLSv1.2";
}

/**
 * Works out ownCanSpeakSuite for the suites `offered` keeps of every version this client speaks (the scan's
 * completing probes offer only what node:tls could speak too), and whether this Node has the default groups' curves:
 * about 2 ms the first time (a cipher object made for each bulk cipher), which the scan's first offers would
 * otherwise spend after the greeting, before its first probes go out (#13).
 */
export function prepareOwnTls(offered: (version: TlsVersionName, s: CipherSuite) => boolean): void {
  for (const v of OWN_VERSIONS) for (const s of suitesForVersion(v)) if (offered(v, s)) ownCanSpeakSuite(v, s);
  for (const g of OWN_DEFAULT_GROUPS) has("curve", EC_GROUPS[g]!);
}

/** True when every suite and group of an offer can be completed here, whichever of them the server picks. */
export function ownCanComplete(version: TlsVersionName, suites: readonly CipherSuite[], groups?: readonly number[]): boolean {
  if (suites.length === 0 || !suites.every((s) => ownCanSpeakSuite(version, s))) return false;
  return (groups ?? OWN_DEFAULT_GROUPS).every((g) => EC_GROUPS[g] !== undefined && has("curve", EC_GROUPS[g]!));
}

export interface OwnTlsOffer {
  version: OwnVersion;
  suites: readonly number[];
  /** supported_groups (default OWN_DEFAULT_GROUPS). */
  groups?: readonly number[];
  timeoutMs: number;
}

/** What the handshake settled: everything the scan reports of a completed probe. */
export interface OwnTlsResult {
  version: OwnVersion;
  suite: number;
  /** The ECDHE group (code point). */
  group?: number;
  /** Size of the DH prime. */
  dhBits?: number;
  /** DER, leaf first, as sent. */
  certificates: Buffer[];
  extendedMasterSecret: boolean;
}

/**
 * How the step ended: the handshake completed (the stream carries the login); the server's first flight was not
 * an acceptance this client can finish (an alert, a close, garbage, a choice it cannot do: the bytes, for the
 * caller to judge as a raw probe's); or the server chose a suite and the handshake failed after our Finished.
 * The last two end the connection unfinished, which the server counts as an aborted handshake.
 */
export type OwnTlsEnd =
  | { kind: "completed"; result: OwnTlsResult }
  | { kind: "stopped"; flight: Buffer; ended: boolean; timedOut: boolean; why: string }
  | { kind: "incomplete"; result: OwnTlsResult; why: string };

// ---------------------------------------------------------------------------------------------------------------
// Bytes.

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}
const handshakeBytes = (type: number, body: Buffer): Buffer => Buffer.concat([u8(type), u24(body.length), body]);

/** P_hash of RFC 5246 §5. */
function pHash(hash: string, secret: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let a = seed;
  while (total < length) {
    a = crypto.createHmac(hash, secret).update(a).digest();
    const chunk = crypto.createHmac(hash, secret).update(a).update(seed).digest();
    out.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The PRF: TLS 1.2's P_SHA256 / P_SHA384 (RFC 5246 §5), or TLS 1.0 and 1.1's P_MD5 xor P_SHA1 (RFC 2246 §5). */
export function prf(hash: "sha256" | "sha384" | "md5sha1", secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, "ascii"), seed]);
  if (hash !== "md5sha1") return pHash(hash, secret, labelSeed, length);
  const half = Math.ceil(secret.length / 2);
  const md5 = pHash("md5", secret.subarray(0, half), labelSeed, length);
  const sha1 = pHash("sha1", secret.subarray(secret.length - half), labelSeed, length);
  for (let i = 0; i < length; i++) md5[i]! ^= sha1[i]!;
  return md5;
}

function transcriptHash(hash: "sha256" | "sha384" | "md5sha1", messages: Buffer[]): Buffer {
  if (hash !== "md5sha1") {
    const h = crypto.createHash(hash);
    for (const m of messages) h.update(m);
    return h.digest();
  }
  const md5 = crypto.createHash("md5");
  const sha1 = crypto.createHash("sha1");
  for (const m of messages) {
    md5.update(m);
    sha1.update(m);
  }
  return Buffer.concat([md5.digest(), sha1.digest()]);
}

// ---------------------------------------------------------------------------------------------------------------
// Record protection, one direction.

interface Keys {
  macKey: Buffer;
  key: Buffer;
  iv: Buffer;
}

/** One direction's record protection: sequence number, keys, and for TLS 1.0 CBC the chained IV. */
export class RecordCipher {
  private seq = 0n;
  private chainIv: Buffer;

  constructor(
    readonly version: number,
    private readonly bulk: Bulk,
    private readonly mac: { hash: string; len: number } | undefined,
    private readonly keys: Keys,
  ) {
    this.chainIv = keys.iv;
  }

  private header(type: number, length: number): Buffer {
    return Buffer.concat([u64(this.seq), u8(type), u16(this.version), u16(length)]);
  }

  private macOf(type: number, data: Buffer): Buffer {
    return crypto.createHmac(this.mac!.hash, this.keys.macKey).update(this.header(type, data.length)).update(data).digest();
  }

  /** The protected fragment of one record of `type` holding `plain` (at most 2^14 bytes). */
  seal(type: number, plain: Buffer): Buffer {
    const b = this.bulk;
    let out: Buffer;
    if (b.kind === "null") out = Buffer.concat([plain, this.macOf(type, plain)]);
    else if (b.kind === "cbc") {
      const data = Buffer.concat([plain, this.macOf(type, plain)]);
      const padLen = b.blockLen - ((data.length + 1) % b.blockLen);
      const padded = Buffer.concat([data, Buffer.alloc(padLen + 1, padLen)]);
      const explicit = this.version >= VERSION_CODES["TLSv1.1"];
      const iv = explicit ? crypto.randomBytes(b.blockLen) : this.chainIv;
      const c = crypto.createCipheriv(b.cipher, this.keys.key, iv).setAutoPadding(false);
      const body = Buffer.concat([c.update(padded), c.final()]);
      if (!explicit) this.chainIv = body.subarray(body.length - b.blockLen);
      out = explicit ? Buffer.concat([iv, body]) : body;
    } else {
      const aad = this.header(type, plain.length);
      const explicitNonce = u64(this.seq);
      const nonce = b.kind === "chacha" ? chachaNonce(this.keys.iv, this.seq) : Buffer.concat([this.keys.iv, explicitNonce]);
      const c = crypto.createCipheriv(b.cipher, this.keys.key, nonce, { authTagLength: b.tagLen } as crypto.CipherCCMOptions) as crypto.CipherCCM;
      c.setAAD(aad, { plaintextLength: plain.length });
      const body = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
      out = b.kind === "chacha" ? body : Buffer.concat([explicitNonce, body]);
    }
    this.seq++;
    return out;
  }

  /** The plaintext of a protected fragment; throws when it does not authenticate. */
  open(type: number, fragment: Buffer): Buffer {
    const b = this.bulk;
    let plain: Buffer;
    if (b.kind === "null" || b.kind === "cbc") {
      let data = fragment;
      if (b.kind === "cbc") {
        const explicit = this.version >= VERSION_CODES["TLSv1.1"];
        const ivLen = explicit ? b.blockLen : 0;
        if (fragment.length < ivLen + b.blockLen || (fragment.length - ivLen) % b.blockLen !== 0) throw new Error("a protected record of a bad length");
        const iv = explicit ? fragment.subarray(0, ivLen) : this.chainIv;
        const body = fragment.subarray(ivLen);
        if (!explicit) this.chainIv = body.subarray(body.length - b.blockLen);
        const d = crypto.createDecipheriv(b.cipher, this.keys.key, iv).setAutoPadding(false);
        data = Buffer.concat([d.update(body), d.final()]);
        const padLen = data[data.length - 1]!;
        if (padLen + 1 > data.length) throw new Error("bad record padding");
        for (let i = data.length - 1 - padLen; i < data.length; i++) if (data[i] !== padLen) throw new Error("bad record padding");
        data = data.subarray(0, data.length - 1 - padLen);
      }
      const macLen = this.mac!.len;
      if (data.length < macLen) throw new Error("a protected record shorter than its MAC");
      plain = data.subarray(0, data.length - macLen);
      if (!crypto.timingSafeEqual(this.macOf(type, plain), data.subarray(data.length - macLen))) throw new Error("bad record MAC");
    } else {
      const explicitLen = b.kind === "chacha" ? 0 : 8;
      if (fragment.length < explicitLen + b.tagLen) throw new Error("a protected record shorter than its tag");
      const nonce = b.kind === "chacha" ? chachaNonce(this.keys.iv, this.seq) : Buffer.concat([this.keys.iv, fragment.subarray(0, 8)]);
      const body = fragment.subarray(explicitLen, fragment.length - b.tagLen);
      const d = crypto.createDecipheriv(b.cipher, this.keys.key, nonce, { authTagLength: b.tagLen } as crypto.CipherCCMOptions) as crypto.DecipherCCM;
      d.setAuthTag(fragment.subarray(fragment.length - b.tagLen));
      d.setAAD(this.header(type, body.length), { plaintextLength: body.length });
      plain = Buffer.concat([d.update(body), d.final()]);
    }
    this.seq++;
    return plain;
  }
}

/** RFC 7905 §2: the 12-byte IV xor the sequence number, left-padded. */
function chachaNonce(iv: Buffer, seq: bigint): Buffer {
  const n = Buffer.from(iv);
  const s = u64(seq);
  for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// The handshake.

// Bounds on what the server sends before its Finished: a first flight is a few KiB; a DH prime above 8192 bits
// or a record above 2^14 + 2048 bytes is not one we take.
const MAX_FLIGHT_BYTES = 1024 * 1024;
const MAX_FRAGMENT = (1 << 14) + 2048;
const MAX_DH_BYTES = 1024;
const MIN_DH_BITS = 512;
const DH_EXPONENT_BYTES = 32;

interface SuiteParams {
  suite: CipherSuite;
  bulk: Bulk;
  mac: { hash: string; len: number } | undefined;
  prfHash: "sha256" | "sha384" | "md5sha1";
}

function suiteParams(version: number, code: number): SuiteParams {
  const suite = suiteByCode(code)!;
  const bulk = BULK[suite.cipher!]!;
  const mac = suite.mac && suite.mac !== "AEAD" ? MAC[suite.mac] : undefined;
  const prfHash = version < VERSION_CODES["TLSv1.2"] ? "md5sha1" : suite.iana.endsWith("_SHA384") ? "sha384" : "sha256";
  return { suite, bulk, mac, prfHash };
}

/** Reads TLS records from a byte stream, at most MAX_FRAGMENT bytes each. */
class RecordReader {
  private buf: Buffer = Buffer.alloc(0);
  push(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
  }
  /** The next whole record, undefined when more bytes are needed; throws on bytes that are not a record. */
  next(): { type: number; fragment: Buffer } | undefined {
    if (this.buf.length < 5) return undefined;
    const type = this.buf[0]!;
    const len = this.buf.readUInt16BE(3);
    if (type < ContentType.ChangeCipherSpec || type > ContentType.Heartbeat || this.buf[1] !== 3 || len > MAX_FRAGMENT) throw new Error("bytes that are not a TLS record");
    if (this.buf.length < 5 + len) return undefined;
    const fragment = this.buf.subarray(5, 5 + len);
    this.buf = this.buf.subarray(5 + len);
    return { type, fragment };
  }
}

/** The key exchange's premaster secret and our ClientKeyExchange body. */
function keyExchange(p: SuiteParams, ske: Buffer | undefined, leaf: Buffer | undefined, clientVersion: number): { pms: Buffer; cke: Buffer; group?: number; dhBits?: number } {
  const kx = p.suite.keyExchange;
  if (kx === "RSA") {
    if (!leaf) throw new Error("no certificate to encrypt the premaster secret to");
    const pms = Buffer.concat([u16(clientVersion), crypto.randomBytes(46)]);
    const key = leafKey(leaf);
    const enc = crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, pms);
    return { pms, cke: Buffer.concat([u16(enc.length), enc]) };
  }
  if (!ske) throw new Error("no ServerKeyExchange");
  let at = 0;
  const vec = (lenBytes: 1 | 2): Buffer => {
    if (at + lenBytes > ske.length) throw new Error("a truncated ServerKeyExchange");
    const len = lenBytes === 1 ? ske[at]! : ske.readUInt16BE(at);
    if (at + lenBytes + len > ske.length) throw new Error("a truncated ServerKeyExchange");
    const v = ske.subarray(at + lenBytes, at + lenBytes + len);
    at += lenBytes + len;
    return v;
  };
  if (kx === "DHE" || kx === "DH") {
    const prime = stripZeros(vec(2));
    const g = stripZeros(vec(2));
    const ys = vec(2);
    const bits = bitLength(prime);
    if (prime.length > MAX_DH_BYTES || bits < MIN_DH_BITS) throw new Error(`a ${bits}-bit DH prime`);
    const mine = ourKey(`dh:${g.toString("hex")}:${prime.toString("hex")}`, () => {
      // Key objects, not createDiffieHellman: that one tests the prime for primality first (150-350 ms a prime).
      // A 256-bit exponent, as OpenSSL uses for the named groups of the same size (2 x 128-bit security).
      const privateKey = crypto.createPrivateKey({ key: dhPrivateKeyDer(prime, g, crypto.randomBytes(DH_EXPONENT_BYTES)), format: "der", type: "pkcs8" });
      return { derive: (peer) => crypto.diffieHellman({ privateKey, publicKey: peer }), pub: dhPublicValue(crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" })) };
    });
    const yc = mine.pub;
    const z = stripZeros(mine.derive(crypto.createPublicKey({ key: dhPublicKeyDer(prime, g, ys), format: "der", type: "spki" })));
    return { pms: z, cke: Buffer.concat([u16(yc.length), yc]), dhBits: bits };
  }
  // ECDHE / anonymous ECDH: named curves only (RFC 8422 §5.4).
  if (ske[0] !== 3 || ske.length < 3) throw new Error("a ServerKeyExchange without a named curve");
  const group = ske.readUInt16BE(1);
  at = 3;
  const point = vec(1);
  const curve = EC_GROUPS[group];
  if (!curve) throw new Error(`group 0x${group.toString(16)}, which we did not offer`);
  let z: Buffer;
  let pub: Buffer;
  if (curve === "x25519" || curve === "x448") {
    const mine = ourKey(curve, () => {
      const { privateKey, publicKey } = curve === "x25519" ? crypto.generateKeyPairSync("x25519") : crypto.generateKeyPairSync("x448");
      const der = publicKey.export({ type: "spki", format: "der" });
      return { derive: (peer) => crypto.diffieHellman({ privateKey, publicKey: peer }), pub: der.subarray(der.length - (curve === "x25519" ? 32 : 56)) };
    });
    pub = mine.pub;
    z = mine.derive(crypto.createPublicKey({ key: { kty: "OKP", crv: curve === "x25519" ? "X25519" : "X448", x: point.toString("base64url") }, format: "jwk" }));
  } else {
    const ecdh = ourEcdh(curve);
    pub = ecdh.pub;
    z = ecdh.ecdh.computeSecret(point);
  }
  return { pms: z, cke: Buffer.concat([u8(pub.length), pub]), group };
}

/**
 * Our key pair for a group or DH prime, made once per process and used by every handshake of a scan that meets
 * it: a key pair costs more than the rest of the handshake (0.8 ms for a DH key), and these keys protect nothing
 * but the refused login of an unknown user with no password. OpenSSL servers reused their DH keys the same way
 * before 1.0.2f.
 */
interface OurKey {
  pub: Buffer;
  derive(peer: crypto.KeyObject): Buffer;
}
const ourKeys = new Map<string, OurKey>();
const ourEcdhKeys = new Map<string, { ecdh: crypto.ECDH; pub: Buffer }>();
const MAX_OUR_KEYS = 32;

function ourKey(id: string, make: () => OurKey): OurKey {
  let k = ourKeys.get(id);
  if (!k) {
    if (ourKeys.size >= MAX_OUR_KEYS) ourKeys.clear();
    ourKeys.set(id, (k = make()));
  }
  return k;
}

function ourEcdh(curve: string): { ecdh: crypto.ECDH; pub: Buffer } {
  let k = ourEcdhKeys.get(curve);
  if (!k) {
    const ecdh = crypto.createECDH(curve);
    ourEcdhKeys.set(curve, (k = { ecdh, pub: ecdh.generateKeys() }));
  }
  return k;
}

let lastLeaf: { der: Buffer; key: crypto.KeyObject } | undefined;
/** The public key of the server's certificate; a scan meets the same one in every RSA handshake. */
function leafKey(der: Buffer): crypto.KeyObject {
  if (!lastLeaf?.der.equals(der)) lastLeaf = { der: Buffer.from(der), key: new crypto.X509Certificate(der).publicKey };
  return lastLeaf.key;
}

// DER for DH keys (PKCS #3 dhKeyAgreement in PKCS #8 and SubjectPublicKeyInfo), enough to hand p, g and a key to
// node:crypto.
function derLength(n: number): Buffer {
  return n < 0x80 ? u8(n) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
}
const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([u8(tag), derLength(body.length), body]);
const derInteger = (b: Buffer): Buffer => {
  const v = stripZeros(b);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([u8(0), v]) : v);
};
const DH_KEY_AGREEMENT = Buffer.from("06092a864886f70d010301", "hex"); // 1.2.840.113549.1.3.1
const dhAlgorithm = (p: Buffer, g: Buffer): Buffer => tlv(0x30, Buffer.concat([DH_KEY_AGREEMENT, tlv(0x30, Buffer.concat([derInteger(p), derInteger(g)]))]));

function dhPrivateKeyDer(p: Buffer, g: Buffer, x: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([derInteger(u8(0)), dhAlgorithm(p, g), tlv(0x04, derInteger(x))]));
}

function dhPublicKeyDer(p: Buffer, g: Buffer, y: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([dhAlgorithm(p, g), tlv(0x03, Buffer.concat([u8(0), derInteger(y)]))]));
}

/** y of a DH SubjectPublicKeyInfo as node:crypto writes it: the INTEGER inside the BIT STRING that ends it. */
function dhPublicValue(spki: Buffer): Buffer {
  const [, bitString] = childrenOf(spki, elementAt(spki, 0, spki.length));
  if (!bitString) throw new Error("a DH public key without its BIT STRING");
  // The BIT STRING's first byte counts its unused bits (none); the INTEGER y follows.
  const y = elementAt(spki, bitString.start + 1, bitString.end);
  return stripZeros(spki.subarray(y.start, y.end));
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The TLS step of one connection (net/connection.ts) with this client: the ClientHello leaves with the SSLRequest;
 * the server's first flight is read whole; our ClientKeyExchange, ChangeCipherSpec and Finished go in one write;
 * the server's Finished is checked. The completed stream carries the refused login. A first flight that is not
 * an acceptance this client can finish (an alert, a close, garbage, a choice it cannot do) ends the step as
 * "stopped" with the bytes read, for the caller to judge as a raw probe's (OwnTlsEnd).
 */
export function ownTlsStep(offer: OwnTlsOffer): TlsStep<OwnTlsEnd> {
  return ({ socket, leftover, login }) =>
    new Promise((resolve, reject) => {
      const version = VERSION_CODES[offer.version];
      const random = crypto.randomBytes(32);
      const hello = buildClientHello({ version: offer.version, cipherSuites: offer.suites, groups: offer.groups ?? OWN_DEFAULT_GROUPS, random });
      const transcript: Buffer[] = [];
      for (let off = 0; off < hello.length; off += 5 + hello.readUInt16BE(off + 3)) transcript.push(hello.subarray(off + 5, off + 5 + hello.readUInt16BE(off + 3)));
      socket.write(hello);

      const records = new RecordReader();
      let flight: Buffer = Buffer.alloc(0);
      let pendingHandshake: Buffer = Buffer.alloc(0);
      const messages: HandshakeMessage[] = [];
      let state: "flight" | "ccs" | "finished" | "done" = "flight";
      let serverCipher: RecordCipher | undefined;
      let clientCipher: RecordCipher | undefined;
      let expectedFinished: Buffer | undefined;
      let result: OwnTlsResult | undefined;
      let settled = false;

      const stop = (why: string, ended = false, timedOut = false): void => finish({ kind: "stopped", flight, ended, timedOut, why });
      const fail = (why: string): void => finish({ kind: "incomplete", result: result!, why });
      const finish = (end: OwnTlsEnd): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stopListening();
        if (end.kind !== "completed") return resolve({ abort: true, value: end });
        resolve({ completed: new OwnTlsStream(socket, records, serverCipher!, clientCipher!), value: end, loginSent: true });
      };
      const timer = setTimeout(() => stop(`the handshake did not finish within ${offer.timeoutMs / 1000} s`, false, true), offer.timeoutMs);

      const afterFlight = (): void => {
        const helloMsg = messages.find((m) => m.type === HandshakeType.ServerHello);
        if (!helloMsg) return stop("no ServerHello");
        const sh = parseServerHello(helloMsg.body);
        if (sh.version !== version || !offer.suites.includes(sh.cipherSuite) || sh.compression !== 0) return stop("a ServerHello this client does not finish");
        const p = suiteParams(version, sh.cipherSuite);
        if (!ownCanSpeakSuite(offer.version, p.suite)) return stop("a suite this client does not finish");
        const certMsg = messages.find((m) => m.type === HandshakeType.Certificate);
        const certificates = certMsg ? parseCertificateMessage(certMsg.body, false) : [];
        const ske = messages.find((m) => m.type === HandshakeType.ServerKeyExchange)?.body;
        const kx = keyExchange(p, ske, certificates[0], version);
        if (kx.group !== undefined && !(offer.groups ?? OWN_DEFAULT_GROUPS).includes(kx.group)) return stop("a group we did not offer");
        const ems = sh.extensions.some((e) => e.type === 23);
        const out: Buffer[] = [];
        // A CertificateRequest is answered with no certificate (RFC 5246 §7.4.6).
        if (messages.some((m) => m.type === HandshakeType.CertificateRequest)) out.push(handshakeBytes(HandshakeType.Certificate, u24(0)));
        out.push(handshakeBytes(16, kx.cke));
        transcript.push(...out);
        const randoms = Buffer.concat([random, sh.random]);
        const master = ems
          ? prf(p.prfHash, kx.pms, "extended master secret", transcriptHash(p.prfHash, transcript), 48)
          : prf(p.prfHash, kx.pms, "master secret", randoms, 48);
        const macLen = p.mac?.len ?? 0;
        const keyLen = p.bulk.keyLen;
        const ivLen = p.bulk.kind === "cbc" ? (version === VERSION_CODES.TLSv1 ? p.bulk.blockLen : 0) : p.bulk.kind === "chacha" ? 12 : p.bulk.kind === "null" ? 0 : 4;
        const block = prf(p.prfHash, master, "key expansion", Buffer.concat([sh.random, random]), 2 * (macLen + keyLen + ivLen));
        let o = 0;
        const take = (n: number): Buffer => block.subarray(o, (o += n));
        const cMac = take(macLen), sMac = take(macLen), cKey = take(keyLen), sKey = take(keyLen), cIv = take(ivLen), sIv = take(ivLen);
        clientCipher = new RecordCipher(version, p.bulk, p.mac, { macKey: cMac, key: cKey, iv: cIv });
        serverCipher = new RecordCipher(version, p.bulk, p.mac, { macKey: sMac, key: sKey, iv: sIv });
        const clientFinished = handshakeBytes(20, prf(p.prfHash, master, "client finished", transcriptHash(p.prfHash, transcript), 12));
        transcript.push(clientFinished);
        expectedFinished = handshakeBytes(20, prf(p.prfHash, master, "server finished", transcriptHash(p.prfHash, transcript), 12));
        const rec = (type: number, body: Buffer): Buffer => Buffer.concat([u8(type), u16(version), u16(body.length), body]);
        // The refused login goes right behind our Finished, in the same write: the server reads it once it has sent
        // its own Finished, one round trip sooner than after waiting for that (as TLS False Start does, RFC 7918).
        socket.write(
          Buffer.concat([
            rec(ContentType.Handshake, Buffer.concat(out)),
            rec(ContentType.ChangeCipherSpec, u8(1)),
            rec(ContentType.Handshake, clientCipher.seal(ContentType.Handshake, clientFinished)),
            rec(ContentType.ApplicationData, clientCipher.seal(ContentType.ApplicationData, login)),
          ]),
        );
        result = {
          version: offer.version,
          suite: sh.cipherSuite,
          ...(kx.group !== undefined ? { group: kx.group } : {}),
          ...(kx.dhBits !== undefined ? { dhBits: kx.dhBits } : {}),
          certificates,
          extendedMasterSecret: ems,
        };
        state = "ccs";
      };

      const onRecord = (type: number, fragment: Buffer): void => {
        if (state === "flight") {
          if (type !== ContentType.Handshake) return stop(type === ContentType.Alert ? "an alert" : "a record out of order");
          const split = splitHandshakes(pendingHandshake.length === 0 ? fragment : Buffer.concat([pendingHandshake, fragment]));
          pendingHandshake = split.rest;
          for (const whole of split.messages) {
            if (whole[0] === HandshakeType.HelloRequest) continue;
            messages.push({ type: whole[0]!, body: whole.subarray(4) });
            transcript.push(whole);
            // Nothing of the server's follows its ServerHelloDone until our reply.
            if (whole[0] === HandshakeType.ServerHelloDone) return afterFlight();
          }
          return;
        }
        if (type === ContentType.Alert) {
          // After our Finished the server's alert is encrypted when it has switched keys, plain when it has not.
          return fail(`the server sent an alert after our Finished${state === "ccs" && fragment.length === 2 ? ` (${ALERT_NAMES[fragment[1]!] ?? fragment[1]})` : ""}`);
        }
        if (state === "ccs") {
          if (type !== ContentType.ChangeCipherSpec) return fail("the server did not send ChangeCipherSpec after our Finished");
          state = "finished";
          return;
        }
        if (state === "finished") {
          let plain: Buffer;
          try {
            plain = serverCipher!.open(type, fragment);
          } catch (e) {
            return fail(`the server's Finished does not decrypt (${(e as Error).message})`);
          }
          if (type !== ContentType.Handshake || !plain.equals(expectedFinished!)) return fail("the server's Finished does not match the handshake");
          state = "done";
          finish({ kind: "completed", result: result! });
        }
      };

      const onData = (d: Buffer): void => {
        if (state === "flight") {
          flight = flight.length === 0 ? d : Buffer.concat([flight, d]);
          if (flight.length > MAX_FLIGHT_BYTES) return stop("a first flight above 1 MiB");
        }
        records.push(d);
        try {
          // Records after the server's Finished stay in the reader for the stream.
          for (let r = records.next(); r && !settled; r = settled ? undefined : records.next()) onRecord(r.type, r.fragment);
        } catch (e) {
          if (state === "flight") stop((e as Error).message);
          else fail((e as Error).message);
        }
      };
      const onEnd = (): void => {
        if (state === "flight") stop("closed", true);
        else fail("the server closed the connection after our Finished");
      };
      const stopListening = listenUntilEnd(socket, onData, onEnd);
      if (leftover.length > 0) onData(leftover);
    });
}

/** The application-data stream of a completed handshake: MySQL packets in, protected records out. */
class OwnTlsStream extends Duplex {
  constructor(
    private readonly socket: net.Socket,
    private readonly records: RecordReader,
    private readonly server: RecordCipher,
    private readonly client: RecordCipher,
  ) {
    super();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onEnd);
    // Records that came with the server's Finished.
    this.onData(Buffer.alloc(0));
  }

  private readonly onEnd = (): void => {
    if (!this.readableEnded) this.push(null);
  };

  private readonly onData = (d: Buffer): void => {
    if (d.length > 0) this.records.push(d);
    try {
      for (let r = this.records.next(); r; r = this.records.next()) {
        const plain = this.server.open(r.type, r.fragment);
        if (r.type === ContentType.ApplicationData) this.push(plain);
        else if (r.type === ContentType.Alert) return this.onEnd();
      }
    } catch (e) {
      this.destroy(e as Error);
      this.socket.destroy();
    }
  };

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const out: Buffer[] = [];
    for (let off = 0; off < chunk.length; off += 1 << 14) {
      const body = this.client.seal(ContentType.ApplicationData, chunk.subarray(off, off + (1 << 14)));
      out.push(u8(ContentType.ApplicationData), u16(this.client.version), u16(body.length), body);
    }
    this.socket.write(Buffer.concat(out), cb);
  }

  override _final(cb: () => void): void {
    this.socket.off("data", this.onData);
    cb();
  }
}
