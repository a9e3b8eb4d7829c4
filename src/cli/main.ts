import { Command, CommanderError } from "commander";
import { AuditError, toAuditError } from "../errors.js";
import { TOOL } from "../version.js";
import { maskEchoes } from "./argv-secrets.js";
import { printJson, setSecretMask, writeErr, writeOut } from "./output.js";
import { maskPassword } from "../sql/mask.js";
import { registerProbe } from "./probe.js";
import { registerCert } from "./cert.js";
import { registerAudit } from "./audit.js";
import { registerSettings } from "./settings.js";
import { registerAccounts } from "./accounts.js";
import { registerCiphers } from "./ciphers.js";
import { registerServe } from "./serve.js";
import { registerCheckCommand } from "./generic-command.js";
import { COMMANDS } from "../checks/registry.js";
import { registerMerge } from "./merge.js";
import { preflight } from "./argv.js";
import { quietOnClosedPipe } from "./broken-pipe.js";
import { errorDocument } from "./error-document.js";

/** The exit code an action sets; commander's own parse errors map to 2. */
export interface RunState {
  exitCode: number;
}

/** Builds the commander program; each subcommand registers itself from its own file. */
export function buildProgram(state: RunState, argv: readonly string[] = process.argv): Command {
  const program = new Command();
  program
    .name(TOOL.name)
    .description("Audit the TLS posture of MySQL, MariaDB and Percona servers.")
    .version(TOOL.version, "-V, --version")
    // -h is --host, as in the mysql client: help is only --help (and `help [command]`).
    .helpOption("--help", "display help for command")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    // Commander's help and errors go through the same writers as everything else; an echoed argument that
    // carries a password (-pVALUE, --password=VALUE, mysql://user:VALUE@host) is masked.
    .configureOutput({
      writeOut: (str) => writeOut(maskEchoes(str, argv)),
      writeErr: (str) => writeErr(maskEchoes(str, argv)),
      outputError: (str, write) => write(`${TOOL.name}: ${str.replace(/^error: /, "").trimEnd()}\n`),
    });
  registerAudit(program, state);
  // The subcommands are the registry's (each the audit restricted to its checks); these have views of their own.
  const views: Record<string, (p: Command, s: RunState) => void> = { probe: registerProbe, cert: registerCert, settings: registerSettings, accounts: registerAccounts, ciphers: registerCiphers };
  for (const command of COMMANDS.keys()) (views[command] ?? ((p: Command, s: RunState) => registerCheckCommand(p, s, command)))(program, state);
  registerServe(program, state);
  registerMerge(program, state);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the process exit code and never throws for user errors. */
export async function main(argv: string[]): Promise<number> {
  const state: RunState = { exitCode: 0 };
  quietOnClosedPipe();
  const envPassword = process.env.MYSQL_PWD;
  setSecretMask((text) => maskPassword(maskEchoes(text, argv), envPassword));
  const program = buildProgram(state, argv);
  try {
    await program.parseAsync(preflight(argv, program));
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return 2;
    }
    const e = err instanceof AuditError ? err : toAuditError(err);
    writeErr(maskEchoes(`${TOOL.name}: ${e.oneLine()}`, argv));
    // --json promises one document on stdout whatever happened: the error goes inside it too.
    const doc = errorDocument(argv.slice(2), program.commands.map((c) => c.name()), e);
    if (doc) printJson(doc);
    return e.exitCode;
  }
}
