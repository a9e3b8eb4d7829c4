// Reading a server's answer to a raw ClientHello: ServerHello / HelloRetryRequest (RFC 5246 §7.4.1.3,
// RFC 8446 §4.1.3-4) and ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2), and judging it
// against what was offered.
import type { TlsVersionName } from "./node-handshake.js";
import { VERSION_CODES, versionName } from "./client-hello.js";
import { suiteByCode, suiteName } from "./suites.js";

/** SHA-256("HelloRetryRequest"): the random that marks a ServerHello as a HelloRetryRequest. */
export const HELLO_RETRY_RANDOM = Buffer.from("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "hex");
const DOWNGRADE_TLS12 = Buffer.from("444f574e47524401", "hex");
const DOWNGRADE_TLS11 = Buffer.from("444f574e47524400", "hex");

const EXT_SUPPORTED_VERSIONS = 43;
const EXT_KEY_SHARE = 51;

export interface TlsExtension {
  type: number;
  data: Buffer;
}

export interface ServerHello {
  legacyVersion: number;
  /** The negotiated version: supported_versions when present, else legacy_version. */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compression: number;
  extensions: TlsExtension[];
  helloRetryRequest: boolean;
  /** key_share: the server's group (ServerHello) or the group it asks for (HelloRetryRequest). */
  keyShareGroup?: number;
  /** RFC 8446 §4.1.3: a TLS 1.3 server that negotiated lower says so in the last 8 bytes of its random. */
  downgradeSentinel?: "TLSv1.2" | "TLSv1.1";
}

/** Parses a ServerHello body; throws RangeError on a truncated or malformed one. */
export function parseServerHello(body: Buffer): ServerHello {
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > body.length) throw new RangeError(`truncated ServerHello: ${what} needs ${n} byte(s) at offset ${p}, ${body.length - p} left`);
  };
  need(2, "version");
  const legacyVersion = body.readUInt16BE(p);
  p += 2;
  need(32, "random");
  const random = body.subarray(p, p + 32);
  p += 32;
  need(1, "session id length");
  const sidLen = body[p]!;
  p += 1;
  if (sidLen > 32) throw new RangeError(`malformed ServerHello: session id of ${sidLen} bytes (at most 32)`);
  need(sidLen, "session id");
  const sessionId = body.subarray(p, p + sidLen);
  p += sidLen;
  need(3, "cipher suite and compression");
  const cipherSuite = body.readUInt16BE(p);
  const compression = body[p + 2]!;
  p += 3;
  const extensions: TlsExtension[] = [];
  // SSL 3.0 and early TLS servers may end the message here: extensions are optional.
  if (p < body.length) {
    need(2, "extensions length");
    const end = p + 2 + body.readUInt16BE(p);
    p += 2;
    if (end > body.length) throw new RangeError("truncated ServerHello: extensions run past the message");
    while (p < end) {
      need(4, "extension header");
      const type = body.readUInt16BE(p);
      const len = body.readUInt16BE(p + 2);
      p += 4;
      if (p + len > end) throw new RangeError(`truncated ServerHello: extension ${type} runs past the list`);
      extensions.push({ type, data: body.subarray(p, p + len) });
      p += len;
    }
    if (p !== body.length) throw new RangeError(`malformed ServerHello: ${body.length - p} byte(s) after the extensions`);
  }
  const helloRetryRequest = random.equals(HELLO_RETRY_RANDOM);
  let version = legacyVersion;
  const sv = extensions.find((e) => e.type === EXT_SUPPORTED_VERSIONS);
  if (sv) {
    if (sv.data.length !== 2) throw new RangeError("malformed ServerHello: supported_versions must hold one version");
    version = sv.data.readUInt16BE(0);
  }
  let keyShareGroup: number | undefined;
  const ks = extensions.find((e) => e.type === EXT_KEY_SHARE);
  if (ks) {
    if (ks.data.length < 2) throw new RangeError("malformed ServerHello: key_share too short");
    keyShareGroup = ks.data.readUInt16BE(0);
  }
  const tail = random.subarray(24);
  const downgradeSentinel = tail.equals(DOWNGRADE_TLS12) ? "TLSv1.2" : tail.equals(DOWNGRADE_TLS11) ? "TLSv1.1" : undefined;
  return {
    legacyVersion,
    version,
    random,
    sessionId,
    cipherSuite,
    compression,
    extensions,
    helloRetryRequest,
    ...(keyShareGroup !== undefined ? { keyShareGroup } : {}),
    ...(downgradeSentinel && !helloRetryRequest ? { downgradeSentinel } : {}),
  };
}

/** What a ServerKeyExchange reveals: the DH prime size, the ECDH curve, or an export RSA key size. */
export type KeyExchangeParams =
  | { kind: "dh"; bits: number }
  | { kind: "ecdh"; group: number }
  | { kind: "ecdh-explicit" }
  | { kind: "rsa-export"; bits: number }
  | { kind: "srp"; bits: number }
  | { kind: "psk-hint" }
  | { kind: "unknown" };

/** The number of significant bits of a big-endian unsigned integer. */
export function bitLength(n: Buffer): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}

/**
 * Reads the parameters at the start of a ServerKeyExchange for the key exchange of the chosen suite
 * (the registry's keyExchange: DHE, ECDHE, DH (anon), ECDH (anon), DHE-PSK, ECDHE-PSK, PSK, RSA-PSK, SRP, RSA).
 */
export function parseServerKeyExchange(body: Buffer, keyExchange: string): KeyExchangeParams {
  let p = 0;
  const vec16 = (): Buffer => {
    if (p + 2 > body.length) throw new RangeError(`truncated ServerKeyExchange at offset ${p}`);
    const len = body.readUInt16BE(p);
    if (p + 2 + len > body.length) throw new RangeError(`truncated ServerKeyExchange: a ${len}-byte field at offset ${p}`);
    const v = body.subarray(p + 2, p + 2 + len);
    p += 2 + len;
    return v;
  };
  if (keyExchange.endsWith("-PSK") || keyExchange === "PSK") {
    vec16(); // psk_identity_hint comes first (RFC 4279 §2, RFC 5489 §2)
    if (keyExchange === "PSK" || keyExchange === "RSA-PSK") return { kind: "psk-hint" };
  }
  if (keyExchange === "DHE" || keyExchange === "DH" || keyExchange === "DHE-PSK") return { kind: "dh", bits: bitLength(vec16()) };
  if (keyExchange === "SRP") return { kind: "srp", bits: bitLength(vec16()) };
  if (keyExchange === "RSA") return { kind: "rsa-export", bits: bitLength(vec16()) };
  if (keyExchange === "ECDHE" || keyExchange === "ECDH" || keyExchange === "ECDHE-PSK") {
    if (p + 1 > body.length) throw new RangeError("truncated ServerKeyExchange: no curve type");
    const curveType = body[p]!;
    if (curveType === 3) {
      if (p + 3 > body.length) throw new RangeError("truncated ServerKeyExchange: no named curve");
      return { kind: "ecdh", group: body.readUInt16BE(p + 1) };
    }
    return { kind: "ecdh-explicit" };
  }
  return { kind: "unknown" };
}

/** What was offered, as judgeServerHello needs it. */
export interface HelloOffer {
  version: TlsVersionName;
  cipherSuites: readonly number[];
  groups?: readonly number[];
}

export type HelloJudgement =
  | { kind: "accepted"; version: TlsVersionName; suite: number; group?: number; helloRetry: boolean }
  /** A TLS <= 1.2 server may answer below the client's version: the asked version is not accepted, this one is. */
  | { kind: "lower-version"; version: TlsVersionName; suite: number }
  | { kind: "server-bug"; reason: string };

/** Judges a ServerHello against the offer: only a choice among what was offered is trusted. */
export function judgeServerHello(offer: HelloOffer, hello: ServerHello): HelloJudgement {
  const hex = (n: number): string => `0x${n.toString(16).padStart(4, "0")}`;
  const bug = (reason: string): HelloJudgement => ({ kind: "server-bug", reason });
  const asked = VERSION_CODES[offer.version];
  const got = versionName(hello.version);
  if (!got) return bug(`the server answered with protocol version ${hex(hello.version)}, which is not SSL 3.0-TLS 1.3`);
  if (hello.helloRetryRequest && hello.version !== VERSION_CODES["TLSv1.3"]) return bug(`the server sent a HelloRetryRequest for ${got}, which only TLS 1.3 has`);
  if (hello.version > asked) return bug(`the server chose ${got}, higher than the ${offer.version} we asked for`);
  if (offer.version !== "TLSv1.3" && got === "TLSv1.3") return bug("the server chose TLS 1.3 without our offering it");
  if (!offer.cipherSuites.includes(hello.cipherSuite)) return bug(`the server chose cipher suite ${suiteName(hello.cipherSuite)} (${hex(hello.cipherSuite)}), which we did not offer`);
  if (hello.compression !== 0) return bug(`the server chose compression method ${hello.compression}; we offered only null compression`);
  const suite = suiteByCode(hello.cipherSuite);
  if (suite?.scsv) return bug(`the server chose the signalling value ${suite.iana} as a cipher suite`);
  if (suite) {
    const tls13Suite = suite.protocol === "tls13";
    if (tls13Suite !== (got === "TLSv1.3")) return bug(`the server chose ${suite.iana}, which is not a ${got} suite`);
    if (suite.protocol === "tls12" && hello.version < VERSION_CODES["TLSv1.2"]) return bug(`the server chose ${suite.iana}, a TLS 1.2 suite, under ${got}`);
  }
  if (got === "TLSv1.3") {
    const offered = offer.groups;
    if (hello.keyShareGroup === undefined) return bug("the server's TLS 1.3 ServerHello has no key_share");
    if (offered && !offered.includes(hello.keyShareGroup)) return bug(`the server chose key-exchange group ${hex(hello.keyShareGroup)}, which we did not offer`);
    return { kind: "accepted", version: got, suite: hello.cipherSuite, group: hello.keyShareGroup, helloRetry: hello.helloRetryRequest };
  }
  if (hello.version < asked) return { kind: "lower-version", version: got, suite: hello.cipherSuite };
  return { kind: "accepted", version: got, suite: hello.cipherSuite, helloRetry: false };
}
