import { Duplex } from "node:stream";
import type net from "node:net";

/**
 * A duplex over a raw socket that records the first bytes the server sends. node:tls runs over it, so that when
 * the handshake fails we can still show what the server said (a MySQL ERR packet, an alert, garbage), and so
 * that the TLS 1.2 Certificate message can be read as sent.
 */
export class TapDuplex extends Duplex {
  private recorded: Buffer[] = [];
  private recordedBytes = 0;

  constructor(
    private readonly inner: net.Socket,
    leftover: Buffer,
    private readonly recordLimit = 256 * 1024,
  ) {
    super();
    if (leftover.length > 0) this.onData(leftover);
    inner.on("data", (d: Buffer) => this.onData(d));
    inner.on("end", () => this.push(null));
    inner.on("close", () => {
      if (!this.readableEnded) this.push(null);
    });
    inner.on("error", (err) => this.destroy(err));
  }

  private onData(d: Buffer): void {
    if (this.recordedBytes < this.recordLimit) {
      this.recorded.push(d);
      this.recordedBytes += d.length;
    }
    if (!this.push(d)) this.inner.pause();
  }

  /** Everything received so far (up to the record limit). */
  get received(): Buffer {
    return Buffer.concat(this.recorded);
  }

  /** Stops recording (after the handshake, the rest is application data). */
  stopRecording(): void {
    this.recordedBytes = this.recordLimit;
  }

  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) return cb(new Error("socket closed"));
    this.inner.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}
