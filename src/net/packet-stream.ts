import type net from "node:net";
import { AuditError } from "../errors.js";
import { PacketFramer, type Packet } from "../protocol/framer.js";
import { ProtocolError } from "../protocol/protocol-error.js";

// Unread packets kept at most; a handshake step reads one or two small packets at a time.
const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * Reads whole MySQL packets from a socket (plain or TLS), one at a time, each within a read timeout.
 * Errors are typed AuditErrors carrying the step that was waiting.
 */
export class PacketStream {
  private readonly framer: PacketFramer;
  private readonly queue: Packet[] = [];
  private queuedBytes = 0;
  private failure: AuditError | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private bytesSeen = 0;
  private firstBytes: Buffer = Buffer.alloc(0);

  constructor(
    private readonly socket: net.Socket,
    maxPayload = 64 * 1024,
  ) {
    this.framer = new PacketFramer(maxPayload);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.firstBytes.length < 64) this.firstBytes = Buffer.concat([this.firstBytes, chunk]).subarray(0, 64);
    this.bytesSeen += chunk.length;
    if (this.failure) return;
    try {
      for (const p of this.framer.push(chunk)) {
        this.queue.push(p);
        this.queuedBytes += p.payload.length + 4;
      }
    } catch (err) {
      this.failure ??= new AuditError("protocol", (err as Error).message);
    }
    // A peer that floods packets nobody asked for must not fill memory while a step waits for something else.
    if (this.queuedBytes > MAX_UNREAD_BYTES) {
      this.failure ??= new AuditError("protocol", `the server sent more than ${MAX_UNREAD_BYTES / 1024} KiB of packets that were not asked for`);
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.socket.destroy();
    }
    this.wake?.();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };
  private readonly onError = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code;
    this.failure ??= new AuditError("closed", `connection reset by the server${code ? ` (${code})` : ""}`);
    this.wake?.();
  };

  /** The first bytes the peer sent, for telling a non-MySQL service apart. */
  get head(): Buffer {
    return this.firstBytes;
  }
  get totalBytes(): number {
    return this.bytesSeen;
  }

  /** The next packet, or a typed error when the peer closes, stalls, or sends something that is not a packet. */
  async next(step: string, timeoutMs: number): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.queue.shift();
      if (p) {
        this.queuedBytes -= p.payload.length + 4;
        return p;
      }
      if (this.failure) throw withStep(this.failure, step);
      if (this.ended) {
        const partial = this.framer.buffered.length;
        throw new AuditError(
          "closed",
          partial > 0
            ? `the server closed the connection in the middle of a packet (${partial} byte(s) of a truncated packet)`
            : "the server closed the connection",
          { step },
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const partial = this.framer.buffered.length;
        throw new AuditError(
          "timeout",
          partial > 0
            ? `timed out after ${timeoutMs / 1000} s with an incomplete packet (${partial} byte(s) received; read timeout)`
            : `no answer within ${timeoutMs / 1000} s (read timeout)`,
          { step },
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Stops listening, so the socket can be handed to TLS. Returns bytes already received but not framed. */
  detach(): Buffer {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
    return this.framer.buffered;
  }
}

function withStep(e: AuditError, step: string): AuditError {
  return new AuditError(e.code, e.message, { ...e.details, step: e.details.step ?? step });
}

/** Turns a ProtocolError from the pure parsers into an AuditError. */
export function protocolFailure(err: unknown, step: string): AuditError {
  if (err instanceof ProtocolError) return new AuditError("protocol", err.message, { step });
  if (err instanceof AuditError) return err;
  return new AuditError("internal", (err as Error)?.message ?? String(err), { step });
}
