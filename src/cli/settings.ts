import type { Command } from "commander";
import type { SqlSession } from "../sql/login.js";
import { gatherSettings, type ServerSettingsFacts } from "../sql/settings.js";
import { gatherReplication, type ReplicationFacts } from "../sql/replication.js";
import { settingRows, settingsJson, type SettingRow } from "../checks/settings/judge.js";
import { checkReplication } from "../checks/replication/judge.js";
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
import { settingsNotSaidBefore } from "../run/audit.js";
import { judgeSettings } from "../checks/settings/judge.js";
import { DEFAULT_POLICY } from "../policy/policy.js";

type SettingsCliOptions = CommonOptions & CredentialCliOptions & FailOnOption;

/** `settings [target]`: log in and report the server's TLS variables, status, TLS library and replication channels. */
export function registerSettings(program: Command, state: RunState): void {
  const cmd = program
    .command("settings")
    .description("log in and report the server's TLS settings (variables, status, TLS library, TLS channels) and its replication channels")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user[:password]@]host[:port] (default: my.cnf host, else localhost:3306)");
  addFailOnOption(addCredentialOptions(addCommonOptions(cmd))).action(async (rawTarget: string | undefined, o: SettingsCliOptions) => {
    const io = makeOutput(o);
    const { targets, clientOptions } = connectionFor([rawTarget], o);
    const run = await loginAfterConnectivity("settings", targets[0]!, clientOptions, o, async (sn) => ({ facts: await gatherSettings(sn), repl: await gatherReplication(sn) }), io, state);
    if (!run) return;
    const { spec, session, facts: gathered, blocking, probeOfferedTls } = run;
    const { repl } = gathered;
    // The facts the audit's settings check judges: the variables and what the connectivity step's greeting offered.
    const facts = { ...gathered.facts, probeOfferedTls };
    const now = new Date();
    const rows = settingRows(facts, now);
    // The audit's settings and replication checks under the default policy; a server without TLS is said once,
    // by the connectivity finding every command carries.
    const findings = [...blocking, ...settingsNotSaidBefore(blocking, judgeSettings(facts, DEFAULT_POLICY, now)), ...checkReplication(repl)];
    if (io.json) {
      printJson({
        ...envelope("settings", spec),
        server: { version: session.version, flavor: session.flavor, versionComment: session.versionComment },
        login: loginJson(spec, session.tls, session.currentUser),
        ...settingsJson(facts, rows),
        replication: repl.channels,
        findings,
      });
    } else io.out(renderSettings(session, facts, rows, repl, findings, io));
    state.exitCode = Math.max(state.exitCode, findingsExitCode(findings, o.failOn));
  });
}

function renderSettings(s: SqlSession, f: ServerSettingsFacts, rows: SettingRow[], repl: ReplicationFacts, findings: Finding[], io: Output): string {
  const { c } = io;
  const head = renderKeyValues(
    [
      ...loginRows(s, c),
    ],
    io,
  );
  const table = renderTable(
    ["Setting", "Value", "Secure", "Meaning"],
    rows.map((r) => [
      r.scope === "session" ? `${r.name} (session)` : r.name,
      r.available ? (r.value === "" ? c.gray("(empty)") : printable(r.value!)) : c.gray(printable(r.note ?? "not available")),
      r.secure === undefined ? "" : paintVerdict(c, r.secure, r.secure ? "yes" : "NO"),
      printable(r.available && r.note ? `${r.meaning}; ${r.note}` : r.meaning),
    ]),
    io,
  );
  const parts = [head, "", table];
  if (f.tlsChannels?.length) {
    const keys = ["Enabled", "Current_tls_version", "Current_tls_cipher", "Current_tls_ciphersuites", "Current_tls_cert", "Ssl_server_not_after"];
    parts.push("", c.bold("TLS channels (performance_schema.tls_channel_status)"));
    parts.push(renderTable(["Channel", ...keys], f.tlsChannels.map((ch) => [ch.channel, ...keys.map((k) => ch.properties[k] ?? "")].map((v) => printable(v))), io));
  } else if (f.tlsChannelsNote) parts.push("", `TLS channels: ${c.gray(printable(f.tlsChannelsNote))}`);
  parts.push("", c.bold(`Replication channels (this server as a replica, from ${repl.source})`));
  if (repl.channels.length === 0) parts.push(repl.problems.length ? c.gray("  could not be read (see findings)") : c.gray("  none: this server is not a replica"));
  else {
    parts.push(
      renderTable(
        ["Channel", "Source", "TLS", "Verifies source", "CA", "TLS version", "Cipher"],
        repl.channels.map((ch) => [
          ch.channel === "" ? "(default)" : printable(ch.channel),
          printable(`${ch.sourceHost}:${ch.sourcePort}`),
          paintVerdict(c, ch.tls, ch.tls ? "yes" : "NO"),
          paintVerdict(c, ch.verifyServerCert, ch.verifyServerCert ? "yes" : "NO"),
          printable(ch.ca ?? ""),
          printable(ch.tlsVersion ?? ""),
          printable(ch.cipher ?? ""),
        ]),
        io,
      ),
    );
  }
  parts.push("", renderFindings(findings, c));
  return parts.join("\n");
}
