// Broken peers: what a server that is not MySQL, or a MySQL server that misbehaves, puts on the wire.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { PacketChannel } from "./channel.js";
import { handshakeV10Payload, handshakeV9Payload, makeScramble, type GreetingSpec } from "./greetings.js";
import type { Behaviour, FakeMysqlOptions, StepFault } from "./options.js";
import { framePacket } from "./packets.js";
import { errPayload, type ServerError } from "./responses.js";

/** The fatal alert handshake_failure (40) in a TLS 1.2 record: what a TLS server says when no suite matches. */
export const TLS_ALERT_HANDSHAKE_FAILURE = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

/** The ERR a real server sends instead of a greeting, with its own wording for each errno. */
export function greetingError(opts: FakeMysqlOptions, peerHost: string, flavour: GreetingSpec["flavour"]): ServerError {
  const errno = opts.errno ?? 1129;
  const product = flavour === "mariadb" ? "MariaDB" : "MySQL";
  const admin = flavour === "mariadb" ? "mariadb-admin" : "mysqladmin";
  const defaults: Record<number, string> = {
    1129: `Host '${peerHost}' is blocked because of many connection errors; unblock with '${admin} flush-hosts'`,
    1040: "Too many connections",
    1130: `Host '${peerHost}' is not allowed to connect to this ${product} server`,
  };
  return { errno, sqlState: opts.sqlState, message: opts.message ?? defaults[errno] ?? "Unknown error" };
}

const HTTP_400 =
  "HTTP/1.1 400 Bad Request\r\n" +
  "Server: nginx\r\n" +
  "Content-Type: text/html\r\n" +
  "Content-Length: 39\r\n" +
  "Connection: close\r\n" +
  "\r\n" +
  "<html><h1>400 Bad Request</h1></html>\r\n";

/**
 * Runs a behaviour that replaces the greeting. Returns false for behaviours that send a proper greeting (the
 * session then carries on), true when the connection has been dealt with here.
 */
export function runGreetingBehaviour(
  behaviour: Behaviour,
  socket: Socket,
  opts: FakeMysqlOptions,
  spec: GreetingSpec,
  connectionId: number,
  peerHost: string,
): boolean {
  switch (behaviour) {
    case "err-greeting": {
      const err = greetingError(opts, peerHost, spec.flavour);
      socket.end(framePacket(errPayload(err, opts.sqlState !== undefined), opts.sequenceId ?? 0));
      return true;
    }
    case "protocol-9":
      socket.write(framePacket(handshakeV9Payload("3.20.32a", connectionId, makeScramble()), 0));
      // An old server would wait for the client's reply; whatever comes, it hangs up.
      socket.once("data", () => socket.end());
      return true;
    case "http":
      // A web server answers the bytes it never got with 400 as soon as it gives up on the request line.
      socket.end(HTTP_400);
      return true;
    case "garbage":
      socket.end(opts.garbage ?? randomBytes(256));
      return true;
    case "close":
      socket.end();
      return true;
    case "reset":
      socket.resetAndDestroy();
      return true;
    case "truncated": {
      const full = framePacket(handshakeV10Payload(spec, connectionId, makeScramble()), 0);
      // The header announces the whole greeting; only half of it is sent before the close.
      socket.end(full.subarray(0, 4 + Math.floor((full.length - 4) / 2)));
      return true;
    }
    case "oversized": {
      // A header announcing 16 MiB - 1 and then a trickle that never completes it.
      const head = Buffer.from([0xff, 0xff, 0xff, 0x00, 0x0a]);
      socket.write(head);
      return true;
    }
    case "silent":
      return true;
    default:
      return false;
  }
}

/** Behaviours that break the TLS upgrade; true when the connection has been dealt with here. */
export async function runSslRequestBehaviour(
  behaviour: Behaviour,
  socket: Socket,
  channel: PacketChannel,
  opts: FakeMysqlOptions,
  nextSeq: number,
  onClientHello: (bytes: number) => void,
): Promise<boolean> {
  switch (behaviour) {
    case "drop-after-ssl-request":
      socket.destroy();
      return true;
    case "err-after-ssl-request": {
      // Old yaSSL builds answered a failed accept with a MySQL ERR in clear text where TLS bytes were expected.
      const err: ServerError = {
        errno: opts.errno ?? 1043,
        sqlState: opts.sqlState ?? "08S01",
        message: opts.message ?? "Bad handshake",
      };
      socket.end(framePacket(errPayload(err, true), nextSeq));
      return true;
    }
    case "err-after-client-hello":
    case "tls-garbage":
    case "tls-alert": {
      const hello = await channel.nextBytes();
      if (hello === null) return true;
      onClientHello(hello.length);
      let answer: Buffer;
      if (behaviour === "tls-alert") answer = TLS_ALERT_HANDSHAKE_FAILURE;
      else if (behaviour === "tls-garbage")
        answer = opts.garbage ?? Buffer.from("this is not a TLS record, it is the fake server's garbage\n");
      else {
        // A server whose TLS library rejects the ClientHello and falls back to a MySQL ERR in clear text.
        const err: ServerError = {
          errno: opts.errno ?? 1043,
          sqlState: opts.sqlState ?? "08S01",
          message: opts.message ?? "Bad handshake",
        };
        answer = framePacket(errPayload(err, true), nextSeq);
      }
      socket.end(answer);
      return true;
    }
    default:
      return false;
  }
}

/** Writes bytes one at a time with a pause between them, as a server behind a congested link (or a tarpit) would. */
export async function drip(stream: Duplex, bytes: Buffer, intervalMs: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (let i = 0; i < bytes.length; i++) {
    if (stream.destroyed) return;
    stream.write(bytes.subarray(i, i + 1));
    if (i < bytes.length - 1) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          stream.off("close", onClose);
          resolve();
        }, intervalMs);
        const onClose = (): void => {
          clearTimeout(t);
          timers.delete(t);
          resolve();
        };
        timers.add(t);
        stream.once("close", onClose);
      });
    }
  }
}

/**
 * Misbehaves instead of answering one step. `answer(shift)` frames the right answer with its sequence ids moved
 * by shift. Returns "continue" when the session should carry on as if it had answered.
 */
export async function runStepFault(
  fault: StepFault,
  stream: Duplex,
  socket: Socket,
  answer: (seqShift: number) => Buffer,
  opts: FakeMysqlOptions,
  timers: Set<NodeJS.Timeout>,
): Promise<"continue" | "stop"> {
  switch (fault) {
    case "silent":
      return "stop";
    case "close":
      stream.end();
      return "stop";
    case "reset":
      socket.resetAndDestroy();
      return "stop";
    case "garbage":
      stream.end(opts.garbage ?? randomBytes(64));
      return "stop";
    case "truncated": {
      const a = answer(0);
      const firstLen = a.readUIntLE(0, 3);
      // Header and half the first packet's payload: the length field promises more than ever comes.
      stream.end(a.subarray(0, 4 + Math.floor(firstLen / 2)));
      return "stop";
    }
    case "oversized": {
      const a = answer(0);
      stream.write(Buffer.from([0xff, 0xff, 0xff, a[3] as number, a[4] as number]));
      return "stop";
    }
    case "wrong-seq":
      stream.write(answer(4));
      return "continue";
    case "slow-drip":
      await drip(stream, answer(0), opts.dripIntervalMs ?? 1000, timers);
      return "continue";
  }
}
