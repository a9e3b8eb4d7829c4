// One client connection, start to end: greeting, optional TLS upgrade, login, then the command phase.
import { connect as netConnect, type Socket } from "node:net";
import { X509Certificate } from "node:crypto";
import { TLSSocket, type SecureContext } from "node:tls";
import {
  checkNativePassword,
  checkSha2Scramble,
  clearTextPassword,
  decryptRsaPassword,
  isSslRequest,
  parseHandshakeResponse,
  serverRsaKeys,
  type HandshakeResponse,
} from "./auth.js";
import { drip, runGreetingBehaviour, runSslRequestBehaviour, runStepFault } from "./behaviours.js";
import { capsAnd, CLIENT, hasCap } from "./capabilities.js";
import { PacketChannel, prependBytes } from "./channel.js";
import { handshakeV10Payload, makeScramble, type GreetingSpec } from "./greetings.js";
import type { FakeConnInfo, FakeEventKind, FakeMysqlOptions, FakeUser } from "./options.js";
import { framePacket, PacketWriter, PayloadReader, type RawPacket } from "./packets.js";
import { authMoreDataPayload, authSwitchPayload, errPayload, okPayload, type ServerError } from "./responses.js";
import { queryResultPayloads, type QueryResult } from "./result-set.js";

/** What a session shares with its server. */
export interface SessionContext {
  conn: number;
  connectionId: number;
  spec: GreetingSpec;
  opts: FakeMysqlOptions;
  /** Built once per server when the server does TLS itself. */
  secureContext?: SecureContext;
  /** The CA certificates (PEM, one each) that client certificates are checked against. */
  caPems: string[];
  /** Users whose caching_sha2_password entry is cached (after a full authentication). */
  sha2Cache: Set<string>;
  log: (kind: FakeEventKind, detail?: Record<string, unknown>) => void;
  /** Timers to clear when the connection closes. */
  timers: Set<NodeJS.Timeout>;
}

const COM_QUIT = 0x01;
const COM_INIT_DB = 0x02;
const COM_QUERY = 0x03;
const COM_STATISTICS = 0x09;
const COM_PING = 0x0e;
const COM_RESET_CONNECTION = 0x1f;

const ACCESS_DENIED_STATE = "28000";

/** Runs one connection; never throws (a protocol violation by the client ends the connection). */
export async function runSession(socket: Socket, ctx: SessionContext): Promise<void> {
  try {
    await session(socket, ctx);
  } catch (err) {
    ctx.log("closed", { reason: "server-side error", error: err instanceof Error ? err.message : String(err) });
    socket.destroy();
  }
}

function peerHost(socket: Socket): string {
  const a = socket.remoteAddress ?? "127.0.0.1";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

async function session(socket: Socket, ctx: SessionContext): Promise<void> {
  const { opts, spec } = ctx;
  const behaviour = opts.behaviour ?? "normal";
  const host = peerHost(socket);
  if (runGreetingBehaviour(behaviour, socket, opts, spec, ctx.connectionId, host)) {
    if (behaviour !== "silent") ctx.log("greeting-sent", { behaviour });
    return;
  }

  const scramble = makeScramble();
  const greeting = framePacket(
    handshakeV10Payload(spec, ctx.connectionId, scramble),
    behaviour === "wrong-seq" ? (opts.sequenceId ?? 5) : 0,
  );
  let channel = new PacketChannel(socket);
  if (behaviour === "slow-drip") await drip(socket, greeting, opts.dripIntervalMs ?? 1000, ctx.timers);
  else socket.write(greeting);
  if (socket.destroyed) return;
  ctx.log("greeting-sent", { behaviour, version: spec.version, capabilities: spec.capabilities });

  let first = await channel.next();
  if (!first) return;
  let secure = false;
  let tlsInfo: { protocol?: string; cipher?: string; client?: FakeConnInfo["clientCertificate"] } = {};

  if (isSslRequest(first.payload)) {
    const caps = first.payload.readUInt32LE(0);
    ctx.log("ssl-request", { seq: first.seq, capabilities: caps });
    if (!hasCap(spec.capabilities, CLIENT.SSL)) {
      // MySQL without TLS configured treats the 32 bytes as a HandshakeResponse it cannot accept.
      channel.write(errPayload({ errno: 1043, sqlState: "08S01", message: "Bad handshake" }, true), first.seq + 1);
      socket.end();
      return;
    }
    const logHello = (bytes: number): void => ctx.log("client-hello", { bytes });
    if (await runSslRequestBehaviour(behaviour, socket, channel, opts, first.seq + 1, logHello)) return;

    const leftover = channel.detach();
    if (opts.onSslRequest) {
      if (leftover.length > 0) socket.unshift(leftover);
      opts.onSslRequest(socket);
      // A paused stream stays paused when 'data' listeners are added; resume for handlers that attached one.
      if (socket.isPaused() && socket.listenerCount("data") > 0) socket.resume();
      return;
    }
    if (opts.tlsBackend) {
      pipeToBackend(socket, leftover, opts.tlsBackend, ctx);
      return;
    }
    const tlsSocket = await upgrade(socket, leftover, ctx);
    if (!tlsSocket) return;
    secure = true;
    tlsInfo = {
      protocol: tlsSocket.getProtocol() ?? undefined,
      cipher: tlsSocket.getCipher()?.name,
      client: clientCertificate(tlsSocket, ctx.caPems),
    };
    channel = new PacketChannel(tlsSocket);
    first = await channel.next();
    if (!first) return;
  }

  let hr: HandshakeResponse;
  try {
    hr = parseHandshakeResponse(first.payload);
  } catch (err) {
    ctx.log("auth-failed", { reason: "malformed HandshakeResponse", error: (err as Error).message });
    channel.write(errPayload({ errno: 1043, sqlState: "08S01", message: "Bad handshake" }, true), first.seq + 1);
    channel.stream.end();
    return;
  }
  ctx.log("handshake-response", {
    seq: first.seq,
    user: hr.user,
    authPlugin: hr.authPlugin,
    database: hr.database,
    capabilities: hr.capabilities,
    secure,
  });

  const agreed = capsAnd(hr.capabilities, spec.capabilities);
  let user: FakeUser | undefined;
  if (opts.loginFault) {
    ctx.log("fault", { step: "login", fault: opts.loginFault });
    const okSeq = first.seq + 1;
    const outcome = await runStepFault(
      opts.loginFault,
      channel.stream,
      socket,
      (shift) => framePacket(okPayload(agreed), okSeq + shift),
      opts,
      ctx.timers,
    );
    if (outcome === "stop") return;
    user = { user: hr.user, password: "", plugin: "mysql_native_password" };
  } else {
    const io = new Exchange(channel, first.seq + 1);
    user = await login(io, hr, scramble, { secure, x509: tlsInfo.client?.verified === true }, host, ctx);
    if (!user) {
      channel.stream.end();
      return;
    }
    io.send(okPayload(agreed));
  }

  const info: FakeConnInfo = {
    conn: ctx.conn,
    connectionId: ctx.connectionId,
    user: user.user,
    database: hr.database,
    secure,
    tlsProtocol: tlsInfo.protocol,
    tlsCipher: tlsInfo.cipher,
    clientCertificate: tlsInfo.client,
    capabilities: agreed,
  };
  const mariadbExt = hasCap(agreed, CLIENT.LONG_PASSWORD) ? 0 : hr.mariadbExtCapabilities & spec.mariadbExtCapabilities;
  await commandPhase(channel, socket, info, mariadbExt, ctx);
}

/** The server side of TLS on the same socket; undefined (and the socket closed) if the handshake fails. */
async function upgrade(socket: Socket, leftover: Buffer, ctx: SessionContext): Promise<TLSSocket | undefined> {
  // node:tls takes over the native handle and starts reading it itself, even though detach() paused the socket.
  const base = leftover.length > 0 ? prependBytes(socket, leftover) : socket;
  const requestCert = ctx.opts.tls?.requestCert ?? false;
  // rejectUnauthorized: false so that a missing or unverified client certificate is decided at login, like
  // MySQL's REQUIRE X509, not by aborting the TLS handshake.
  const tlsSocket = new TLSSocket(base, {
    isServer: true,
    secureContext: ctx.secureContext,
    requestCert,
    rejectUnauthorized: false,
  });
  const ok = await new Promise<boolean>((resolve) => {
    tlsSocket.once("secure", () => resolve(true));
    tlsSocket.once("error", (err: Error) => {
      ctx.log("tls-error", { error: err.message });
      resolve(false);
    });
    tlsSocket.once("close", () => resolve(false));
  });
  if (!ok) {
    tlsSocket.destroy();
    socket.destroy();
    return undefined;
  }
  // Later errors (a client resetting mid-session) end the session through the channel, not as crashes.
  tlsSocket.on("error", () => undefined);
  ctx.log("tls-established", {
    clientCertificate: clientCertificate(tlsSocket, ctx.caPems),
    protocol: tlsSocket.getProtocol(),
    cipher: tlsSocket.getCipher()?.name,
    // TLS bytes that arrived in the same read as the SSLRequest and were handed over to node:tls.
    earlyBytes: leftover.length,
  });
  return tlsSocket;
}

/**
 * The client certificate and whether one of the configured CAs issued and signed it. A bare server-side TLSSocket
 * (not made by tls.Server) never computes `authorized`, so the check is done here.
 */
function clientCertificate(t: TLSSocket, caPems: string[]): FakeConnInfo["clientCertificate"] {
  const peer = t.getPeerX509Certificate();
  if (!peer) return undefined;
  const now = Date.now();
  const inDate = Date.parse(peer.validFrom) <= now && now <= Date.parse(peer.validTo);
  const verified =
    inDate &&
    caPems.some((pem) => {
      const ca = new X509Certificate(pem);
      return peer.checkIssued(ca) && peer.verify(ca.publicKey);
    });
  return { subject: dnString(peer.subject), issuer: dnString(peer.issuer), verified };
}

/** "CN=a\nO=b" (node:crypto's form) as "/CN=a/O=b" (MySQL's form in x509_subject). */
function dnString(dn: string): string {
  return dn
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => `/${l}`)
    .join("");
}

/** Hands the TLS bytes to a real TLS server (e.g. `openssl s_server`) and relays both ways. */
function pipeToBackend(socket: Socket, leftover: Buffer, backend: { host: string; port: number }, ctx: SessionContext): void {
  const b = netConnect(backend.port, backend.host);
  b.on("error", (err) => {
    ctx.log("tls-error", { backend: `${backend.host}:${backend.port}`, error: err.message });
    socket.destroy();
  });
  socket.on("error", () => b.destroy());
  socket.on("close", () => b.destroy());
  b.on("close", () => socket.destroy());
  b.on("connect", () => {
    ctx.log("tls-backend", { backend: `${backend.host}:${backend.port}` });
    if (leftover.length > 0) b.write(leftover);
    socket.pipe(b);
    b.pipe(socket);
  });
}

/** Sends and receives inside one exchange, keeping the sequence ids in step. */
class Exchange {
  constructor(
    private readonly channel: PacketChannel,
    private seq: number,
  ) {}

  send(payload: Buffer): void {
    this.channel.write(payload, this.seq);
    this.seq = (this.seq + 1) & 0xff;
  }

  async receive(): Promise<RawPacket | null> {
    const p = await this.channel.next();
    if (p) this.seq = (p.seq + 1) & 0xff;
    return p;
  }
}

function accessDenied(user: string, host: string, usingPassword: boolean): ServerError {
  return {
    errno: 1045,
    sqlState: ACCESS_DENIED_STATE,
    message: `Access denied for user '${user}'@'${host}' (using password: ${usingPassword ? "YES" : "NO"})`,
  };
}

/** Authenticates the HandshakeResponse; the user on success, undefined after an ERR has been sent. */
async function login(
  io: Exchange,
  hr: HandshakeResponse,
  scramble: Buffer,
  transport: { secure: boolean; x509: boolean },
  host: string,
  ctx: SessionContext,
): Promise<FakeUser | undefined> {
  const { secure } = transport;
  const { spec, opts } = ctx;
  const user = (opts.users ?? []).find((u) => u.user === hr.user);
  const clientPlugin = hasCap(hr.capabilities, CLIENT.PLUGIN_AUTH)
    ? (hr.authPlugin ?? "mysql_native_password")
    : "mysql_native_password";
  // An unknown user is authenticated against a decoy with the server's default plugin, as MySQL 8 does, so the
  // exchange does not reveal whether the account exists.
  const plugin = user?.plugin ?? spec.authPlugin;
  let response = hr.authResponse;
  const deny = (reason: string, usingPassword: boolean): undefined => {
    ctx.log("auth-failed", { user: hr.user, reason });
    io.send(errPayload(accessDenied(hr.user, host, usingPassword), true));
    return undefined;
  };

  if (plugin === "mysql_native_password" && !spec.nativePassword) {
    // The account's plugin is not there (MySQL 9.x, or 8.4 without --mysql-native-password=ON).
    ctx.log("auth-failed", { user: hr.user, reason: "mysql_native_password is not loaded" });
    io.send(errPayload({ errno: 1524, sqlState: "HY000", message: "Plugin 'mysql_native_password' is not loaded" }, true));
    return undefined;
  }
  if (clientPlugin !== plugin) {
    if (!hasCap(hr.capabilities, CLIENT.PLUGIN_AUTH)) return deny(`client cannot switch to ${plugin}`, response.length > 0);
    ctx.log("auth-switch", { from: clientPlugin, to: plugin });
    io.send(authSwitchPayload(plugin, scramble));
    const p = await io.receive();
    if (!p) return undefined;
    response = p.payload;
  }
  const usingPassword = response.length > 0;

  let verified = false;
  if (plugin === "mysql_native_password") {
    verified = !!user && checkNativePassword(user.password, scramble, response);
  } else if (plugin === "caching_sha2_password") {
    if (user && user.password === "" && response.length === 0) {
      verified = true;
    } else if (user && ctx.sha2Cache.has(user.user) && checkSha2Scramble(user.password, scramble, response)) {
      ctx.log("fast-auth", { user: hr.user });
      io.send(authMoreDataPayload([0x03]));
      verified = true;
    } else {
      // No cache entry (or a wrong scramble): ask for the password itself (perform_full_authentication).
      ctx.log("full-auth", { user: hr.user, secure });
      io.send(authMoreDataPayload([0x04]));
      let p = await io.receive();
      if (!p) return undefined;
      let password: string | undefined;
      if (secure) {
        password = clearTextPassword(p.payload);
      } else if (p.payload.length === 1 && p.payload[0] === 0x02) {
        ctx.log("public-key-request", { user: hr.user });
        const keys = serverRsaKeys();
        io.send(authMoreDataPayload(Buffer.from(keys.publicKeyPem)));
        p = await io.receive();
        if (!p) return undefined;
        try {
          password = decryptRsaPassword(p.payload, scramble, keys.privateKeyPem);
        } catch {
          password = undefined;
        }
      }
      // A clear-text password over an insecure channel is refused whatever it says.
      verified = !!user && password !== undefined && password === user.password;
      if (verified && user) ctx.sha2Cache.add(user.user);
    }
  } else {
    ctx.log("auth-failed", { user: hr.user, reason: `unsupported plugin ${plugin}` });
    io.send(errPayload({ errno: 1524, sqlState: "HY000", message: `Plugin '${plugin}' is not loaded` }, true));
    return undefined;
  }

  if (!verified || !user) return deny(user ? "wrong password" : "unknown user", usingPassword);
  if (opts.requireSecureTransport && !secure) {
    ctx.log("auth-failed", { user: hr.user, reason: "require_secure_transport" });
    io.send(
      errPayload(
        {
          errno: 3159,
          sqlState: "HY000",
          message: "Connections using insecure transport are prohibited while --require_secure_transport=ON.",
        },
        true,
      ),
    );
    return undefined;
  }
  if (user.requireSecure && !secure) return deny("account requires TLS", usingPassword);
  if (user.requireX509 && !transport.x509) return deny("account requires a verified client certificate", usingPassword);
  ctx.log("auth-ok", { user: hr.user, plugin, secure });
  return user;
}

function defaultQuery(sql: string, spec: GreetingSpec): QueryResult {
  const q = sql.trim().replace(/;$/, "").replace(/\s+/g, " ").toLowerCase();
  if (q === "select @@version_comment limit 1") return { columns: ["@@version_comment"], rows: [[spec.versionComment]] };
  if (q === "select version()") return { columns: ["VERSION()"], rows: [[spec.version.replace(/^5\.5\.5-/, "")]] };
  if (q === "select 1") return { columns: ["1"], rows: [["1"]] };
  const near = sql.trim().slice(0, 80);
  const product = spec.flavour === "mariadb" ? "MariaDB" : "MySQL";
  return {
    error: {
      errno: 1064,
      sqlState: "42000",
      message: `You have an error in your SQL syntax; check the manual that corresponds to your ${product} server version for the right syntax to use near '${near}' at line 1`,
    },
  };
}

async function commandPhase(
  channel: PacketChannel,
  socket: Socket,
  info: FakeConnInfo,
  mariadbExt: number,
  ctx: SessionContext,
): Promise<void> {
  const caps = info.capabilities;
  const protocol41 = hasCap(caps, CLIENT.PROTOCOL_41);
  for (;;) {
    const p = await channel.next();
    if (!p) return;
    // Each command starts a new exchange: the client sends sequence id 0, we answer from 1.
    const io = new Exchange(channel, p.seq + 1);
    const command = p.payload[0];
    if (command === COM_QUERY) {
      const r = new PayloadReader(p.payload.subarray(1));
      if (hasCap(caps, CLIENT.QUERY_ATTRIBUTES)) {
        const paramCount = r.lenenc();
        r.lenenc(); // parameter_set_count, always 1
        if (paramCount > 0) {
          io.send(
            errPayload({ errno: 1235, sqlState: "42000", message: "The fake server does not support query attributes" }, protocol41),
          );
          continue;
        }
      }
      const sql = r.rest().toString("utf8");
      ctx.log("query", { sql });
      let result: QueryResult;
      try {
        result = ctx.opts.onQuery ? await ctx.opts.onQuery(sql, info) : defaultQuery(sql, ctx.spec);
      } catch (err) {
        result = { error: { errno: 1105, sqlState: "HY000", message: err instanceof Error ? err.message : String(err) } };
      }
      const payloads = queryResultPayloads(result, { capabilities: caps, mariadbExtCapabilities: mariadbExt, charset: ctx.spec.charset });
      if (ctx.opts.queryFault) {
        ctx.log("fault", { step: "query", fault: ctx.opts.queryFault });
        const frame = (shift: number): Buffer =>
          Buffer.concat(payloads.map((pl, i) => framePacket(pl, (p.seq + 1 + shift + i) & 0xff)));
        const outcome = await runStepFault(ctx.opts.queryFault, channel.stream, socket, frame, ctx.opts, ctx.timers);
        if (outcome === "stop") return;
        continue;
      }
      for (const payload of payloads) io.send(payload);
      continue;
    }
    ctx.log("command", { command });
    if (command === COM_QUIT) {
      channel.stream.end();
      return;
    }
    if (command === COM_PING || command === COM_INIT_DB || command === COM_RESET_CONNECTION) {
      io.send(okPayload(caps));
    } else if (command === COM_STATISTICS) {
      io.send(new PacketWriter().str("Uptime: 1  Threads: 1  Questions: 1  Slow queries: 0  Opens: 0  Open tables: 0  Queries per second avg: 1.000").build());
    } else {
      io.send(errPayload({ errno: 1047, sqlState: "08S01", message: "Unknown command" }, protocol41));
    }
  }
}
