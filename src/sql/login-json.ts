import net from "node:net";
import { sslModeExplicit, type LoginSpec } from "./credentials.js";
import type { SessionTls } from "./login.js";
import type { TimeoutOptions } from "../net/connect.js";

/** The `login` JSON section of the settings and accounts checks (the audit's and the subcommands' alike). */
export function loginJson(spec: LoginSpec, tls: Pick<SessionTls, "encrypted" | "protocol" | "cipher" | "chainVerified" | "identityVerified" | "note">, currentUser: string): Record<string, unknown> {
  return {
    user: spec.user,
    account: currentUser,
    passwordSource: spec.passwordSource,
    sslMode: spec.sslMode,
    sslModeGiven: sslModeExplicit(spec),
    encrypted: tls.encrypted,
    ...(tls.protocol ? { protocol: tls.protocol } : {}),
    ...(tls.cipher ? { cipher: tls.cipher } : {}),
    chainVerified: tls.chainVerified,
    identityVerified: tls.identityVerified,
    note: tls.note,
  };
}

/**
 * A successful login sets the server's count of connection errors from this host back to 0 (MySQL and MariaDB
 * both): the cipher scan's way to stay under max_connect_errors. False when the login did not succeed. The login
 * asks nothing (no query): it ends as soon as the server has accepted it. `ahead`: a connection opened earlier for
 * it (connectAhead); a new one when that one has closed or fails.
 */
export async function resetErrorCountWithLogin(spec: LoginSpec, timeouts: TimeoutOptions, ahead?: net.Socket): Promise<boolean> {
  try {
    // The login code loads only when a scan needs a reset.
    const { loginAndQuit } = await import("./login.js");
    await loginAndQuit(spec, { ...timeouts, ...(ahead && !ahead.destroyed ? { socket: ahead } : {}) });
    return true;
  } catch {
    if (!ahead) return false;
    // The connection opened ahead may have been closed by the server meanwhile (its connect_timeout): once more on a new one.
    ahead.destroy();
    return resetErrorCountWithLogin(spec, timeouts);
  }
}

/**
 * A TCP connection to the target for a login that will certainly follow (the reset login that ends a run), opened
 * ahead so that its connect and greeting overlap other work; the greeting waits in the socket until the login reads it.
 */
export function connectAhead(spec: Pick<LoginSpec, "host" | "port">): net.Socket {
  const socket = net.connect({ host: spec.host, port: spec.port });
  socket.setNoDelay(true);
  // A failure surfaces when the login uses the socket (it then opens a new one); never as an unheard 'error' event.
  socket.on("error", () => {});
  return socket;
}
