import { checkConnectivity, sqlUnavailable, tlsBlockingFindings, tlsUnavailable, type Connectivity } from "../audit.js";
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
  return reason ? { conn, notRun: { reason, findings: tlsBlockingFindings(conn) } } : { conn };
}

/** Connectivity first, for a command that logs in (settings, accounts): also says when the server does not speak MySQL's SQL. */
export async function loginCheckFirst(target: Target, options: ProbeOptions): Promise<{ conn: Connectivity; notRun?: NotRun }> {
  const conn = await checkConnectivity(target, options);
  const reason = sqlUnavailable(conn.handshake);
  return reason ? { conn, notRun: { reason, findings: tlsBlockingFindings(conn) } } : { conn };
}

/** Thrown from a login command's first step to stop before the login; the command prints it. */
export class CheckNotRun extends Error {
  constructor(
    readonly notRun: NotRun,
    readonly conn: Connectivity,
  ) {
    super(notRun.reason);
  }
}

/** Prints a command whose check could not run: one JSON document, or one line and the findings. */
export function printNotRun(command: string, check: string, target: Pick<Target, "host" | "port">, conn: Connectivity, n: NotRun, io: Output): void {
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
