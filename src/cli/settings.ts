import type { Command } from "commander";
import type { ReplicationFacts } from "../sql/replication.js";
import { settingRows, type SettingRow, type SettingsCheckFacts } from "../checks/settings/judge.js";
import type { ServerSettingsFacts } from "../sql/settings.js";
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

type SettingsCliOptions = CommonOptions & CredentialCliOptions & PolicyCliOptions;

/** `settings [target]`: the audit's settings and replication checks alone: the server's TLS variables, status, TLS library and replication channels. */
export function registerSettings(program: Command, state: RunState): void {
  const cmd = program
    .command("settings")
    .description("log in and report the server's TLS settings (variables, status, TLS library, TLS channels) and its replication channels")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user[:password]@]host[:port] (default: my.cnf host, else localhost:3306)");
  addPolicyOptions(addCredentialOptions(addCommonOptions(cmd))).action(async (rawTarget: string | undefined, o: SettingsCliOptions) => {
    const io = makeOutput(o);
    const run = await runLoginCommand("settings", rawTarget, o);
    state.exitCode = Math.max(state.exitCode, run.exitCode);
    const f = factsOf<SettingsCheckFacts>(run, "settings");
    const repl = factsOf<ReplicationFacts>(run, "replication");
    const server = f ? { server: { version: f.login.version, flavor: f.login.flavor, versionComment: f.login.versionComment } } : {};
    if (!f) printSkipped(run, io, server);
    else if (io.json) printJson(commandDocument(run, server));
    else io.out(renderSettings(f.login, f.settings, settingRows(f.settings, f.now), repl, run.findings, io));
  });
}

function renderSettings(s: LoginFacts, f: ServerSettingsFacts, rows: SettingRow[], repl: ReplicationFacts | undefined, findings: Finding[], io: Output): string {
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
  if (!repl) parts.push("", c.bold("Replication channels"), c.gray("  could not be read (see findings)"));
  else parts.push("", c.bold(`Replication channels (this server as a replica, from ${repl.source})`));
  if (!repl) {
    // said above
  } else if (repl.channels.length === 0) parts.push(repl.problems.length ? c.gray("  could not be read (see findings)") : c.gray("  none: this server is not a replica"));
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
