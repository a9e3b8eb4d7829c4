import { AuditError, SessionLost } from "../errors.js";
import type { Finding } from "../report/types.js";
import { PRIVILEGE_ERRNOS } from "./login.js";
import { accountSql, fixFields, fixSql, sqlAccount } from "../knowledge/sql-quote.js";

/** A query this login could not run, and (when it is a privilege) what to GRANT. */
export interface QueryProblem {
  /** What we were trying to learn, e.g. "accounts" or "replication channels". */
  what: string;
  sql: string;
  errno?: number;
  /** The server's message (it never carries a password). */
  message: string;
  /** Set when the server refused for lack of a privilege. */
  missing?: { privilege: string; on: string; grant: string; grantControlCharacters?: string[] };
  /** Set when the answer had another shape than the query reads (missing columns, a malformed reply). */
  unexpected?: boolean;
}

/** "audit@%" (CURRENT_USER()) → user "audit", host "%". */
function splitAccount(currentUser: string): { user: string; host: string } {
  const at = currentUser.lastIndexOf("@");
  return at >= 0 ? { user: currentUser.slice(0, at), host: currentUser.slice(at + 1) } : { user: currentUser, host: "%" };
}

/** "audit@%" (CURRENT_USER()) → "'audit'@'%'", quoted for any sql_mode (src/sql/quote.ts). */
export function quoteAccount(currentUser: string): string {
  const { user, host } = splitAccount(currentUser);
  return accountSql(user, host);
}

// What goes unquoted into the GRANT comes from the server's message: take only plain privilege and table names
// from it, so a hostile server cannot put its own SQL into the statement the user is told to run.
const PRIVILEGE_NAME = /^[A-Z]+(?: [A-Z]+)*$/;
const PLAIN_NAME = /^[A-Za-z0-9_$]+$/;

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
    const narrowest = options[options.length - 1]!.trim().toUpperCase();
    if (PRIVILEGE_NAME.test(narrowest)) {
      privilege = narrowest;
      on = "*.*";
    }
  }
  const denied = /^(\w+) command denied to user .*? for table [`']?([^`'.\s]+)[`']?(?:\.[`']([^`']+)[`'])?/i.exec(message);
  if (denied) {
    privilege = denied[1]!.toUpperCase();
    if (denied[3] && PLAIN_NAME.test(denied[2]!) && PLAIN_NAME.test(denied[3])) on = `${denied[2]}.${denied[3]}`;
  }
  const { user, host } = splitAccount(currentUser);
  const grant = fixSql([`GRANT ${privilege} ON ${on} TO `, ";"], sqlAccount(user, host));
  problem.missing = { privilege, on, grant: grant.sql, ...(grant.controls.length ? { grantControlCharacters: grant.controls } : {}) };
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
          ...fixFields({ sql: p.missing.grant, controls: p.missing.grantControlCharacters ?? [] }),
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
