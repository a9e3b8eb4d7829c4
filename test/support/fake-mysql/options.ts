// The test server's configuration and event types (the public shape of startFakeMysql).
import type { Socket } from "node:net";
import type { SecureVersion } from "node:tls";
import type { AuthPluginName, GreetingPreset } from "./greetings.js";
import type { QueryResult } from "./result-set.js";

/** How the server (mis)behaves; one per server. */
export type Behaviour =
  | "normal"
  | "err-greeting"
  | "protocol-9"
  | "no-ssl"
  | "http"
  | "garbage"
  | "close"
  | "reset"
  | "truncated"
  | "oversized"
  | "silent"
  | "slow-drip"
  | "wrong-seq"
  | "drop-after-ssl-request"
  | "err-after-ssl-request"
  | "err-after-client-hello"
  | "tls-garbage"
  | "tls-alert";

/**
 * A fault at a later step: instead of answering the HandshakeResponse (loginFault) or a COM_QUERY (queryFault),
 * the server stays silent, closes, resets, sends garbage, sends half a packet, announces a 16 MiB packet, answers
 * with a wrong sequence id, or drips the answer a byte at a time. The last two carry on afterwards.
 */
export type StepFault = "silent" | "close" | "reset" | "garbage" | "truncated" | "oversized" | "wrong-seq" | "slow-drip";

/** An account the server accepts. */
export interface FakeUser {
  user: string;
  password: string;
  plugin: AuthPluginName;
  /** Like REQUIRE SSL: a clear-text login is refused with 1045. */
  requireSecure?: boolean;
  /** Like REQUIRE X509: a login without a client certificate that the server's `tls.ca` verifies is refused with 1045. */
  requireX509?: boolean;
}

/** Server side of TLS after the SSLRequest; cert, key and ca are PEM text or file paths. */
export interface FakeTlsOptions {
  cert: string;
  key: string;
  ca?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  /** Ask the client for a certificate (verified against `ca`, but never required at the TLS level). */
  requestCert?: boolean;
  /** DHE parameters: PEM text or a file path, or "auto" (Node's 2048-bit default); without it DHE suites are off. */
  dhparam?: string;
  /** OpenSSL SSL_OP_* bits, e.g. 1 (SSL_OP_NO_EXTENDED_MASTER_SECRET in OpenSSL 3) for a server without EMS. */
  secureOptions?: number;
}

/** What onQuery learns about the session that sent the query. */
export interface FakeConnInfo {
  /** 1-based number of the connection on this server. */
  conn: number;
  connectionId: number;
  user: string;
  database?: string;
  secure: boolean;
  tlsProtocol?: string;
  tlsCipher?: string;
  /** The client certificate, when tls.requestCert was set and the client sent one. */
  clientCertificate?: { subject: string; issuer: string; verified: boolean };
  capabilities: number;
}

export interface FakeMysqlOptions {
  greeting?: GreetingPreset;
  /** Overrides of the preset. */
  version?: string;
  capabilities?: number;
  authPlugin?: string;
  connectionId?: number;
  charset?: number;
  statusFlags?: number;
  /** Whether accounts may use mysql_native_password (default per preset: off on 9.x, where MySQL removed it). */
  nativePassword?: boolean;

  behaviour?: Behaviour;
  /** For err-greeting, err-after-ssl-request and err-after-client-hello. */
  errno?: number;
  /** Given: the ERR carries '#'+sqlState. Before the greeting real servers send none. */
  sqlState?: string;
  message?: string;
  /** Sequence id of the greeting (wrong-seq, default 5) or of the ERR greeting (default 0). */
  sequenceId?: number;
  /** slow-drip (and the slow-drip step fault): pause between bytes (default 1000 ms). */
  dripIntervalMs?: number;
  /** garbage / tls-garbage: the bytes to send (default random / a text line). */
  garbage?: Buffer;

  tls?: FakeTlsOptions;
  tlsBackend?: { host: string; port: number };
  /**
   * Takes the raw socket right after the SSLRequest (ClientHello bytes already received are unshifted back).
   * Attach 'data' listeners or pipe synchronously; a handler that starts reading later must call socket.resume().
   */
  onSslRequest?: (socket: Socket) => void;

  /** Fault instead of the login answer (no authentication happens). */
  loginFault?: StepFault;
  /** Fault instead of every query answer. */
  queryFault?: StepFault;

  users?: FakeUser[];
  /** Like require_secure_transport=ON: a clear-text login gets ERR 3159. */
  requireSecureTransport?: boolean;
  /**
   * caching_sha2_password keeps a per-server cache of users who completed full authentication; a cold cache
   * (the default, as after a restart) makes the first login of each user take the full path.
   */
  sha2CacheWarm?: boolean;
  onQuery?: (sql: string, conn: FakeConnInfo) => QueryResult | Promise<QueryResult>;
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
}

export type FakeEventKind =
  | "connect"
  | "greeting-sent"
  | "ssl-request"
  | "client-hello"
  | "tls-established"
  | "tls-error"
  | "tls-backend"
  | "handshake-response"
  | "auth-switch"
  | "fast-auth"
  | "full-auth"
  | "public-key-request"
  | "auth-ok"
  | "auth-failed"
  | "query"
  | "command"
  | "fault"
  | "closed";

/** Something that happened on the wire; details never hold a password. */
export interface FakeEvent {
  conn: number;
  kind: FakeEventKind;
  at: number;
  detail?: Record<string, unknown>;
}
