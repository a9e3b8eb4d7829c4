import { ProtocolError } from "./protocol-error.js";

/** A cursor over one packet's payload, one method per wire primitive; reading past the end throws ProtocolError. */
export class BufferReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtocolError(`truncated packet: ${what} needs ${n} byte(s) at offset ${this.pos}, ${this.remaining} left`);
    }
  }

  u8(what = "int<1>"): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what = "int<2>"): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what = "int<4>"): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what = `string[${n}]`): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** string<NUL>; when lenient, a missing terminator takes the rest of the packet (some servers omit it). */
  nulString(what = "string<NUL>", lenient = false): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) {
      if (!lenient) throw new ProtocolError(`truncated packet: ${what} has no NUL terminator`);
      return this.rest().toString("utf8");
    }
    const s = this.buf.subarray(this.pos, end).toString("utf8");
    this.pos = end + 1;
    return s;
  }
  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }
}
