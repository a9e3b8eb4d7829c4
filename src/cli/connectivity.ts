import { checkConnectivity, tlsBlockingFindings, type Connectivity } from "../run/audit.js";
import { sqlUnavailable, tlsUnavailable } from "../checks/check.js";
import { isFailing } from "../report/report.js";
import type { SqlSession } from "../sql/login.js";
import type { LoginSpec } from "../sql/credentials.js";
import type { ClientOptions } from "../sql/option-file.js";
import { withLogin, type CredentialCliOptions } from "./credential-options.js";
import { timeoutsFrom, type CommonOptions, type FailOnOption } from "./options.js";
import type { RunState } from "./main.js";
import { formatTarget, type Target } from "../net/target.js";
import type { ProbeOptions } from "../net/probe.js";
import { renderFindings } from "../report/findings-text.js";
import { printable } from "../report/printable.js";
import type { Finding } from "../report/types.js";
import { envelope, printJson, type Output } from "./output.js";

/** A command's check that cannot run on this server, why, and the findings that say so (once). */
export interface NotRun {
  reason: string;
  findings: Finding[];
}

/**
 * Connectivity first, for a command whose check needs a TLS handshake (cert, ciphers): the audit's own first
 * step, so a server without TLS gets the same single finding and the same exit rule from every command, and a
 * target that is not MySQL the same error (exit 3, thrown).
 */
export async function tlsCheckFirst(target: Target, options: ProbeOptions): Promise<{ conn: Connectivity; notRun?: NotRun }> {
  const conn = await checkConnectivity(target, options);
  const reason = tlsUnavailable(conn.handshake);
  return reason ? { conn, notRun: { reason, findings: tlsBlockingFindings(conn.findings) } } : { conn };
}

/** Connectivity first, for a command that logs in (settings, accounts): also says when the server does not speak MySQL's SQL. */
export async function loginCheckFirst(target: Target, options: ProbeOptions): Promise<{ conn: Connectivity; notRun?: NotRun }> {
  const conn = await checkConnectivity(target, options);
  const reason = sqlUnavailable(conn.handshake);
  return reason ? { conn, notRun: { reason, findings: tlsBlockingFindings(conn.findings) } } : { conn };
}

/** Thrown from a login command's first step to stop before the login. */
class CheckNotRun extends Error {
  constructor(
    readonly notRun: NotRun,
    readonly conn: Connectivity,
  ) {
    super(notRun.reason);
  }
}

/** Ends a command whose check could not run: one JSON document, or one line and the findings; exit by the --fail-on rule. */
export function endNotRun(command: string, check: string, conn: Connectivity, n: NotRun, io: Output, state: RunState, failOn: FailOnOption["failOn"]): void {
  if (n.findings.some((f) => isFailing(f, failOn))) state.exitCode = 1;
  const target = conn.handshake.target;
  const s = conn.handshake.server;
  if (io.json) {
    printJson({
      ...envelope(command, target),
      ...(s ? { server: { version: s.version, flavor: s.flavor, flavorEvidence: s.flavorEvidence } } : {}),
      tls: { offered: conn.handshake.tls.offered },
      checks: [{ name: check, status: "skipped", reason: n.reason }],
      findings: n.findings,
    });
    return;
  }
  io.out([`${io.c.bold(formatTarget(target))}: ${check} not checked: ${printable(n.reason)}`, "", renderFindings(n.findings, io.c)].join("\n"));
}

/**
 * withLogin for settings and accounts, after the audit's connectivity step: the session and facts, with the
 * connectivity findings the command prints too (tls.not-offered); or undefined when the check could not run
 * (a server that does not speak MySQL's SQL), which is then printed and the exit code set by the --fail-on rule.
 */
export async function loginAfterConnectivity<T>(
  check: string,
  target: Target,
  clientOptions: ClientOptions,
  o: CredentialCliOptions & CommonOptions & FailOnOption,
  gather: (session: SqlSession) => Promise<T>,
  io: Output,
  state: RunState,
): Promise<{ spec: LoginSpec; session: SqlSession; facts: T; blocking: Finding[]; probeOfferedTls: boolean } | undefined> {
  let blocking: Finding[] = [];
  let probeOfferedTls = false;
  try {
    const run = await withLogin(target, o, clientOptions, gather, async (spec) => {
      const first = await loginCheckFirst({ host: spec.host, port: spec.port }, timeoutsFrom(o));
      if (first.notRun) throw new CheckNotRun(first.notRun, first.conn);
      blocking = tlsBlockingFindings(first.conn.findings);
      probeOfferedTls = first.conn.handshake.tls.offered;
    });
    return { ...run, blocking, probeOfferedTls };
  } catch (err) {
    if (!(err instanceof CheckNotRun)) throw err;
    endNotRun(check, check, err.conn, err.notRun, io, state, o.failOn);
    return undefined;
  }
}
