// Connect and read timeouts, shared by every connection the tool opens (the connection layer, mysql2 logins).
export interface TimeoutOptions {
  /** TCP connect timeout (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long to wait for each expected read (default 10000 ms). */
  readTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_READ_TIMEOUT_MS = 10000;
