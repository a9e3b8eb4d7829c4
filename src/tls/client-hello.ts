// A ClientHello built byte by byte (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), so the tool can offer what Node's
// OpenSSL refuses to: SSL 3.0, legacy suites, any list of groups.
import { createECDH, generateKeyPairSync, randomBytes } from "node:crypto";
import net from "node:net";
import type { TlsVersionName } from "./node-handshake.js";
import { ContentType, HandshakeType } from "./records.js";
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from "./suites.js";

/** Wire codes of the protocol versions. */
export const VERSION_CODES: Readonly<Record<TlsVersionName, number>> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  "TLSv1.1": 0x0302,
  "TLSv1.2": 0x0303,
  "TLSv1.3": 0x0304,
};

/** The version name for a wire code, if it is one we know. */
export function versionName(code: number): TlsVersionName | undefined {
  return (Object.keys(VERSION_CODES) as TlsVersionName[]).find((v) => VERSION_CODES[v] === code);
}

/** TLS supported_groups code points (RFC 8422, RFC 7919, RFC 8446), by the names OpenSSL and Node use. */
export const NAMED_GROUPS: Readonly<Record<string, number>> = {
  sect163k1: 1, sect163r1: 2, sect163r2: 3, sect193r1: 4, sect193r2: 5, sect233k1: 6, sect233r1: 7, sect239k1: 8,
  sect283k1: 9, sect283r1: 10, sect409k1: 11, sect409r1: 12, sect571k1: 13, sect571r1: 14,
  secp160k1: 15, secp160r1: 16, secp160r2: 17, secp192k1: 18, secp192r1: 19, secp224k1: 20, secp224r1: 21,
  secp256k1: 22, secp256r1: 23, secp384r1: 24, secp521r1: 25,
  brainpoolP256r1: 26, brainpoolP384r1: 27, brainpoolP512r1: 28, x25519: 29, x448: 30,
  brainpoolP256r1tls13: 31, brainpoolP384r1tls13: 32, brainpoolP512r1tls13: 33,
  ffdhe2048: 256, ffdhe3072: 257, ffdhe4096: 258, ffdhe6144: 259, ffdhe8192: 260,
};

// Code point to name; the first name listed where two share a code point.
const GROUP_NAMES = new Map<number, string>();
for (const [name, c] of Object.entries(NAMED_GROUPS)) if (!GROUP_NAMES.has(c)) GROUP_NAMES.set(c, name);

/** The name of a group code point, or its hex form. */
export function groupName(code: number): string {
  return GROUP_NAMES.get(code) ?? `0x${code.toString(16).padStart(4, "0")}`;
}

/** Every named group, the common ones first (a server that honours client order then picks a usual one). */
export const DEFAULT_GROUPS: readonly number[] = (() => {
  const first = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"].map((n) => NAMED_GROUPS[n]!);
  return [...first, ...Object.values(NAMED_GROUPS).filter((c) => !first.includes(c))];
})();

/**
 * signature_algorithms. Small TLS stacks keep only the first 16 pairs (wolfSSL's 32-byte HELLO_EXT_SIGALGO_MAX
 * in older releases), so the first 16 cover every key type and hash a server may need, SHA-1 included for old
 * servers; the rarer schemes follow.
 */
export const DEFAULT_SIGNATURE_ALGORITHMS: readonly number[] = [
  0x0401, 0x0403, 0x0804, // rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
  0x0501, 0x0503, 0x0805, // ... sha384
  0x0601, 0x0603, 0x0806, // ... sha512
  0x0807, 0x0808, // ed25519, ed448
  0x0201, 0x0203, // rsa_pkcs1_sha1, ecdsa_sha1
  0x0402, 0x0202, // dsa_sha256, dsa_sha1
  0x0809, // rsa_pss_pss_sha256
  0x080a, 0x080b, // rsa_pss_pss_sha384/512
  0x081a, 0x081b, 0x081c, // ecdsa_brainpool*_tls13
  0x0502, 0x0602, // dsa_sha384/512
  0x0303, 0x0301, 0x0302, // ecdsa/rsa/dsa with sha224
  0x0103, 0x0101, 0x0102, // ecdsa/rsa/dsa with md5
];

/**
 * How many suites small TLS stacks read from a ClientHello: yaSSL (MySQL community builds before 5.7.28) reads
 * the first 64 and silently ignores the rest (MAX_SUITE_SZ 128 bytes); wolfSSL (some MariaDB builds) refuses a
 * hello with more than 150 (WOLFSSL_MAX_SUITE_SZ 300 bytes). An offer longer than 64 can make an accepted
 * suite look refused.
 */
export const YASSL_MAX_SUITES = 64;
export const WOLFSSL_MAX_SUITES = 150;

export interface ClientHelloOptions {
  version: TlsVersionName;
  cipherSuites: readonly number[];
  /** supported_groups, in preference order (default DEFAULT_GROUPS). */
  groups?: readonly number[];
  signatureAlgorithms?: readonly number[];
  /** Sent as server_name when it is a host name (never for an IP address, RFC 6066 §3). */
  servername?: string;
  random?: Buffer;
}

const EXT = {
  serverName: 0,
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  padding: 21,
  extendedMasterSecret: 23,
  supportedVersions: 43,
  pskKeyExchangeModes: 45,
  keyShare: 51,
  renegotiationInfo: 0xff01,
} as const;

const MAX_FRAGMENT = 1 << 14;

/** Big-endian unsigned integers of 1, 2 and 3 bytes, as TLS writes lengths and code points. */
export const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
export const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
// One buffer for the whole list: a ClientHello names some 100 suites and 30 signature schemes (#13).
const list16 = (items: readonly number[]): Buffer => {
  const b = Buffer.allocUnsafe(2 + 2 * items.length);
  b.writeUInt16BE(2 * items.length, 0);
  for (let i = 0; i < items.length; i++) b.writeUInt16BE(items[i]! & 0xffff, 2 + 2 * i);
  return b;
};
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);

// Key shares are never used (the probe never finishes a handshake), so one key pair per group per process is
// enough; real points matter only so that a server can answer with a ServerHello rather than an alert.
const shareCache = new Map<number, Buffer>();
function publicShare(group: number): Buffer | undefined {
  const cached = shareCache.get(group);
  if (cached) return cached;
  let share: Buffer | undefined;
  if (group === NAMED_GROUPS.x25519 || group === NAMED_GROUPS.x448) {
    const { publicKey } = group === NAMED_GROUPS.x25519 ? generateKeyPairSync("x25519") : generateKeyPairSync("x448");
    const der = publicKey.export({ type: "spki", format: "der" });
    share = der.subarray(der.length - (group === NAMED_GROUPS.x25519 ? 32 : 56));
  } else {
    const curve = { [NAMED_GROUPS.secp256r1!]: "prime256v1", [NAMED_GROUPS.secp384r1!]: "secp384r1", [NAMED_GROUPS.secp521r1!]: "secp521r1" }[group];
    if (curve) share = createECDH(curve).generateKeys();
  }
  if (share) shareCache.set(group, share);
  return share;
}

function keyShareExtension(groups: readonly number[]): Buffer {
  // Two shares keep the hello small; a server that supports only another offered group answers with a
  // HelloRetryRequest naming it, which is as good an answer for an enumeration.
  const entries: Buffer[] = [];
  for (const g of groups) {
    if (entries.length === 2) break;
    const share = publicShare(g);
    if (share) entries.push(Buffer.concat([u16(g), vec16(share)]));
  }
  return ext(EXT.keyShare, vec16(Buffer.concat(entries)));
}

/** A complete ClientHello as TLS record(s), ready to write after the SSLRequest. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  const tls13 = opts.version === "TLSv1.3";
  const ssl3 = opts.version === "SSLv3";
  const groups = opts.groups ?? DEFAULT_GROUPS;
  const random = opts.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError("the ClientHello random must be 32 bytes");
  // SSL 3.0 has no extensions, so secure renegotiation is signalled by the SCSV instead (RFC 5746 §3.3).
  const suites = ssl3 && !opts.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV) ? [...opts.cipherSuites, TLS_EMPTY_RENEGOTIATION_INFO_SCSV] : [...opts.cipherSuites];
  if (suites.length === 0) throw new RangeError("a ClientHello needs at least one cipher suite");

  const extensions: Buffer[] = [];
  if (!ssl3) {
    if (opts.servername && net.isIP(opts.servername) === 0) {
      const name = Buffer.from(opts.servername.replace(/\.$/, ""), "ascii");
      extensions.push(ext(EXT.serverName, vec16(Buffer.concat([u8(0), vec16(name)]))));
    }
    if (groups.length > 0) {
      extensions.push(ext(EXT.supportedGroups, list16(groups)));
      extensions.push(ext(EXT.ecPointFormats, vec8(Buffer.from([0, 1, 2])))); // uncompressed, ansiX962 prime/char2
    }
    // RFC 5246 §7.4.1.4.1: signature_algorithms exists from TLS 1.2 on; older servers may choke on it.
    if (opts.version === "TLSv1.2" || tls13) extensions.push(ext(EXT.signatureAlgorithms, list16(opts.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS)));
    extensions.push(ext(EXT.extendedMasterSecret, Buffer.alloc(0)));
    extensions.push(ext(EXT.renegotiationInfo, vec8(Buffer.alloc(0))));
    if (tls13) {
      extensions.push(ext(EXT.supportedVersions, vec8(u16(VERSION_CODES["TLSv1.3"]))));
      extensions.push(ext(EXT.pskKeyExchangeModes, vec8(u8(1)))); // psk_dhe_ke
      extensions.push(keyShareExtension(groups));
    }
  }

  const build = (exts: Buffer[]): Buffer =>
    Buffer.concat([
      u16(tls13 ? VERSION_CODES["TLSv1.2"] : VERSION_CODES[opts.version]),
      random,
      // TLS 1.3 middlebox compatibility mode (RFC 8446 §D.4) wants a 32-byte legacy session id.
      vec8(tls13 ? randomBytes(32) : Buffer.alloc(0)),
      list16(suites),
      vec8(u8(0)), // null compression only
      ...(exts.length > 0 ? [vec16(Buffer.concat(exts))] : []),
    ]);
  let body = build(extensions);
  // Some TLS stacks hang on hellos of 256-511 bytes (RFC 7685 §1); pad such hellos to 512.
  if (!ssl3 && body.length + 4 >= 256 && body.length + 4 < 512) {
    const padTo = 512 - (body.length + 4) - 4;
    body = build([...extensions, ext(EXT.padding, Buffer.alloc(Math.max(0, padTo)))]);
  }
  const handshake = Buffer.concat([u8(HandshakeType.ClientHello), u24(body.length), body]);
  // TLS 1.0 as the record version of a first flight is what OpenSSL and browsers send; SSL 3.0 servers need 0x0300.
  const recordVersion = ssl3 ? VERSION_CODES.SSLv3 : VERSION_CODES.TLSv1;
  const records: Buffer[] = [];
  for (let off = 0; off < handshake.length; off += MAX_FRAGMENT) {
    const fragment = handshake.subarray(off, off + MAX_FRAGMENT);
    records.push(Buffer.concat([u8(ContentType.Handshake), u16(recordVersion), u16(fragment.length), fragment]));
  }
  return Buffer.concat(records);
}
