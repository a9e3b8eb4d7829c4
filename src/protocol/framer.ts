import { ProtocolError } from "./protocol-error.js";

/** One MySQL packet: a 3-byte length, a sequence id, and the payload. */
export interface Packet {
  sequenceId: number;
  payload: Buffer;
}

export const PACKET_HEADER_LENGTH = 4;

/**
 * Reassembles packets split anywhere across TCP chunks. Refuses announced lengths above maxPayload, since a
 * greeting or an ERR is small and a huge length means we are not talking to a MySQL server.
 */
export class PacketFramer {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly maxPayload = 64 * 1024) {}

  /** Bytes received but not yet returned as a packet. */
  get buffered(): Buffer {
    return this.pending;
  }

  /** Adds a chunk and returns every packet now complete. */
  push(chunk: Buffer): Packet[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Packet[] = [];
    while (this.pending.length >= PACKET_HEADER_LENGTH) {
      const len = this.pending.readUIntLE(0, 3);
      if (len > this.maxPayload) {
        throw new ProtocolError(`packet header announces ${len} bytes, more than the ${this.maxPayload} a handshake packet can be`);
      }
      if (this.pending.length < PACKET_HEADER_LENGTH + len) break;
      out.push({ sequenceId: this.pending[3]!, payload: this.pending.subarray(4, 4 + len) });
      this.pending = this.pending.subarray(4 + len);
    }
    return out;
  }
}

/** Frames a payload as one packet (payloads here are always under 16 MiB). */
export function encodePacket(sequenceId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = sequenceId & 0xff;
  return Buffer.concat([head, payload]);
}
