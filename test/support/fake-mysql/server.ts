// A protocol-faithful MySQL test server on loopback: the greetings, TLS upgrade, logins and broken peers that the
// real MariaDB in the harness cannot show (Oracle MySQL, Percona, ERR greetings, hostile servers).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import { CLIENT, withoutCap } from "./capabilities.js";
import { GREETING_PRESETS, type GreetingSpec } from "./greetings.js";
import type { FakeEvent, FakeEventKind, FakeMysqlOptions, FakeTlsOptions } from "./options.js";
import { runSession } from "./session.js";

export type {
  Behaviour,
  FakeConnInfo,
  FakeEvent,
  FakeEventKind,
  FakeMysqlOptions,
  FakeTlsOptions,
  FakeUser,
  StepFault,
} from "./options.js";
export { answerServerVariables, type ServerTables } from "./variables.js";
export type { GreetingPreset, AuthPluginName, GreetingSpec } from "./greetings.js";
export type { QueryResult } from "./result-set.js";
export { CLIENT, MARIADB_CLIENT } from "./capabilities.js";
export { GREETING_PRESETS } from "./greetings.js";
export { TLS_ALERT_HANDSHAKE_FAILURE } from "./behaviours.js";

/** A running test server. */
export interface FakeMysql {
  host: "127.0.0.1";
  port: number;
  /** The greeting it sends, resolved from the preset and overrides. */
  spec: GreetingSpec;
  /** Connections accepted so far. */
  readonly connections: number;
  events: FakeEvent[];
  /** Resolves with the first event (already recorded or future) of that kind matching pred. */
  waitForEvent(kind: FakeEventKind, pred?: (e: FakeEvent) => boolean, timeoutMs?: number): Promise<FakeEvent>;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

/** Resolves the preset and overrides into the greeting the server sends. */
export function resolveGreeting(opts: FakeMysqlOptions): GreetingSpec {
  const base = GREETING_PRESETS[opts.greeting ?? "mysql-8.4"];
  let capabilities = (opts.capabilities ?? base.capabilities) >>> 0;
  if (opts.behaviour === "no-ssl") capabilities = withoutCap(capabilities, CLIENT.SSL);
  return {
    ...base,
    version: opts.version ?? base.version,
    capabilities,
    authPlugin: opts.authPlugin ?? base.authPlugin,
    charset: opts.charset ?? base.charset,
    statusFlags: opts.statusFlags ?? base.statusFlags,
    nativePassword: opts.nativePassword ?? base.nativePassword,
  };
}

function pem(value: string): string {
  return value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");
}

let defaultCert: { cert: string; key: string } | undefined;

/** A throwaway self-signed certificate for servers that offer TLS without being given one (made once per process). */
function throwawayCertificate(): { cert: string; key: string } {
  if (defaultCert) return defaultCert;
  const dir = mkdtempSync(join(tmpdir(), "fake-mysql-cert-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=fake-mysql", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { stdio: "ignore" },
    );
    defaultCert = { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return defaultCert;
}

function secureContextFor(tlsOpts: FakeTlsOptions | undefined): SecureContext {
  const t = tlsOpts ?? throwawayCertificate();
  const o = tlsOpts ?? ({} as Partial<FakeTlsOptions>);
  return createSecureContext({
    cert: pem(t.cert),
    key: pem(t.key),
    ca: o.ca ? pem(o.ca) : undefined,
    minVersion: o.minVersion,
    maxVersion: o.maxVersion,
    ciphers: o.ciphers,
    ...(o.dhparam ? { dhparam: o.dhparam === "auto" ? "auto" : pem(o.dhparam) } : {}),
    ...(o.secureOptions !== undefined ? { secureOptions: o.secureOptions } : {}),
  });
}

/** Starts a test server on 127.0.0.1 (a free port unless opts.port is given). */
export async function startFakeMysql(opts: FakeMysqlOptions = {}): Promise<FakeMysql> {
  if (opts.tls?.cert && !opts.tls.cert.includes("-----BEGIN") && !existsSync(opts.tls.cert)) {
    throw new Error(`fake-mysql: certificate file not found: ${opts.tls.cert}`);
  }
  const spec = resolveGreeting(opts);
  const wantsOwnTls = (spec.capabilities & CLIENT.SSL) !== 0 && !opts.tlsBackend && !opts.onSslRequest;
  const secureContext = wantsOwnTls ? secureContextFor(opts.tls) : undefined;
  const caPems = opts.tls?.ca
    ? (pem(opts.tls.ca).match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [])
    : [];
  const events: FakeEvent[] = [];
  const listeners = new Set<(e: FakeEvent) => void>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const sha2Cache = new Set<string>(opts.sha2CacheWarm ? (opts.users ?? []).map((u) => u.user) : []);
  const firstConnectionId = opts.connectionId ?? 8;
  let connections = 0;

  const record = (conn: number, kind: FakeEventKind, detail?: Record<string, unknown>): void => {
    const e: FakeEvent = { conn, kind, at: Date.now(), detail };
    events.push(e);
    for (const l of listeners) l(e);
  };

  const server: Server = createServer((socket) => {
    const conn = ++connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    // A client that resets the connection must not crash the test process.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      record(conn, "closed");
    });
    record(conn, "connect", { remote: `${socket.remoteAddress}:${socket.remotePort}` });
    void runSession(socket, {
      conn,
      connectionId: firstConnectionId + conn - 1,
      spec,
      opts,
      secureContext,
      caPems,
      sha2Cache,
      timers,
      log: (kind, detail) => record(conn, kind, detail),
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake-mysql: no TCP address");

  return {
    host: "127.0.0.1",
    port: address.port,
    spec,
    get connections() {
      return connections;
    },
    events,
    waitForEvent(kind, pred = () => true, timeoutMs = 5000) {
      const found = events.find((e) => e.kind === kind && pred(e));
      if (found) return Promise.resolve(found);
      return new Promise<FakeEvent>((resolve, reject) => {
        const t = setTimeout(() => {
          listeners.delete(l);
          reject(new Error(`fake-mysql: no "${kind}" event within ${timeoutMs} ms`));
        }, timeoutMs);
        const l = (e: FakeEvent): void => {
          if (e.kind === kind && pred(e)) {
            clearTimeout(t);
            listeners.delete(l);
            resolve(e);
          }
        };
        listeners.add(l);
      });
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
