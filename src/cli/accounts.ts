import { Option, type Command } from "commander";
import type { AccountsFacts } from "../sql/accounts.js";
import { accountRows, type AccountRow, type AccountsCheckFacts } from "../checks/accounts/judge.js";
import type { LoginFacts } from "../checks/session.js";
import { renderFindings } from "../report/findings-text.js";
import { renderKeyValues, renderTable } from "../report/table.js";
import { printable } from "../report/printable.js";
import { paintVerdict } from "../report/colour.js";
import type { Finding } from "../report/types.js";
import { addCommonOptions, addPolicyOptions, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { addCredentialOptions, loginRows, type CredentialCliOptions } from "./credential-options.js";
import { makeOutput, printJson, type Output } from "./output.js";
import type { RunState } from "./main.js";
import { commandDocument, factsOf, printSkipped, runLoginCommand } from "./check-command.js";

interface AccountsCliOptions extends CommonOptions, CredentialCliOptions, PolicyCliOptions {
  requireX509Remote?: boolean;
}

/** `accounts [target]`: the audit's accounts check alone: every account's REQUIRE clause, plugin and lock, and who can log in over clear text. */
export function registerAccounts(program: Command, state: RunState): void {
  const cmd = program
    .command("accounts")
    .description("log in and list every account's REQUIRE clause (NONE, SSL, X509, ISSUER, SUBJECT, CIPHER), auth plugin and lock; flag clear-text logins")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user[:password]@]host[:port] (default: my.cnf host, else localhost:3306)");
  addPolicyOptions(addCredentialOptions(addCommonOptions(cmd)))
    .addOption(new Option("--require-x509-remote", "policy: accounts reachable from other hosts must present a client certificate (the policy's requireX509ForRemote)"))
    .action(async (rawTarget: string | undefined, o: AccountsCliOptions) => {
      const io = makeOutput(o);
      const run = await runLoginCommand("accounts", rawTarget, o, o.requireX509Remote ? { requireX509ForRemote: true } : {});
      state.exitCode = Math.max(state.exitCode, run.exitCode);
      const f = factsOf<AccountsCheckFacts>(run, "accounts");
      const server = f ? { server: { version: f.login.version, flavor: f.login.flavor } } : {};
      if (!f) printSkipped(run, io, server);
      else if (io.json) printJson(commandDocument(run, server));
      else io.out(renderAccounts(f.login, f.accounts, accountRows(f.accounts), run.findings, io));
    });
}

function renderAccounts(s: LoginFacts, f: AccountsFacts, rows: AccountRow[], findings: Finding[], io: Output): string {
  const { c } = io;
  const head = renderKeyValues(
    [
      ...loginRows(s, c),
      [
        "require_secure_transport",
        f.requireSecureTransport === undefined ? c.gray(`not available on ${f.flavorLabel}`) : paintVerdict(c, f.requireSecureTransport, f.requireSecureTransport ? "ON" : "OFF"),
      ],
    ],
    io,
  );
  const table = renderTable(
    ["Account", "REQUIRE", "Plugin", "Locked", "Clear text", "Read from"],
    rows.map((r) => [
      `${r.user === "" ? c.red("''") : printable(r.user)}@${printable(r.host)}`,
      printable(r.clause.replace(/^REQUIRE /, "")),
      printable([r.plugin ?? "", ...(r.alternativePlugins ?? [])].filter(Boolean).join(" OR ")),
      r.locked === undefined ? "" : r.locked ? "yes" : "no",
      paintVerdict(c, !r.cleartextAllowed, r.cleartextAllowed ? "ALLOWED" : "no"),
      printable(r.source),
    ]),
    io,
  );
  return [head, "", table, "", renderFindings(findings, c)].join("\n");
}
