import fs from "node:fs";
import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { ALL_CHECKS, skipHelpOf, skipNamesOf } from "../checks/registry.js";
import type { CheckInfo } from "../checks/check.js";
import { auditFleet, auditFleetStreaming, type FleetOptions, DEFAULT_CONCURRENCY, parseShard, parseTargetsList, readTargetsFile, selectShard } from "../run/fleet.js";
import { nearest } from "../policy/nearest.js";
import type { Target } from "../net/target.js";
import type { ClientOptions } from "../sql/option-file.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, type LoadedPolicy } from "../policy/policy.js";
import { loadPolicy } from "../policy/load.js";
import { renderAuditText, verdictLine } from "../report/audit-text.js";
import { renderJunit } from "../report/junit.js";
import { printable } from "../report/printable.js";
import { startProgress } from "../report/progress.js";
import { terminalWidth } from "../report/wrap.js";
import { exitCodeOf, makeReport, reportJson } from "../report/report.js";
import { fileErrorText } from "../file-error-text.js";
import { addCommonOptions, failSeverity, positiveInt, readCaFile, timeoutsFrom, wholeNumber, type CommonOptions } from "./options.js";
import { addCredentialOptions, loginSpecFrom, type CredentialCliOptions } from "./credential-options.js";
import { caFileFrom, connectionFor } from "./connection-options.js";
import type { LoginSpec } from "../sql/credentials.js";
import { makeOutput, printJson, writeErr, writeOut } from "./output.js";
import { checkOutputFile, outputFileError, writeOutputFile } from "./write-file.js";
import { DEFAULT_CONNECTIONS } from "../tls/enumerate.js";
import type { RunState } from "./main.js";
import { renderReport, summaryLine, targetLine } from "./merge.js";

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
  verbose?: boolean;
  format?: string;
  output?: string;
  ndjson?: boolean;
  shard?: { index: number; count: number };
}

/** Parses --skip: each check by its long or short name (the registry's), any case; an unknown name gets the nearest known one. */
export function checkList(value: string, checks: readonly CheckInfo[] = ALL_CHECKS): string[] {
  const byName = skipNamesOf(checks);
  const list = value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (list.length === 0) throw new AuditError("usage", `--skip "${value}" names no check; the checks are ${skipHelpOf(checks)}`);
  return [
    ...new Set(
      list.map((n) => {
        const name = byName.get(n);
        if (name) return name;
        const close = nearest(n, [...byName.keys()]);
        throw new AuditError("usage", `--skip: unknown check "${n}"${close ? ` (did you mean ${close}?)` : ""}; the checks are ${skipHelpOf(checks)}`);
      }),
    ),
  ];
}

/** The default command: `mysql-tls-audit [targets...]` audits every target and gates CI by exit code. */
export function registerAudit(program: Command, state: RunState): void {
  const cmd = program
    .command("audit", { isDefault: true })
    .description("audit one or more servers: TLS offer, protocols, cipher suites, certificate, and (with credentials) settings and accounts")
    .argument("[targets...]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)")
    .addOption(new Option("--junit <file>", "also write JUnit XML (a testcase per check per target) to this file ('-': to stdout, instead of the text report)"))
    .addOption(
      new Option("--fail-on <severity>", `fail (exit 1) on findings at or above this severity: ${FAIL_SEVERITIES.join(", ")}, any case (default: the policy's, ${DEFAULT_POLICY.failOn}); a check that could not run fails the run (exit 3) at every level`).argParser(
        failSeverity,
      ),
    )
    .addOption(new Option("--policy <file>", "policy file (JSON or YAML): minimum TLS version, suites, certificate warning days, accounts, ignored ids, failing severity"))
    .addOption(new Option("--targets <file>", "read more targets from a file, one per line (# starts a comment; '-': from stdin)"))
    .addOption(new Option("--concurrency <n>", "how many targets to audit at once").argParser(positiveInt("--concurrency")).default(DEFAULT_CONCURRENCY))
    .addOption(
      new Option("--max-aborted <n>", "most aborted handshakes the cipher scan may cost per target (they count toward max_connect_errors); default 20 for a remote target, no limit on loopback").argParser(wholeNumber("--max-aborted")),
    )
    .addOption(new Option("--max-connections <n>", "most connections open to one server at once, all checks together (its max_connections is shared with its real clients)").argParser(positiveInt("--max-connections")).default(DEFAULT_CONNECTIONS))
    .addOption(new Option("--skip <checks>", `checks not to run, comma-separated, by long or short name: ${skipHelpOf(ALL_CHECKS)}`).argParser((v: string) => checkList(v)))
    .addOption(new Option("-q, --quiet", "no progress line; print only the verdict line (--json and --junit are unaffected)"))
    .addOption(new Option("-v, --verbose", "also print each finding's evidence and references, and the detail tables"))
    .addOption(new Option("--format <format>", "text, json (as --json) or prometheus (the text exposition format, a target label on every series: for node_exporter's textfile collector with --output)").choices(["text", "json", "prometheus"]))
    .addOption(new Option("--output <file>", "write the report to this file instead of stdout, atomically (a temporary file in the same folder, then a rename)"))
    .addOption(new Option("--ndjson", "stream one JSON object per target as each finishes, then a summary line; keeps no report in memory (for fleets)"))
    .addOption(new Option("--shard <k/n>", "audit only shard K of N of the targets (a stable hash of each target string), for CI matrix jobs and Kubernetes indexed Jobs").argParser(parseShard));
  program.addHelpText(
    "after",
    `\nWith no command, ${program.name()} audits: ${program.name()} [options] [targets...] (see ${program.name()} audit --help).\nExit codes: 0 nothing at or above --fail-on, 1 policy violations, 2 usage or bad input, 3 a target or a check could not be audited.`,
  );
  addCredentialOptions(addCommonOptions(cmd))
    .addOption(new Option("--host-name <name>", "the name to check the certificate against (default: each target's host)"))
    .action(async (rawTargets: string[], o: AuditCliOptions) => {
      const fromFile = o.targets === "-" ? parseTargetsList(readStdin(), "--targets -") : o.targets ? readTargetsFile(o.targets) : [];
      if (o.targets && fromFile.length === 0 && rawTargets.length === 0) throw new AuditError("usage", `--targets ${o.targets} lists no target`);
      const listed = [...rawTargets, ...fromFile];
      const raw = o.shard ? selectShard(listed, o.shard) : listed;
      const format = o.format ?? (o.json ? "json" : "text");
      if (o.ndjson && (o.format || o.json)) throw new AuditError("usage", "--ndjson is a format of its own: leave out --json and --format");
      const loaded: LoadedPolicy = o.policy ? loadPolicy(o.policy) : { policy: { ...DEFAULT_POLICY }, source: "built-in default policy" };
      const policy = { ...loaded.policy, ...(o.failOn ? { failOn: o.failOn as typeof loaded.policy.failOn } : {}) };
      // An empty shard is a normal outcome of a short list: nothing to audit, nothing failed.
      if (o.shard && raw.length === 0) {
        const empty = makeReport([], { failOn: policy.failOn, policy, policySource: loaded.source, startedAt: new Date(), durationMs: 0 });
        if (o.ndjson) writeOut(summaryLine(empty, { source: loaded.source, effective: policy }));
        else writeErr(`shard ${o.shard.index}/${o.shard.count}: none of the ${listed.length} targets falls in this shard`);
        return;
      }
      const { targets, clientOptions } = connectionFor(raw, o);
      const login = await loginFor(targets, o, clientOptions);
      const caFile = caFileFrom(o.sslCa, clientOptions);
      const ca = readCaFile(caFile?.path, caFile?.source);
      const io = makeOutput(o);
      if (o.junit === "-" && (io.json || o.format || o.ndjson)) throw new AuditError("usage", `--junit - and ${o.ndjson ? "--ndjson" : o.json ? "--json" : "--format"} both want stdout; give --junit a file name`);
      if (o.junit) checkOutputFile("--junit", o.junit);
      const progress = startProgress({ quiet: o.quiet === true || o.ndjson === true });
      const fleetOptions: FleetOptions = {
        ...timeoutsFrom(o),
        ...(ca ? { ca, caLabel: caFile!.path } : {}),
        ...(o.hostName ? { hostName: o.hostName } : {}),
        ...(login ? { login } : {}),
        policy,
        policySource: loaded.source,
        concurrency: o.concurrency,
        ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}),
        maxConnections: o.maxConnections,
        ...(o.skip ? { skip: o.skip } : {}),
        onStep: (label, step) => progress.step(label, step),
        onTargetDone: (t, done, total) => {
          progress.done(t.label);
          if (total > 1) progress.log(`${t.audited ? "✓" : "✗"} ${t.label} (${done}/${total})`);
        },
      };
      if (o.ndjson) {
        if (o.junit) throw new AuditError("usage", "--junit needs the whole report: use --json and merge, or leave out --ndjson");
        const out = o.output && o.output !== "-" ? fs.createWriteStream("", { fd: openOutput(o.output) }) : process.stdout;
        let failed: Error | undefined;
        out.on("error", (err) => (failed ??= err));
        // One line at a time: a line waits for the one before it to be taken (one drain listener at most, however
        // many targets finish together), and a stream that fails or closes never leaves a line waiting.
        let last: Promise<void> = Promise.resolve();
        const write = (line: string): Promise<void> =>
          (last = last.then(
            () =>
              new Promise<void>((resolve) => {
                if (failed || out.write(line + "\n")) return resolve();
                const done = (): void => {
                  out.off("drain", done);
                  out.off("close", done);
                  resolve();
                };
                out.once("drain", done);
                out.once("close", done);
              }),
          ));
        const run = await auditFleetStreaming(targets, fleetOptions, (t) => write(targetLine(t, policy.failOn)));
        progress.stop();
        await write(summaryLine(run, { source: loaded.source, effective: policy }));
        if (out !== process.stdout) await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
        if (failed) throw new AuditError("usage", `cannot write the NDJSON output: ${(failed as NodeJS.ErrnoException).code ?? failed.message}`);
        // The audit's exit-code rule, on the counters (no report was kept).
        state.exitCode = exitCodeOf({ ...makeReport([], { failOn: policy.failOn, policySource: loaded.source, startedAt: new Date(), durationMs: 0 }), summary: run.summary });
        return;
      }
      let report;
      try {
        report = await auditFleet(targets, fleetOptions);
      } finally {
        progress.stop();
      }
      if (o.junit) writeOutputFile("--junit", o.junit, renderJunit(report));
      if (o.output) writeOutputFile("--output", o.output, renderReport(report, format, { color: false }));
      else if (format === "prometheus") writeOut(renderReport(report, format, { color: false }));
      else if (io.json || format === "json") printJson(reportJson(report));
      else if (o.junit === "-") {
        if (!o.quiet) io.err(verdictLine(report.summary, io, report.targets.length === 1 ? report.targets[0]!.label : `${report.targets.length} targets`));
      }
      else if (o.quiet) io.out(verdictLine(report.summary, io, report.targets.length === 1 ? report.targets[0]!.label : `${report.targets.length} targets`));
      else io.out(renderAuditText(report, { ...io, width: terminalWidth(), verbose: o.verbose === true }));
      if (!o.quiet) {
        for (const t of report.targets) if (!t.audited && t.error) io.err(printable(`${t.label}: ${t.error.message}`));
      }
      state.exitCode = exitCodeOf(report);
    });
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, "utf8");
  } catch (err) {
    throw new AuditError("usage", `--targets -: cannot read stdin: ${fileErrorText(err)}`);
  }
}

// Settings and accounts need a login; the audit logs in only when the user gave credentials in some way (an
// option, MYSQL_PWD, a target URL, an option file named on the command line, or a password in an option file),
// so a bare `mysql-tls-audit host` never tries the OS login name against a production server.
async function loginFor(targets: Target[], o: AuditCliOptions, cnf: ClientOptions): Promise<LoginSpec | undefined> {
  const asked =
    o.user !== undefined ||
    o.password !== undefined ||
    o.defaultsFile !== undefined ||
    o.defaultsExtraFile !== undefined ||
    cnf.values.has("password") ||
    process.env.MYSQL_PWD !== undefined ||
    targets.some((t) => t.user !== undefined);
  return asked ? loginSpecFrom(targets[0]!, o, cnf) : undefined;
}

// --ndjson --output streams into the file (written while the fleet runs, not atomically): never through a
// symlink, never into a FIFO (checked first, then opened without following a link).
function openOutput(file: string): number {
  checkOutputFile("--output", file);
  try {
    return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o666);
  } catch (err) {
    throw outputFileError("--output", file, err);
  }
}
