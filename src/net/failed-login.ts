import type { Duplex } from "node:stream";
import type net from "node:net";
import { AuditError } from "../errors.js";
import { encodeComQuit, encodeHandshakeResponse, PROBE_USER } from "../protocol/handshake-response.js";
import { encodePacket } from "../protocol/framer.js";
import { parseErrPacket } from "../protocol/err-packet.js";
import { PacketStream } from "./packet-stream.js";

export { PROBE_USER };

/** How a probe connection ended. */
export interface FailedLoginResult {
  outcome: "auth-error" | "logged-in" | "other";
  errno?: number;
  message?: string;
}

/** The login as PROBE_USER that ends a probe connection (sequence id 2: after the greeting and the SSLRequest; 1 without TLS). */
export function probeLogin(authPlugin: string | undefined, sequenceId = 2): Buffer {
  return encodeHandshakeResponse({ user: PROBE_USER, authPlugin: authPlugin ?? "mysql_native_password", sequenceId });
}

/**
 * Ends a connection whose TLS handshake completed by logging in as PROBE_USER and letting the server refuse it.
 * The server then counts an authentication error, not an aborted handshake, and max_connect_errors is untouched.
 * `sent`: the TLS step already sent the login (probeLogin) right behind its Finished.
 */
export async function finishWithFailedLogin(socket: net.Socket | Duplex, authPlugin: string | undefined, timeoutMs: number, firstSequenceId = 2, sent = false): Promise<FailedLoginResult> {
  const stream = new PacketStream(socket as net.Socket);
  let seq = firstSequenceId; // greeting 0, SSLRequest 1 (1 when no SSLRequest went first)
  try {
    if (!sent) socket.write(probeLogin(authPlugin, seq));
    for (let round = 0; round < 6; round++) {
      const p = await stream.next("probe-login", timeoutMs);
      seq = (p.sequenceId + 1) & 0xff;
      const kind = p.payload[0];
      if (kind === 0xff) {
        const e = parseErrPacket(p.payload);
        return { outcome: "auth-error", errno: e.errno, message: e.message };
      }
      if (kind === 0x00) {
        socket.write(encodeComQuit());
        return { outcome: "logged-in" };
      }
      if (kind === 0xfe) {
        // AuthSwitchRequest: answer with an empty password for the requested plugin.
        socket.write(encodePacket(seq, Buffer.alloc(0)));
      } else if (kind === 0x01) {
        const status = p.payload[1];
        if (status === 0x04) socket.write(encodePacket(seq, Buffer.from([0]))); // caching_sha2 full auth over TLS: empty password
        else if (status !== 0x03) socket.write(encodePacket(seq, Buffer.alloc(0)));
      } else {
        return { outcome: "other" };
      }
    }
    return { outcome: "other" };
  } catch (err) {
    if (err instanceof AuditError) return { outcome: "other", message: err.message };
    throw err;
  } finally {
    stream.detach();
    socket.end();
    setTimeout(() => socket.destroy(), 200).unref();
  }
}
