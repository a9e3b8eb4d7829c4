// The helper thread's side of a SQL session (login-thread.ts is the main thread's): it logs in, keeps the session
// and answers its queries, so that mysql2, the handshake and the rows' parsing never take the main thread's time.
import type net from "node:net";
import { AuditError, SessionLost } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { Secret, type LoginSpec } from "./credentials.js";
import { loadClient, login, type SessionTls, type SqlSession } from "./login.js";
import { connectAhead, resetErrorCountWithLogin } from "./login-json.js";
import type { ExpectedColumn } from "./result-guard.js";

/** A LoginSpec as posted to the helper thread: the password as its string (structured clone drops the Secret's class). */
export type PostedSpec = Omit<LoginSpec, "password"> & { password: string };

/** The calls of a session, and of the reset login (`ahead`: its TCP connection, opened earlier under that number). */
export type SqlCall =
  | { kind: "load" }
  | { kind: "login"; spec: PostedSpec; timeouts: TimeoutOptions }
  | { kind: "query"; session: number; sql: string; columns?: readonly ExpectedColumn[] }
  | { kind: "close"; session: number }
  | { kind: "ahead"; ahead: number; host: string; port: number }
  | { kind: "reset"; spec: PostedSpec; timeouts: TimeoutOptions; ahead?: number };

/** What the main thread keeps of a session that logged in here: its facts, and its number for the next calls. */
export interface HostedSession {
  session: number;
  version: string;
  versionComment: string;
  flavor: SqlSession["flavor"];
  versionNumber: number;
  tls: SessionTls;
  currentUser: string;
}

const sessions = new Map<number, SqlSession>();
const aheads = new Map<number, net.Socket>();
let nextSession = 0;

const specOf = (posted: PostedSpec): LoginSpec => ({ ...posted, password: new Secret(posted.password) });

export async function serveSql(m: SqlCall): Promise<HostedSession | Record<string, string | null>[] | boolean | null> {
  switch (m.kind) {
    case "load":
      await loadClient();
      return null;
    case "login": {
      const s = await login(specOf(m.spec), m.timeouts);
      const session = nextSession++;
      sessions.set(session, s);
      return { session, version: s.version, versionComment: s.versionComment, flavor: s.flavor, versionNumber: s.versionNumber, tls: s.tls, currentUser: s.currentUser };
    }
    case "query": {
      const s = sessions.get(m.session);
      if (!s) throw new SessionLost("closed", "the session has ended");
      return s.query(m.sql, m.columns);
    }
    case "close": {
      const s = sessions.get(m.session);
      sessions.delete(m.session);
      await s?.close();
      return null;
    }
    case "ahead":
      aheads.set(m.ahead, connectAhead(m));
      return null;
    case "reset": {
      const ahead = m.ahead !== undefined ? aheads.get(m.ahead) : undefined;
      if (m.ahead !== undefined) aheads.delete(m.ahead);
      return resetErrorCountWithLogin(specOf(m.spec), m.timeouts, ahead);
    }
    default:
      throw new AuditError("internal", "an unknown call to the helper thread");
  }
}
