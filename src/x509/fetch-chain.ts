import type tls from "node:tls";
import { AuditError, withContext } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { connectMysql, outcomeError } from "../net/connection.js";
import { schedulerOr, type TargetScheduler } from "../net/scheduler.js";
import { formatTarget, type Target } from "../net/target.js";
import { parseCertificateMessage, readTlsFlight, HandshakeType } from "../tls/records.js";
import { nodeTlsStep, type NodeTlsResult } from "../tls/node-handshake.js";
import type { ChainSource } from "./chain.js";

/** The certificates a server sent, with how they were read. */
export interface FetchedChain {
  /** DER, leaf first, in the order the server sent them (or Node's order when source is "peer-certificate"). */
  ders: Buffer[];
  source: Extract<ChainSource, "certificate-message" | "peer-certificate">;
  protocol: string;
  /** OpenSSL's verdict on the chain (dates included, the name not) against the same anchors, during the handshake. */
  handshakeVerification: { authorized: boolean; error?: string };
  /** Why the TLS 1.2 read did not work, when we fell back to Node's reconstruction. */
  fallbackReason?: string;
  serverVersion: string;
}

export interface FetchChainOptions extends TimeoutOptions {
  /** PEM trust anchors for the handshake's own verification (the chain is returned whatever the verdict); absent: the system roots. */
  ca?: string | string[];
  /** Sent as SNI when it is a DNS name. */
  servername: string;
  /** The target's scheduler (absent: one of its own). */
  scheduler?: TargetScheduler;
}

/**
 * Reads the server's certificate chain over the MySQL TLS upgrade. TLS 1.2 first, because its Certificate message
 * travels in plaintext and shows the exact order sent; a TLS 1.3-only server is read through getPeerCertificate.
 * Each connection ends with a refused login, so it never counts toward max_connect_errors.
 */
export async function fetchChain(target: Target, opts: FetchChainOptions): Promise<FetchedChain> {
  const name = formatTarget(target);
  let first: unknown;
  try {
    return await attempt(target, opts, "TLSv1.2");
  } catch (err) {
    // Only a failed TLS 1.2 handshake is worth a second connection; no TLS at all, or silence, stays the answer.
    if (!(err instanceof AuditError) || err.code !== "tls" || err.details.step === "ssl-request") throw withContext(err, name, "certificate");
    first = err;
  }
  try {
    const r = await attempt(target, opts, "TLSv1.3");
    return { ...r, fallbackReason: `TLS 1.2 was refused (${(first as AuditError).message}), so the chain is Node's reconstruction over ${r.protocol}` };
  } catch (err) {
    throw withContext(err, name, "certificate");
  }
}

async function attempt(target: Target, opts: FetchChainOptions, maxVersion: "TLSv1.2" | "TLSv1.3"): Promise<Omit<FetchedChain, "fallbackReason">> {
  const readTimeoutMs = opts.readTimeoutMs ?? 10_000;
  // Read from the finished handshake before the refused login ends it; a chain that cannot be read is an error
  // returned, not thrown, so the connection still ends as a refused login.
  const step = nodeTlsStep({ timeoutMs: readTimeoutMs, servername: opts.servername, ...(opts.ca !== undefined ? { ca: opts.ca } : { systemRoots: true }), maxVersion }, (r) => {
    try {
      return { ders: maxVersion === "TLSv1.2" && r.tap ? certificatesAsSent(r.tap.received) : peerChain(r.socket), protocol: r.protocol, verdict: chainVerdict(r) };
    } catch (err) {
      return { error: err };
    }
  });
  const o = await schedulerOr(opts.scheduler).connection(() => connectMysql(target, step, opts));
  if (o.kind === "no-tls") {
    throw new AuditError("tls", "the server does not offer TLS (CLIENT_SSL is not set), so it has no certificate to inspect", { step: "ssl-request" });
  }
  if (o.kind !== "tls-ok") throw outcomeError(o, target) ?? new AuditError("internal", `the certificate fetch ended as ${o.kind}`);
  if ("error" in o.value) throw o.value.error;
  return {
    ders: o.value.ders,
    source: maxVersion === "TLSv1.2" ? "certificate-message" : "peer-certificate",
    protocol: o.value.protocol,
    handshakeVerification: o.value.verdict,
    serverVersion: o.greeting.serverVersion,
  };
}

/**
 * OpenSSL's chain verdict from the handshake. Node checks the name only once the chain verified, and over our
 * tunnelled socket it checks "localhost" for an IP target, so a name error means the chain itself was fine.
 */
function chainVerdict(r: NodeTlsResult): { authorized: boolean; error?: string } {
  if (r.authorized || r.authorizationError === "ERR_TLS_CERT_ALTNAME_INVALID") return { authorized: true };
  return { authorized: false, ...(r.authorizationError ? { error: r.authorizationError } : {}) };
}

/** The Certificate message of a plaintext TLS 1.2 server flight, as DER in the order sent. */
export function certificatesAsSent(received: Buffer): Buffer[] {
  const flight = readTlsFlight(received);
  const msg = flight.handshakes.find((h) => h.type === HandshakeType.Certificate);
  if (!msg) {
    throw new AuditError("protocol", "the server's TLS 1.2 flight holds no Certificate message (an anonymous cipher suite?)", { step: "certificate" });
  }
  try {
    return parseCertificateMessage(msg.body, false).map((d) => Buffer.from(d));
  } catch (err) {
    // The record layer reports a malformed message as a RangeError; to the user it is the server's protocol error.
    throw new AuditError("protocol", `the server's Certificate message is malformed: ${(err as Error).message}`, { step: "certificate" });
  }
}

/** Node's view of the chain, leaf first, following issuerCertificate until it loops or ends. */
function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let c: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(Buffer.from(c.raw));
    c = c.issuerCertificate;
  }
  if (out.length === 0) throw new AuditError("protocol", "the server sent no certificate", { step: "certificate" });
  return out;
}
