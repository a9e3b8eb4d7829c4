import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { checkCiphers } from "../checks/ciphers.js";
import { checkProtocols } from "../checks/protocols.js";
import { DEFAULT_MAX_ABORTED, ErrorBudget } from "../net/error-budget.js";
import { formatTarget, parseTarget, type Target } from "../net/target.js";
import type { FailSeverity } from "../policy/policy.js";
import { paintRating } from "../report/colour.js";
import { renderFindings } from "../report/findings-text.js";
import { isFailing } from "../report/report.js";
import { renderTable } from "../report/table.js";
import type { Finding } from "../report/types.js";
import { resolveCredentials } from "../sql/credentials.js";
import { login } from "../sql/login.js";
import { DEFAULT_CONNECTIONS, enumerateCiphers, liveProber, type CipherFacts, type Engine } from "../tls/enumerate.js";
import { addCommonOptions, addFailOnOption, positiveInt, timeoutsFrom, wholeNumber, type CommonOptions } from "./options.js";
import { envelope, makeOutput, printJson, type Output } from "./output.js";
import type { RunState } from "./main.js";

interface CiphersCliOptions extends CommonOptions {
  concurrency: number;
  maxAborted?: number;
  engine: "auto" | Engine;
  groups: boolean;
  failOn: FailSeverity;
}

/** True for targets the server exempts from max_connect_errors: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host.toLowerCase() === "localhost";
}

/** The error budget and engine a run uses: a loopback target without --max-aborted is unlimited and uses the raw engine. */
export function planRun(target: Pick<Target, "host">, o: { maxAborted?: number; engine: "auto" | Engine }): { budget: ErrorBudget; engine: Engine } {
  const limit = o.maxAborted ?? (isLoopbackHost(target.host) ? undefined : DEFAULT_MAX_ABORTED);
  return { budget: new ErrorBudget(limit), engine: o.engine === "auto" ? (limit === undefined ? "raw" : "node") : o.engine };
}

/** `ciphers [target]`: every accepted protocol version and cipher suite, the server's order, groups and DHE size. */
export function registerCiphers(program: Command, state: RunState): void {
  const cmd = program
    .command("ciphers")
    .description("enumerate accepted TLS versions and cipher suites, server preference, key-exchange groups and DHE size; no credentials needed")
    .argument("[target]", "host, host:port, [ipv6]:port or mysql://[user@]host[:port] (default localhost:3306)")
    .addOption(new Option("--concurrency <n>", "most connections open to the server at once (its max_connections is shared with its real clients)").argParser(positiveInt).default(DEFAULT_CONNECTIONS))
    .addOption(
      new Option("--max-aborted <n>", `most aborted handshakes the scan may cost (they count toward the server's max_connect_errors); default ${DEFAULT_MAX_ABORTED} for a remote target, no limit on loopback, which the server exempts; with mysql://user@host (password from MYSQL_PWD or an option file) a successful login resets the server's count when the budget runs out`).argParser(wholeNumber),
    )
    .addOption(new Option("--engine <engine>", "auto: raw ClientHellos where the budget is unlimited (loopback), node:tls (ends as a refused login, not counted) elsewhere").choices(["auto", "node", "raw"]).default("auto"))
    .addOption(new Option("--no-groups", "skip the key-exchange group enumeration"));
  addCommonOptions(addFailOnOption(cmd)).action(async (rawTarget: string | undefined, o: CiphersCliOptions) => {
    const target = parseTarget(rawTarget);
    const io = makeOutput(o);
    const timeouts = timeoutsFrom(o);
    const { budget, engine } = planRun(target, o);
    const facts = await enumerateCiphers(target, liveProber(target, timeouts), {
      budget,
      engine,
      concurrency: o.concurrency,
      groups: o.groups,
      ...(target.user ? { resetServerCount: () => resetWithLogin(target, timeouts) } : {}),
      ...(io.json ? {} : { onProgress: (l: string) => process.stderr.isTTY && io.err(l) }),
    });
    unreachable(facts, target);
    const findings = [...checkProtocols(facts), ...checkCiphers(facts)];
    if (io.json) printJson({ ...envelope("ciphers", target), ...ciphersJson(facts, engine), findings });
    else io.out(renderCiphers(facts, findings, engine, io));
    if (findings.some((f) => isFailing(f, o.failOn))) state.exitCode = 1;
  });
}

// A successful login sets the server's error count for this host back to 0 (MySQL and MariaDB both).
async function resetWithLogin(target: Target, timeouts: { connectTimeoutMs: number; readTimeoutMs: number }): Promise<boolean> {
  try {
    const spec = await resolveCredentials({ target, targetGiven: true, ...(target.user ? { user: target.user } : {}) });
    const s = await login(spec, timeouts);
    await s.close();
    return true;
  } catch {
    return false;
  }
}

// Nothing could be settled and every probe failed to reach a TLS-capable server: the target could not be audited.
function unreachable(f: CipherFacts, target: Target): void {
  if (f.protocols.some((p) => p.accepted !== undefined)) return;
  // A server without TLS is audited (a critical finding), not an error.
  const fatalReasons = ["connect", "greeting-error"];
  const fatal = f.problems[0];
  if (fatal && f.problems.every((p) => fatalReasons.includes(p.reason) && p.detail === fatal.detail)) {
    const code = fatal.reason === "greeting-error" ? "server-error" : "unreachable";
    throw new AuditError(code, fatal.detail, { target: formatTarget(target), step: fatal.step ?? "ciphers" });
  }
}

/** The ciphers JSON body (shared/DESIGN.md: protocols, abortedConnections; findings added by the caller). */
export function ciphersJson(f: CipherFacts, engine: Engine): Record<string, unknown> {
  return {
    protocols: f.protocols.map((p) => ({
      version: p.version,
      accepted: p.accepted ?? null,
      ...(p.serverPreference !== undefined ? { serverPreference: p.serverPreference } : {}),
      complete: p.complete,
      suites: p.suites.map((s) => ({
        iana: s.iana,
        ...(s.openssl ? { openssl: s.openssl } : {}),
        code: `0x${s.code.toString(16).padStart(4, "0")}`,
        rating: s.rating,
        ...(s.keyExchange ? { keyExchange: s.keyExchange } : {}),
        ...(s.authentication ? { authentication: s.authentication } : {}),
        ...(s.cipher ? { cipher: s.cipher } : {}),
        ...(s.bits !== undefined ? { bits: s.bits } : {}),
        ...(s.mac ? { mac: s.mac } : {}),
        ...(s.dhBits !== undefined ? { dhBits: s.dhBits } : {}),
        ...(s.group ? { group: s.group } : {}),
        engine: s.engine,
      })),
      ...(p.groups ? { groups: p.groups } : {}),
      ...(p.groupPreference !== undefined ? { groupPreference: p.groupPreference } : {}),
    })),
    abortedConnections: f.abortedConnections,
    connections: f.connections,
    engine,
    budget: { limit: f.budget.limit ?? null, stopped: f.budget.stopped, resets: f.budget.resets, notScanned: f.budget.notScanned },
    problems: f.problems,
    durationMs: f.durationMs,
  };
}

function renderCiphers(f: CipherFacts, findings: Finding[], engine: Engine, io: Output): string {
  const { c } = io;
  const out: string[] = [`${c.bold(formatTarget(f.target))}: TLS versions and cipher suites`, ""];
  for (const p of f.protocols) {
    const state = p.accepted === true ? c.bold("accepted") : p.accepted === false ? "not accepted" : c.magenta("not determined");
    const order = p.serverPreference === true ? ", server enforces its order (listed in it)" : p.serverPreference === false ? ", server follows the client's order (listed best rating first)" : "";
    out.push(`${c.bold(p.version)}: ${state}${p.accepted ? `, ${p.suites.length} suite(s)${order}` : ""}${p.complete ? "" : c.magenta(" (incomplete)")}`);
    if (p.suites.length > 0) {
      const rows = p.suites.map((s) => [
        paintRating(c, s.rating, s.openssl ?? s.iana),
        s.iana,
        s.keyExchange ?? "",
        s.authentication ?? "",
        s.cipher ?? "",
        s.bits !== undefined ? String(s.bits) : "",
        s.dhBits !== undefined ? `DH ${s.dhBits}` : s.group ?? "",
        paintRating(c, s.rating),
      ]);
      out.push(renderTable(["Suite", "IANA name", "Kx", "Auth", "Cipher", "Bits", "Key exchange", "Rating"], rows, io));
    }
    if (p.groups?.length) out.push(`  groups: ${p.groups.join(", ")}${p.groupPreference === true ? " (server's order)" : ""}`);
    out.push("");
  }
  const limit = f.budget.limit === undefined ? "no limit (loopback is exempt from max_connect_errors)" : `limit ${f.budget.limit}`;
  out.push(`Aborted connections this run: ${c.bold(String(f.abortedConnections))} of ${f.connections} (${limit}; engine ${engine}${f.budget.resets ? `; error count reset ${f.budget.resets} time(s) by a login` : ""})`);
  if (f.budget.stopped) out.push(c.magenta(`The connection-error budget stopped the scan. Not scanned: ${f.budget.notScanned.join("; ")}. Raise it with --max-aborted N.`));
  out.push(`Took ${(f.durationMs / 1000).toFixed(2)} s`, "", renderFindings(findings, c));
  return out.join("\n");
}
