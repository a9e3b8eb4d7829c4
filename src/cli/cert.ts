import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { formatTarget } from "../net/target.js";
import { type CertificateCheckFacts } from "../checks/certificate/judge.js";
import { derToPem } from "../x509/pem.js";
import { formatPublicKey } from "../x509/public-key.js";
import type { ChainFacts } from "../x509/chain.js";
import type { FetchedChain } from "../x509/fetch-chain.js";
import { renderFindings } from "../report/findings-text.js";
import { renderKeyValues, renderTable } from "../report/table.js";
import { paintVerdict } from "../report/colour.js";
import type { Finding } from "../report/types.js";
import { addCommonOptions, addPolicyOptions, addVerifyOptions, policyFrom, readCaFile, timeoutsFrom, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { caFileFrom, connectionFor } from "./connection-options.js";
import { makeOutput, printJson, type Output } from "./output.js";
import { printable } from "../report/printable.js";
import { checkOutputFile, writeOutputFile } from "./write-file.js";
import type { RunState } from "./main.js";
import { commandDocument, factsOf, printSkipped, runCheckCommand } from "./check-command.js";

interface CertCliOptions extends CommonOptions, PolicyCliOptions {
  sslCa?: string;
  hostName?: string;
  warnDays?: number;
  pem?: string;
}

function days(value: string): number {
  if (!/^\d{1,5}$/.test(value)) throw new AuditError("usage", `--warn-days "${value}" is not a whole number of days`);
  return Number(value);
}

/** `cert [target]`: the audit's certificate check alone: the chain as sent, its trust path and name match, and what is wrong with it. */
export function registerCert(program: Command, state: RunState): void {
  const cmd = program
    .command("cert")
    .description("inspect the certificate chain the server sends: fields, order, trust, name match, expiry; no credentials needed")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)")
    .addOption(new Option("--warn-days <n>", "warn when a certificate expires within this many days (default: the policy's certificateWarningDays, 30)").argParser(days))
    .addOption(new Option("--pem <file>", "write the chain as sent, as PEM, to this file ('-' for stdout)"));
  addVerifyOptions(addCommonOptions(addPolicyOptions(cmd))).action(async (rawTarget: string | undefined, o: CertCliOptions) => {
    const { targets, clientOptions } = connectionFor([rawTarget], o);
    const target = targets[0]!;
    const caFile = caFileFrom(o.sslCa, clientOptions);
    const ca = readCaFile(caFile?.path, caFile?.source);
    const io = makeOutput(o);
    if (o.pem === "-" && io.json) throw new AuditError("usage", "--pem - and --json both want stdout; give --pem a file name");
    if (o.pem !== undefined) checkOutputFile("--pem", o.pem);
    const loaded = await policyFrom(o);
    // --warn-days is the policy's certificateWarningDays for this run.
    const policy = { ...loaded.policy, ...(o.warnDays !== undefined ? { certificateWarningDays: o.warnDays } : {}) };
    const run = await runCheckCommand("cert", target, { ...timeoutsFrom(o), ...(ca ? { ca, caLabel: caFile!.path } : {}), ...(o.hostName ? { hostName: o.hostName } : {}), policy });
    state.exitCode = Math.max(state.exitCode, run.exitCode);
    const gathered = factsOf<CertificateCheckFacts>(run, "certificate");
    const extra = { warnDays: policy.certificateWarningDays };
    if (!gathered) {
      printSkipped(run, io, extra);
      return;
    }
    const { facts, fetched } = gathered;
    if (o.pem !== undefined) writeOutputFile("--pem", o.pem, fetched.ders.map(derToPem).join(""));
    if (io.json) printJson(commandDocument(run, extra));
    else {
      io.out(renderCert(formatTarget(target), facts, fetched, run.findings, io));
      if (o.pem !== undefined && o.pem !== "-") io.err(`wrote ${fetched.ders.length} certificate(s) as sent to ${o.pem}`);
    }
  });
}

function renderCert(label: string, facts: ChainFacts, fetched: FetchedChain, findings: Finding[], io: Output): string {
  const { c } = io;
  const certs = facts.certificates;
  const overview = renderTable(
    ["#", "Subject", "Issuer", "Key", "Signature", "Expires", "Flags"],
    certs.map((x, i) => [
      String(i + 1),
      printable(x.subject),
      printable(x.issuer),
      formatPublicKey(x.publicKey),
      printable(x.signatureAlgorithm),
      paintVerdict(c, x.daysLeft < 0 ? false : undefined, `${x.notAfter.slice(0, 10)} (${x.daysLeft} d)`),
      [x.selfSigned ? "self-signed" : "", x.isCA ? "CA" : ""].filter(Boolean).join(", "),
    ]),
    io,
  );
  const details = certs.map((x, i) => {
    const rows: [string, string][] = [
      [`#${i + 1} serial`, printable(x.serialNumber)],
      ["SANs", printable([...x.subjectAltNames.dns.map((d) => `DNS:${d}`), ...x.subjectAltNames.ip.map((p) => `IP:${p}`), ...x.subjectAltNames.other].join(", ")) || "(none)"],
      ["Valid", `${x.notBefore} .. ${x.notAfter}`],
      ["SHA-256", x.sha256Fingerprint],
      ["Basic constraints", x.basicConstraints ? `CA:${x.basicConstraints.ca ? "TRUE" : "FALSE"}${x.basicConstraints.pathLen !== undefined ? `, pathlen:${x.basicConstraints.pathLen}` : ""}${x.basicConstraints.critical ? " (critical)" : ""}` : "(absent)"],
      ["Key usage", printable(x.keyUsage.join(", ")) || "(absent)"],
      ["Extended key usage", printable(x.extendedKeyUsage.join(", ")) || "(absent)"],
    ];
    return renderKeyValues(rows, io);
  });
  const t = facts.trust;
  const h = facts.hostname;
  const summary: [string, string][] = [
    ["Target", printable(`${label} (${fetched.serverVersion})`)],
    [
      "Read from",
      facts.source === "certificate-message"
        ? `the TLS 1.2 Certificate message: the order the server sends`
        : `Node's peer certificate over ${facts.protocol ?? "TLS"}: the order is Node's reconstruction${fetched.fallbackReason ? ` (${printable(fetched.fallbackReason)})` : ""}`,
    ],
    ["Order", paintVerdict(c, facts.orderAsSent ? facts.order.inOrder : undefined, facts.orderAsSent ? (facts.order.inOrder ? "leaf first, each followed by its issuer" : printable(facts.order.issues.join("; "))) : "not judged")],
    ["Trust", paintVerdict(c, t.verified, `${t.verified ? "verified" : `NOT verified: ${printable(String(t.error))}`} against ${t.anchorSource === "ssl-ca" ? `--ssl-ca ${t.anchorFile ?? ""}`.trim() : "the system roots"}`)],
    ["Path", printable(t.path.join(" <- "))],
    ["Name", paintVerdict(c, h.matched, printable(`${h.name}: ${h.matched ? `matches ${h.matchedBy}` : "no match"}${h.note ? ` (${h.note})` : ""}`))],
  ];
  return [renderKeyValues(summary, io), "", overview, "", details.join("\n\n"), "", renderFindings(findings, c)].join("\n");
}
