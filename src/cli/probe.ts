import { Command } from "commander";
import { formatTarget } from "../net/target.js";
import type { HandshakeFacts } from "../net/probe.js";
import { renderFindings } from "../report/findings-text.js";
import { renderKeyValues } from "../report/table.js";
import { paintVerdict } from "../report/colour.js";
import { printable } from "../report/printable.js";
import type { Finding } from "../report/types.js";
import type { ConnectivityFacts } from "../checks/connectivity/judge.js";
import { addCommonOptions, addPolicyOptions, addVerifyOptions, policyFrom, readCaFile, timeoutsFrom, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { caFileFrom, connectionFor } from "./connection-options.js";
import { makeOutput, printJson, type Output } from "./output.js";
import { commandDocument, factsOf, runCheckCommand } from "./check-command.js";
import type { RunState } from "./main.js";

interface ProbeCliOptions extends CommonOptions, PolicyCliOptions {
  sslCa?: string;
  hostName?: string;
}

/** `probe [target]`: the audit's connectivity check alone: the greeting, the flavour and one real TLS handshake, without credentials. */
export function registerProbe(program: Command, state: RunState): void {
  const cmd = program
    .command("probe")
    .description("read the server's greeting (version, flavour, capabilities, auth plugin) and try one TLS upgrade; no credentials needed")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)");
  addVerifyOptions(addCommonOptions(addPolicyOptions(cmd))).action(async (rawTarget: string | undefined, o: ProbeCliOptions) => {
    const { targets, clientOptions } = connectionFor([rawTarget], o);
    const target = targets[0]!;
    const caFile = caFileFrom(o.sslCa, clientOptions);
    const ca = readCaFile(caFile?.path, caFile?.source);
    const { policy } = await policyFrom(o);
    const io = makeOutput(o);
    const run = await runCheckCommand("probe", target, { ...timeoutsFrom(o), ...(ca ? { ca, caLabel: caFile!.path } : {}), ...(o.hostName ? { hostName: o.hostName } : {}), policy });
    const facts = factsOf<ConnectivityFacts>(run, "connectivity")!;
    if (io.json) printJson(commandDocument(run));
    else {
      io.out(renderProbe(facts, run.findings, io));
      if (run.report.error) io.err(printable(`${formatTarget(target)}: ${run.report.error.step ?? "greeting"}: ${run.report.error.message}`));
    }
    // The audit's exit-code rule: a server without TLS (critical) or a failed TLS handshake (high) is a finding.
    state.exitCode = Math.max(state.exitCode, run.exitCode);
  });
}

function renderProbe(facts: ConnectivityFacts, findings: Finding[], io: Output): string {
  const { c } = io;
  const f: HandshakeFacts = facts.handshake;
  const rows: [string, string][] = [["Target", formatTarget(f.target)]];
  if (f.serverError) {
    rows.push(["Greeting", c.red(`ERR ${f.serverError.errno}${f.serverError.sqlState ? ` (${printable(f.serverError.sqlState)})` : ""}`)]);
    rows.push(["Server said", printable(f.serverError.message)]);
    rows.push(["What to do", printable(f.serverError.advice)]);
  }
  const s = f.server;
  if (s) {
    rows.push(["Server version", printable(s.version)]);
    rows.push(["Flavour", `${s.flavor} ${s.versionNumber}${s.flavorEvidence.length ? c.gray(` (${printable(s.flavorEvidence.join("; "))})`) : ""}`]);
    rows.push(["Protocol", String(s.protocolVersion)]);
    rows.push(["Connection id", String(s.connectionId)]);
    if (s.authPlugin) rows.push(["Auth plugin", printable(s.authPlugin)]);
    if (s.collation) rows.push(["Character set", `${s.collation} (${s.characterSet})`]);
    if (s.statusFlags) rows.push(["Status flags", s.statusFlags.join(" ") || "(none)"]);
    rows.push(["Capabilities", s.capabilities.join(" ")]);
    // CLIENT_MYSQL clear with no extended capability is how Sphinx greets: not MariaDB, so no MariaDB row.
    if (s.mariadbCapabilities && s.flavor === "mariadb") rows.push(["MariaDB capabilities", s.mariadbCapabilities.join(" ") || "(none)"]);
  }
  const t = f.tls;
  if (facts.handshakeFailure) rows.push(["TLS handshake", c.red(`failed: ${printable(facts.handshakeFailure.message)}`)]);
  if (!f.serverError) {
    rows.push(["TLS offered", paintVerdict(c, t.offered, t.offered ? "yes (CLIENT_SSL)" : "NO: the server cannot encrypt connections at all")]);
  }
  if (t.protocol) {
    rows.push(["TLS protocol", t.protocol]);
    rows.push(["Cipher", `${t.cipher}${t.cipherIana && t.cipherIana !== t.cipher ? c.gray(` (${t.cipherIana})`) : ""}`]);
    if (t.keyExchange) rows.push(["Key exchange", t.keyExchange]);
    rows.push(["Handshake time", `${t.handshakeMs} ms`]);
    if (t.certificate) {
      rows.push(["Certificate subject", printable(t.certificate.subject)]);
      rows.push(["Certificate issuer", printable(t.certificate.issuer)]);
      rows.push(["Certificate expires", paintVerdict(c, t.certificate.daysLeft >= 0 ? undefined : false, `${t.certificate.notAfter} (${t.certificate.daysLeft} days left)`)]);
    }
    rows.push(["Chain verified", paintVerdict(c, t.verified, t.verified ? `yes, against ${t.verifiedAgainst}` : `no (${printable(t.verifyError ?? "unknown reason")}), against ${t.verifiedAgainst}`)]);
    rows.push(["Name matches", paintVerdict(c, t.hostnameMatch, printable(`${t.hostnameMatch ? "yes" : "no"}: ${t.hostnameChecked}${t.hostnameError ? ` (${t.hostnameError})` : ""}`))]);
  }
  return [renderKeyValues(rows, io), "", renderFindings(findings, c)].join("\n");
}
