import fs from "node:fs";
import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { CHECKS } from "../audit.js";
import { auditFleet, DEFAULT_CONCURRENCY, readTargetsFile } from "../fleet.js";
import { parseTarget } from "../net/target.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, type LoadedPolicy } from "../policy/policy.js";
import { loadPolicy } from "../policy/load.js";
import { renderAuditText, verdictLine } from "../report/audit-text.js";
import { renderJunit } from "../report/junit.js";
import { startProgress } from "../report/progress.js";
import { exitCodeOf, reportJson } from "../report/report.js";
import { addCommonOptions, failSeverity, positiveInt, readCaFile, timeoutsFrom, wholeNumber, type CommonOptions } from "./options.js";
import { addCredentialOptions, loginSpecFrom, passwordToken, type CredentialCliOptions } from "./credential-options.js";
import type { LoginSpec } from "../sql/credentials.js";
import { makeOutput, printJson } from "./output.js";
import { DEFAULT_CONNECTIONS } from "../tls/enumerate.js";
import type { RunState } from "./main.js";

interface AuditCliOptions extends CommonOptions, CredentialCliOptions {
  hostName?: string;
  junit?: string;
  failOn?: string;
  policy?: string;
  targets?: string;
  concurrency: number;
  maxAborted?: number;
  maxConnections: number;
  skip?: string[];
  quiet?: boolean;
}

// The names come from the audit's own table of checks, so --help and validation never drift from it.
function checkList(value: string): string[] {
  const names = CHECKS.map((c) => c.name as string);
  const list = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((n) => !names.includes(n));
  if (bad.length || list.length === 0) throw new AuditError("usage", `--skip "${value}": ${bad.length ? `unknown check ${bad.join(", ")}; ` : ""}the checks are ${names.join(", ")}`);
  return list;
}

/** The default command: `mysql-tls-audit [targets...]` audits every target and gates CI by exit code. */
export function registerAudit(program: Command, state: RunState): void {
  const cmd = program
    .command("audit", { isDefault: true })
    .description("audit one or more servers: TLS offer, protocols, cipher suites, certificate, and (with credentials) settings and accounts")
    .argument("[targets...]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)")
    .addOption(new Option("--junit <file>", "also write JUnit XML (a testcase per check per target) to this file"))
    .addOption(new Option("--fail-on <severity>", `fail (exit 1) on findings at or above this severity: ${FAIL_SEVERITIES.join(", ")} (default: the policy's, ${DEFAULT_POLICY.failOn})`).argParser(failSeverity))
    .addOption(new Option("--policy <file>", "policy file (JSON or YAML): minimum TLS version, suites, certificate warning days, accounts, ignored ids, failing severity"))
    .addOption(new Option("--targets <file>", "read more targets from a file, one per line (# starts a comment)"))
    .addOption(new Option("--concurrency <n>", "how many targets to audit at once").argParser(positiveInt).default(DEFAULT_CONCURRENCY))
    .addOption(
      new Option("--max-aborted <n>", "most aborted handshakes the cipher scan may cost per target (they count toward max_connect_errors); default 20 for a remote target, no limit on loopback").argParser(wholeNumber),
    )
    .addOption(new Option("--max-connections <n>", "most connections open to one server at once, all checks together (its max_connections is shared with its real clients)").argParser(positiveInt).default(DEFAULT_CONNECTIONS))
    .addOption(new Option("--skip <checks>", `checks not to run, comma-separated: ${CHECKS.map((c) => c.name).join(", ")}`).argParser(checkList))
    .addOption(new Option("-q, --quiet", "no progress line; print only the verdict line (--json and --junit are unaffected)"));
  program.addHelpText(
    "after",
    `\nWith no command, ${program.name()} audits: ${program.name()} [options] [targets...] (see ${program.name()} audit --help).\nExit codes: 0 nothing at or above --fail-on, 1 policy violations, 2 usage or bad input, 3 a target could not be audited.`,
  );
  addCredentialOptions(addCommonOptions(cmd))
    .addOption(new Option("--host-name <name>", "the name to check the certificate against (default: each target's host)"))
    .action(async (rawTargets: string[], o: AuditCliOptions) => {
      const args = [...rawTargets];
      // Commander lets a bare -p take the next word; the mysql client never does, so that word was a target.
      if (passwordToken(rawArgsOf(cmd))?.prompt && typeof o.password === "string") {
        args.unshift(o.password);
        o.password = true;
      }
      const fromFile = o.targets ? readTargetsFile(o.targets) : [];
      if (o.targets && fromFile.length === 0 && args.length === 0) throw new AuditError("usage", `--targets file ${o.targets} lists no target`);
      const raw = [...args, ...fromFile];
      const targets = (raw.length ? raw : [undefined]).map((t) => parseTarget(t));
      const login = await loginFor(cmd, raw[0], o, targets);
      const loaded: LoadedPolicy = o.policy ? loadPolicy(o.policy) : { policy: { ...DEFAULT_POLICY }, source: "built-in default policy" };
      const policy = { ...loaded.policy, ...(o.failOn ? { failOn: o.failOn as typeof loaded.policy.failOn } : {}) };
      const ca = readCaFile(o.sslCa);
      if (o.junit) assertWritable(o.junit);
      const io = makeOutput(o);
      const progress = startProgress({ quiet: o.quiet === true });
      let report;
      try {
        report = await auditFleet(targets, {
          ...timeoutsFrom(o),
          ...(ca ? { ca, caLabel: o.sslCa! } : {}),
          ...(o.hostName ? { hostName: o.hostName } : {}),
          ...(login ? { login } : {}),
          policy,
          policySource: loaded.source,
          concurrency: o.concurrency,
          ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}),
          maxConnections: o.maxConnections,
          ...(o.skip ? { skip: o.skip } : {}),
          onStep: (label, step) => progress.update(`${label}: ${step}`),
          onTargetDone: (t, done, total) => {
            if (total > 1) progress.log(`${t.audited ? "✓" : "✗"} ${t.label} (${done}/${total})`);
          },
        });
      } finally {
        progress.stop();
      }
      if (o.junit) fs.writeFileSync(o.junit, renderJunit(report));
      if (io.json) printJson(reportJson(report));
      else if (o.quiet) io.out(verdictLine(report.summary, io, report.targets.length === 1 ? report.targets[0]!.label : `${report.targets.length} targets`));
      else io.out(renderAuditText(report, io));
      if (!o.quiet) {
        for (const t of report.targets) if (!t.audited && t.error) io.err(`${t.label}: ${t.error.message}`);
      }
      state.exitCode = exitCodeOf(report);
    });
}

function rawArgsOf(cmd: Command): string[] {
  let c: Command = cmd;
  while (c.parent) c = c.parent;
  return (c as unknown as { rawArgs?: string[] }).rawArgs ?? [];
}

// Settings and accounts need a login; the audit logs in only when the user gave credentials in some way (an
// option, MYSQL_PWD, a target URL, or a password in ~/.my.cnf), so a bare `mysql-tls-audit host` never tries the
// OS login name against a production server.
async function loginFor(cmd: Command, rawTarget: string | undefined, o: AuditCliOptions, targets: { user?: string }[]): Promise<LoginSpec | undefined> {
  const asked =
    o.user !== undefined ||
    o.password !== undefined ||
    o.defaultsFile !== undefined ||
    process.env.MYSQL_PWD !== undefined ||
    targets.some((t) => t.user !== undefined);
  if (asked) return loginSpecFrom(cmd, rawTarget, o);
  if (o.defaults === false) return undefined;
  const spec = await loginSpecFrom(cmd, rawTarget, o);
  return spec.passwordSource === "option file" ? spec : undefined;
}

// Fail before a long audit rather than after it, when the JUnit file cannot be written.
function assertWritable(file: string): void {
  try {
    fs.writeFileSync(file, "", { flag: "a" });
  } catch (err) {
    throw new AuditError("usage", `cannot write --junit file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
