// Packet I/O over one stream (the TCP socket, later the TLS socket on top of it), pulled one packet at a time so
// that bytes after the SSLRequest (the ClientHello) are never mistaken for MySQL packets.
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { framePacket, PacketFramer, type RawPacket } from "./packets.js";

/** Reads whole packets from a stream and writes framed ones to it. */
export class PacketChannel {
  private readonly framer = new PacketFramer();
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.framer.push(chunk);
    this.poke();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.poke();
  };

  constructor(readonly stream: Duplex) {
    stream.on("data", this.onData);
    stream.on("end", this.onEnd);
    stream.on("close", this.onEnd);
    stream.on("error", this.onEnd);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next packet, or null once the peer has closed and no whole packet is left. */
  async next(): Promise<RawPacket | null> {
    for (;;) {
      const p = this.framer.next();
      if (p) return p;
      if (this.ended || this.stream.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Waits for any raw bytes (for answering a ClientHello without parsing it); null if the peer closed first. */
  async nextBytes(): Promise<Buffer | null> {
    for (;;) {
      const rest = this.framer.takeRest();
      if (rest.length > 0) return rest;
      if (this.ended || this.stream.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  write(payload: Buffer, seq: number): void {
    if (!this.stream.destroyed && this.stream.writable) this.stream.write(framePacket(payload, seq));
  }

  /**
   * Stops reading packets and returns the bytes received but not consumed, for whoever takes the stream over.
   * The stream is paused so that nothing arriving before the new owner listens is lost.
   */
  detach(): Buffer {
    this.stream.pause();
    this.stream.off("data", this.onData);
    this.stream.off("end", this.onEnd);
    this.stream.off("close", this.onEnd);
    this.stream.off("error", this.onEnd);
    return this.framer.takeRest();
  }
}

/**
 * A duplex that yields `head` and then the socket's bytes. node:tls wraps a net.Socket's native handle directly and
 * would never see bytes that JavaScript already read, so a ClientHello that arrived with the SSLRequest goes this way.
 */
export function prependBytes(socket: Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  d.push(head);
  socket.on("data", (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on("end", () => d.push(null));
  socket.on("close", () => d.destroy());
  return d;
}
