// Every way a peer can misbehave, step by step, as data: the fault-matrix test runs every subcommand against
// every case. Greeting, SSLRequest and TLS faults come from the fake server's behaviours; login and query faults
// from its loginFault/queryFault and from query handlers here (unexpected columns, an ERR in the middle of a
// session, rows of the wrong width, a zero-column result); a certificate that cannot be parsed comes from a
// hand-made TLS flight answered to the ClientHello.
import type { Socket } from "node:net";
import { startFakeMysql, type FakeMysql, type FakeMysqlOptions, type QueryResult } from "./fake-mysql/server.js";
import { answerServerVariables } from "./fake-mysql/variables.js";

/** The step at which a fault strikes; also what a one-line error or an "error" finding should name. */
export type FaultStep = "greeting" | "ssl-request" | "tls-handshake" | "login" | "query";

export interface FaultCase {
  /** "<step>: <what>", unique. */
  name: string;
  step: FaultStep;
  server: FakeMysqlOptions;
  /** Reached only by commands that log in (the fault is after the TLS handshake, in the MySQL session). */
  needsLogin: boolean;
}

/** The account login and query faults are reached with; the password also serves the secrets test. */
export const FAULT_USER = { user: "auditor", password: "Fault-Matrix-Pw-7f3a91" } as const;

// Fast enough to keep the matrix short, slow enough that a 2 s --timeout must cut a long answer off.
const DRIP_MS = 400;

const GREETING_FAULTS: Array<[string, FakeMysqlOptions]> = [
  ["silent", { behaviour: "silent" }],
  ["immediate close", { behaviour: "close" }],
  ["reset", { behaviour: "reset" }],
  ["garbage", { behaviour: "garbage", garbage: Buffer.from("8c1f00ee7a0913fe55aa0102030405060708090a0b0c0d0e0f10", "hex") }],
  ["HTTP server", { behaviour: "http" }],
  ["truncated packet", { behaviour: "truncated" }],
  ["oversized length", { behaviour: "oversized" }],
  ["slow drip", { behaviour: "slow-drip", dripIntervalMs: DRIP_MS }],
  ["wrong sequence id", { behaviour: "wrong-seq" }],
  ["ERR 1040 instead of a greeting", { behaviour: "err-greeting", errno: 1040 }],
];

const TLS_FAULTS: Array<[FaultStep, string, FakeMysqlOptions]> = [
  ["ssl-request", "drop after SSLRequest", { behaviour: "drop-after-ssl-request" }],
  ["ssl-request", "ERR after SSLRequest", { behaviour: "err-after-ssl-request" }],
  ["tls-handshake", "TLS alert", { behaviour: "tls-alert" }],
  ["tls-handshake", "garbage instead of TLS", { behaviour: "tls-garbage" }],
  ["tls-handshake", "unparseable certificate", { onSslRequest: (socket) => answerWithBadCertificate(socket, "not-der") }],
  ["tls-handshake", "Certificate message whose list overruns it", { onSslRequest: (socket) => answerWithBadCertificate(socket, "overrun") }],
  ["tls-handshake", "silence after the ClientHello", { onSslRequest: (socket) => swallow(socket) }],
  ["tls-handshake", "a record header announcing 64 KiB that never comes", { onSslRequest: (socket) => answerOnce(socket, Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff, 0x02])) }],
];

/** Reads whatever the client sends and never answers: a tarpit. */
function swallow(socket: Socket): void {
  socket.on("data", () => undefined);
  socket.on("error", () => undefined);
}

/** Answers the first bytes (the ClientHello) with `bytes`, then stays silent. */
function answerOnce(socket: Socket, bytes: Buffer): void {
  socket.once("data", () => socket.write(bytes));
  swallow(socket);
}

const STEP_FAULTS = ["silent", "close", "reset", "garbage", "truncated", "oversized", "wrong-seq", "slow-drip"] as const;

/** Query handlers a hostile or broken server might as well have. */
const QUERY_HANDLERS: Array<[string, (sql: string) => QueryResult]> = [
  ["unexpected columns", () => ({ columns: ["surprise", "more_surprise", "and_more"], rows: [["1", "2", "3"], ["x", null, "z"]] })],
  ["rows of the wrong width", () => ({ columns: ["Variable_name", "Value"], rows: [["have_ssl"], ["version", "8.4.3", "extra"], [null, null]] })],
  ["zero-column result", () => ({ columns: [], rows: [] })],
  ["ERR on every query", () => ({ error: { errno: 1105, sqlState: "HY000", message: "Unknown error (fault matrix)" } })],
];

/** Answers the variable queries for a while, then fails every query, as a server shutting down mid-audit does. */
function errMidSession(): (sql: string) => QueryResult {
  let n = 0;
  const tables = { variables: { have_ssl: "YES", version: "8.4.3", require_secure_transport: "OFF", tls_version: "TLSv1.2,TLSv1.3" } };
  return (sql) => {
    n++;
    if (n > 2) return { error: { errno: 1053, sqlState: "08S01", message: "Server shutdown in progress" } };
    return answerServerVariables(sql, tables) ?? { columns: ["@@version"], rows: [["8.4.3"]] };
  };
}

const LOGIN = {
  users: [{ user: FAULT_USER.user, password: FAULT_USER.password, plugin: "mysql_native_password" as const }],
  sha2CacheWarm: true,
};

/** The whole matrix of faults, each with the step it strikes at. */
export function faultCases(): FaultCase[] {
  const cases: FaultCase[] = [];
  for (const [what, server] of GREETING_FAULTS) cases.push({ name: `greeting: ${what}`, step: "greeting", server, needsLogin: false });
  for (const [step, what, server] of TLS_FAULTS) cases.push({ name: `${step}: ${what}`, step, server, needsLogin: false });
  for (const f of STEP_FAULTS) {
    cases.push({ name: `login: ${f}`, step: "login", server: { ...LOGIN, loginFault: f, dripIntervalMs: DRIP_MS }, needsLogin: true });
  }
  for (const f of STEP_FAULTS) {
    cases.push({ name: `query: ${f}`, step: "query", server: { ...LOGIN, queryFault: f, dripIntervalMs: DRIP_MS }, needsLogin: true });
  }
  cases.push({
    name: "login: ERR 1045 (the account's password is another)",
    step: "login",
    server: { users: [{ user: FAULT_USER.user, password: "a-different-password", plugin: "mysql_native_password" }] },
    needsLogin: true,
  });
  for (const [what, handler] of QUERY_HANDLERS) cases.push({ name: `query: ${what}`, step: "query", server: { ...LOGIN, onQuery: handler }, needsLogin: true });
  cases.push({ name: "query: ERR in the middle of the session", step: "query", server: { ...LOGIN, onQuery: errMidSession() }, needsLogin: true });
  return cases;
}

/** Starts the fake server for one case; query handlers with state get a fresh instance per server. */
export function startFault(c: FaultCase): Promise<FakeMysql> {
  const server = c.name === "query: ERR in the middle of the session" ? { ...c.server, onQuery: errMidSession() } : c.server;
  return startFakeMysql(server);
}

/**
 * Runs jobs at most `limit` at a time, starting each as soon as a slot frees. The matrix's runs mostly wait on
 * timeouts, so running them eagerly, more than vitest's per-file concurrency allows, keeps the suite short.
 */
export function limiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

// ---- a certificate that cannot be parsed ----

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}
function handshakeMessage(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

/** The cipher suites a ClientHello offers, in order (signalling values excluded); empty if it is not one. */
export function offeredSuites(hello: Buffer): number[] {
  // record(5) handshake(4) version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
  if (hello.length < 44 || hello[0] !== 0x16 || hello[5] !== 0x01) return [];
  let p = 43;
  p += 1 + hello[p]!;
  if (p + 2 > hello.length) return [];
  const len = hello.readUInt16BE(p);
  p += 2;
  const out: number[] = [];
  for (let i = 0; i + 1 < len && p + i + 1 < hello.length; i += 2) {
    const s = hello.readUInt16BE(p + i);
    if (s !== 0x00ff && s !== 0x5600 && (s & 0x0f0f) !== 0x0a0a) out.push(s);
  }
  return out;
}

/**
 * Takes over the socket after the SSLRequest and answers the ClientHello with a TLS 1.2 flight (ServerHello with
 * the client's first non-TLS-1.3 suite, Certificate, ServerHelloDone) whose Certificate message holds bytes that
 * are not DER ("not-der") or announces a list longer than itself ("overrun"); then waits for the client to give up.
 */
export function answerWithBadCertificate(socket: Socket, how: "not-der" | "overrun"): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d]);
    if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
    socket.off("data", onData);
    const suites = offeredSuites(buf);
    const suite = suites.find((s) => s >> 8 !== 0x13) ?? suites[0] ?? 0xc02f;
    const notDer = Buffer.from("this is not a certificate, just text where DER should be", "latin1");
    const certList = Buffer.concat([u24(notDer.length), notDer]);
    const hello = Buffer.concat([
      u16(0x0303),
      Buffer.alloc(32, 0x5a),
      Buffer.from([0]),
      u16(suite),
      Buffer.from([0]),
      u16(5),
      u16(0xff01), // renegotiation_info, empty: keeps strict clients from refusing the hello itself
      u16(1),
      Buffer.from([0]),
    ]);
    const flight = Buffer.concat([
      handshakeMessage(2, hello),
      handshakeMessage(11, Buffer.concat([u24(certList.length + (how === "overrun" ? 1000 : 0)), certList])),
      handshakeMessage(14, Buffer.alloc(0)),
    ]);
    socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x03]), u16(flight.length), flight]));
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
  };
  socket.on("data", onData);
  socket.on("error", () => undefined);
}
