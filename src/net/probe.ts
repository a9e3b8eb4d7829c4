import type { ErrPacket } from "../protocol/err-packet.js";
import type { Greeting } from "../protocol/handshake.js";
import { AuditError, withContext } from "../errors.js";
import { DEFAULT_READ_TIMEOUT_MS } from "./connect.js";
import { formatTarget, type Target } from "./target.js";
import { connectMysql, flavorOf } from "./connection.js";
import type { FailedLoginResult } from "./failed-login.js";
import type { TimeoutOptions } from "./connect.js";
import { schedulerOr, type TargetScheduler } from "./scheduler.js";
import { nodeTlsStep, prepareContext, type NodeTlsResult } from "../tls/node-handshake.js";
import type { Flavor } from "../protocol/flavor.js";

/** What the greeting told us about the server. */
export interface ServerFacts {
  protocolVersion: number;
  /** The version string exactly as sent. */
  version: string;
  /** The plain version number (MariaDB's 5.5.5- prefix and suffixes removed). */
  versionNumber: string;
  flavor: Flavor;
  flavorEvidence: string[];
  connectionId: number;
  capabilities: string[];
  capabilityFlags: number;
  mariadbCapabilities?: string[];
  characterSet?: number;
  collation?: string;
  statusFlags?: string[];
  authPlugin?: string;
}

/** The TLS upgrade as seen by node:tls. */
export interface TlsFacts {
  offered: boolean;
  protocol?: string;
  cipher?: string;
  cipherIana?: string;
  /** Key-exchange group (e.g. X25519) or "DH 2048" where Node exposes it. */
  keyExchange?: string;
  handshakeMs?: number;
  verified?: boolean;
  verifyError?: string;
  /** Which CA set verification used. */
  verifiedAgainst?: string;
  hostnameChecked?: string;
  hostnameMatch?: boolean;
  hostnameError?: string;
  certificate?: { subject: string; issuer: string; notBefore: string; notAfter: string; daysLeft: number };
  /** How our probe connection ended after TLS (a refused login keeps max_connect_errors untouched). */
  closedWith?: FailedLoginResult["outcome"];
}

/** Everything `probe` gathers: facts only, no judgement. */
export interface HandshakeFacts {
  target: { host: string; port: number };
  connectMs: number;
  greeting: "handshake-v10" | "handshake-v9" | "error";
  server?: ServerFacts;
  serverError?: ErrPacket & { advice: string };
  tls: TlsFacts;
}

export interface ProbeOptions extends TimeoutOptions {
  /** PEM CA bundle for verification (--ssl-ca); default the system roots. */
  ca?: string;
  caLabel?: string;
  /** The name to check the certificate against (default the target host). */
  hostName?: string;
  /** Hears the server's greeting as soon as it is read, before the TLS handshake. */
  onGreeting?: (greeting: Greeting) => void;
  /** The target's scheduler: the probe's connection counts under its cap and its budget (absent: a scheduler of its own). */
  scheduler?: TargetScheduler;
  /**
   * Read the server's certificate into the facts (subject, issuer, dates, name match; default true). A command
   * that does not report them (ciphers) spares the certificate reader's loading (node-forge) and its work.
   */
  certificate?: boolean;
}

/** Advice for the ERR packets a server sends instead of a greeting. */
export function adviceForGreetingError(errno: number): string {
  switch (errno) {
    case 1129:
      return "this client host is blocked after too many aborted connections (max_connect_errors): on the server run FLUSH HOSTS (MySQL 8.0.23+: TRUNCATE TABLE performance_schema.host_cache) or `mysqladmin flush-hosts`, and consider raising max_connect_errors";
    case 1040:
      return "the server has reached max_connections: retry later, or raise max_connections on the server";
    case 1130:
      return "no account may connect from this client host: connect from an allowed host, or CREATE USER ...@'<this host>'";
    case 1203:
      return "the user has reached max_user_connections";
    default:
      return "the server refused the connection before the handshake";
  }
}

/** Connects, reads the greeting and, if CLIENT_SSL is offered, upgrades to TLS with node:tls. */
export async function probe(target: Target, opts: ProbeOptions = {}): Promise<HandshakeFacts> {
  const name = formatTarget(target);
  const hostName = opts.hostName ?? target.host;
  const tlsOptions = { timeoutMs: opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, servername: hostName, ...(opts.ca !== undefined ? { ca: opts.ca } : { systemRoots: true }) };
  prepareContext(tlsOptions);
  const step = nodeTlsStep(tlsOptions, (r) => ({
    facts: tlsFactsOf(r, opts, hostName),
    der: opts.certificate === false ? undefined : r.socket.getPeerCertificate(false)?.raw,
  }));
  const o = await schedulerOr(opts.scheduler).connection(() => connectMysql(target, step, opts));
  if (o.kind === "connect-failed" || o.kind === "not-mysql") throw o.error;
  const base = { target: { host: target.host, port: target.port }, connectMs: round(o.connectMs) };
  const g = o.greeting;
  if (g.kind === "error") {
    return {
      ...base,
      greeting: "error",
      serverError: { errno: g.errno, ...(g.sqlState ? { sqlState: g.sqlState } : {}), message: g.message, advice: adviceForGreetingError(g.errno) },
      tls: { offered: false },
    };
  }
  const fl = flavorOf(g)!;
  const server: ServerFacts = {
    protocolVersion: g.protocolVersion,
    version: g.serverVersion,
    versionNumber: fl.version,
    flavor: fl.flavor,
    flavorEvidence: fl.evidence,
    connectionId: g.connectionId,
    capabilities: g.kind === "v10" ? g.capabilityNames : [],
    capabilityFlags: g.kind === "v10" ? g.capabilities : 0,
    ...(g.kind === "v10"
      ? {
          ...(g.mariadbCapabilityNames ? { mariadbCapabilities: g.mariadbCapabilityNames } : {}),
          ...(g.characterSet !== undefined ? { characterSet: g.characterSet, collation: g.collation! } : {}),
          ...(g.statusFlagNames ? { statusFlags: g.statusFlagNames } : {}),
          ...(g.authPlugin ? { authPlugin: g.authPlugin } : {}),
        }
      : {}),
  };
  if (o.kind === "no-tls") return { ...base, greeting: g.kind === "v9" ? "handshake-v9" : "handshake-v10", server, tls: { offered: false } };
  if (o.kind === "tls-failed") throw withContext(o.error, name, "tls-handshake");
  if (o.kind !== "tls-ok") throw new AuditError("internal", `the probe's TLS step ended as ${o.kind}`, { target: name });
  const tls: TlsFacts = { ...o.value.facts, closedWith: o.login.outcome };
  if (o.value.der) await readPeerCertificate(o.value.der, hostName, tls);
  return { ...base, greeting: "handshake-v10", server, tls };
}

/** The certificate's facts and name match, by the same reader and RFC 6125 matcher as `cert`, so the two commands never disagree. */
async function readPeerCertificate(der: Buffer, hostName: string, tls: TlsFacts): Promise<void> {
  const [{ readCertificate }, { matchHostname }] = await Promise.all([import("../x509/certificate.js"), import("../x509/hostname.js")]);
  try {
    const c = readCertificate(der);
    tls.certificate = { subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter, daysLeft: c.daysLeft };
    const m = matchHostname(c, hostName);
    tls.hostnameMatch = m.matched;
    if (!m.matched) tls.hostnameError = m.note ?? `the certificate presents ${m.presented.join(", ") || "no name of that kind"}`;
  } catch (err) {
    tls.hostnameError = `the certificate could not be read: ${(err as Error).message}`;
  }
}

/** The probe's facts of a finished handshake, read before the refused login ends it. */
function tlsFactsOf(r: NodeTlsResult, opts: ProbeOptions, hostName: string): TlsFacts {
  const tlsFacts: TlsFacts = {
    offered: true,
    protocol: r.protocol,
    cipher: r.cipher.name,
    cipherIana: r.cipher.standardName,
    handshakeMs: round(r.handshakeMs),
    verified: r.authorized,
    ...(r.authorizationError ? { verifyError: r.authorizationError } : {}),
    verifiedAgainst: opts.caLabel ?? (opts.ca ? "--ssl-ca" : "system roots"),
    hostnameChecked: hostName,
  };
  if (r.ephemeral) tlsFacts.keyExchange = r.ephemeral.name ?? `${r.ephemeral.type} ${r.ephemeral.size ?? ""}`.trim();
  return tlsFacts;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
