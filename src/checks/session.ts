// The one login per target that settings, accounts and replication share: the only place the checks log in.
import { AuditError, toAuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { Secret, type LoginSpec } from "../sql/credentials.js";
import type { SqlSession } from "../sql/login.js";
import { loginJson } from "../sql/login-json.js";
import { loginSession } from "../sql/login-thread.js";
import type { AuditOptions, CheckContext } from "./check.js";

/** The login for this target: the run's credentials at this target's address, or the target URL's own user. */
export function loginSpecFor(ctx: Pick<CheckContext, "target" | "options">): LoginSpec {
  const t = ctx.target;
  const base: LoginSpec = ctx.options.login ?? {
    host: t.host,
    port: t.port,
    user: t.user!,
    password: new Secret(""),
    passwordSource: "none",
    sslMode: "PREFERRED",
    ...(ctx.options.ca && ctx.options.caLabel ? { sslCa: ctx.options.caLabel } : {}),
    optionFiles: [],
  };
  return {
    ...base,
    host: t.host,
    port: t.port,
    ...(t.user !== undefined ? { user: t.user } : {}),
    ...(t.password !== undefined ? { password: new Secret(t.password), passwordSource: "target URL" as const } : {}),
  };
}

/** The run's connect and read timeouts, as given. */
export function timeoutsOf(o: AuditOptions): TimeoutOptions {
  return {
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.readTimeoutMs !== undefined ? { readTimeoutMs: o.readTimeoutMs } : {}),
  };
}

/** The target's login and the checks using it now. */
interface Lease {
  opened: Promise<SqlSession>;
  users: number;
  close(): Promise<void>;
}

// One lease per target run (its `shared` memo is the run's identity), found without an await, so that a check
// counts itself a user before any other can close the login.
const leases = new WeakMap<CheckContext["shared"], Lease>();

function leaseOf(ctx: CheckContext): Lease {
  let lease = leases.get(ctx.shared);
  if (lease) return lease;
  const opened = (async () => {
    try {
      // On the helper thread when there is one: mysql2 and the rows never take the main thread's time (login-thread.ts).
      return await loginSession(loginSpecFor(ctx), { ...timeoutsOf(ctx.options), scheduler: ctx.scheduler });
    } catch (err) {
      const e = toAuditError(err);
      throw new AuditError(e.code, e.message, { ...e.details, step: "login" });
    }
  })();
  let closing: Promise<void> | undefined;
  const l: Lease = { opened, users: 0, close: () => (closing ??= opened.then((s) => s.close(), () => undefined)) };
  leases.set(ctx.shared, l);
  // Whatever happens to its users, the login ends with the target at the latest.
  ctx.onDone(() => l.close());
  return l;
}

/**
 * Runs `use` with the target's login, opened once for every check that needs it. The login ends as soon as its
 * last user is done (a check's queries, not its wait for the scan), so its closing round trip is not added to the
 * end of the audit and its connection slot goes back to the scan. A check takes the login when its gathering
 * starts, before its first await: the checks start together, so none finds it closed. A failed login fails each
 * of them and is reported once (the error carries the step "login" so the audit can tell).
 */
export async function withSession<T>(ctx: CheckContext, use: (s: SqlSession) => Promise<T>): Promise<T> {
  const lease = leaseOf(ctx);
  lease.users++;
  try {
    return await use(await lease.opened);
  } finally {
    if (--lease.users === 0) void lease.close();
  }
}

/** What the checks keep of the session: who logged in, how, and on what server (facts, no live connection). */
export interface LoginFacts {
  /** The login's JSON section (user, account, password source, TLS): no password. */
  json: Record<string, unknown>;
  tls: SqlSession["tls"];
  currentUser: string;
  version: string;
  versionComment: string;
  flavor: SqlSession["flavor"];
  target: { host: string; port: number };
  passwordSource: LoginSpec["passwordSource"];
}

/** The session's facts for the checks' JSON and text. */
export function loginFacts(ctx: CheckContext, s: SqlSession): LoginFacts {
  const spec = loginSpecFor(ctx);
  return {
    json: loginJson(spec, s.tls, s.currentUser),
    tls: s.tls,
    currentUser: s.currentUser,
    version: s.version,
    versionComment: s.versionComment,
    flavor: s.flavor,
    target: { host: spec.host, port: spec.port },
    passwordSource: spec.passwordSource,
  };
}
