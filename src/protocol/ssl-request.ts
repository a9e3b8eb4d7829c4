import { CLIENT } from "./capabilities.js";
import { encodePacket } from "./framer.js";

/** The capabilities we claim: a plain 4.1 client that wants TLS and speaks plugin auth. */
export const CLIENT_CAPABILITIES =
  CLIENT.LONG_PASSWORD | CLIENT.LONG_FLAG | CLIENT.PROTOCOL_41 | CLIENT.SSL | CLIENT.TRANSACTIONS | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH;

export const MAX_PACKET_SIZE = 16 * 1024 * 1024;
/** utf8mb4_general_ci: understood by every server since 5.5. */
export const CLIENT_CHARSET = 45;

/** The 32-byte SSLRequest (capabilities, max packet size, charset, 23 zero bytes), framed with sequence id 1. */
export function encodeSslRequest(capabilities = CLIENT_CAPABILITIES): Buffer {
  const p = Buffer.alloc(32);
  p.writeUInt32LE((capabilities | CLIENT.SSL) >>> 0, 0);
  p.writeUInt32LE(MAX_PACKET_SIZE, 4);
  p[8] = CLIENT_CHARSET;
  return encodePacket(1, p);
}
