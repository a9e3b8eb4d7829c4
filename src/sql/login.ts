import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { createPublicKey, X509Certificate } from "node:crypto";
import type { Connection } from "mysql2";
import { AuditError, SessionLost, toAuditError } from "../errors.js";
import { formatTarget } from "../net/target.js";
import { scrub, sslModeExplicit, type LoginSpec, type Secret, type SslMode } from "./credentials.js";
import { ed25519AuthPlugin } from "./ed25519-auth.js";
import { guardedAuthPlugins, type AuthContext, type AuthTransport, type PasswordOutcome } from "./auth-plugins.js";
import { TapDuplex } from "../net/tap-duplex.js";
import type { TargetScheduler } from "../net/scheduler.js";
import { explainTlsFailure } from "../tls/node-handshake.js";
import { expectColumns, guardReplies, type ExpectedColumn } from "./result-guard.js";
import { inSlot } from "./session-slot.js";

/**
 * mysql2, loaded at the first login: commands without one never pay for it. Imported, so that the CLI bundle links
 * it into a chunk of its own (scripts/bundle.mjs): one file instead of about 90 for Node's loader to resolve and read.
 */
let client: Promise<typeof import("mysql2")> | undefined;
const mysql2 = (): Promise<typeof import("mysql2")> => (client ??= import("mysql2").then((m) => m.default));

/** Loads mysql2 now (the helper thread does so before it takes a connection slot for a login). */
export async function loadClient(): Promise<void> {
  await mysql2();
}

/** What the login's own transport was, and how much of it was verified; said in every output. */
export interface SessionTls {
  encrypted: boolean;
  sslMode: SslMode;
  /** --ssl-mode (or an option file's ssl-mode) was given; else the tool's strict default applied. */
  sslModeGiven?: boolean;
  protocol?: string;
  cipher?: string;
  /** The chain was verified against the CA (VERIFY_CA and VERIFY_IDENTITY). */
  chainVerified: boolean;
  /** The name was checked against the certificate (VERIFY_IDENTITY). */
  identityVerified: boolean;
  /** The key type of the server's certificate: decides which REQUIRE CIPHER names can ever match. */
  certKeyType?: string;
  /** The authentication plugin the login ended with (mysql_native_password unless the server switched). */
  authPlugin?: string;
  /** The password itself went inside TLS whose certificate was not verified (explicit REQUIRED or PREFERRED). */
  passwordInUnverifiedTls?: boolean;
  /** The password was encrypted to an RSA key the server sent (--get-server-public-key over clear text). */
  passwordToServerKey?: boolean;
  /** A clear-text login whose own greeting offered TLS (CLIENT_SSL): the first greeting, without it, was forged. */
  greetingOfferedTls?: boolean;
  /** One line for people, e.g. "TLSv1.3, certificate NOT verified (--ssl-mode PREFERRED)". */
  note: string;
}

/** A logged-in session: run SQL, learn the flavour; close() always. */
export interface SqlSession {
  readonly spec: LoginSpec;
  readonly version: string;
  readonly versionComment: string;
  readonly flavor: "mysql" | "mariadb" | "percona";
  /** major*10000 + minor*100 + patch, e.g. 101119 or 80403. */
  readonly versionNumber: number;
  readonly tls: SessionTls;
  /** The account the server matched, from CURRENT_USER(), e.g. "audit@%". */
  readonly currentUser: string;
  /**
   * Rows as objects; values are strings or null (Buffers are decoded as UTF-8). With `columns`, a result that
   * lacks one of them fails with a "protocol" AuditError instead of yielding rows of made-up facts. Rows are
   * converted as they arrive, and a reply beyond the caps of result-guard.ts (LIMITS) fails the query.
   */
  query(sql: string, columns?: readonly ExpectedColumn[]): Promise<Record<string, string | null>[]>;
  close(): Promise<void>;
}

export interface LoginOptions {
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** The target's scheduler: the session holds one of its connection slots until close() (absent: no cap). */
  scheduler?: TargetScheduler;
  /** A TCP connection to the target opened ahead (login-json.ts connectAhead), for the first TLS attempt. */
  socket?: net.Socket;
}

/** A connection and the guard that meters it. */
interface Guarded {
  core: Connection;
  guard: ReturnType<typeof guardReplies>;
}

/**
 * Logs in with mysql2 per the spec's --ssl-mode; every failure is an AuditError with no password in it. Without an
 * explicit --ssl-mode a server that offers no TLS gets no login at all, and the password itself is never sent
 * inside TLS whose certificate was not verified (auth-plugins.ts decides each time the server asks for it).
 */
export async function login(spec: LoginSpec, opts: LoginOptions = {}): Promise<SqlSession> {
  return inSlot(opts.scheduler, () => openSession(spec, opts));
}

/** A connection that logged in, with what the session's facts need of how it did. */
interface LoggedIn extends Guarded {
  encrypted: boolean;
  tap: TapDuplex | undefined;
  outcome: PasswordOutcome;
}

// The login itself (TLS per --ssl-mode, the password rules, the clear-text fallback an explicit PREFERRED allows);
// every failure is an AuditError with no password in it.
async function logIn(spec: LoginSpec, opts: LoginOptions): Promise<LoggedIn> {
  const where = formatTarget(spec);
  const files = readTlsFiles(spec);
  let conn: Guarded;
  let encrypted = spec.sslMode !== "DISABLED";
  let tap: TapDuplex | undefined;
  const outcome: PasswordOutcome = { plugin: "mysql_native_password" };
  try {
    try {
      tap = encrypted ? tappedSocket(spec, opts.socket) : undefined;
      conn = await connect(spec, files, encrypted, opts, outcome, tap);
    } catch (err) {
      tap?.destroy();
      const noTls = (err as { code?: string }).code === "HANDSHAKE_NO_SSL_SUPPORT";
      if (noTls && spec.sslMode === "PREFERRED" && sslModeExplicit(spec)) {
        // An explicit PREFERRED, as the mysql client: TLS when offered, clear text when the server has none.
        encrypted = false;
        tap = undefined;
        conn = await connect(spec, files, false, opts, outcome);
      } else if (noTls && !sslModeExplicit(spec)) {
        throw new AuditError(
          "tls",
          "the server did not offer TLS (no CLIENT_SSL in its greeting, which a man in the middle can strip), so no login was attempted: to log in over clear text anyway, give --ssl-mode PREFERRED or DISABLED explicitly",
        );
      } else throw err;
    }
  } catch (err) {
    throw loginError(outcome.refusal ?? err, spec, encrypted, where, tap ? answerToSslRequest(tap.received) : undefined);
  }
  tap?.stopRecording();
  // A server that drops the connection later emits 'error' on it; the pending query rejects with that error
  // anyway, and an unheard 'error' event would crash the process instead.
  conn.core.on("error", () => {});
  return { ...conn, encrypted, tap, outcome };
}

/**
 * Logs in and ends the connection at once, under the same rules as login(): what resets the server's count of
 * aborted connections from this host needs no more (no query, so one round trip less than a session).
 */
export async function loginAndQuit(spec: LoginSpec, opts: LoginOptions = {}): Promise<void> {
  const c = await logIn(spec, opts);
  try {
    // sessionTls() refuses a name that does not match under VERIFY_IDENTITY, as a session's login does.
    sessionTls(c.core, spec, c.encrypted, c.outcome);
  } catch (err) {
    c.core.destroy();
    throw err instanceof AuditError ? new AuditError(err.code, err.message, { ...err.details, target: formatTarget(spec) }) : loginError(err, spec, c.encrypted, formatTarget(spec));
  }
  await quit(c);
}

async function openSession(spec: LoginSpec, opts: LoginOptions): Promise<SqlSession> {
  const where = formatTarget(spec);
  const conn = await logIn(spec, opts);
  const { core, guard, encrypted, outcome } = conn;
  try {
    const tlsInfo = sessionTls(core, spec, encrypted, outcome);
    const readTimeout = opts.readTimeoutMs ?? 10_000;
    // The first error that ended the connection (a cap, a malformed reply, a timeout, a hang-up): every later query
    // fails with it at once, and the gatherers stop there instead of waiting out a timeout per query.
    let lost: SessionLost | undefined;
    // Our own read timeout rather than mysql2's: mysql2 leaves its timer running when the connection dies under
    // a query, which kept the process alive for the whole --timeout after the error was already reported.
    const query = async (sql: string, columns?: readonly ExpectedColumn[]): Promise<Record<string, string | null>[]> => {
      if (lost) throw lost;
      let timer: NodeJS.Timeout | undefined;
      let onConnError: ((err: Error) => void) | undefined;
      try {
        return await new Promise<Record<string, string | null>[]>((resolve, reject) => {
          timer = setTimeout(() => {
            core.destroy();
            reject(new AuditError("timeout", "the server did not answer the query in time"));
          }, readTimeout);
          // mysql2 reports a dead connection on the connection, not on a query sent after it died.
          onConnError = (err) => reject(err);
          core.on("error", onConnError);
          if ((core as unknown as { stream?: { destroyed?: boolean } }).stream?.destroyed) {
            reject(new AuditError("closed", "the server closed the connection"));
            return;
          }
          guard.startQuery();
          // Rows are taken one by one as mysql2 parses them (its callback form would keep them all twice).
          const rows: Record<string, string | null>[] = [];
          let names: string[] | undefined;
          let withFields = false;
          // mysql2's static row parser: otherwise mysql2 generates and compiles JavaScript for each result from the
          // server's column metadata (its code-injection CVEs, CVE-2024-21508 and -21511, were in that generator).
          const q = core.query({ sql, rowsAsArray: false, disableEval: true } as Parameters<Connection["query"]>[0] & object);
          q.on("fields", (fields?: { name: string }[]) => {
            withFields = Array.isArray(fields);
            if (withFields && names === undefined) names = fields!.map((f) => f.name);
          });
          q.on("result", (row: Record<string, unknown>) => {
            if (withFields) rows.push(textRow(row));
          });
          q.on("error", reject);
          q.on("end", () => {
            try {
              if (columns) expectColumns(names ?? [], columns);
              resolve(rows);
            } catch (err) {
              reject(err);
            }
          });
        });
      } catch (err) {
        const e = queryError(err, spec.password, sql);
        const fatal = (err as { fatal?: boolean }).fatal === true || e.code === "timeout" || e.code === "closed";
        if (!fatal) throw e;
        core.destroy();
        lost = new SessionLost(e.code, e.message, e.details);
        throw lost;
      } finally {
        clearTimeout(timer);
        if (onConnError) core.off("error", onConnError);
      }
    };
    const [row] = await query("SELECT VERSION() AS version, @@version_comment AS comment, CURRENT_USER() AS cu", ["version", "comment", "cu"]).catch((err: unknown) => {
      // A peer that speaks the protocol but not the SQL (Sphinx's SphinxQL, say) cannot parse the first question (#11).
      const e = err as AuditError;
      if (e.details?.serverErrno === 1064) throw new AuditError("not-mysql", `the server speaks the MySQL protocol but not MySQL's SQL: SELECT VERSION(), @@version_comment is a syntax error to it (${e.message})`, { step: "login" });
      throw err;
    });
    const version = row?.version ?? "";
    const versionComment = row?.comment ?? "";
    const flavor = /mariadb/i.test(version) ? "mariadb" : /percona/i.test(versionComment) || /percona/i.test(version) ? "percona" : "mysql";
    return {
      spec,
      version,
      versionComment,
      flavor,
      versionNumber: versionNumber(version),
      tls: tlsInfo,
      currentUser: row?.cu ?? `${spec.user}@?`,
      query,
      async close() {
        if (lost) return; // destroyed already
        await quit(conn);
      },
    };
  } catch (err) {
    core.destroy();
    throw err instanceof AuditError ? new AuditError(err.code, err.message, { ...err.details, target: where }) : loginError(err, spec, encrypted, where);
  }
}

export { sslModeExplicit };

/**
 * Ends a logged-in connection: COM_QUIT, as the mysql client ends, then the server closes. mysql2 answers at once,
 * unless an earlier command is still queued: then, and after an error, the connection is dropped instead. mysql2
 * calls back once COM_QUIT is written: the connection ends when the server has closed its side too (at most a
 * second later), so a scheduler that frees this connection's slot then never exceeds its cap.
 */
async function quit(c: Pick<LoggedIn, "core" | "tap">): Promise<void> {
  const { core } = c;
  const stream = c.tap ?? (core as unknown as { stream?: import("node:stream").Duplex }).stream;
  const closed = stream && !stream.destroyed ? new Promise<boolean>((resolve) => stream.once("close", () => resolve(true))) : Promise.resolve(true);
  const quitSent = new Promise<boolean>((resolve) => core.end((err?: unknown) => resolve(!err)));
  const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref());
  if (!(await Promise.race([quitSent, late]))) core.destroy();
  if (!(await Promise.race([closed, late]))) core.destroy();
}

/** "10.11.19-MariaDB-0+deb12u1" → 101119; "8.4.3" → 80403; 0 when unparseable. */
export function versionNumber(version: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
}

/** "MariaDB 10.11" / "MySQL 8.4" for "not available on ..." notes. */
export function flavorLabel(s: Pick<SqlSession, "flavor" | "version">): string {
  const m = /^(\d+)\.(\d+)/.exec(s.version);
  const name = s.flavor === "mariadb" ? "MariaDB" : s.flavor === "percona" ? "Percona Server" : "MySQL";
  return m ? `${name} ${m[1]}.${m[2]}` : name;
}

interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** --server-public-key-path, checked to be a public key. */
  serverPublicKey?: string;
}

function readTlsFiles(spec: LoginSpec): TlsFiles {
  const read = (file: string | undefined, flag: string): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, "utf8");
    } catch (err) {
      throw new AuditError("usage", `cannot read ${flag} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const serverPublicKey = read(spec.serverPublicKeyPath, "--server-public-key-path");
  if (serverPublicKey !== undefined) {
    try {
      if (createPublicKey(serverPublicKey).asymmetricKeyType !== "rsa") throw new Error("not RSA");
    } catch {
      throw new AuditError("usage", `--server-public-key-path ${spec.serverPublicKeyPath} is not an RSA public key in PEM form (the server's public_key.pem)`);
    }
  }
  return {
    ca: read(spec.sslCa, "--ssl-ca"),
    cert: read(spec.sslCert, "--ssl-cert"),
    key: read(spec.sslKey, "--ssl-key"),
    ...(serverPublicKey !== undefined ? { serverPublicKey } : {}),
  };
}

/**
 * mysql2 runs the TLS upgrade itself and keeps only OpenSSL's error; over a socket of ours that records what the
 * server sent, a failed upgrade can still name the server's real answer (a MySQL ERR packet, other bytes, nothing).
 */
function tappedSocket(spec: LoginSpec, ahead?: net.Socket): TapDuplex {
  const socket = ahead && !ahead.destroyed ? ahead : net.connect({ host: spec.host, port: spec.port });
  socket.setNoDelay(true);
  const tap = new TapDuplex(socket, Buffer.alloc(0));
  // node:tls over a JS stream never ends that stream's writing side when the server hangs up, so the tap would
  // never close and mysql2 (which watches its own stream's 'close') would wait for its timeout. The server's last
  // bytes are read by then ('end' comes after them); a turn later, close it.
  tap.once("end", () => setImmediate(() => tap.destroy()));
  return tap;
}

const CLIENT_SSL = 0x800;

/** What the server sent after its greeting (one packet), i.e. its answer to the SSLRequest. */
function answerToSslRequest(received: Buffer): Buffer {
  if (received.length < 4) return Buffer.alloc(0);
  return received.subarray(Math.min(received.length, 4 + received.readUIntLE(0, 3)));
}

async function connect(spec: LoginSpec, files: TlsFiles, useTls: boolean, opts: LoginOptions, outcome: PasswordOutcome, stream?: TapDuplex): Promise<Guarded> {
  const mysqlCore = await mysql2();
  const verify = spec.sslMode === "VERIFY_CA" || spec.sslMode === "VERIFY_IDENTITY";
  let core: Connection | undefined;
  const auth: AuthContext = {
    password: spec.password,
    rules: {
      sslMode: spec.sslMode,
      sslModeGiven: sslModeExplicit(spec),
      ...(files.serverPublicKey !== undefined ? { serverPublicKey: files.serverPublicKey } : {}),
      getServerPublicKey: spec.getServerPublicKey === true,
    },
    transport: () => authTransport(core, spec, verify),
    outcome,
  };
  core = mysqlCore.createConnection({
    host: spec.host,
    port: spec.port,
    ...(stream ? { stream } : {}),
    user: spec.user,
    password: spec.password.reveal(),
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    // A server may answer any query with "send me this file": never say we would (CLIENT_LOCAL_FILES).
    flags: ["-LOCAL_FILES"],
    disableEval: true,
    authPlugins: { ...guardedAuthPlugins(auth), client_ed25519: ed25519AuthPlugin(spec.password) },
    ...(useTls
      ? {
          ssl: {
            ...(files.ca ? { ca: files.ca } : {}),
            ...(files.cert ? { cert: files.cert } : {}),
            ...(files.key ? { key: files.key } : {}),
            rejectUnauthorized: verify,
            // Old servers (MySQL 5.6/5.7 on yaSSL, say) speak only TLS 1.0/1.1, which Node refuses by default. A
            // mode that does not verify anyway may still log in to report on them (a TLS 1.3-capable client keeps
            // its downgrade protection); the verifying modes keep Node's defaults.
            ...(verify ? {} : { minVersion: "TLSv1" as const, ciphers: "DEFAULT:@SECLEVEL=0" }),
            // For an IP target mysql2 sends no SNI and Node then checks the certificate against "localhost":
            // wrong. So mysql2 checks DNS names only, and sessionTls() checks IP addresses itself.
            verifyIdentity: spec.sslMode === "VERIFY_IDENTITY" && !isIpHost(spec.host),
          },
        }
      : {}),
  });
  const c = core;
  const guard = guardReplies(c);
  return new Promise((resolve, reject) => {
    const errors: (Error & { code?: string })[] = [];
    // A failed TLS upgrade reaches mysql2 twice: the socket closing, then the TLS error it caused, which says more.
    // This listener stays, so that the second one is not an unheard 'error' event, which would crash the process.
    c.on("error", (err: Error & { code?: string }) => {
      if (errors.push(err) > 1) return;
      setImmediate(() => {
        c.destroy();
        reject(errors.find((e) => e.code === "HANDSHAKE_SSL_ERROR") ?? err);
      });
    });
    c.once("connect", () => {
      guard.loggedIn();
      resolve({ core: c, guard });
    });
  });
}

/**
 * What the connection is at the moment the server asks for the password: TLS counts as verified only when the
 * chain was (VERIFY_CA, VERIFY_IDENTITY) and, for VERIFY_IDENTITY, the name matches too (for an IP target mysql2
 * leaves that to us, and it must be known before the password goes, not after the login).
 */
function authTransport(core: Connection | undefined, spec: LoginSpec, verify: boolean): AuthTransport {
  const socket = (core as unknown as { stream?: unknown } | undefined)?.stream;
  if (!(socket instanceof tls.TLSSocket) || !socket.encrypted) return "clear";
  if (!verify || !socket.authorized) return "unverified-tls";
  if (spec.sslMode === "VERIFY_IDENTITY") {
    const peer = socket.getPeerCertificate(true);
    if (!peer?.raw || tls.checkServerIdentity(spec.host, peer)) return "unverified-tls";
  }
  return "verified-tls";
}

function sessionTls(core: Connection, spec: LoginSpec, encrypted: boolean, outcome: PasswordOutcome): SessionTls {
  // mysql2 keeps the upgraded socket on the connection; its types do not say so.
  const socket = (core as unknown as { stream?: unknown }).stream;
  const sslModeGiven = sslModeExplicit(spec);
  const exposure = {
    authPlugin: outcome.plugin,
    ...(outcome.sentInUnverifiedTls ? { passwordInUnverifiedTls: true } : {}),
    ...(outcome.encryptedToServerKey ? { passwordToServerKey: true } : {}),
  };
  if (!encrypted || !(socket instanceof tls.TLSSocket)) {
    const caps = (core as unknown as { serverCapabilityFlags?: number }).serverCapabilityFlags ?? 0;
    const why =
      spec.sslMode === "DISABLED"
        ? "clear text: --ssl-mode DISABLED"
        : "clear text: the server offered no TLS and the explicit --ssl-mode PREFERRED fell back, as the mysql client does";
    return {
      encrypted: false,
      sslMode: spec.sslMode,
      sslModeGiven,
      chainVerified: false,
      identityVerified: false,
      ...exposure,
      ...((caps & CLIENT_SSL) !== 0 ? { greetingOfferedTls: true } : {}),
      note: why,
    };
  }
  const protocol = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher()?.name;
  const peer = socket.getPeerCertificate(true);
  let certKeyType: string | undefined;
  try {
    if (peer?.raw) certKeyType = new X509Certificate(peer.raw).publicKey.asymmetricKeyType?.toUpperCase();
  } catch {
    // an unparseable certificate leaves the key type unknown; the cert command reports it
  }
  const chainVerified = spec.sslMode === "VERIFY_CA" || spec.sslMode === "VERIFY_IDENTITY";
  let identityVerified = false;
  if (spec.sslMode === "VERIFY_IDENTITY") {
    const err = peer?.raw ? tls.checkServerIdentity(spec.host, peer) : new Error("no certificate");
    if (err) {
      socket.destroy();
      throw new AuditError("tls", `the server's certificate does not match "${spec.host}" (--ssl-mode VERIFY_IDENTITY): ${err.message}`, { step: "login" });
    }
    identityVerified = true;
  }
  const legacy = protocol === "TLSv1" || protocol === "TLSv1.1" || protocol === "SSLv3";
  const what = `${protocol ?? "TLS"} ${cipher ?? ""}`.trim() + (legacy ? " (an obsolete protocol: the server offers nothing newer)" : "");
  const note = identityVerified
    ? `${what}, certificate chain and name verified`
    : chainVerified
      ? `${what}, certificate chain verified, name NOT checked (--ssl-mode VERIFY_CA)`
      : `${what}, certificate NOT verified (--ssl-mode ${spec.sslMode}${sslModeGiven ? "" : ", the default"}: use VERIFY_IDENTITY with --ssl-ca to verify)`;
  return {
    encrypted: true,
    sslMode: spec.sslMode,
    sslModeGiven,
    ...(protocol ? { protocol } : {}),
    ...(cipher ? { cipher } : {}),
    chainVerified,
    identityVerified,
    ...(certKeyType ? { certKeyType: certKeyType === "EC" ? "EC" : certKeyType === "ED25519" ? "Ed25519" : certKeyType } : {}),
    ...exposure,
    note,
  };
}

function textRow(r: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  // for...in and strings first: this runs once per row, up to LIMITS.rows times per query.
  for (const k in r) {
    const v = r[k];
    // JSON columns arrive as text (jsonStrings); anything else mysql2 parsed is kept as the text it came from.
    out[k] = typeof v === "string" ? v : v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString("utf8") : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** mysql2's error for a query, as an AuditError carrying the server errno. */
function queryError(err: unknown, secret: Secret, sql: string): AuditError {
  const e = err as { errno?: number; code?: string; message?: string; sqlMessage?: string };
  const msg = scrub(e.sqlMessage ?? e.message ?? String(err), secret);
  if (typeof e.errno === "number" && e.errno > 0) {
    const code = PRIVILEGE_ERRNOS.has(e.errno) ? "privilege" : "server-error";
    return new AuditError(code, `${msg} (error ${e.errno})`, { step: sql, serverErrno: e.errno });
  }
  if (e.code === "PROTOCOL_SEQUENCE_TIMEOUT") return new AuditError("timeout", "the server did not answer the query in time", { step: sql });
  const a = toAuditError(err);
  return new AuditError(a.code, scrub(a.message, secret), { step: sql });
}

/** Server errors that mean "this login lacks a privilege" rather than "this server lacks the thing". */
export const PRIVILEGE_ERRNOS = new Set([1044, 1142, 1143, 1227, 1370, 3523]);

// Errors worth a sentence of their own; the server's message is kept after it.
function loginError(err: unknown, spec: LoginSpec, encrypted: boolean, where: string, sslAnswer?: Buffer): AuditError {
  const e = err as { errno?: number; code?: string; message?: string; sqlMessage?: string };
  const raw = scrub(e.sqlMessage ?? e.message ?? String(err), spec.password);
  const d = { target: where, step: "login" };
  const withErrno = (n: number) => ({ ...d, serverErrno: n });
  if (err instanceof AuditError) return new AuditError(err.code, scrub(err.message, spec.password), { ...err.details, ...d });
  const plugin = /unknown plugin (\S+?)\.?(\s|$)/.exec(raw)?.[1];
  if (plugin) {
    return new AuditError("auth", `the account uses the authentication plugin ${plugin}, which this tool cannot speak (supported: caching_sha2_password, mysql_native_password, sha256_password, client_ed25519)`, d);
  }
  switch (e.errno) {
    case 1045: {
      const hint = encrypted
        ? ""
        : "; this login was clear text: a MariaDB server with require_secure_transport=ON refuses every clear-text login with this same error 1045, so retry with --ssl-mode REQUIRED (or higher) before suspecting the password";
      return new AuditError("auth", `${raw}${hint}`, withErrno(1045));
    }
    case 3159:
      return new AuditError("auth", `the server requires TLS (require_secure_transport=ON) and this login was clear text: use --ssl-mode REQUIRED or higher (${raw})`, withErrno(3159));
    case 1251:
      return new AuditError("auth", `the server wants an authentication plugin this client does not offer: ${raw}`, withErrno(1251));
    case 2061:
      return new AuditError("auth", `caching_sha2_password needs TLS or the server's RSA public key for a first login: ${raw}`, withErrno(2061));
    case 1524:
      return new AuditError("auth", `the account's authentication plugin is not loaded on the server: ${raw}`, withErrno(1524));
    case 1129:
      return new AuditError("server-error", `${raw} (run FLUSH HOSTS or mariadb-admin flush-hosts on the server)`, withErrno(1129));
    case 1130:
    case 1040:
      return new AuditError("server-error", raw, withErrno(e.errno));
  }
  if (e.code === "HANDSHAKE_NO_SSL_SUPPORT") {
    return new AuditError("tls", `the server does not offer TLS, and --ssl-mode ${spec.sslMode} requires it`, d);
  }
  // mysql2 replaces the TLS error's own code with HANDSHAKE_SSL_ERROR; the message keeps OpenSSL's reason.
  if (typeof e.code === "string" && /HANDSHAKE_SSL_ERROR|CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|ERR_TLS|ERR_SSL|EPROTO/.test(e.code)) {
    // The probe's reading of a failed upgrade: the server's own ERR message, or OpenSSL's reason in one line.
    // Without a recording (no TLS was attempted through ours) the error alone is judged, as if the reply were TLS.
    const why = explainTlsFailure(err as Error, sslAnswer ?? Buffer.from([0x16]));
    const reason = scrub(why.message.replace(/^TLS handshake failed: /, ""), spec.password);
    const errno = why.details.serverErrno;
    const hint =
      /issuer|self[- ]signed|unable to verify/i.test(raw) && !spec.sslCa
        ? "; without --ssl-ca the system's root CAs are used: pass the CA that signed the server's certificate"
        : /altname|Hostname\/IP does not match/i.test(raw)
          ? "; the name is checked against the target's host: connect by a name the certificate lists, or use VERIFY_CA"
          : "";
    return new AuditError("tls", `TLS failed (--ssl-mode ${spec.sslMode}): ${reason}${hint}`, errno !== undefined ? withErrno(errno) : d);
  }
  if (e.code === "AUTH_SWITCH_PLUGIN_ERROR") return new AuditError("auth", raw, d);
  if (typeof e.errno === "number" && e.errno > 0) return new AuditError("server-error", `${raw} (error ${e.errno})`, withErrno(e.errno));
  const a = toAuditError(err);
  return new AuditError(a.code, scrub(a.message, spec.password), d);
}

/** True when host is an IP literal (mysql2 then skips its own name check). */
export function isIpHost(host: string): boolean {
  return net.isIP(host) !== 0;
}
