// The fake server's own wire writer and framer. Deliberately independent of src/protocol: a second
// implementation written from the MySQL protocol documentation is what catches bugs in the first.

/** Largest payload one MySQL packet carries; a payload this long continues in the next packet. */
export const MAX_PAYLOAD = 0xffffff;

/** A fluent builder for packet payloads, one method per wire primitive (all integers little-endian). */
export class PacketWriter {
  private readonly chunks: Buffer[] = [];

  int1(n: number): this {
    this.chunks.push(Buffer.from([n & 0xff]));
    return this;
  }

  int2(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n & 0xffff);
    this.chunks.push(b);
    return this;
  }

  int3(n: number): this {
    const b = Buffer.alloc(3);
    b.writeUIntLE(n & 0xffffff, 0, 3);
    this.chunks.push(b);
    return this;
  }

  int4(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    this.chunks.push(b);
    return this;
  }

  /** Length-encoded integer: 1, 3, 4 or 9 bytes (0xfc, 0xfd, 0xfe prefixes). */
  lenenc(n: number): this {
    if (n < 0xfb) return this.int1(n);
    if (n < 0x10000) return this.int1(0xfc).int2(n);
    if (n < 0x1000000) return this.int1(0xfd).int3(n);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.int1(0xfe);
    this.chunks.push(b);
    return this;
  }

  bytes(b: Buffer | Uint8Array | number[]): this {
    this.chunks.push(Buffer.from(b as Uint8Array));
    return this;
  }

  zeros(n: number): this {
    this.chunks.push(Buffer.alloc(n));
    return this;
  }

  /** Text without a terminator (string<EOF> or string<fix>). */
  str(s: string | Buffer): this {
    this.chunks.push(typeof s === "string" ? Buffer.from(s, "utf8") : s);
    return this;
  }

  /** string<NUL>. */
  strNul(s: string | Buffer): this {
    return this.str(s).int1(0);
  }

  /** string<lenenc>. */
  strLenenc(s: string | Buffer): this {
    const b = typeof s === "string" ? Buffer.from(s, "utf8") : s;
    return this.lenenc(b.length).str(b);
  }

  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Wraps a payload in packet headers (3-byte length, 1-byte sequence id), splitting at 16 MiB as the protocol does. */
export function framePacket(payload: Buffer, seq: number): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  let s = seq;
  for (;;) {
    const len = Math.min(MAX_PAYLOAD, payload.length - offset);
    const header = Buffer.alloc(4);
    header.writeUIntLE(len, 0, 3);
    header[3] = s & 0xff;
    out.push(header, payload.subarray(offset, offset + len));
    offset += len;
    s++;
    // A payload of exactly a multiple of 16 MiB ends with an empty packet.
    if (len < MAX_PAYLOAD) break;
  }
  return Buffer.concat(out);
}

/** One reassembled packet: the sequence id of its first fragment and the full payload. */
export interface RawPacket {
  seq: number;
  payload: Buffer;
}

/** Reassembles packets from bytes split anywhere across TCP chunks; pull-based so unread bytes stay available. */
export class PacketFramer {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next complete packet, or undefined if the bytes so far do not hold one. */
  next(): RawPacket | undefined {
    const parts: Buffer[] = [];
    let offset = 0;
    let seq: number | undefined;
    for (;;) {
      if (this.buffer.length < offset + 4) return undefined;
      const len = this.buffer.readUIntLE(offset, 3);
      const s = this.buffer[offset + 3] as number;
      if (this.buffer.length < offset + 4 + len) return undefined;
      seq ??= s;
      parts.push(this.buffer.subarray(offset + 4, offset + 4 + len));
      offset += 4 + len;
      if (len < MAX_PAYLOAD) break;
    }
    this.buffer = this.buffer.subarray(offset);
    return { seq, payload: Buffer.concat(parts) };
  }

  /** Hands back the bytes not yet consumed as packets (e.g. a ClientHello that followed the SSLRequest). */
  takeRest(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }
}

/** Reads little-endian wire primitives from a payload, for parsing what clients send. */
export class PayloadReader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new RangeError(`packet too short: need ${n} bytes at ${this.offset}`);
  }

  int1(): number {
    this.need(1);
    return this.buf[this.offset++] as number;
  }

  int2(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  int4(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  lenenc(): number {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) {
      this.need(3);
      const v = this.buf.readUIntLE(this.offset, 3);
      this.offset += 3;
      return v;
    }
    if (first === 0xfe) {
      this.need(8);
      const v = Number(this.buf.readBigUInt64LE(this.offset));
      this.offset += 8;
      return v;
    }
    throw new RangeError(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  nulBytes(): Buffer {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new RangeError("missing NUL terminator");
    const b = this.buf.subarray(this.offset, end);
    this.offset = end + 1;
    return b;
  }

  nulString(): string {
    return this.nulBytes().toString("utf8");
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenenc());
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}
