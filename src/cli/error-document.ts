import { unreachableFinding } from "../run/audit.js";
import type { AuditError } from "../errors.js";
import { formatTarget, parseTarget } from "../net/target.js";
import { SCHEMA_VERSION } from "../report/types.js";
import { TOOL } from "../version.js";

/**
 * The --json document for a command whose target could not be audited (shared/DESIGN.md: it still yields a
 * document): the envelope, `error: {code, step, message}` and the audit.target-unreachable finding the audit
 * reports for the same target. Undefined without --json, and for usage errors (exit 2), which stay one line on
 * stderr with nothing on stdout.
 */
export function errorDocument(args: readonly string[], commands: readonly string[], e: AuditError): Record<string, unknown> | undefined {
  const options = args.slice(0, args.indexOf("--") < 0 ? undefined : args.indexOf("--"));
  if (!options.includes("--json") || e.exitCode !== 3) return undefined;
  const command = args.find((a) => commands.includes(a)) ?? "audit";
  let target: { host: string; port: number } | null = null;
  try {
    if (e.details.target) {
      const t = parseTarget(e.details.target);
      target = { host: t.host, port: t.port };
    }
  } catch {
    // a target the parser itself refused: the message says which
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { ...TOOL },
    target,
    command,
    error: { code: e.code, ...(e.details.step ? { step: e.details.step } : {}), message: e.message },
    findings: [unreachableFinding(target ? formatTarget(target) : (e.details.target ?? "the target"), e.message)],
  };
}
