import { CLIENT } from "./capabilities.js";
import { encodePacket } from "./framer.js";
import { CLIENT_CAPABILITIES, CLIENT_CHARSET, MAX_PACKET_SIZE } from "./ssl-request.js";

/** The user name our probes log in as; it should not exist, so the login fails as an authentication error. */
export const PROBE_USER = "mysql-tls-audit";

/**
 * A HandshakeResponse41 for a login that is meant to fail: the server counts it as an authentication error,
 * not an aborted handshake, so probes do not add to max_connect_errors (shared/DESIGN.md).
 */
export function encodeHandshakeResponse(opts: { user: string; authPlugin: string; authResponse?: Buffer; sequenceId: number; capabilities?: number }): Buffer {
  const caps = ((opts.capabilities ?? CLIENT_CAPABILITIES) | CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH) >>> 0;
  const head = Buffer.alloc(32);
  head.writeUInt32LE(caps, 0);
  head.writeUInt32LE(MAX_PACKET_SIZE, 4);
  head[8] = CLIENT_CHARSET;
  const auth = opts.authResponse ?? Buffer.alloc(0);
  const payload = Buffer.concat([
    head,
    Buffer.from(opts.user + "\0", "utf8"),
    Buffer.from([auth.length]),
    auth,
    Buffer.from(opts.authPlugin + "\0", "utf8"),
  ]);
  return encodePacket(opts.sequenceId, payload);
}

/** COM_QUIT, sent at sequence id 0 after a login. */
export function encodeComQuit(): Buffer {
  return encodePacket(0, Buffer.from([0x01]));
}
