import { Command, Option } from "commander";
import { DEFAULT_MAX_ABORTED } from "../net/error-budget.js";
import { formatTarget } from "../net/target.js";
import { paintRating } from "../report/colour.js";
import { renderFindings } from "../report/findings-text.js";
import { renderTable } from "../report/table.js";
import { startProgress } from "../report/progress.js";
import { terminalWidth, wrap } from "../report/wrap.js";
import type { Finding } from "../report/types.js";
import { resolveCredentials, type LoginSpec } from "../sql/credentials.js";
import { DEFAULT_CONNECTIONS, type CipherFacts, type Engine } from "../tls/enumerate.js";
import type { ScanFacts } from "../checks/scan.js";
import { addCommonOptions, addPolicyOptions, policyFrom, positiveInt, timeoutsFrom, wholeNumber, type CommonOptions, type PolicyCliOptions } from "./options.js";
import { connectionFor } from "./connection-options.js";
import type { ClientOptions } from "../sql/option-file.js";
import type { Target } from "../net/target.js";
import { makeOutput, printJson, type Output } from "./output.js";
import type { RunState } from "./main.js";
import { commandDocument, factsOf, printSkipped, runCheckCommand } from "./check-command.js";

interface CiphersCliOptions extends CommonOptions, PolicyCliOptions {
  concurrency: number;
  maxAborted?: number;
  engine: "auto" | Engine;
  groups: boolean;
}

/** `ciphers [target]`: the audit's protocols and ciphers checks alone: every accepted version and suite, the server's order, groups and DHE size. */
export function registerCiphers(program: Command, state: RunState): void {
  const cmd = program
    .command("ciphers")
    .description("enumerate accepted TLS versions and cipher suites, server preference, key-exchange groups and DHE size; no credentials needed")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)")
    .addOption(new Option("--concurrency <n>", "most connections open to the server at once (its max_connections is shared with its real clients)").argParser(positiveInt("--concurrency")).default(DEFAULT_CONNECTIONS))
    .addOption(
      new Option("--max-aborted <n>", `most aborted handshakes the scan may cost (they count toward the server's max_connect_errors); default ${DEFAULT_MAX_ABORTED} for a remote target, no limit on loopback, which the server exempts; with mysql://user@host (password from MYSQL_PWD or an option file) a successful login resets the server's count when the budget runs out`).argParser(wholeNumber("--max-aborted")),
    )
    .addOption(new Option("--engine <engine>", "auto: raw ClientHellos where the budget is unlimited (loopback), elsewhere node: completed handshakes (our TLS 1.0-1.2 client, node:tls for TLS 1.3), each ending as a refused login the server does not count").choices(["auto", "node", "raw"]).default("auto"))
    .addOption(new Option("--no-groups", "skip the key-exchange group enumeration"));
  addCommonOptions(addPolicyOptions(cmd)).action(async (rawTarget: string | undefined, o: CiphersCliOptions) => {
    const { targets, clientOptions } = connectionFor([rawTarget], o);
    const target = targets[0]!;
    const io = makeOutput(o);
    const { policy } = await policyFrom(o);
    const login = target.user ? await resetLogin(target, clientOptions) : undefined;
    // One progress line, replaced as the scan goes and cleared before the report (Ctrl-C: "interrupted", exit 130).
    const progress = startProgress({ quiet: io.json });
    let run;
    try {
      run = await runCheckCommand("ciphers", target, {
        ...timeoutsFrom(o),
        policy,
        maxConnections: o.concurrency,
        ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}),
        engine: o.engine,
        groups: o.groups,
        ...(login ? { login } : {}),
        onStep: (label, step) => progress.step(label, step),
      });
    } finally {
      progress.stop();
    }
    state.exitCode = Math.max(state.exitCode, run.exitCode);
    const scan = factsOf<ScanFacts>(run, "ciphers") ?? factsOf<ScanFacts>(run, "protocols");
    if (!scan) {
      printSkipped(run, io);
      return;
    }
    if (io.json) printJson(commandDocument(run));
    else io.out(renderCiphers(scan.facts, run.findings, scan.engine, io));
  });
}

// With mysql://user@host the scan may reset the server's error count with a login (the audit's reset): the
// credentials this command resolves for the target URL's user; none when they cannot be resolved.
async function resetLogin(target: Target, clientOptions: ClientOptions): Promise<LoginSpec | undefined> {
  try {
    return await resolveCredentials({ target, targetGiven: true, clientOptions, ...(target.user ? { user: target.user } : {}) });
  } catch {
    return undefined;
  }
}

function renderCiphers(f: CipherFacts, findings: Finding[], engine: Engine, io: Output): string {
  const { c } = io;
  const out: string[] = [`${c.bold(formatTarget(f.target))}: TLS versions and cipher suites`, ""];
  for (const p of f.protocols) {
    const state = p.accepted === true ? c.bold("accepted") : p.accepted === false ? "not accepted" : c.magenta("not determined");
    const order = p.serverPreference === true ? ", server enforces its order (listed in it)" : p.serverPreference === false ? ", server follows the client's order (listed best rating first)" : "";
    out.push(`${c.bold(p.version)}: ${state}${p.accepted ? `, ${p.suites.length} suite(s)${order}` : ""}${p.complete ? "" : c.magenta(" (incomplete)")}`);
    if (p.suites.length > 0) {
      // The IANA names (also in --json) only where the terminal has room for them.
      const wide = terminalWidth() >= 120;
      const rows = p.suites.map((s) => [
        paintRating(c, s.rating, s.openssl ?? s.iana),
        ...(wide ? [s.iana] : []),
        s.keyExchange ?? "",
        s.authentication ?? "",
        s.cipher ?? "",
        s.bits !== undefined ? String(s.bits) : "",
        s.dhBits !== undefined ? `DH ${s.dhBits}` : s.group ?? "",
        paintRating(c, s.rating),
      ]);
      out.push(renderTable(["Suite", ...(wide ? ["IANA name"] : []), "Kx", "Auth", "Cipher", "Bits", "Key exchange", "Rating"], rows, io));
    }
    if (p.groups?.length) out.push(`  groups: ${p.groups.join(", ")}${p.groupPreference === true ? " (server's order)" : ""}`);
    out.push("");
  }
  const limit = f.budget.limit === undefined ? "no limit (loopback is exempt from max_connect_errors)" : `limit ${f.budget.limit}`;
  out.push(`Aborted connections this run: ${c.bold(String(f.abortedConnections))} of ${f.connections} (${limit}; engine ${engine}${f.budget.resets ? `; error count reset ${f.budget.resets} time(s) by a login` : ""})`);
  if (f.budget.stopped) out.push(c.magenta(`The connection-error budget stopped the scan. Not scanned: ${f.budget.notScanned.join("; ")}. Raise it with --max-aborted N.`));
  out.push(`Took ${(f.durationMs / 1000).toFixed(2)} s`, "", renderFindings(findings, c));
  // Single lines wrap to the terminal under a hanging indent; tables and findings fit it already.
  const width = terminalWidth();
  return out.flatMap((l) => (l.includes("\n") ? [l] : wrap(l, width, "", 2))).join("\n");
}
