import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { makeCerts, type CertKind, type CertSet } from "./certs.js";
import { freePort } from "./ports.js";
import { requireMariadbd, requireMariadbInstallDb } from "./require-binaries.js";

export { requireMariadbd } from "./require-binaries.js";

const run = promisify(execFile);

/** How to start one server. */
export interface ServerOptions {
  /** Shown in temp dir names and errors. */
  name: string;
  /** false: no certificate and --skip-ssl, so the greeting lacks CLIENT_SSL and have_ssl is DISABLED. */
  tls: false | { cert: CertKind; tlsVersion?: string; cipher?: string };
  requireSecureTransport?: boolean;
  maxConnectErrors?: number;
  /** Default 127.0.0.1. */
  bindAddress?: string;
  /** Default: a free loopback port (retried if another process takes it first). */
  port?: number;
  /** Default false, as MariaDB's own default; issue 7 needs it for performance_schema.host_cache. */
  performanceSchema?: boolean;
  /** Default true. Turn off only where the server can resolve its clients both ways (a netns hosts file). */
  skipNameResolve?: boolean;
  /** Hosts the admin account is created for; default localhost, 127.0.0.1 and ::1. */
  adminHosts?: string[];
  /** A command prefix that must exec mariadbd in place (same pid), e.g. ["ip", "netns", "exec", "srv"]. */
  launcher?: string[];
  /** Appended last, so they override the harness's own flags. */
  extraArgs?: string[];
  /**
   * The text of an option file the server reads (--defaults-file instead of --no-defaults), as a user's my.cnf.
   * Command-line flags override it, so a posture whose TLS settings should come from the file leaves them out of tls.
   */
  optionFile?: string;
  /** Milliseconds to wait for the server to accept connections; default 30 s (two cores, parallel starts). */
  startTimeoutMs?: number;
}

/** A running server started by this process. */
export interface MariaDB {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** The temp dir holding datadir, socket, pid file and error log; removed by stop(). */
  readonly dir: string;
  readonly datadir: string;
  readonly socket: string;
  readonly errorLog: string;
  /** The certificate set, when the server has TLS. */
  readonly certs: CertSet | undefined;
  /** Has ALL PRIVILEGES WITH GRANT OPTION on adminHosts; the password is random per server. */
  readonly admin: { user: string; password: string };
  /** SELECT VERSION(), e.g. "10.11.19-MariaDB-0+deb12u1". */
  readonly version: string;
  /** Milliseconds from spawn to accepting connections. */
  readonly startMs: number;
  /** The options it was started with. */
  readonly options: ServerOptions;
  /** Runs SQL as the admin over the unix socket (exempt from require_secure_transport), on one reused connection. */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The last lines of the server's error log. */
  errorLogTail(lines?: number): string;
  /** The server process's resident memory in KiB, from /proc. */
  rssKb(): number;
  /** Stops exactly this process (SIGTERM, SIGKILL after 5 s) and removes its temp dir; idempotent. */
  stop(): Promise<void>;
}

export type PostureName =
  | "off"
  | "modern"
  | "legacy"
  | "ecdsa"
  | "ed25519"
  | "expired"
  | "self-signed"
  | "weak"
  | "missing-intermediate"
  | "wrong-name"
  | "auto-generated";

// Debian's OpenSSL defaults to SECLEVEL=2, which forbids TLS 1.0/1.1, SHA-1 and keys under 2048 bits. Measured
// on MariaDB 10.11.19: with the `weak` certificate and no cipher override, mariadbd aborts at start
// ("SSL error: Unable to get certificate"); with this cipher string it starts and serves it. It also makes
// `legacy` really accept TLS 1.0 and 1.1 (openssl s_client -tls1 / -tls1_1 -cipher 'ALL:@SECLEVEL=0').
const SECLEVEL0 = "ALL:@SECLEVEL=0";

/** Named server configurations that the integration tests share. */
export const POSTURES: Record<PostureName, ServerOptions> = {
  off: { name: "off", tls: false },
  modern: { name: "modern", tls: { cert: "rsa", tlsVersion: "TLSv1.2,TLSv1.3" }, requireSecureTransport: true },
  // MariaDB rejects the spelling "TLSv1"; it wants "TLSv1.0".
  legacy: { name: "legacy", tls: { cert: "rsa", tlsVersion: "TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3", cipher: SECLEVEL0 } },
  ecdsa: { name: "ecdsa", tls: { cert: "ecdsa" } },
  ed25519: { name: "ed25519", tls: { cert: "ed25519" } },
  expired: { name: "expired", tls: { cert: "expired" } },
  "self-signed": { name: "self-signed", tls: { cert: "self-signed" } },
  weak: { name: "weak", tls: { cert: "weak", cipher: SECLEVEL0 } },
  "missing-intermediate": { name: "missing-intermediate", tls: { cert: "missing-intermediate" } },
  "wrong-name": { name: "wrong-name", tls: { cert: "wrong-name" } },
  "auto-generated": { name: "auto-generated", tls: { cert: "auto-generated" } },
};

/** Starts the named posture, with any options overridden. */
export function startPosture(posture: PostureName, overrides: Partial<ServerOptions> = {}): Promise<MariaDB> {
  return startMariaDB({ ...POSTURES[posture], ...overrides });
}

// Small enough that several servers fit on a CI box: measured RSS about 55 MB each instead of about 100 MB.
// Must match between the template's bootstrap and the server (innodb_log_file_size).
const SMALL = [
  "--innodb-buffer-pool-size=8M",
  "--innodb-log-file-size=4M",
  "--innodb-log-buffer-size=1M",
  "--aria-pagecache-buffer-size=1M",
  "--key-buffer-size=1M",
];

const ADMIN_USER = "harness_admin";

interface Live {
  child: ChildProcess;
  dir: string;
}
const live = new Set<Live>();
let template: Promise<string> | undefined;
let templateDir: string | undefined;

// Safety net: a test that forgets stop(), or a worker that exits early, must not leave servers behind.
process.on("exit", () => {
  for (const s of live) {
    try {
      s.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
  if (templateDir) rmSync(templateDir, { recursive: true, force: true });
});

// vitest ends its workers with SIGTERM, so "exit" handlers do not run there, and a SIGKILLed worker runs
// nothing at all. A detached shell per server polls this process; once it is gone it kills the pid we started
// and removes the temp dir. It kills only a process whose command line names that server's own temp dir, so a
// reused pid is never hit; once stop() has removed the dir it has nothing left to do.
const WATCHDOG = `p=$1 c=$2 d=$3
while kill -0 "$p" 2>/dev/null; do [ -e "$d" ] || exit 0; sleep 1; done
if [ "$c" != - ] && grep -qaF "$d/" "/proc/$c/cmdline" 2>/dev/null; then kill -9 "$c"; sleep 1; fi
rm -rf "$d"`;

/** Kills `pid` (if given, and still alive) and removes `dir` once this process is gone, however it ends. */
function watchdog(pid: number | undefined, dir: string): void {
  const args = ["-c", WATCHDOG, "mta-watchdog", String(process.pid), pid ? String(pid) : "-", dir];
  spawn("/bin/sh", args, { detached: true, stdio: "ignore" }).unref();
}

/** One empty datadir per process, copied for each server: cheaper than running the bootstrap each time. */
function templateDatadir(): Promise<string> {
  template ??= (async () => {
    const installDb = requireMariadbInstallDb();
    const dir = mkdtempSync(join(tmpdir(), "mta-template-"));
    templateDir = dir;
    watchdog(undefined, dir);
    const datadir = join(dir, "data");
    // The bootstrap makes passwordless root@127.0.0.1, root@::1 and root@<hostname>: a loopback server must
    // not accept a passwordless TCP login. Only root@localhost over the socket stays, for our own setup.
    const setup = join(dir, "setup.sql");
    writeFileSync(
      setup,
      "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';\n" +
        "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';\n",
    );
    try {
      await run(installDb, [
        "--no-defaults",
        `--datadir=${datadir}`,
        ...(isRoot() ? ["--user=root"] : []),
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
        // Without its own tmpdir, concurrent bootstraps (one per vitest worker) collide on temp table names in
        // /tmp: measured, 1 run in 5 of three parallel installs failed with "Unknown table 'mysql.tmp_user_sys'".
        `--tmpdir=${dir}`,
        `--extra-file=${setup}`,
        ...SMALL,
      ]);
    } catch (err) {
      template = undefined;
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mariadb-install-db failed: ${tail(`${e.stdout ?? ""}\n${e.stderr ?? e.message}`, 20)}`);
    }
    return datadir;
  })();
  return template;
}

/** Starts a real mariadbd on loopback with its own temp datadir, and an admin account with a random password. */
export async function startMariaDB(opts: ServerOptions): Promise<MariaDB> {
  const mariadbd = requireMariadbd();
  const [tpl, certs] = await Promise.all([templateDatadir(), opts.tls ? makeCerts() : Promise.resolve(undefined)]);
  let lastErr: unknown;
  // A port from freePort() can be taken by another worker before mariadbd binds it; then try another.
  for (let attempt = 0; attempt < (opts.port ? 1 : 4); attempt++) {
    try {
      return await startOnce(mariadbd, tpl, certs, opts);
    } catch (err) {
      lastErr = err;
      if (!(err instanceof PortInUse)) throw err;
    }
  }
  throw lastErr;
}

class PortInUse extends Error {}

async function startOnce(mariadbd: string, tpl: string, certs: CertSet | undefined, opts: ServerOptions): Promise<MariaDB> {
  const host = opts.bindAddress ?? "127.0.0.1";
  const port = opts.port ?? (await freePort(host === "::1" ? "::1" : "127.0.0.1"));
  const dir = mkdtempSync(join(tmpdir(), `mta-${opts.name.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  const datadir = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  const errorLog = join(dir, "error.log");
  cpSync(tpl, datadir, { recursive: true });

  if (opts.optionFile !== undefined) writeFileSync(join(dir, "my.cnf"), opts.optionFile);
  const args = [
    opts.optionFile !== undefined ? `--defaults-file=${join(dir, "my.cnf")}` : "--no-defaults",
    ...(isRoot() ? ["--user=root"] : []),
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, "mysqld.pid")}`,
    `--tmpdir=${dir}`,
    `--log-error=${errorLog}`,
    `--port=${port}`,
    `--bind-address=${host}`,
    ...SMALL,
    `--performance-schema=${opts.performanceSchema ? "ON" : "OFF"}`,
    ...(opts.skipNameResolve === false ? [] : ["--skip-name-resolve"]),
    ...(opts.maxConnectErrors !== undefined ? [`--max-connect-errors=${opts.maxConnectErrors}`] : []),
    ...(opts.requireSecureTransport ? ["--require-secure-transport=ON"] : []),
    ...tlsArgs(opts, certs),
    ...(opts.extraArgs ?? []),
  ];
  const [cmd, ...prefix] = opts.launcher?.length ? opts.launcher : [mariadbd];
  const started = Date.now();
  const child = spawn(cmd!, opts.launcher?.length ? [...prefix, mariadbd, ...args] : args, { stdio: "ignore" });
  const entry: Live = { child, dir };
  live.add(entry);
  if (child.pid) watchdog(child.pid, dir);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));

  const logTail = (n = 30) => (existsSync(errorLog) ? tail(readFileSync(errorLog, "utf8"), n) : "(no error log)");
  const cleanup = async () => {
    if (!exited) {
      child.kill("SIGKILL");
      await exitPromise;
    }
    live.delete(entry);
    rmSync(dir, { recursive: true, force: true });
  };

  const password = randomBytes(18).toString("base64url");
  let version: string;
  try {
    const deadline = started + (opts.startTimeoutMs ?? 30_000);
    const root = await waitForSocket(socket, deadline, () => spawnError ?? (exited ? exitedError(exited) : undefined));
    try {
      const [rows] = await root.query("SELECT VERSION() AS v");
      version = (rows as Array<{ v: string }>)[0]!.v;
      for (const h of opts.adminHosts ?? ["localhost", "127.0.0.1", "::1"]) {
        await root.query("CREATE USER ?@? IDENTIFIED BY ?", [ADMIN_USER, h, password]);
        await root.query("GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", [ADMIN_USER, h]);
      }
    } finally {
      await root.end().catch(() => root.destroy());
    }
  } catch (err) {
    const log = logTail();
    await cleanup();
    if (!opts.port && /Address already in use|errno: 98|error: 98/i.test(log)) throw new PortInUse(`port ${port} taken`);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`MariaDB "${opts.name}" did not start on ${host}:${port}: ${reason}\n--- error log tail ---\n${log}`);
  }
  const startMs = Date.now() - started;

  let conn: mysql.Connection | undefined;
  const adminConnection = async () => {
    if (!conn) {
      const c = await mysql.createConnection({ socketPath: socket, user: ADMIN_USER, password });
      // A test may KILL our connection or the server may drop it; reconnect rather than fail the next query.
      c.on("error", () => {
        if (conn === c) conn = undefined;
      });
      conn = c;
    }
    return conn;
  };
  let stopping: Promise<void> | undefined;

  return {
    name: opts.name,
    host,
    port,
    pid: child.pid!,
    dir,
    datadir,
    socket,
    errorLog,
    certs,
    admin: { user: ADMIN_USER, password },
    version,
    startMs,
    options: opts,
    async query<T = any>(sql: string, params?: unknown[]): Promise<T[]> {
      const c = await adminConnection();
      const [rows] = await c.query(sql, params);
      return rows as T[];
    },
    errorLogTail: logTail,
    rssKb() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    stop() {
      stopping ??= (async () => {
        if (conn) await conn.end().catch(() => conn?.destroy());
        conn = undefined;
        if (!exited) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
          await exitPromise;
          clearTimeout(timer);
        }
        live.delete(entry);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function tlsArgs(opts: ServerOptions, certs: CertSet | undefined): string[] {
  // Without a certificate MariaDB 10.11 already leaves CLIENT_SSL out of the greeting (have_ssl=DISABLED);
  // --skip-ssl says so explicitly and keeps any future auto-generated certificate away.
  // With an option file, the file decides (a fix plan may give a TLS-less posture its certificate there).
  if (!opts.tls || !certs) return opts.optionFile !== undefined ? [] : ["--skip-ssl"];
  const leaf = certs.leaves[opts.tls.cert];
  return [
    `--ssl-cert=${leaf.chain}`,
    `--ssl-key=${leaf.key}`,
    // MySQL's auto-generated set has its own ca.pem; the others trust root and intermediate, so client
    // certificates for REQUIRE X509 accounts verify.
    `--ssl-ca=${opts.tls.cert === "auto-generated" ? certs.autoCa.cert : certs.serverCaBundle}`,
    ...(opts.tls.tlsVersion ? [`--tls-version=${opts.tls.tlsVersion}`] : []),
    ...(opts.tls.cipher ? [`--ssl-cipher=${opts.tls.cipher}`] : []),
  ];
}

async function waitForSocket(
  socket: string,
  deadline: number,
  failed: () => Error | undefined,
): Promise<mysql.Connection> {
  for (;;) {
    const early = failed();
    if (early) throw early;
    if (existsSync(socket)) {
      try {
        return await mysql.createConnection({ socketPath: socket, user: "root", connectTimeout: 2_000 });
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for the server to accept connections");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exitedError(e: { code: number | null; signal: NodeJS.Signals | null }): Error {
  return new Error(`mariadbd exited during start (${e.signal ? `signal ${e.signal}` : `exit code ${e.code}`})`);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A server's performance_schema.host_cache row for one client address: what max_connect_errors counts. */
export interface HostCacheRow {
  IP: string;
  HOST: string | null;
  SUM_CONNECT_ERRORS: number;
  COUNT_HANDSHAKE_ERRORS: number;
  COUNT_SSL_ERRORS: number;
  COUNT_AUTHENTICATION_ERRORS: number;
  COUNT_HOST_BLOCKED_ERRORS: number;
}

/** The host-cache row for `ip`, or undefined when the server has none (it counted nothing from there). */
export async function hostCacheRow(db: MariaDB, ip: string): Promise<HostCacheRow | undefined> {
  const rows = await db.query<HostCacheRow>(
    "SELECT IP, HOST, SUM_CONNECT_ERRORS, COUNT_HANDSHAKE_ERRORS, COUNT_SSL_ERRORS, COUNT_AUTHENTICATION_ERRORS, COUNT_HOST_BLOCKED_ERRORS " +
      "FROM performance_schema.host_cache WHERE IP = ?",
    [ip],
  );
  return rows[0];
}
