import { BufferReader } from "./buffer-reader.js";
import { ProtocolError } from "./protocol-error.js";

/** A server ERR packet. */
export interface ErrPacket {
  errno: number;
  sqlState?: string;
  message: string;
}

export const ERR_HEADER = 0xff;

/** Parses an ERR packet payload (0xff, errno, optional '#' + SQLSTATE, message). */
export function parseErrPacket(payload: Buffer): ErrPacket {
  const r = new BufferReader(payload);
  if (r.u8("ERR header") !== ERR_HEADER) throw new ProtocolError("not an ERR packet");
  const errno = r.u16("ERR error code");
  // Before the handshake the server does not know the client's capabilities, so the SQLSTATE marker is optional.
  if (r.remaining >= 6 && payload[3] === 0x23 /* '#' */) {
    r.u8();
    const sqlState = r.bytes(5).toString("latin1");
    return { errno, sqlState, message: r.rest().toString("utf8") };
  }
  return { errno, message: r.rest().toString("utf8") };
}
