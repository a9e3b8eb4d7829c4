import { printable } from "./report/printable.js";

/** What went wrong, as a code the CLI maps to an exit code and a one-line message. */
export type ErrorCode =
  | "usage" // bad options or a malformed target: exit 2
  | "policy" // an invalid policy file: exit 2
  | "dns" // the host name does not resolve
  | "refused" // TCP RST on connect
  | "unreachable" // no route, host down
  | "timeout" // connect or read timed out
  | "closed" // the peer closed the connection when we expected bytes
  | "not-mysql" // the peer spoke, but not the MySQL protocol
  | "protocol" // a MySQL peer sent something malformed
  | "server-error" // the server answered with an ERR packet
  | "tls" // the TLS handshake failed
  | "auth" // the login was refused
  | "privilege" // a query lacked a privilege
  | "internal";

/** A typed, user-facing error: printed as one line naming the target and the cause; never a stack trace. */
export class AuditError extends Error {
  override readonly name = "AuditError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { target?: string; step?: string; serverErrno?: number; cause?: unknown } = {},
  ) {
    super(message);
  }

  /** The process exit code for this error (shared/DESIGN.md: 2 usage, 3 could not audit). */
  get exitCode(): number {
    return this.code === "usage" || this.code === "policy" ? 2 : 3;
  }

  /** One line for stderr: "<target>: <step>: <message>". */
  oneLine(): string {
    const parts = [this.details.target, this.details.step, this.message].filter((p): p is string => !!p);
    return printable(parts.join(": "));
  }
}

/**
 * A query error that ended the session (a reply beyond the caps, a malformed one, a timeout, a hang-up, the helper
 * thread that held it stopped): no later query can succeed, so gatherers pass it on instead of noting it and carrying on.
 */
export class SessionLost extends AuditError {}

/** Returns a copy of err carrying the target (and step) if it has none. */
export function withContext(err: unknown, target: string, step?: string): AuditError {
  const e = toAuditError(err);
  return new AuditError(e.code, e.message, {
    ...e.details,
    target: e.details.target ?? target,
    step: e.details.step ?? step,
  });
}

/** Maps any thrown value (Node system errors included) to an AuditError. */
export function toAuditError(err: unknown): AuditError {
  if (err instanceof AuditError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  const msg = e?.message ?? String(err);
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return new AuditError("dns", `host name does not resolve (${code})`, { cause: err });
    case "ECONNREFUSED":
      return new AuditError("refused", "connection refused (nothing listens on that port)", { cause: err });
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return new AuditError("unreachable", `host unreachable (${code})`, { cause: err });
    case "ETIMEDOUT":
      return new AuditError("timeout", "timed out", { cause: err });
    case "ECONNRESET":
    case "EPIPE":
      return new AuditError("closed", `connection reset by the server (${code})`, { cause: err });
    default:
      return new AuditError("internal", msg, { cause: err });
  }
}
