// The node:tls engine of the enumeration: one MySQL connection per probe, a real handshake through Node's
// OpenSSL, then a refused login so the server counts an authentication error instead of an aborted handshake.
import { Duplex } from "node:stream";
import tls from "node:tls";
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { connectMysql, type ConnectionOutcome } from "../net/connection.js";
import type { Target } from "../net/target.js";
import { nodeTlsStep, type TlsVersionName } from "./node-handshake.js";
import { suiteByIana, suiteByOpenSSLName, type CipherSuite } from "./suites.js";

/** How one probe connection ended, whichever engine ran it. */
export type ProbeOutcome =
  | {
      kind: "accepted";
      version: TlsVersionName;
      code: number;
      /** ECDHE / TLS 1.3 group, as OpenSSL names it (X25519, prime256v1, ffdhe2048, ...). */
      group?: string;
      /** Size of the server's DHE prime, when the suite is DHE. */
      dhBits?: number;
      /** The named curve of the server's key, when the suite authenticates with ECDSA (registry name). */
      certCurve?: string;
      /** False when the handshake completed and the connection ended as a refused login. */
      aborted: boolean;
    }
  /** The server refused what was offered (an alert, or a close right after the ClientHello); `alert` names the alert (raw probes). */
  | { kind: "rejected"; detail: string; alert?: string; aborted: boolean }
  | { kind: "failed"; reason: FailureReason; detail: string; serverErrno?: number; aborted: boolean; step?: string };

export type FailureReason = "node-incomplete" | "greeting-error" | "server-error" | "garbage" | "closed" | "server-bug" | "timeout" | "no-tls" | "connect";

export const TLS13_SUITE_NAMES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_CCM_SHA256",
  "TLS_AES_128_CCM_8_SHA256",
] as const;

/** The protocol versions node:tls can be pinned to (Node has no SSL 3.0). */
export const NODE_VERSIONS: readonly TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

let speakable: Set<number> | undefined;

/**
 * The cipher-suite code points Node's OpenSSL puts in its own ClientHello at security level 0: measured by
 * capturing that ClientHello in memory, since tls.getCiphers() omits some it can negotiate and lists names only.
 * A suite outside this set is something node:tls cannot negotiate, and the raw engine has to probe it.
 */
export function nodeSpeakableCodes(): ReadonlySet<number> {
  speakable ??= new Set(offeredByNode());
  return speakable;
}

// One ClientHello offering every version, which lists the TLS 1.3 suites and the others alike; only where this
// OpenSSL refuses one of the TLS 1.3 names, a ClientHello for each part (before the scan's first probe: 2.5 ms
// less; #13).
// Every suite below TLS 1.3 this OpenSSL has, at any security level.
const ALL_BELOW_TLS13 = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";

function offeredByNode(): number[] {
  try {
    return captureOfferedSuites({ minVersion: "TLSv1", maxVersion: "TLSv1.3", ciphers: `${TLS13_SUITE_NAMES.join(":")}:${ALL_BELOW_TLS13}` });
  } catch {
    return offeredByNodeSeparately();
  }
}

/** The same, one ClientHello for TLS 1.0-1.2 and one for TLS 1.3 (exported for the test that they agree). */
export function offeredByNodeSeparately(): number[] {
  return [...captureOfferedSuites({ minVersion: "TLSv1", maxVersion: "TLSv1.2", ciphers: ALL_BELOW_TLS13 }), ...tls13Codes()];
}

/** True when node:tls can negotiate this suite under this version. */
export function nodeCanSpeak(version: TlsVersionName, suite: CipherSuite): boolean {
  return NODE_VERSIONS.includes(version) && nodeSpeakableCodes().has(suite.code) && (version === "TLSv1.3") === (suite.protocol === "tls13");
}

function tls13Codes(): number[] {
  // Node takes TLS 1.3 suites in `ciphers` (names starting TLS_ go to OpenSSL's ciphersuites), and only those
  // its OpenSSL implements; try them one by one so one unknown name does not hide the rest.
  const ok = TLS13_SUITE_NAMES.filter((n) => {
    try {
      tls.createSecureContext({ ciphers: n, minVersion: "TLSv1.3", ca: [] });
      return true;
    } catch {
      return false;
    }
  });
  if (ok.length === 0) return [];
  return captureOfferedSuites({ minVersion: "TLSv1.3", maxVersion: "TLSv1.3", ciphers: ok.join(":") });
}

function captureOfferedSuites(opts: tls.ConnectionOptions): number[] {
  let hello: Buffer | undefined;
  const sink = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      hello = hello ? Buffer.concat([hello, chunk]) : Buffer.from(chunk);
      cb();
    },
  });
  // tls.connect writes the ClientHello synchronously while it sets the session up.
  // ca: [] keeps Node from building its root store for a ClientHello that verifies nothing.
  const socket = tls.connect({ socket: sink, rejectUnauthorized: false, ca: [], ...opts });
  socket.on("error", () => {});
  socket.destroy();
  return hello ? clientHelloSuites(hello) : [];
}

/** The cipher_suites list of a ClientHello record (RFC 8446 §4.1.2), SCSVs included. */
export function clientHelloSuites(record: Buffer): number[] {
  // record header 5, handshake header 4, client_version 2, random 32, session_id <0..32>
  let p = 5 + 4 + 2 + 32;
  if (record.length < p + 1) return [];
  p += 1 + record[p]!;
  if (record.length < p + 2) return [];
  const len = record.readUInt16BE(p);
  p += 2;
  const out: number[] = [];
  for (let i = 0; i + 1 < len && p + i + 1 < record.length; i += 2) out.push(record.readUInt16BE(p + i));
  return out;
}

// The TLS registry's group names (as client-hello.ts's NAMED_GROUPS spells them) where OpenSSL's differ.
const OPENSSL_GROUP_NAMES: Readonly<Record<string, string>> = { x25519: "X25519", x448: "X448", secp256r1: "prime256v1" };
const CANONICAL_GROUP_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OPENSSL_GROUP_NAMES).map(([k, v]) => [v, k]));

/** The registry name of a group as Node/OpenSSL reports it (X25519 -> x25519, prime256v1 -> secp256r1). */
export function canonicalGroup(opensslName: string): string {
  return CANONICAL_GROUP_NAMES[opensslName] ?? opensslName;
}

/** The name Node's ecdhCurve option takes for a registry group name. */
export function opensslGroup(name: string): string {
  return OPENSSL_GROUP_NAMES[name] ?? name;
}

/** What one node:tls probe offers. */
export interface NodeProbeRequest {
  version: TlsVersionName;
  /** Offered in this order; all must be speakable by Node under `version`. */
  suites: CipherSuite[];
  /** Groups to offer (registry names, e.g. x25519, secp256r1); default Node's own list. */
  groups?: string[];
}

/** What the probes of one scan have learnt about the server. */
export interface NodeProbeMemory {
  /** A node:tls handshake with this server has completed: it speaks TLS after the SSLRequest. */
  handshakeCompleted: boolean;
}

/**
 * One node:tls probe of one version and suite list, ended by a refused login when the handshake completes.
 * Until a handshake with the server has completed (`memory`), the server's bytes are recorded so that a failure
 * can name what it sent instead of TLS (an ERR packet, garbage); after that, the probes run node:tls on the
 * socket itself, which costs less CPU, and name a failure by OpenSSL's reason.
 */
export async function nodeTlsProbe(target: Target, req: NodeProbeRequest, timeouts: Required<TimeoutOptions>, memory?: NodeProbeMemory): Promise<ProbeOutcome> {
  if (!NODE_VERSIONS.includes(req.version)) throw new AuditError("internal", `node:tls cannot speak ${req.version}`);
  const names = req.suites.map((s) => s.openssl ?? s.iana);
  const tls13 = req.version === "TLSv1.3";
  const step = nodeTlsStep(
    {
      minVersion: req.version as tls.SecureVersion,
      maxVersion: req.version as tls.SecureVersion,
      // Node sends TLS_* names in `ciphers` to OpenSSL's TLS 1.3 list; the TLS 1.2 part ("ALL") is moot once
      // the version is pinned to 1.3 but keeps the string valid and carries the security level.
      ciphers: tls13 ? `${names.join(":")}:ALL:@SECLEVEL=0` : `${names.join(":")}:@SECLEVEL=0`,
      ...(req.groups?.length ? { groups: req.groups.map(opensslGroup).join(":") } : {}),
      // A probe verifies nothing: no root store to load into each context (about 0.7 ms of CPU a probe, measured).
      ca: [],
      timeoutMs: timeouts.readTimeoutMs,
      record: !memory?.handshakeCompleted,
    },
    (result) => {
      const suite = suiteByIana(result.cipher.standardName) ?? suiteByOpenSSLName(result.cipher.name);
      // Only ECDSA suites need the key's curve (TLS 1.2 group offers must name it).
      const curve = suite?.authentication === "ECDSA" ? result.socket.getPeerCertificate(false)?.asn1Curve : undefined;
      return { suite, curve, protocol: result.protocol, cipher: result.cipher, eph: result.ephemeral };
    },
  );
  const o = await connectMysql(target, step, timeouts);
  if (endedBeforeTls(o)) return beforeTlsOutcome(o);
  switch (o.kind) {
    case "tls-failed":
      return classifyFailure(o.error);
    case "tls-aborted":
      return { kind: "failed", reason: "server-bug", detail: "the node:tls step stopped without a handshake", aborted: true };
  }
  if (memory) memory.handshakeCompleted = true;
  const { suite, curve, protocol, cipher, eph } = o.value;
  const aborted = o.aborted;
  if (!suite) {
    return { kind: "failed", reason: "server-bug", detail: `negotiated a suite the registry does not know: ${cipher.standardName}`, aborted };
  }
  if (protocol !== req.version) {
    return { kind: "failed", reason: "server-bug", detail: `asked for ${req.version} only, negotiated ${protocol}`, aborted };
  }
  return {
    kind: "accepted",
    version: req.version,
    code: suite.code,
    ...(eph?.type === "ECDH" && eph.name ? { group: canonicalGroup(eph.name) } : {}),
    // Under TLS 1.3 a DH key exchange is one of the RFC 7919 groups, named by its size.
    ...(eph?.type === "DH" && eph.size ? (req.version === "TLSv1.3" ? { group: `ffdhe${eph.size}` } : { dhBits: eph.size }) : {}),
    ...(curve ? { certCurve: canonicalGroup(curve) } : {}),
    aborted,
  };
}

/** A connection that ended before TLS: no connection, no MySQL greeting, an ERR greeting, or no TLS offered. */
type BeforeTls = Extract<ConnectionOutcome<unknown>, { kind: "connect-failed" | "not-mysql" | "server-error" | "no-tls" }>;

export function endedBeforeTls<T>(o: ConnectionOutcome<T>): o is Extract<ConnectionOutcome<T>, { kind: BeforeTls["kind"] }> {
  return o.kind === "connect-failed" || o.kind === "not-mysql" || o.kind === "server-error" || o.kind === "no-tls";
}

/** How a probe went that never got to TLS (both engines' probes judge it alike). */
export function beforeTlsOutcome(o: BeforeTls): ProbeOutcome {
  switch (o.kind) {
    case "connect-failed":
    case "not-mysql":
      return connectFailure(o.error);
    case "server-error":
      return { kind: "failed", reason: "greeting-error", step: "greeting", detail: `the server refused the connection with error ${o.greeting.errno}: ${o.greeting.message}`, serverErrno: o.greeting.errno, aborted: false };
    case "no-tls":
      return { kind: "failed", reason: "no-tls", detail: "the server does not offer TLS (CLIENT_SSL is not set)", aborted: o.aborted };
  }
}

/** A probe that never reached a TLS-capable MySQL greeting: no connect, silence, or not MySQL at all. */
export function connectFailure(e: AuditError): ProbeOutcome {
  // A silent greeting is a stall worth reporting per version; anything else at connect or greeting ends the run.
  const reason: FailureReason = e.code === "timeout" && e.details.step === "greeting" ? "timeout" : e.code === "tls" ? "no-tls" : "connect";
  return { kind: "failed", reason, detail: e.message, aborted: false, ...(e.details.step ? { step: e.details.step } : {}) };
}

function classifyFailure(err: unknown): ProbeOutcome {
  const e = err instanceof AuditError ? err : new AuditError("tls", err instanceof Error ? err.message : String(err));
  if (e.code === "timeout") return { kind: "failed", reason: "timeout", detail: e.message, aborted: true };
  if (e.details.serverErrno !== undefined) return { kind: "failed", reason: "server-error", detail: e.message, serverErrno: e.details.serverErrno, aborted: true };
  if (/not TLS/.test(e.message)) return { kind: "failed", reason: "garbage", detail: e.message, aborted: true };
  if (/wrong cipher returned|unknown cipher returned|bad key share|wrong curve/.test(e.message)) return { kind: "failed", reason: "server-bug", detail: e.message, aborted: true };
  // Node refuses a DH prime below its minDHSize after the server completed its side: the server did accept.
  const dh = /DH parameter size (\d+) is less than/.exec(e.message);
  if (dh) return { kind: "failed", reason: "node-incomplete", detail: `the server sent a ${dh[1]}-bit DH prime, which node:tls refuses to complete a handshake with`, aborted: true };
  return { kind: "rejected", detail: e.message, aborted: true };
}
