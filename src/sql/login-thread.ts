// The main thread's side of the SQL login: on the helper thread when there is one (the compiled CLI: see
// tls/node-probe-pool.ts and session-host.ts), else here (the sources under vitest, or a helper that stopped). The
// session it returns is the same SqlSession either way; on the helper thread mysql2 never loads on the main thread,
// which keeps its time for the scan's probes.
import { SessionLost } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { acquirePool, DEFAULT_PROBE_WORKERS, WorkerStopped, type LaneHandle } from "../tls/node-probe-pool.js";
import type { LoginSpec } from "./credentials.js";
import type { LoginOptions, SqlSession } from "./login.js";
import { connectAhead, resetErrorCountWithLogin } from "./login-json.js";
import type { HostedSession, PostedSpec } from "./session-host.js";
import { inSlot } from "./session-slot.js";

const posted = (spec: LoginSpec): PostedSpec => ({ ...spec, password: spec.password.reveal() });

const timeoutsOnly = (o: TimeoutOptions): TimeoutOptions => ({
  ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
  ...(o.readTimeoutMs !== undefined ? { readTimeoutMs: o.readTimeoutMs } : {}),
});

const helperLane = (): LaneHandle | undefined => acquirePool(DEFAULT_PROBE_WORKERS)?.lane();

async function loginHere(spec: LoginSpec, opts: LoginOptions): Promise<SqlSession> {
  return (await import("./login.js")).login(spec, opts);
}

/** The helper thread stopped under the session: it is gone, as a connection that dropped would be. */
const lostWith = (err: unknown): never => {
  if (err instanceof WorkerStopped) throw new SessionLost("internal", `the SQL session ended: ${err.message}`);
  throw err;
};

/**
 * Logs in (login.ts's login(), its rules and errors) on the helper thread if there is one. The scheduler's slot is
 * taken here and held until close(), as login() does.
 */
export async function loginSession(spec: LoginSpec, opts: LoginOptions = {}): Promise<SqlSession> {
  const lane = opts.socket ? undefined : helperLane();
  if (!lane) return loginHere(spec, opts);
  // mysql2 loads before the login takes its connection slot: a slot stands for an open connection, which the scan's
  // probes would otherwise wait for while the helper thread boots and compiles (about 0.1 to 0.2 s).
  try {
    await lane.call({ kind: "load" });
  } catch (err) {
    if (err instanceof WorkerStopped) return loginHere(spec, opts);
    throw err;
  }
  return inSlot(opts.scheduler, async () => {
    // An open session keeps the process alive, as its socket would on this thread.
    const release = lane.hold();
    let h: HostedSession;
    try {
      h = (await lane.call({ kind: "login", spec: posted(spec), timeouts: timeoutsOnly(opts) })) as HostedSession;
    } catch (err) {
      release();
      // The helper stopped mid-login: once more here (a login that succeeds also resets the server's count, should
      // the cut one have counted as aborted).
      if (err instanceof WorkerStopped) return loginHere(spec, { ...timeoutsOnly(opts) });
      throw err;
    }
    let closing: Promise<void> | undefined;
    return {
      spec,
      version: h.version,
      versionComment: h.versionComment,
      flavor: h.flavor,
      versionNumber: h.versionNumber,
      tls: h.tls,
      currentUser: h.currentUser,
      query: (sql, columns) => lane.call({ kind: "query", session: h.session, sql, ...(columns ? { columns } : {}) }).then((rows) => rows as Record<string, string | null>[], lostWith),
      close: () =>
        (closing ??= lane.call({ kind: "close", session: h.session }).then(
          () => release(),
          () => release(),
        )),
    };
  });
}

/** resetErrorCountWithLogin (login-json.ts) on the helper thread if there is one. */
export async function resetServerCount(spec: LoginSpec, timeouts: TimeoutOptions): Promise<boolean> {
  const lane = helperLane();
  if (lane) {
    try {
      return (await lane.call({ kind: "reset", spec: posted(spec), timeouts: timeoutsOnly(timeouts) })) as boolean;
    } catch (err) {
      if (!(err instanceof WorkerStopped)) return false;
    }
  }
  return resetErrorCountWithLogin(spec, timeouts);
}

let nextAhead = 0;

/**
 * The reset login in two steps: its TCP connection opens now (connectAhead, on the thread that will log in), the
 * login when the returned function is called.
 */
export function resetServerCountAhead(spec: LoginSpec, timeouts: TimeoutOptions): () => Promise<boolean> {
  const lane = helperLane();
  if (!lane) {
    const ahead = connectAhead(spec);
    return () => resetErrorCountWithLogin(spec, timeouts, ahead);
  }
  const ahead = nextAhead++;
  lane.call({ kind: "ahead", ahead, host: spec.host, port: spec.port }).catch(() => undefined);
  return () =>
    lane.call({ kind: "reset", spec: posted(spec), timeouts: timeoutsOnly(timeouts), ahead }).then(
      (ok) => ok as boolean,
      (err: unknown) => (err instanceof WorkerStopped ? resetErrorCountWithLogin(spec, timeouts) : false),
    );
}
