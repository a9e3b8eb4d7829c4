import { createHash } from "node:crypto";
import type { Secret } from "./credentials.js";

// MariaDB's client_ed25519 signs the server's 32-byte scramble with an Ed25519 key whose "seed" is the
// password itself, of any length (plugin/auth_ed25519/ref10 crypto_sign: az = SHA-512(password)). node:crypto
// only takes 32-byte seeds, so the few curve operations are done here with BigInt (RFC 8032, section 5.1).

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = mod(-121665n * inverse(121666n));
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;

type Point = [bigint, bigint, bigint, bigint]; // extended coordinates X, Y, Z, T

function mod(a: bigint, m = P): bigint {
  const r = a % m;
  return r >= 0n ? r : r + m;
}

function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

// The unified addition formula of RFC 8032 5.1.4; it also doubles.
function add(p: Point, q: Point): Point {
  const a = mod((p[1] - p[0]) * (q[1] - q[0]));
  const b = mod((p[1] + p[0]) * (q[1] + q[0]));
  const c = mod(2n * D * p[3] * q[3]);
  const d = mod(2n * p[2] * q[2]);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function multiply(s: bigint, p: Point): Point {
  let r: Point = [0n, 1n, 1n, 0n];
  let q = p;
  while (s > 0n) {
    if (s & 1n) r = add(r, q);
    q = add(q, q);
    s >>= 1n;
  }
  return r;
}

function encode(p: Point): Buffer {
  const zi = inverse(p[2]);
  const x = mod(p[0] * zi);
  const y = mod(p[1] * zi);
  const out = toLe(y, 32);
  out[31]! |= Number(x & 1n) << 7;
  return out;
}

function toLe(n: bigint, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function fromLe(b: Buffer): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

const sha512 = (...parts: Buffer[]) => createHash("sha512").update(Buffer.concat(parts)).digest();

/** The Ed25519 signature of message under MariaDB's password-derived key (64 bytes: R || S). */
export function ed25519SignWithPassword(password: Buffer, message: Buffer): Buffer {
  const base: Point = [BX, BY, 1n, mod(BX * BY)];
  const az = sha512(password);
  const scalarBytes = Buffer.from(az.subarray(0, 32));
  scalarBytes[0]! &= 248;
  scalarBytes[31]! &= 63;
  scalarBytes[31]! |= 64;
  const a = fromLe(scalarBytes);
  const pub = encode(multiply(a, base));
  const r = mod(fromLe(sha512(az.subarray(32, 64), message)), L);
  const R = encode(multiply(r, base));
  const k = mod(fromLe(sha512(R, pub, message)), L);
  const s = mod(r + k * a, L);
  return Buffer.concat([R, toLe(s, 32)]);
}

/** A mysql2 authPlugins entry for MariaDB's client_ed25519. */
export function ed25519AuthPlugin(password: Secret) {
  return () => (scramble: Buffer) => ed25519SignWithPassword(Buffer.from(password.reveal(), "utf8"), scramble.subarray(0, 32));
}
