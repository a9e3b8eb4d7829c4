// The one connection layer: the only code that opens a connection to a MySQL server for the TLS checks. It
// connects, reads the greeting, sends the SSLRequest, hands the socket to a TLS step (passed in, so net/ imports
// no TLS engine), ends a completed handshake with a refused login (an authentication error, which the server does
// not count toward max_connect_errors) and closes, and says how it went as one typed outcome.
import net from "node:net";
import type { Duplex } from "node:stream";
import { AuditError, toAuditError } from "../errors.js";
import { detectFlavor, type FlavorFacts } from "../protocol/flavor.js";
import { parseGreeting, type Greeting, type HandshakeV10, type HandshakeV9 } from "../protocol/handshake.js";
import { encodeSslRequest } from "../protocol/ssl-request.js";
import type { ErrPacket } from "../protocol/err-packet.js";
import { formatTarget, type Target } from "./target.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS, type TimeoutOptions } from "./connect.js";
import { PacketStream, protocolFailure } from "./packet-stream.js";
import { describeNonMysql } from "./non-mysql.js";
import { finishWithFailedLogin, probeLogin, type FailedLoginResult } from "./failed-login.js";

/** How long a connection waits for the server to close its side after ours, at most. */
export const CLOSE_GRACE_MS = 2000;

/** What a TLS step is given: the socket right after the SSLRequest went out (corked: its first write joins it). */
export interface TlsStepInput {
  socket: net.Socket;
  /** Bytes the server sent after the greeting, before the SSLRequest (normally none). */
  leftover: Buffer;
  greeting: HandshakeV10;
  /** The refused login that ends the connection, for a step that sends it itself right behind its Finished. */
  login: Buffer;
}

/**
 * How a TLS step ended: `completed` is the TLS stream of a finished handshake (the layer sends the refused login
 * through it, unless the step has sent it itself: `loginSent`); `abort` means the step has what it wanted without
 * finishing the handshake (a raw ClientHello judged by the server's first flight), and the server counts the
 * connection as an aborted handshake.
 * A step that throws failed its handshake (an AuditError says why).
 */
export type TlsStepResult<T> = { completed: Duplex; value: T; loginSent?: boolean } | { abort: true; value: T };
export type TlsStep<T> = (io: TlsStepInput) => Promise<TlsStepResult<T>>;

/**
 * How one connection went. `aborted`: whether the server counts it toward max_connect_errors (an aborted
 * handshake); a connection that ends as a refused login, or that the server itself refused, does not count.
 */
export type ConnectionOutcome<T> =
  /** No TCP connection (DNS, refused, unreachable, connect timeout): error.details.step is "connect". */
  | { kind: "connect-failed"; error: AuditError; aborted: false }
  /** Connected, but no MySQL greeting: silence (a timeout), another kind of service, a garbled or truncated packet. */
  | { kind: "not-mysql"; error: AuditError; aborted: false }
  /** The server sent an ERR packet instead of a greeting (1129 blocked host, 1040 too many connections, 1130). */
  | { kind: "server-error"; connectMs: number; greeting: { kind: "error" } & ErrPacket; greetingRaw: Buffer; aborted: false }
  /** No TLS to upgrade to: protocol 9, or no CLIENT_SSL. A v10 greeting was answered with a refused clear-text login. */
  | { kind: "no-tls"; connectMs: number; greeting: HandshakeV10 | HandshakeV9; greetingRaw: Buffer; login?: FailedLoginResult; aborted: boolean }
  /** The TLS step failed (the server refused, closed, stalled, or sent something else): an aborted handshake. */
  | { kind: "tls-failed"; connectMs: number; greeting: HandshakeV10; greetingRaw: Buffer; error: AuditError; aborted: true }
  /** The step stopped after the server's first flight, on purpose: an aborted handshake. */
  | { kind: "tls-aborted"; connectMs: number; greeting: HandshakeV10; greetingRaw: Buffer; value: T; aborted: true }
  /** The handshake completed and the connection ended with our login, normally refused (then not aborted). */
  | { kind: "tls-ok"; connectMs: number; greeting: HandshakeV10; greetingRaw: Buffer; value: T; login: FailedLoginResult; aborted: boolean };

export interface ConnectOptions extends TimeoutOptions {
  /** Hears the greeting as soon as it is read (the audit starts its scan then, beside the rest of the probe). */
  onGreeting?: (greeting: Greeting) => void;
}

/**
 * One connection: connect, greeting, SSLRequest, the TLS step, the refused login, close. Never throws for what the
 * server does; every way it can end is an outcome. The connection is closed (and the server has closed its side,
 * or CLOSE_GRACE_MS passed) when the promise resolves, so a caller that frees a slot then never holds more than
 * its cap as the server counts.
 */
export async function connectMysql<T>(target: Target, step: TlsStep<T>, opts: ConnectOptions = {}): Promise<ConnectionOutcome<T>> {
  const readTimeoutMs = opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  let session: MysqlSession;
  try {
    session = await openMysql(target, opts);
  } catch (err) {
    const error = toAuditError(err);
    return error.details.step === "connect" ? { kind: "connect-failed", error, aborted: false } : { kind: "not-mysql", error, aborted: false };
  }
  const { socket, greeting: g, greetingRaw, connectMs } = session;
  opts.onGreeting?.(g);
  // A reset can arrive between the last read and the close; it must not become an unhandled 'error' event.
  socket.on("error", () => {});
  const close = (): Promise<void> => endAndAwaitClose(socket, Math.min(readTimeoutMs, CLOSE_GRACE_MS));
  if (g.kind === "error") {
    socket.destroy();
    return { kind: "server-error", connectMs, greeting: g, greetingRaw, aborted: false };
  }
  if (g.kind === "v9" || !g.sslOffered) {
    // A connection closed after the greeting counts toward max_connect_errors (measured on MariaDB 10.11: +1
    // COUNT_HANDSHAKE_ERRORS each); a refused clear-text login as an unknown user, with no password, does not.
    let login: FailedLoginResult | undefined;
    if (g.kind === "v10") {
      session.stream.detach();
      login = await finishWithFailedLogin(socket, g.authPlugin, readTimeoutMs, 1);
    }
    await close();
    return { kind: "no-tls", connectMs, greeting: g, greetingRaw, ...(login ? { login } : {}), aborted: !login || login.outcome === "other" };
  }
  // The SSLRequest and the step's first write (its ClientHello) leave in one segment.
  socket.cork();
  const leftover = session.stream.detach();
  socket.write(encodeSslRequest());
  let pending: Promise<TlsStepResult<T>>;
  try {
    pending = step({ socket, leftover, greeting: g, login: probeLogin(g.authPlugin) });
  } catch (err) {
    pending = Promise.reject(err);
  } finally {
    socket.uncork();
  }
  let r: TlsStepResult<T>;
  try {
    r = await pending;
  } catch (err) {
    socket.destroy();
    const e = toAuditError(err);
    return { kind: "tls-failed", connectMs, greeting: g, greetingRaw, error: new AuditError(e.code, e.message, { ...e.details, step: e.details.step ?? "tls-handshake" }), aborted: true };
  }
  if ("abort" in r) {
    await close();
    return { kind: "tls-aborted", connectMs, greeting: g, greetingRaw, value: r.value, aborted: true };
  }
  const login = await finishWithFailedLogin(r.completed, g.authPlugin, readTimeoutMs, 2, r.loginSent === true);
  // The server closes after refusing the login; the connection ends once it has.
  await close();
  return { kind: "tls-ok", connectMs, greeting: g, greetingRaw, value: r.value, login, aborted: login.outcome === "other" };
}

/** The error a caller that needs TLS reports for an outcome that got none, or undefined for tls-ok / tls-aborted. */
export function outcomeError(o: ConnectionOutcome<unknown>, target: Target): AuditError | undefined {
  const ctx = { target: formatTarget(target) };
  switch (o.kind) {
    case "connect-failed":
    case "not-mysql":
      return o.error;
    case "server-error":
      return new AuditError("server-error", `the server answered with error ${o.greeting.errno} instead of a greeting: ${o.greeting.message}`, { ...ctx, step: "greeting", serverErrno: o.greeting.errno });
    case "no-tls":
      return o.greeting.kind === "v9"
        ? new AuditError("tls", "the server speaks protocol 9, which has no TLS", { ...ctx, step: "greeting" })
        : new AuditError("tls", "the server does not offer TLS (CLIENT_SSL is not set)", { ...ctx, step: "greeting" });
    case "tls-failed":
      return o.error;
    default:
      return undefined;
  }
}

/** The flavour of a greeting that is a real handshake. */
export function flavorOf(g: Greeting): FlavorFacts | undefined {
  return g.kind === "error" ? undefined : detectFlavor(g);
}

/** A TCP connection that has read the server's greeting. */
interface MysqlSession {
  socket: net.Socket;
  stream: PacketStream;
  greeting: Greeting;
  greetingRaw: Buffer;
  connectMs: number;
}

/** Connects and reads the first packet; a non-MySQL peer, a garbled or truncated packet, or silence is a typed error. */
async function openMysql(target: Target, opts: TimeoutOptions): Promise<MysqlSession> {
  const readTimeoutMs = opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const t0 = performance.now();
  let socket: net.Socket;
  try {
    socket = await connectTcp(target.host, target.port, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  } catch (err) {
    const e = toAuditError(err);
    throw new AuditError(e.code, e.message, { ...e.details, target: formatTarget(target), step: "connect" });
  }
  const connectMs = performance.now() - t0;
  const stream = new PacketStream(socket);
  try {
    let packet;
    try {
      packet = await stream.next("greeting", readTimeoutMs);
    } catch (err) {
      const other = describeNonMysql(stream.head);
      if (other) throw other;
      if (err instanceof AuditError && err.code === "timeout" && stream.totalBytes === 0) {
        throw new AuditError(
          "timeout",
          `no greeting within ${readTimeoutMs / 1000} s: the port accepted the connection but sent nothing (a MySQL server greets at once; this may be another kind of service, or an overloaded server)`,
          { step: "greeting" },
        );
      }
      throw err;
    }
    let greeting: Greeting;
    try {
      greeting = parseGreeting(packet.payload);
    } catch (err) {
      throw describeNonMysql(stream.head) ?? protocolFailure(err, "greeting");
    }
    if (packet.sequenceId !== 0 && greeting.kind !== "error") {
      throw new AuditError("protocol", `greeting has sequence id ${packet.sequenceId}, expected 0`, { step: "greeting" });
    }
    return { socket, stream, greeting, greetingRaw: Buffer.from(packet.payload), connectMs };
  } catch (err) {
    socket.destroy();
    throw err instanceof AuditError
      ? new AuditError(err.code, err.message, { ...err.details, target: formatTarget(target), step: err.details.step ?? "greeting" })
      : err;
  }
}

/** Opens a TCP connection, rejecting with a typed AuditError (dns, refused, unreachable, timeout). */
function connectTcp(host: string, port: number, connectTimeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AuditError("timeout", `no TCP connection within ${connectTimeoutMs / 1000} s (connect timeout; raise it with --connect-timeout)`, { step: "connect" }));
    }, connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      socket.destroy();
      const e = toAuditError(err);
      reject(new AuditError(e.code, e.message, { ...e.details, step: "connect" }));
    });
  });
}

/**
 * Ends our side and waits (at most graceMs) until the server has closed its side too, then destroys the socket. A
 * scan that releases its connection slot only then never holds more connections than its cap, as the server
 * counts them: a slot freed at our FIN alone would let the next connection in while the server still counts the
 * last one.
 */
function endAndAwaitClose(socket: net.Socket, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    socket.once("close", done);
    socket.on("error", () => {});
    // Nothing else reads it any more: without a reader the server's FIN is never seen and 'close' never comes.
    socket.resume();
    socket.end();
  });
}
