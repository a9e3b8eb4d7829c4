// The server side of login: parsing HandshakeResponse41 and checking mysql_native_password and
// caching_sha2_password answers, written from the MySQL source documentation.
import { constants, createHash, generateKeyPairSync, privateDecrypt, timingSafeEqual } from "node:crypto";
import { CLIENT, hasCap } from "./capabilities.js";
import { PayloadReader } from "./packets.js";

/** What a client said in Protocol::HandshakeResponse41 (secrets stay as the bytes the client sent). */
export interface HandshakeResponse {
  capabilities: number;
  maxPacketSize: number;
  charset: number;
  /** MariaDB clients put their extended capabilities in the last 4 filler bytes when CLIENT_MYSQL is unset. */
  mariadbExtCapabilities: number;
  user: string;
  authResponse: Buffer;
  database?: string;
  authPlugin?: string;
  connectAttributes: Record<string, string>;
}

/** An SSLRequest is the first 32 bytes of a HandshakeResponse41 with CLIENT_SSL set, and nothing else. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && hasCap(payload.readUInt32LE(0), CLIENT.SSL);
}

/** Parses Protocol::HandshakeResponse41; throws RangeError on a malformed packet. */
export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new PayloadReader(payload);
  const capabilities = r.int4();
  if (!hasCap(capabilities, CLIENT.PROTOCOL_41)) throw new RangeError("HandshakeResponse320 is not supported");
  const maxPacketSize = r.int4();
  const charset = r.int1();
  const filler = r.bytes(23);
  const mariadbExtCapabilities = hasCap(capabilities, CLIENT.LONG_PASSWORD) ? 0 : filler.readUInt32LE(19);
  const user = r.nulString();
  let authResponse: Buffer;
  if (hasCap(capabilities, CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA)) authResponse = r.lenencBytes();
  else if (hasCap(capabilities, CLIENT.SECURE_CONNECTION)) authResponse = r.bytes(r.int1());
  else authResponse = r.nulBytes();
  let database: string | undefined;
  if (hasCap(capabilities, CLIENT.CONNECT_WITH_DB) && r.remaining > 0) database = r.nulString();
  let authPlugin: string | undefined;
  if (hasCap(capabilities, CLIENT.PLUGIN_AUTH) && r.remaining > 0) authPlugin = r.nulString();
  const connectAttributes: Record<string, string> = {};
  if (hasCap(capabilities, CLIENT.CONNECT_ATTRS) && r.remaining > 0) {
    const end = r.lenenc() + r.offset;
    while (r.offset < end) {
      const key = r.lenencBytes().toString("utf8");
      connectAttributes[key] = r.lenencBytes().toString("utf8");
    }
  }
  return {
    capabilities,
    maxPacketSize,
    charset,
    mariadbExtCapabilities,
    user,
    authResponse: Buffer.from(authResponse),
    database: database || undefined,
    authPlugin,
    connectAttributes,
  };
}

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i % b.length] as number);
  return out;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** mysql_native_password: the client sends SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))); an empty password sends nothing. */
export function checkNativePassword(password: string, scramble: Buffer, response: Buffer): boolean {
  if (password === "") return response.length === 0;
  const stage1 = sha1(Buffer.from(password, "utf8"));
  const expected = xor(stage1, sha1(scramble.subarray(0, 20), sha1(stage1)));
  return sameBytes(expected, response);
}

/** caching_sha2_password fast path: XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + nonce)). */
export function checkSha2Scramble(password: string, scramble: Buffer, response: Buffer): boolean {
  if (password === "") return response.length === 0;
  const stage1 = sha256(Buffer.from(password, "utf8"));
  const expected = xor(stage1, sha256(sha256(stage1), scramble.subarray(0, 20)));
  return sameBytes(expected, response);
}

/** The clear-text password a client sends in full authentication over TLS (NUL-terminated). */
export function clearTextPassword(response: Buffer): string {
  const end = response.indexOf(0);
  return response.subarray(0, end < 0 ? response.length : end).toString("utf8");
}

/** The server's RSA key pair for caching_sha2_password full authentication without TLS. */
export interface RsaKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

let cachedKeys: RsaKeyPair | undefined;

/** One RSA 2048 key pair per process, made on first use (MySQL auto-generates one at startup). */
export function serverRsaKeys(): RsaKeyPair {
  cachedKeys ??= (() => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    return { publicKeyPem: publicKey, privateKeyPem: privateKey };
  })();
  return cachedKeys;
}

/** Decrypts an RSA-OAEP (SHA-1) encrypted password: the plaintext is (password + NUL) XOR the scramble, rotating. */
export function decryptRsaPassword(encrypted: Buffer, scramble: Buffer, privateKeyPem: string): string {
  const plain = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, encrypted);
  return clearTextPassword(xor(plain, scramble.subarray(0, 20)));
}
