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
