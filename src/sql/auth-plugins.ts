// The authentication plugins that can put the password itself on the wire: caching_sha2_password (its "perform
// full authentication" step), sha256_password and mysql_clear_password. mysql2's own versions send it in clear
// inside any TLS, verified or not, and over clear text encrypt it to whatever RSA key the server sends back; so
// they are replaced here by versions that ask passwordRelease() first, as the mysql client does (error 2061
// without --server-public-key-path or --get-server-public-key), and more strictly when --ssl-mode was not given.
import { constants, createHash, createPublicKey, publicEncrypt } from "node:crypto";
import { AuditError } from "../errors.js";
import type { Secret, SslMode } from "./credentials.js";

/** What the connection is when the server asks for the password. */
export type AuthTransport = "clear" | "unverified-tls" | "verified-tls";

/** The plugins that ask for the password itself, by what they call that step. */
export type PasswordPlugin = "caching_sha2_password" | "sha256_password" | "mysql_clear_password";

/** The user's choices that decide whether the password may go, and how. */
export interface ReleaseRules {
  sslMode: SslMode;
  /** --ssl-mode (or an option file's ssl-mode) was given. */
  sslModeGiven: boolean;
  /** The PEM of --server-public-key-path. */
  serverPublicKey?: string;
  getServerPublicKey: boolean;
}

/** What to do when the server asks for the password. */
export type Release =
  | { action: "send-in-tls"; exposed: boolean }
  | { action: "encrypt-to-own-key" }
  | { action: "request-server-key" }
  | { action: "refuse"; message: string };

const ASKS: Record<PasswordPlugin, string> = {
  caching_sha2_password: "caching_sha2_password full authentication",
  sha256_password: "sha256_password",
  mysql_clear_password: "mysql_clear_password",
};

/**
 * Whether the password itself may go to this server now, and how. Inside verified TLS it goes. Inside TLS whose
 * certificate was not verified only under an explicit --ssl-mode (REQUIRED accepts the risk; PREFERRED keeps the
 * mysql client's behaviour), and then it is "exposed". Over clear text (possible only under an explicit PREFERRED
 * or DISABLED) the RSA plugins encrypt it to --server-public-key-path, or with --get-server-public-key to the key
 * the server sends; mysql_clear_password never goes.
 */
export function passwordRelease(plugin: PasswordPlugin, transport: AuthTransport, r: ReleaseRules): Release {
  const asks = ASKS[plugin];
  if (transport === "verified-tls") return { action: "send-in-tls", exposed: false };
  if (transport === "unverified-tls") {
    if (r.sslModeGiven && (r.sslMode === "REQUIRED" || r.sslMode === "PREFERRED")) return { action: "send-in-tls", exposed: true };
    return {
      action: "refuse",
      message: `the server asked for the password itself (${asks}) inside TLS whose certificate was not verified, so it was not sent: verify the server with --ssl-ca FILE and --ssl-mode VERIFY_IDENTITY (or VERIFY_CA), or accept the risk with an explicit --ssl-mode REQUIRED`,
    };
  }
  if (plugin === "mysql_clear_password") {
    return {
      action: "refuse",
      message: `the server asked for the password in clear text (${asks}) over an unencrypted connection, so it was not sent: log in over TLS (--ssl-mode VERIFY_IDENTITY with --ssl-ca)`,
    };
  }
  if (r.serverPublicKey !== undefined) return { action: "encrypt-to-own-key" };
  if (r.getServerPublicKey) return { action: "request-server-key" };
  return {
    action: "refuse",
    message: `Authentication plugin '${plugin}' reported error: Authentication requires secure connection (as the mysql client's error 2061): over clear text the password would be encrypted to an RSA key the server itself sends; give the server's key with --server-public-key-path FILE, accept the one it sends with --get-server-public-key, or log in over TLS (--ssl-mode VERIFY_IDENTITY with --ssl-ca)`,
  };
}

/** What the plugins did with the password, for the login's report. */
export interface PasswordOutcome {
  /** The last plugin the server had us speak (mysql_native_password when it never switched). */
  plugin: string;
  /** The password itself went inside TLS whose certificate was not verified. */
  sentInUnverifiedTls?: boolean;
  /** The password was encrypted to an RSA key the server sent (--get-server-public-key over clear text). */
  encryptedToServerKey?: boolean;
  /** Why the login was stopped before the password went; the login's error. */
  refusal?: AuditError;
}

/** What a plugin may ask of the connection at the moment the server asks. */
export interface AuthContext {
  password: Secret;
  rules: ReleaseRules;
  transport(): AuthTransport;
  outcome: PasswordOutcome;
}

// MySQL's password scramble for RSA: (password + NUL) XOR the 20-byte nonce, repeated.
function xorRotating(a: Buffer, seed: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ seed[i % seed.length]!;
  return out;
}

/** RSA-OAEP (SHA-1) of the NUL-terminated password XOR the nonce, as MySQL 8 servers decrypt it. */
export function encryptPassword(password: string, scramble: Buffer, keyPem: string | Buffer): Buffer {
  const key = createPublicKey(keyPem);
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, xorRotating(Buffer.from(`${password}\0`, "utf8"), scramble));
}

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** caching_sha2_password's scramble: XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + nonce)); empty for no password. */
export function sha2Scramble(password: string, nonce: Buffer): Buffer {
  if (!password) return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, "utf8"));
  const stage3 = sha256(sha256(stage1), nonce);
  return xorRotating(stage1, stage3);
}

const FAST_AUTH_OK = 0x03;
const FULL_AUTH = 0x04;
const CACHING_SHA2_KEY_REQUEST = Buffer.from([0x02]);
const SHA256_KEY_REQUEST = Buffer.from([0x01]);

type Step = (data: Buffer) => Buffer | null;
/** mysql2's authPlugins entry: a factory per login, then a step per packet from the server. */
type MysqlAuthPlugin = () => Step;

/**
 * The answer to "send me the password" under the rules, or a refusal. The refusal is kept in the outcome (mysql2
 * rewrites the code of whatever a plugin throws) and thrown as a plain error to stop the handshake.
 */
function release(ctx: AuthContext, plugin: PasswordPlugin, nonce: Buffer, requestKey: Buffer, onKeyRequested: () => void): Buffer {
  const r = passwordRelease(plugin, ctx.transport(), ctx.rules);
  const pw = ctx.password.reveal();
  switch (r.action) {
    case "send-in-tls":
      if (r.exposed) ctx.outcome.sentInUnverifiedTls = true;
      return Buffer.from(`${pw}\0`, "utf8");
    case "encrypt-to-own-key":
      return encryptPassword(pw, nonce, ctx.rules.serverPublicKey!);
    case "request-server-key":
      onKeyRequested();
      return requestKey;
    case "refuse":
      ctx.outcome.refusal = new AuditError("auth", r.message, { step: "login" });
      throw new Error(r.message);
  }
}

function encryptToServerKey(ctx: AuthContext, nonce: Buffer, key: Buffer): Buffer {
  try {
    const out = encryptPassword(ctx.password.reveal(), nonce, key);
    ctx.outcome.encryptedToServerKey = true;
    return out;
  } catch {
    const message = `the server's RSA public key (${key.length} bytes) is not a usable key; the password was not sent`;
    ctx.outcome.refusal = new AuditError("protocol", message, { step: "login" });
    throw new Error(message);
  }
}

function cachingSha2(ctx: AuthContext): MysqlAuthPlugin {
  return () => {
    ctx.outcome.plugin = "caching_sha2_password";
    let nonce = Buffer.alloc(20);
    let state: "start" | "token-sent" | "key-requested" | "done" = "start";
    return (data) => {
      switch (state) {
        case "start":
          nonce = Buffer.from(data.subarray(0, 20));
          state = "token-sent";
          return sha2Scramble(ctx.password.reveal(), nonce);
        case "token-sent":
          if (data.length === 1 && data[0] === FAST_AUTH_OK) {
            state = "done";
            return null;
          }
          if (data.length === 1 && data[0] === FULL_AUTH) {
            state = "done";
            return release(ctx, "caching_sha2_password", nonce, CACHING_SHA2_KEY_REQUEST, () => (state = "key-requested"));
          }
          throw new Error("caching_sha2_password: the server sent an unexpected AuthMoreData packet");
        case "key-requested":
          state = "done";
          return encryptToServerKey(ctx, nonce, data);
        case "done":
          throw new Error("caching_sha2_password: the server sent more after the password step");
      }
    };
  };
}

function sha256Password(ctx: AuthContext): MysqlAuthPlugin {
  return () => {
    ctx.outcome.plugin = "sha256_password";
    let nonce = Buffer.alloc(20);
    let state: "start" | "key-requested" | "done" = "start";
    return (data) => {
      switch (state) {
        case "start":
          nonce = Buffer.from(data.subarray(0, 20));
          state = "done";
          return release(ctx, "sha256_password", nonce, SHA256_KEY_REQUEST, () => (state = "key-requested"));
        case "key-requested":
          state = "done";
          return encryptToServerKey(ctx, nonce, data);
        case "done":
          throw new Error("sha256_password: the server sent more after the password step");
      }
    };
  };
}

function clearPassword(ctx: AuthContext): MysqlAuthPlugin {
  return () => {
    ctx.outcome.plugin = "mysql_clear_password";
    return () => release(ctx, "mysql_clear_password", Buffer.alloc(0), Buffer.alloc(0), () => undefined);
  };
}

/**
 * mysql2's authPlugins for the plugins that can send the password itself. Naming them also stops mysql2 from
 * answering the greeting with them directly (it would put the password in its very first packet): it answers
 * with a mysql_native_password scramble, and the server switches.
 */
export function guardedAuthPlugins(ctx: AuthContext): Record<PasswordPlugin, MysqlAuthPlugin> {
  return {
    caching_sha2_password: cachingSha2(ctx),
    sha256_password: sha256Password(ctx),
    mysql_clear_password: clearPassword(ctx),
  };
}
