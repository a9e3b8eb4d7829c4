// One raw probe: the MySQL greeting, the SSLRequest, our own ClientHello, and the server's first flight judged
// without finishing the handshake. It uses exactly one connection, which the server counts as aborted.
import { X509Certificate } from "node:crypto";
import type net from "node:net";
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { connectMysql, outcomeError, type TlsStep } from "../net/connection.js";
import { listenUntilEnd } from "../net/socket-listen.js";
import type { Target } from "../net/target.js";
import { ERR_HEADER, parseErrPacket } from "../protocol/err-packet.js";
import { buildClientHello, groupName } from "./client-hello.js";
import { canonicalGroup, type ProbeOutcome } from "./node-engine.js";
import type { TlsVersionName } from "./node-handshake.js";
import { HandshakeType, parseCertificateMessage, readTlsFlight, type TlsFlight } from "./records.js";
import { judgeServerHello, parseServerHello, parseServerKeyExchange } from "./server-hello.js";
import { suiteByCode } from "./suites.js";

export interface RawOffer {
  version: TlsVersionName;
  cipherSuites: readonly number[];
  groups?: readonly number[];
  signatureAlgorithms?: readonly number[];
  servername?: string;
}

export type RawProbeOutcome =
  | {
      kind: "accepted";
      version: TlsVersionName;
      suite: number;
      /** ECDHE curve (TLS <= 1.2, from the ServerKeyExchange) or TLS 1.3 key-share group. */
      group?: number;
      /** Size of the DH prime when the suite uses finite-field DH. */
      dhBits?: number;
      /** Temporary RSA key size of an EXPORT suite. */
      exportRsaBits?: number;
      /** DER, leaf first, as sent (TLS <= 1.2; TLS 1.3 encrypts them). */
      certificates: Buffer[];
      helloRetry: boolean;
      /** False when the server went quiet or closed after its ServerHello, before ServerHelloDone. */
      flightComplete: boolean;
    }
  /** The server answered a lower version than the one asked for (TLS <= 1.2 servers may): the asked one is refused. */
  | { kind: "lower-version"; version: TlsVersionName; suite: number }
  /** An alert name, or "closed" when the server hung up without one. */
  | { kind: "rejected"; alert: string; reason: string }
  /** A MySQL ERR packet instead of TLS (old yaSSL builds, a blocked host, too many connections). */
  | { kind: "server-error"; errno: number; sqlState?: string; message: string }
  | { kind: "garbage"; reason: string }
  | { kind: "server-bug"; reason: string }
  | { kind: "timeout"; reason: string };

/** A raw probe's outcome, with its cost. */
export type RawProbeResult = RawProbeOutcome & {
  /** True once the SSLRequest went out: the server counts the connection toward max_connect_errors. */
  aborted: boolean;
  ms: number;
  /** Bytes the server sent after the SSLRequest. */
  bytesReceived: number;
};

/**
 * Offers `offer` in a ClientHello of our own after the MySQL SSLRequest and reads the server's answer.
 * Failures to reach a TLS-capable MySQL server (refused, timeout, not MySQL, no CLIENT_SSL) throw AuditError.
 */
export async function rawTlsProbe(target: Target, offer: RawOffer, opts: Required<Pick<TimeoutOptions, "connectTimeoutMs" | "readTimeoutMs">>): Promise<RawProbeResult> {
  const t0 = performance.now();
  const hello = buildClientHello({
    version: offer.version,
    cipherSuites: offer.cipherSuites,
    ...(offer.groups ? { groups: offer.groups } : {}),
    ...(offer.signatureAlgorithms ? { signatureAlgorithms: offer.signatureAlgorithms } : {}),
    ...(offer.servername ? { servername: offer.servername } : {}),
  });
  // The ClientHello goes out with the SSLRequest (one segment); the server's first flight is judged, and the
  // connection closed without finishing the handshake.
  const step: TlsStep<{ outcome: RawProbeOutcome; bytes: number }> = async ({ socket, leftover }) => {
    socket.write(hello);
    const { bytes, ended, timedOut } = await readFlight(socket, leftover, opts.readTimeoutMs);
    return { abort: true, value: { outcome: judgeFlight(offer, bytes, ended, timedOut, opts.readTimeoutMs), bytes: bytes.length } };
  };
  const o = await connectMysql(target, step, opts);
  const finish = (outcome: RawProbeOutcome, aborted: boolean, bytesReceived = 0): RawProbeResult => ({ ...outcome, aborted, ms: performance.now() - t0, bytesReceived });
  if (o.kind === "server-error") {
    const g = o.greeting;
    return finish({ kind: "server-error", errno: g.errno, ...(g.sqlState ? { sqlState: g.sqlState } : {}), message: g.message }, false);
  }
  if (o.kind === "tls-aborted") return finish(o.value.outcome, true, o.value.bytes);
  // Failures to reach a TLS-capable MySQL server throw, as they always did.
  throw outcomeError(o, target) ?? new AuditError("internal", `the raw probe ended as ${o.kind}`);
}

// A first flight (ServerHello, a certificate chain, the key exchange) is a few KiB; a server still sending after
// this many bytes is not finishing one, and every byte is kept and re-read until it does.
const MAX_FLIGHT_BYTES = 1024 * 1024;

/** Collects the server's bytes until its first flight is complete, an alert or non-TLS bytes, close, or timeout. */
function readFlight(socket: net.Socket, leftover: Buffer, timeoutMs: number): Promise<{ bytes: Buffer; ended: boolean; timedOut: boolean }> {
  return new Promise((resolve) => {
    let bytes = leftover;
    let done = false;
    const settle = (ended: boolean, timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopListening();
      resolve({ bytes, ended, timedOut });
    };
    const decided = (): boolean => {
      const f = readTlsFlight(bytes);
      return f.complete || !!f.alert || !!f.notTls || f.encrypted || looksLikeMysqlErr(bytes) !== undefined;
    };
    const onData = (d: Buffer): void => {
      bytes = bytes.length === 0 ? d : Buffer.concat([bytes, d]);
      if (bytes.length > MAX_FLIGHT_BYTES || decided()) settle(false, false);
    };
    const onEnd = (): void => settle(true, false);
    const timer = setTimeout(() => settle(false, true), timeoutMs);
    const stopListening = listenUntilEnd(socket, onData, onEnd);
    if (bytes.length > 0 && decided()) settle(false, false);
  });
}

/** A whole MySQL ERR packet at the start of `bytes`, if that is what they are. */
function looksLikeMysqlErr(bytes: Buffer): { errno: number; sqlState?: string; message: string } | undefined {
  if (bytes.length < 7 || bytes[4] !== ERR_HEADER) return undefined;
  const len = bytes.readUIntLE(0, 3);
  if (bytes.length < 4 + len) return undefined;
  try {
    return parseErrPacket(bytes.subarray(4, 4 + len));
  } catch {
    return undefined;
  }
}

export function judgeFlight(offer: RawOffer, bytes: Buffer, ended: boolean, timedOut: boolean, timeoutMs: number): RawProbeOutcome {
  const err = looksLikeMysqlErr(bytes);
  if (err) return { kind: "server-error", errno: err.errno, ...(err.sqlState ? { sqlState: err.sqlState } : {}), message: err.message };
  const flight = readTlsFlight(bytes);
  if (flight.notTls) {
    return { kind: "garbage", reason: `the server answered the ClientHello with bytes that are not TLS (${bytes.subarray(0, 16).toString("hex")}${bytes.length > 16 ? "…" : ""}, ${bytes.length} bytes)` };
  }
  const helloMsg = flight.handshakes.find((h) => h.type === HandshakeType.ServerHello);
  if (helloMsg) return judgeHello(offer, flight, helloMsg.body);
  if (flight.alert) return { kind: "rejected", alert: flight.alert.name, reason: `the server refused with a ${flight.alert.level === 1 ? "warning" : "fatal"} ${flight.alert.name} alert` };
  if (flight.handshakes.length > 0) return { kind: "server-bug", reason: `the server's first handshake message is type ${flight.handshakes[0]!.type}, not a ServerHello` };
  if (flight.encrypted) return { kind: "server-bug", reason: "the server sent a ChangeCipherSpec or encrypted data before any ServerHello" };
  if (bytes.length > MAX_FLIGHT_BYTES) return { kind: "server-bug", reason: `the server sent more than ${MAX_FLIGHT_BYTES / 1024 / 1024} MiB without finishing its first flight` };
  if (timedOut) {
    return { kind: "timeout", reason: bytes.length > 0 ? `the server stalled mid-record after ${bytes.length} byte(s) (read timeout ${timeoutMs / 1000} s)` : `no answer to the ClientHello within ${timeoutMs / 1000} s (read timeout)` };
  }
  if (ended && bytes.length > 0) return { kind: "rejected", alert: "closed", reason: `the server closed the connection mid-handshake, after ${bytes.length} byte(s) of an incomplete record` };
  return { kind: "rejected", alert: "closed", reason: "the server closed the connection without a TLS answer" };
}

function judgeHello(offer: RawOffer, flight: TlsFlight, helloBody: Buffer): RawProbeOutcome {
  let hello;
  try {
    hello = parseServerHello(helloBody);
  } catch (e) {
    return { kind: "server-bug", reason: `malformed ServerHello: ${(e as Error).message}` };
  }
  const verdict = judgeServerHello(offer, hello);
  if (verdict.kind !== "accepted") return verdict;
  const accepted: Extract<RawProbeOutcome, { kind: "accepted" }> = {
    kind: "accepted",
    version: verdict.version,
    suite: verdict.suite,
    ...(verdict.group !== undefined ? { group: verdict.group } : {}),
    certificates: [],
    helloRetry: verdict.helloRetry,
    flightComplete: flight.complete,
  };
  if (verdict.version === "TLSv1.3") return accepted;
  const cert = flight.handshakes.find((h) => h.type === HandshakeType.Certificate);
  if (cert) {
    try {
      accepted.certificates = parseCertificateMessage(cert.body, false);
    } catch {
      // a broken Certificate message does not change which suite was chosen
    }
  }
  const ske = flight.handshakes.find((h) => h.type === HandshakeType.ServerKeyExchange);
  const kx = suiteByCode(verdict.suite)?.keyExchange;
  if (ske && kx) {
    try {
      const params = parseServerKeyExchange(ske.body, kx);
      if (params.kind === "dh") accepted.dhBits = params.bits;
      if (params.kind === "ecdh") accepted.group = params.group;
      if (params.kind === "rsa-export") accepted.exportRsaBits = params.bits;
    } catch {
      // parameters are extra detail; the suite choice stands
    }
  }
  return accepted;
}

/** An accepted suite as the outcome every engine shares, from what the server's flight said (code points, DER). */
export function acceptedOutcome(r: { version: TlsVersionName; suite: number; group?: number; dhBits?: number; certificates: Buffer[] }, aborted: boolean): ProbeOutcome {
  return {
    kind: "accepted",
    version: r.version,
    code: r.suite,
    ...(r.group !== undefined ? { group: groupName(r.group) } : {}),
    ...(r.dhBits !== undefined ? { dhBits: r.dhBits } : {}),
    ...(suiteByCode(r.suite)?.authentication === "ECDSA" && r.certificates[0] ? curveOf(r.certificates[0]) : {}),
    aborted,
  };
}

/** Maps the raw engine's verdict onto the outcome both engines share. */
export function rawOutcome(r: RawProbeResult): ProbeOutcome {
  switch (r.kind) {
    case "accepted":
      return acceptedOutcome(r, r.aborted);
    case "lower-version":
      return { kind: "rejected", detail: `the server answered with ${r.version} instead`, aborted: r.aborted };
    case "rejected":
      // A close with no bytes is how some servers refuse; a close inside a record is a broken handshake.
      if (r.alert === "closed" && r.bytesReceived > 0) return { kind: "failed", reason: "closed", detail: r.reason, aborted: r.aborted };
      return { kind: "rejected", detail: r.reason, ...(r.alert !== "closed" ? { alert: r.alert } : {}), aborted: r.aborted };
    case "server-error":
      // No SSLRequest went out: the server refused the connection itself (1129 blocked host, 1130, 1040).
      if (!r.aborted) return { kind: "failed", reason: "greeting-error", step: "greeting", detail: `the server refused the connection with error ${r.errno}: ${r.message}`, serverErrno: r.errno, aborted: false };
      return { kind: "failed", reason: "server-error", detail: `the server answered with MySQL error ${r.errno}${r.sqlState ? ` (${r.sqlState})` : ""} instead of TLS: ${r.message}`, serverErrno: r.errno, aborted: r.aborted };
    case "garbage":
      return { kind: "failed", reason: "garbage", detail: r.reason, aborted: r.aborted };
    case "server-bug":
      return { kind: "failed", reason: "server-bug", detail: r.reason, aborted: r.aborted };
    case "timeout":
      return { kind: "failed", reason: "timeout", detail: r.reason, aborted: r.aborted };
  }
}

/** The named curve of a DER certificate's EC key, as `{ certCurve }`, or nothing when it has none or cannot be read. */
function curveOf(der: Buffer): { certCurve?: string } {
  try {
    const c = new X509Certificate(der).publicKey.asymmetricKeyDetails?.namedCurve;
    return c ? { certCurve: canonicalGroup(c) } : {};
  } catch {
    return {};
  }
}
