import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import type mysql from "mysql2/promise";
import { AuditError, toAuditError } from "../errors.js";
import { formatTarget } from "../net/target.js";
import { scrub, type LoginSpec, type Secret, type SslMode } from "./credentials.js";
import { ed25519AuthPlugin } from "./ed25519-auth.js";
import { TapDuplex } from "../net/tap-duplex.js";
import { explainTlsFailure } from "../tls/node-handshake.js";
import { expectColumns, guardReplies, type ExpectedColumn } from "./result-guard.js";

/** What the login's own transport was, and how much of it was verified; said in every output. */
export interface SessionTls {
  encrypted: boolean;
  sslMode: SslMode;
  protocol?: string;
  cipher?: string;
  /** The chain was verified against the CA (VERIFY_CA and VERIFY_IDENTITY). */
  chainVerified: boolean;
  /** The name was checked against the certificate (VERIFY_IDENTITY). */
  identityVerified: boolean;
  /** The key type of the server's certificate: decides which REQUIRE CIPHER names can ever match. */
  certKeyType?: string;
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
   * lacks one of them fails with a "protocol" AuditError instead of yielding rows of made-up facts.
   */
  query(sql: string, columns?: readonly ExpectedColumn[]): Promise<Record<string, string | null>[]>;
  close(): Promise<void>;
}

export interface LoginOptions {
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

/** Logs in with mysql2 per the spec's --ssl-mode; every failure is an AuditError with no password in it. */
export async function login(spec: LoginSpec, opts: LoginOptions = {}): Promise<SqlSession> {
  const where = formatTarget(spec);
  const files = readTlsFiles(spec);
  let conn: mysql.Connection;
  let encrypted = spec.sslMode !== "DISABLED";
  let tap: TapDuplex | undefined;
  try {
    try {
      tap = encrypted ? tappedSocket(spec) : undefined;
      conn = await connect(spec, encrypted ? files : undefined, opts, tap);
    } catch (err) {
      tap?.destroy();
      // PREFERRED, as the mysql client: TLS when offered, clear text when the server has none.
      if (spec.sslMode === "PREFERRED" && (err as { code?: string }).code === "HANDSHAKE_NO_SSL_SUPPORT") {
        encrypted = false;
        tap = undefined;
        conn = await connect(spec, undefined, opts);
      } else throw err;
    }
  } catch (err) {
    throw loginError(err, spec, encrypted, where, tap ? answerToSslRequest(tap.received) : undefined);
  }
  tap?.stopRecording();
  // A server that drops the connection later emits 'error' on it; the pending query rejects with that error
  // anyway, and an unheard 'error' event would crash the process instead.
  conn.on("error", () => {});
  try {
    const tlsInfo = sessionTls(conn, spec, encrypted);
    const readTimeout = opts.readTimeoutMs ?? 10_000;
    // Our own read timeout rather than mysql2's: mysql2 leaves its timer running when the connection dies under
    // a query, which kept the process alive for the whole --timeout after the error was already reported.
    const query = async (sql: string, columns?: readonly ExpectedColumn[]): Promise<Record<string, string | null>[]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = conn.query({ sql, rowsAsArray: false });
        answer.catch(() => undefined); // after a timeout, its rejection has nowhere else to go
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            conn.destroy();
            reject(new AuditError("timeout", "the server did not answer the query in time"));
          }, readTimeout);
        });
        const [rows, fields] = await Promise.race([answer, late]);
        if (columns) expectColumns(Array.isArray(fields) ? fields.map((f) => f.name) : [], columns);
        return (rows as Record<string, unknown>[]).map(textRow);
      } catch (err) {
        throw queryError(err, spec.password, sql);
      } finally {
        clearTimeout(timer);
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
        await conn.end().catch(() => conn.destroy());
      },
    };
  } catch (err) {
    conn.destroy();
    throw err instanceof AuditError ? new AuditError(err.code, err.message, { ...err.details, target: where }) : loginError(err, spec, encrypted, where);
  }
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
  return { ca: read(spec.sslCa, "--ssl-ca"), cert: read(spec.sslCert, "--ssl-cert"), key: read(spec.sslKey, "--ssl-key") };
}

/**
 * mysql2 runs the TLS upgrade itself and keeps only OpenSSL's error; over a socket of ours that records what the
 * server sent, a failed upgrade can still name the server's real answer (a MySQL ERR packet, other bytes, nothing).
 */
function tappedSocket(spec: LoginSpec): TapDuplex {
  const socket = net.connect({ host: spec.host, port: spec.port });
  socket.setNoDelay(true);
  const tap = new TapDuplex(socket, Buffer.alloc(0));
  // node:tls over a JS stream never ends that stream's writing side when the server hangs up, so the tap would
  // never close and mysql2 (which watches its own stream's 'close') would wait for its timeout. The server's last
  // bytes are read by then ('end' comes after them); a turn later, close it.
  tap.once("end", () => setImmediate(() => tap.destroy()));
  return tap;
}

/** What the server sent after its greeting (one packet), i.e. its answer to the SSLRequest. */
function answerToSslRequest(received: Buffer): Buffer {
  if (received.length < 4) return Buffer.alloc(0);
  return received.subarray(Math.min(received.length, 4 + received.readUIntLE(0, 3)));
}

async function connect(spec: LoginSpec, files: TlsFiles | undefined, opts: LoginOptions, stream?: TapDuplex): Promise<mysql.Connection> {
  // mysql2 takes ~80 ms to load (measured); commands without a login never pay for it.
  const mysqlCore = (await import("mysql2")).default;
  const verify = spec.sslMode === "VERIFY_CA" || spec.sslMode === "VERIFY_IDENTITY";
  const core = mysqlCore.createConnection({
    host: spec.host,
    port: spec.port,
    ...(stream ? { stream } : {}),
    user: spec.user,
    password: spec.password.reveal(),
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    authPlugins: { client_ed25519: ed25519AuthPlugin(spec.password) },
    ...(files
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
  const guard = guardReplies(core);
  return new Promise((resolve, reject) => {
    const errors: (Error & { code?: string })[] = [];
    // A failed TLS upgrade reaches mysql2 twice: the socket closing, then the TLS error it caused, which says more.
    // This listener stays, so that the second one is not an unheard 'error' event, which would crash the process.
    core.on("error", (err: Error & { code?: string }) => {
      if (errors.push(err) > 1) return;
      setImmediate(() => reject(errors.find((e) => e.code === "HANDSHAKE_SSL_ERROR") ?? err));
    });
    core.once("connect", () => {
      guard.loggedIn();
      resolve(core.promise());
    });
  });
}

function sessionTls(conn: mysql.Connection, spec: LoginSpec, encrypted: boolean): SessionTls {
  // mysql2 keeps the upgraded socket on the underlying connection; its types do not say so.
  const socket = (conn as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (!encrypted || !(socket instanceof tls.TLSSocket)) {
    const why =
      spec.sslMode === "DISABLED"
        ? "clear text: --ssl-mode DISABLED"
        : "clear text: the server offers no TLS (--ssl-mode PREFERRED fell back, as the mysql client does)";
    return { encrypted: false, sslMode: spec.sslMode, chainVerified: false, identityVerified: false, note: why };
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
      : `${what}, certificate NOT verified (--ssl-mode ${spec.sslMode}: use VERIFY_IDENTITY with --ssl-ca to verify)`;
  return {
    encrypted: true,
    sslMode: spec.sslMode,
    ...(protocol ? { protocol } : {}),
    ...(cipher ? { cipher } : {}),
    chainVerified,
    identityVerified,
    ...(certKeyType ? { certKeyType: certKeyType === "EC" ? "EC" : certKeyType === "ED25519" ? "Ed25519" : certKeyType } : {}),
    note,
  };
}

function textRow(r: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(r)) {
    // mysql2 parses JSON columns into values; keep them as the JSON text the server sent.
    out[k] = v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString("utf8") : typeof v === "object" ? JSON.stringify(v) : String(v);
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
