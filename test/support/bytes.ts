/** A small fluent builder for wire bytes, so tests state packets field by field instead of pasting hex. */
export class Bytes {
  private parts: Buffer[] = [];
  u8(...v: number[]): this {
    this.parts.push(Buffer.from(v));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.parts.push(b);
    return this;
  }
  u24(v: number): this {
    const b = Buffer.alloc(3);
    b.writeUIntLE(v, 0, 3);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    this.parts.push(Buffer.from(s, "utf8"));
    return this;
  }
  nul(s: string): this {
    return this.str(s).u8(0);
  }
  zeros(n: number): this {
    this.parts.push(Buffer.alloc(n));
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
  /** Frames the built payload as a MySQL packet. */
  packet(seq = 0): Buffer {
    const payload = this.build();
    return new Bytes().u24(payload.length).u8(seq).raw(payload).build();
  }
}

/** A HandshakeV10 payload with sensible defaults, as a MySQL 8 or MariaDB server sends it. */
export function greetingV10(o: {
  version?: string;
  connectionId?: number;
  capabilities?: number;
  charset?: number;
  status?: number;
  plugin?: string | null;
  mariadbExt?: number;
} = {}): Buffer {
  const caps = o.capabilities ?? 0xdfffffff;
  const scramble = Buffer.from("0123456789abcdefghij");
  const reserved = new Bytes().zeros(6).u32(o.mariadbExt ?? 0).build();
  const b = new Bytes()
    .u8(10)
    .nul(o.version ?? "8.4.3")
    .u32(o.connectionId ?? 42)
    .raw(scramble.subarray(0, 8))
    .u8(0)
    .u16(caps & 0xffff)
    .u8(o.charset ?? 255)
    .u16(o.status ?? 2)
    .u16(caps >>> 16)
    .u8(21)
    .raw(reserved)
    .raw(scramble.subarray(8))
    .u8(0);
  if (o.plugin !== null) b.nul(o.plugin ?? "caching_sha2_password");
  return b.build();
}
