import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { AuditError } from "../errors.js";
import { ERR_HEADER, parseErrPacket } from "../protocol/err-packet.js";
import type { TlsStep } from "../net/connection.js";
import { TapDuplex } from "../net/tap-duplex.js";
import { printable } from "../report/printable.js";

export type TlsVersionName = "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

/** What we ask node:tls for; by default, anything Node's OpenSSL can still speak at security level 0. */
export interface NodeTlsOptions {
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher string for TLS 1.2 and below (default "ALL:@SECLEVEL=0"). */
  ciphers?: string;
  /** TLS 1.3 suites, colon separated (default: all Node knows). */
  ciphersuites?: string;
  /** Groups to offer (OpenSSL names, colon separated). */
  groups?: string;
  /** PEM of CAs for verification; undefined = Node's default store (see systemRoots). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Verify against the system roots (systemRootCertificates()) instead; `ca` is then ignored. */
  systemRoots?: boolean;
  /** Name to check the certificate against; also sent as SNI when it is not an IP address. */
  servername?: string;
  timeoutMs: number;
  /**
   * Record the server's bytes (default true), so a failure can say what the server sent instead (an ERR packet,
   * garbage) and the TLS 1.2 Certificate message can be read as sent. That puts a JavaScript stream between the
   * socket and OpenSSL; without it node:tls runs on the socket itself, about 1 ms less CPU per handshake
   * (measured, a 144-connection legacy scan, alternating, medians of 5: 0.93 s instead of 1.12 s of user CPU),
   * and a failure is named by OpenSSL's reason alone.
   */
  record?: boolean;
}

/** A completed TLS handshake. The socket is left open for the caller to finish the MySQL exchange. */
export interface NodeTlsResult {
  socket: tls.TLSSocket;
  /** The recorder of the server's bytes, unless the options said record: false. */
  tap?: TapDuplex;
  protocol: string;
  cipher: { name: string; standardName: string; version: string };
  /** Key-exchange group or DH size, as Node exposes it. */
  ephemeral?: { type: string; name?: string; size?: number };
  handshakeMs: number;
  authorized: boolean;
  authorizationError?: string;
}

const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];
let systemRoots: string[] | undefined;
/** The operating system's roots that Node's bundle lacks. */
let systemExtras: string[] = [];

/** Node's bundled roots plus the operating system's bundle, as "the system roots". */
function systemRootCertificates(): string[] {
  if (!systemRoots) {
    systemRoots = [...tls.rootCertificates];
    for (const f of SYSTEM_BUNDLES) {
      try {
        const bundle = fs.readFileSync(f, "utf8");
        systemRoots.push(bundle);
        const bundled = new Set(tls.rootCertificates.map(pemBody));
        systemExtras = (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).filter((c) => !bundled.has(pemBody(c)));
        break;
      } catch {
        // try the next location
      }
    }
  }
  return systemRoots;
}

/** The system roots once each: Node's bundle and the system bundle's roots that Node's lacks (PEM). */
export function uniqueSystemRoots(): string[] {
  systemRootCertificates();
  return [...tls.rootCertificates, ...systemExtras];
}

function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----|\s/g, "");
}

/**
 * The system roots that Node's default store lacks. None when NODE_EXTRA_CA_CERTS is the system bundle itself:
 * Node read that file into its default store when it started, and reading and adding its 20-odd extras again cost
 * about 9 ms of CPU before the scan's first connection (measured; #13).
 */
function defaultStoreLacks(): string[] {
  defaultHoldsSystemBundle ??= extraCaCertsAreTheSystemBundle();
  if (defaultHoldsSystemBundle) return [];
  systemRootCertificates();
  return systemExtras;
}
let defaultHoldsSystemBundle: boolean | undefined;

function extraCaCertsAreTheSystemBundle(): boolean {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const bundle = SYSTEM_BUNDLES.find((f) => fs.existsSync(f));
  return !!extra && !!bundle && realPath(extra) === realPath(bundle);
}

function realPath(f: string): string | undefined {
  try {
    return fs.realpathSync(f);
  } catch {
    return undefined;
  }
}

/**
 * A context trusting the system roots. Node's own bundle is parsed once per process and shared; loading it again
 * from PEM, with the system bundle, cost about 60 ms of CPU a context (measured), so the context starts from the
 * shared bundle and adds only the system roots it lacks (about 5 ms).
 */
function systemRootsContext(opts: tls.SecureContextOptions): tls.SecureContext {
  const ctx = tls.createSecureContext(opts);
  const native = (ctx as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== "function") return tls.createSecureContext({ ...opts, ca: systemRootCertificates() });
  for (const pem of defaultStoreLacks()) native.addCACert(pem);
  return ctx;
}

// Loading a root store costs about 45 ms per context (measured), so contexts are built once per option set.
const contexts = new Map<string, tls.SecureContext>();

function caKeyOf(opts: NodeTlsOptions): string {
  if (opts.systemRoots) return "system";
  if (opts.ca === undefined) return "default";
  // Every scan probe trusts nothing (ca: []): no hash for that one.
  if (Array.isArray(opts.ca) && opts.ca.length === 0) return "none";
  return crypto.createHash("sha256").update(JSON.stringify(opts.ca)).digest("hex");
}

function newContext(opts: NodeTlsOptions, caKey: string): tls.SecureContext {
  const base: tls.SecureContextOptions = {
    minVersion: opts.minVersion ?? "TLSv1",
    maxVersion: opts.maxVersion ?? "TLSv1.3",
    ciphers: opts.ciphers ?? "ALL:@SECLEVEL=0",
    ...(opts.ciphersuites ? { ciphersuites: opts.ciphersuites } : {}),
    ...(opts.groups ? { ecdhCurve: opts.groups } : {}),
  };
  return caKey === "system" ? systemRootsContext(base) : tls.createSecureContext({ ...base, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });
}

/** Node's native context, where it can change its cipher lists in place (not a public API: checked before use). */
interface CipherSetter {
  setCiphers(list: string): void;
  setCipherSuites(suites: string): void;
}

function cipherSetter(ctx: tls.SecureContext): CipherSetter | undefined {
  const native = (ctx as unknown as { context?: Partial<CipherSetter> }).context;
  return typeof native?.setCiphers === "function" && typeof native.setCipherSuites === "function" ? (native as CipherSetter) : undefined;
}

// Contexts lent to one handshake at a time, by their options less the cipher list. A scan offers a different
// list in nearly every probe; a context costs about 0.6 ms of CPU to make (measured: 85 ms of a 144-probe scan),
// so a probe borrows one and sets its list in place. One handshake at a time: OpenSSL checks the server's pick
// against the context's list when the ServerHello arrives (measured: shared by handshakes in flight, "wrong
// cipher returned").
const lendable = new Map<string, tls.SecureContext[]>();

/** A context for these options, and what to call once the handshake no longer needs it. */
function secureContextFor(opts: NodeTlsOptions): { ctx: tls.SecureContext; release: () => void } {
  const caKey = caKeyOf(opts);
  // Only a pinned version: the TLS 1.3 list is left as the last borrower set it when the probe sets none.
  if (opts.ciphers !== undefined && opts.ciphersuites === undefined && opts.minVersion !== undefined && opts.minVersion === opts.maxVersion) {
    const key = [caKey, opts.minVersion, opts.groups].join("|");
    let free = lendable.get(key);
    if (!free) {
      if (lendable.size > 256) lendable.clear();
      lendable.set(key, (free = []));
    }
    const ctx = free.pop() ?? newContext(opts, caKey);
    const setter = cipherSetter(ctx);
    if (setter) {
      const release = (): void => {
        if (free.length < 32) free.push(ctx);
      };
      try {
        const names = opts.ciphers.split(":").filter((c) => c.length > 0);
        const tls13 = (c: string): boolean => c.startsWith("TLS_") || c.startsWith("!TLS_");
        if (names.some(tls13)) setter.setCipherSuites(names.filter(tls13).join(":"));
        setter.setCiphers(names.filter((c) => !tls13(c)).join(":"));
      } catch (err) {
        release();
        throw err;
      }
      return { ctx, release };
    }
  }
  const key = [caKey, opts.minVersion, opts.maxVersion, opts.ciphers, opts.ciphersuites, opts.groups].join("|");
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = newContext(opts, caKey);
    if (contexts.size > 256) contexts.clear();
    contexts.set(key, ctx);
  }
  return { ctx, release: () => {} };
}

/**
 * Builds the context for these options a turn of the event loop later, unless it is built: the connectivity probe's
 * step then finds it ready, its cost spent while the connection opens and the greeting travels. Without
 * NODE_EXTRA_CA_CERTS, Node builds its root store for the first context that uses it, about 45 ms of CPU, which
 * otherwise ran after the greeting, before the scan's first probes went out (#13).
 */
export function prepareContext(opts: NodeTlsOptions): void {
  setImmediate(() => {
    try {
      secureContextFor(opts).release();
    } catch {
      // The step makes it again and reports what is wrong.
    }
  });
}

/**
 * The node:tls step of a connection (net/connection.ts): a real TLS handshake over the socket the SSLRequest went
 * out on. `read` takes what the caller needs from the finished handshake, before the refused login that ends it.
 */
export function nodeTlsStep<T>(opts: NodeTlsOptions, read: (r: NodeTlsResult) => T): TlsStep<T> {
  return async (io) => {
    const r = await handshake(io.socket, io.leftover, opts);
    return { completed: r.socket, value: read(r) };
  };
}

// tls.connect writes its ClientHello synchronously: the connection layer has the socket corked, so it leaves in
// one segment with the SSLRequest.
function handshake(raw: net.Socket, leftover: Buffer, opts: NodeTlsOptions): Promise<NodeTlsResult> {
  // Bytes already read (normally none) can only be handed to OpenSSL through the recording stream.
  const tap = opts.record === false && leftover.length === 0 ? undefined : new TapDuplex(raw, leftover);
  // On the socket itself OpenSSL writes below the socket's (corked) buffer: the SSLRequest must leave first.
  if (!tap) raw.uncork();
  const { ctx: secureContext, release } = secureContextFor(opts);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const servername = opts.servername && net.isIP(opts.servername) === 0 ? opts.servername : undefined;
    let settled = false;
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({
        socket: tap ?? raw,
        ...(servername ? { servername } : {}),
        secureContext,
        rejectUnauthorized: false, // verification is reported, not enforced: the probe must see bad chains too
      });
    } catch (err) {
      release();
      reject(err);
      return;
    }
    const fail = (err: AuditError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      release();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new AuditError("timeout", `TLS handshake did not finish within ${opts.timeoutMs / 1000} s`, { step: "tls-handshake" })),
      opts.timeoutMs,
    );
    socket.once("secureConnect", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => {}); // later errors surface through the reads that follow
      tap?.stopRecording();
      release();
      const c = socket.getCipher();
      const eph = socket.getEphemeralKeyInfo();
      resolve({
        socket,
        ...(tap ? { tap } : {}),
        protocol: socket.getProtocol() ?? "unknown",
        cipher: { name: c.name, standardName: (c as { standardName?: string }).standardName ?? c.name, version: c.version },
        ...(eph && "type" in eph && eph.type ? { ephemeral: eph as { type: string; name?: string; size?: number } } : {}),
        handshakeMs: performance.now() - t0,
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
      });
    });
    const explain = (err: Error): AuditError => (tap ? explainTlsFailure(err, tap.received) : new AuditError("tls", `TLS handshake failed: ${shortTlsError(err)}`, { step: "tls-handshake" }));
    // After the handshake these still fire (the close that ends every probe): nothing to explain then.
    socket.once("error", (err) => {
      if (!settled) fail(explain(err));
    });
    socket.once("close", () => {
      if (!settled) fail(explain(new Error("the server closed the connection during the TLS handshake")));
    });
  });
}

/** Names what the server sent instead of a TLS handshake: a MySQL ERR packet, an alert, or other bytes. */
export function explainTlsFailure(err: Error, received: Buffer): AuditError {
  if (received.length >= 5 && received[4] === ERR_HEADER && received.readUIntLE(0, 3) === received.length - 4) {
    try {
      const e = parseErrPacket(received.subarray(4));
      const sqlState = e.sqlState ? ` (${printable(e.sqlState)})` : "";
      return new AuditError("tls", `the server answered with MySQL error ${e.errno}${sqlState} instead of TLS: ${printable(e.message)}`, {
        step: "tls-handshake",
        serverErrno: e.errno,
      });
    } catch {
      // fall through to the generic description
    }
  }
  if (received.length === 0) {
    return new AuditError("tls", `the server closed the connection after the SSLRequest without any TLS reply (${shortTlsError(err)})`, { step: "tls-handshake" });
  }
  if (received[0] !== 0x15 && received[0] !== 0x16) {
    return new AuditError("tls", `the server answered the ClientHello with bytes that are not TLS (${received.subarray(0, 8).toString("hex")}…)`, { step: "tls-handshake" });
  }
  const lib = openSslLibrary(err);
  // OpenSSL parses the Certificate message during the handshake; an ASN.1 or X.509 error there means the
  // server's certificate bytes are malformed, which is what the user needs to hear.
  if (lib && /asn1|x509|pem/i.test(lib)) {
    return new AuditError("tls", `TLS handshake failed: the server sent a certificate that cannot be parsed (${shortTlsError(err)})`, { step: "tls-handshake" });
  }
  return new AuditError("tls", `TLS handshake failed: ${shortTlsError(err)}`, { step: "tls-handshake" });
}

// OpenSSL messages look like "C0E7...:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:
// ../ssl/record/rec_layer_s3.c:1605:SSL alert number 40": thread, code, library, function, reason, source file.
const OPENSSL_ERROR = /error:[0-9A-Fa-f]+:([^:\n]+):([^:\n]*):([^:\n]+)/;

function openSslLibrary(err: Error): string | undefined {
  return OPENSSL_ERROR.exec(err.message)?.[1];
}

/** The reason of an OpenSSL error without its thread id, code and source path; other errors' first line. */
function shortTlsError(err: Error): string {
  const m = OPENSSL_ERROR.exec(err.message);
  if (!m) return printable(err.message.split("\n")[0]!);
  return printable(m[1] === "SSL routines" ? m[3]! : `${m[1]}: ${m[3]}`);
}
