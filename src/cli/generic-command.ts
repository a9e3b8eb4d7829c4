import type { Command } from "commander";
import { CHECKS, connectivity } from "../checks/registry.js";
import { needsMysqlLogin, type Check } from "../checks/check.js";
import { renderFindings } from "../report/findings-text.js";
import { renderKeyValues } from "../report/table.js";
import { printable } from "../report/printable.js";
import { addCommonOptions, addPolicyOptions, addVerifyOptions, policyFrom, readCaFile, timeoutsFrom, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { addCredentialOptions, type CredentialCliOptions } from "./credential-options.js";
import { caFileFrom, connectionFor } from "./connection-options.js";
import { makeOutput, printJson } from "./output.js";
import { commandDocument, factsOf, runCheckCommand, runLoginCommand } from "./check-command.js";
import type { RunState } from "./main.js";

type GenericCliOptions = CommonOptions & PolicyCliOptions & CredentialCliOptions & { hostName?: string };

/**
 * The subcommand of registered checks that have no view of their own (adding a check with a new `command` is
 * adding a module and one registry line): the audit restricted to them, their overview rows and findings as text,
 * their JSON sections with --json, the audit's exit rule. Checks that log in get the login options.
 */
export function registerCheckCommand(program: Command, state: RunState, command: string, checks: readonly Check[] = CHECKS): void {
  const own = checks.filter((c) => c.command === command);
  const logsIn = own.some((c) => c.skip === needsMysqlLogin);
  const cmd = program
    .command(command)
    .description(own.map((c) => c.title).join("; "))
    .argument("[target]", `host, host:port, [ipv6]:port or mysql://[user${logsIn ? "[:password]" : ""}@]host[:port] (default localhost:3306)`);
  addPolicyOptions(addCommonOptions(cmd));
  if (logsIn) addCredentialOptions(cmd);
  else addVerifyOptions(cmd);
  cmd.action(async (rawTarget: string | undefined, o: GenericCliOptions) => {
    const io = makeOutput(o);
    let run;
    if (logsIn) run = await runLoginCommand(command, rawTarget, o, {}, checks);
    else {
      const { targets, clientOptions } = connectionFor([rawTarget], o);
      const caFile = caFileFrom(o.sslCa, clientOptions);
      const ca = readCaFile(caFile?.path, caFile?.source);
      const { policy } = await policyFrom(o);
      run = await runCheckCommand(command, targets[0]!, { ...timeoutsFrom(o), ...(ca ? { ca, caLabel: caFile!.path } : {}), ...(o.hostName ? { hostName: o.hostName } : {}), policy }, checks);
    }
    state.exitCode = Math.max(state.exitCode, run.exitCode);
    if (io.json) {
      printJson(commandDocument(run));
      return;
    }
    const rows: [string, string][] = [["Target", run.report.label]];
    for (const c of [connectivity, ...checks].filter((x) => run.checks.some((r) => r.name === x.name))) {
      const facts = factsOf<unknown>(run, c.name);
      const result = run.checks.find((r) => r.name === c.name)!;
      if (facts !== undefined && result.status === "completed") rows.push(...(c as Check).text(facts).map(([k, v]): [string, string] => [k, printable(v)]));
      else rows.push([c.name, `${result.status}: ${printable(result.reason ?? "")}`]);
    }
    io.out([renderKeyValues(rows, io), "", renderFindings(run.findings, io.c)].join("\n"));
  });
}
