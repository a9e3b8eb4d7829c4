import { Option, type Command } from "commander";
import type { SqlSession } from "../sql/login.js";
import { gatherAccounts, type AccountsFacts } from "../sql/accounts.js";
import { accountRows, type AccountRow } from "../checks/accounts/judge.js";
import { accountsJson, judgeAccounts } from "../checks/accounts/judge.js";
import { DEFAULT_POLICY } from "../policy/policy.js";
import { checkLogin } from "../checks/login.js";
import { renderFindings } from "../report/findings-text.js";
import { renderKeyValues, renderTable } from "../report/table.js";
import { printable } from "../report/printable.js";
import { paintVerdict } from "../report/colour.js";
import type { Finding } from "../report/types.js";
import { addCommonOptions, findingsExitCode, addFailOnOption, type CommonOptions, type FailOnOption } from "./options.js";
import { addCredentialOptions, loginJson, loginRows, type CredentialCliOptions } from "./credential-options.js";
import { connectionFor } from "./connection-options.js";
import { envelope, makeOutput, printJson, type Output } from "./output.js";
import type { RunState } from "./main.js";
import { loginAfterConnectivity } from "./connectivity.js";

interface AccountsCliOptions extends CommonOptions, CredentialCliOptions, FailOnOption {
  requireX509Remote?: boolean;
}

/** `accounts [target]`: every account's REQUIRE clause, plugin and lock, and who can log in over clear text. */
export function registerAccounts(program: Command, state: RunState): void {
  const cmd = program
    .command("accounts")
    .description("log in and list every account's REQUIRE clause (NONE, SSL, X509, ISSUER, SUBJECT, CIPHER), auth plugin and lock; flag clear-text logins")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user[:password]@]host[:port] (default: my.cnf host, else localhost:3306)");
  addFailOnOption(addCredentialOptions(addCommonOptions(cmd)))
    .addOption(new Option("--require-x509-remote", "policy: accounts reachable from other hosts must present a client certificate"))
    .action(async (rawTarget: string | undefined, o: AccountsCliOptions) => {
      const io = makeOutput(o);
      const { targets, clientOptions } = connectionFor([rawTarget], o);
      const run = await loginAfterConnectivity("accounts", targets[0]!, clientOptions, o, gatherAccounts, io, state);
      if (!run) return;
      const { spec, session, facts, blocking, probeOfferedTls } = run;
      const rows = accountRows(facts);
      // A server without TLS is said once, by the connectivity finding every command carries.
      const findings = [
        ...blocking,
        ...checkLogin(session.tls, { probeOfferedTls, ...(facts.tlsAvailable !== undefined ? { haveSsl: facts.tlsAvailable ? "YES" : "NO" } : {}) }),
        // The audit's accounts check under the default policy (--require-x509-remote is its policy knob).
        ...judgeAccounts(facts, { ...DEFAULT_POLICY, requireX509ForRemote: o.requireX509Remote === true }),
      ];
      if (io.json) {
        printJson({
          ...envelope("accounts", spec),
          server: { version: session.version, flavor: session.flavor },
          login: loginJson(spec, session.tls, session.currentUser),
          ...accountsJson(facts),
          findings,
        });
      } else io.out(renderAccounts(session, facts, rows, findings, io));
      state.exitCode = Math.max(state.exitCode, findingsExitCode(findings, o.failOn));
    });
}

function renderAccounts(s: SqlSession, f: AccountsFacts, rows: AccountRow[], findings: Finding[], io: Output): string {
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
