import type net from "node:net";
import { AuditError } from "../errors.js";
import { detectFlavor, type FlavorFacts } from "../protocol/flavor.js";
import { parseGreeting, type Greeting, type HandshakeV10 } from "../protocol/handshake.js";
import { encodeSslRequest } from "../protocol/ssl-request.js";
import { formatTarget, type Target } from "./target.js";
import { connectTcp, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS, type TimeoutOptions } from "./connect.js";
import { PacketStream, protocolFailure } from "./packet-stream.js";
import { describeNonMysql } from "./non-mysql.js";

/** A TCP connection that has read the server's greeting. */
export interface MysqlSession {
  target: Target;
  socket: net.Socket;
  stream: PacketStream;
  greeting: Greeting;
  /** Raw greeting payload, for --json consumers and fuzz tests. */
  greetingRaw: Buffer;
  connectMs: number;
  readTimeoutMs: number;
  close(): void;
}

/** Connects and reads the first packet; a non-MySQL peer, a garbled or truncated packet, or silence is a typed error. */
export async function openMysql(target: Target, opts: TimeoutOptions = {}): Promise<MysqlSession> {
  const readTimeoutMs = opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const t0 = performance.now();
  const socket = await connectTcp(target.host, target.port, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const connectMs = performance.now() - t0;
  const stream = new PacketStream(socket);
  const close = (): void => {
    socket.destroy();
  };
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
    return { target, socket, stream, greeting, greetingRaw: Buffer.from(packet.payload), connectMs, readTimeoutMs, close };
  } catch (err) {
    close();
    throw err instanceof AuditError
      ? new AuditError(err.code, err.message, { ...err.details, target: formatTarget(target), step: err.details.step ?? "greeting" })
      : err;
  }
}

/** The flavour of a greeting that is a real handshake. */
export function flavorOf(g: Greeting): FlavorFacts | undefined {
  return g.kind === "error" ? undefined : detectFlavor(g);
}

/** Sends the SSLRequest; afterwards the socket carries TLS. Returns unframed bytes already received (normally none). */
export function sendSslRequest(session: MysqlSession, greeting: HandshakeV10): Buffer {
  if (!greeting.sslOffered) throw new AuditError("tls", "the server does not offer TLS (CLIENT_SSL is not set)", { step: "ssl-request" });
  const leftover = session.stream.detach();
  session.socket.write(encodeSslRequest());
  return leftover;
}
