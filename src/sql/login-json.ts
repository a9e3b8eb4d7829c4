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
 * asks nothing (no query): it ends as soon as the server has accepted it.
 */
export async function resetErrorCountWithLogin(spec: LoginSpec, timeouts: TimeoutOptions): Promise<boolean> {
  try {
    // The login code loads only when a scan needs a reset.
    const { loginAndQuit } = await import("./login.js");
    await loginAndQuit(spec, timeouts);
    return true;
  } catch {
    return false;
  }
}
