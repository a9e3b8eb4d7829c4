import { AuditError } from "../errors.js";
import type { Finding } from "../report/types.js";
import { PRIVILEGE_ERRNOS, SessionLost } from "./login.js";

/** A query this login could not run, and (when it is a privilege) what to GRANT. */
export interface QueryProblem {
  /** What we were trying to learn, e.g. "accounts" or "replication channels". */
  what: string;
  sql: string;
  errno?: number;
  /** The server's message (it never carries a password). */
  message: string;
  /** Set when the server refused for lack of a privilege. */
  missing?: { privilege: string; on: string; grant: string };
  /** Set when the answer had another shape than the query reads (missing columns, a malformed reply). */
  unexpected?: boolean;
}

/** "audit@%" (CURRENT_USER()) → "'audit'@'%'" for a GRANT. */
export function quoteAccount(currentUser: string): string {
  const at = currentUser.lastIndexOf("@");
  const user = at >= 0 ? currentUser.slice(0, at) : currentUser;
  const host = at >= 0 ? currentUser.slice(at + 1) : "%";
  return `${sqlString(user)}@${sqlString(host)}`;
}

/** A single-quoted SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * Turns a failed query into a QueryProblem. The privilege is read from the server's message when it names one
 * ("you need (at least one of) the SUPER, SLAVE MONITOR privilege(s)", "SELECT command denied ... for table
 * `mysql`.`global_priv`"), else the caller's expectation is used.
 */
export function describeQueryFailure(
  err: unknown,
  what: string,
  sql: string,
  currentUser: string,
  expected: { privilege: string; on: string },
): QueryProblem {
  // A lost session is not one query's problem: every later one would fail the same way. It ends the gathering.
  if (err instanceof SessionLost) throw err;
  const e = err instanceof AuditError ? err : undefined;
  const message = e?.message ?? String(err);
  const errno = e?.details.serverErrno;
  const problem: QueryProblem = { what, sql, message, ...(errno !== undefined ? { errno } : {}), ...(e?.code === "protocol" ? { unexpected: true } : {}) };
  if (errno === undefined || !PRIVILEGE_ERRNOS.has(errno)) return problem;
  let privilege = expected.privilege;
  let on = expected.on;
  const need = /need \(at least one of\) the (.+?) privilege/i.exec(message);
  if (need) {
    // Any one of them is enough; name the narrowest, which servers list last (SUPER comes first).
    const options = need[1]!.split(/\s*,\s*/);
    privilege = options[options.length - 1]!;
    on = "*.*";
  }
  const denied = /^(\w+) command denied to user .*? for table [`']?([^`'.\s]+)[`']?(?:\.[`']([^`']+)[`'])?/i.exec(message);
  if (denied) {
    privilege = denied[1]!.toUpperCase();
    on = denied[3] ? `${denied[2]}.${denied[3]}` : on;
  }
  problem.missing = { privilege, on, grant: `GRANT ${privilege} ON ${on} TO ${quoteAccount(currentUser)};` };
  return problem;
}

/**
 * Findings for queries that failed: `privilege.missing` with the GRANT, `query.unexpected-result` for an answer
 * of another shape, or `query.failed` (all severity "error": what they would have shown is unknown, never a
 * silent pass).
 */
export function privilegeFindings(problems: readonly QueryProblem[]): Finding[] {
  return problems.map((p0) => ({ ...p0, sql: p0.sql.replace(/\s+/g, " ") })).map((p) =>
    p.missing
      ? {
          id: "privilege.missing",
          severity: "error",
          title: `The login lacks ${p.missing.privilege} on ${p.missing.on}, so the ${p.what} could not be read`,
          evidence: `${p.sql}: ${p.message}`,
          fix: p.missing.grant,
        }
      : p.unexpected
        ? {
            id: "query.unexpected-result",
            severity: "error",
            title: `The ${p.what} could not be read: the server's answer does not have the shape the query asks for`,
            evidence: `${p.sql}: ${p.message}`,
          }
        : {
            id: "query.failed",
            severity: "error",
            title: `The ${p.what} could not be read`,
            evidence: `${p.sql}: ${p.message}`,
          },
  );
}
