import net from "node:net";
import { AuditError, toAuditError } from "../errors.js";

export interface TimeoutOptions {
  /** TCP connect timeout (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long to wait for each expected read (default 10000 ms). */
  readTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_READ_TIMEOUT_MS = 10000;

/** Opens a TCP connection, rejecting with a typed AuditError (dns, refused, unreachable, timeout). */
export function connectTcp(host: string, port: number, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AuditError("timeout", `no TCP connection within ${connectTimeoutMs / 1000} s (connect timeout; raise it with --connect-timeout)`, { step: "connect" }));
    }, connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      socket.destroy();
      const e = toAuditError(err);
      reject(new AuditError(e.code, e.message, { ...e.details, step: "connect" }));
    });
  });
}

/**
 * Ends our side and waits (at most graceMs) until the server has closed its side too, then destroys the socket. A
 * scan that releases its connection slot only then never holds more connections than its cap, as the server
 * counts them: a slot freed at our FIN alone would let the next connection in while the server still counts the
 * last one.
 */
export function endAndAwaitClose(socket: net.Socket, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    socket.once("close", done);
    socket.on("error", () => {});
    // Nothing else reads it any more: without a reader the server's FIN is never seen and 'close' never comes.
    socket.resume();
    socket.end();
  });
}
