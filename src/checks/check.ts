// What a check is (shared/DESIGN.md "A check is one module"): its name, its skip rule, gather (I/O to typed
// facts), judge (facts and policy to findings, pure), its JSON section, its text rows and its finding ids.
import type { HandshakeFacts, ProbeOptions } from "../net/probe.js";
import type { Target } from "../net/target.js";
import type { TargetScheduler } from "../net/scheduler.js";
import type { Policy } from "../policy/policy.js";
import type { LoginSpec } from "../sql/credentials.js";
import type { Engine } from "../tls/enumerate.js";
import type { FindingIdDoc } from "../report/finding-ids.js";
import type { Finding } from "../report/types.js";

/** How to audit one target (the audit's options; a subcommand is the same run restricted with `only`). */
export interface AuditOptions extends ProbeOptions {
  policy?: Policy;
  /** Login for settings, accounts and replication (host and port are each target's); without it those checks are skipped. */
  login?: LoginSpec;
  /** Most aborted handshakes the enumeration may cost per target (default: 20 remote, no limit on loopback). */
  maxAborted?: number;
  /** Most connections open to one server at once, all checks together (default DEFAULT_CONNECTIONS). */
  maxConnections?: number;
  /** The scan's engine (default auto: raw ClientHellos where the budget is unlimited, node:tls elsewhere). */
  engine?: "auto" | Engine;
  /** Enumerate the key-exchange groups (default true). */
  groups?: boolean;
  /** Checks not to run (reported as skipped, saying so). */
  skip?: readonly string[];
  /** Run only these checks after connectivity (a subcommand's); the others are not run and not reported. */
  only?: readonly string[];
  /** Keep each check's facts on the report (`facts`), for a subcommand's text view; the JSON never carries them. */
  keepFacts?: boolean;
  /** Progress callback: the target's label and what it is doing now. */
  onStep?: (label: string, step: string) => void;
}

/** Everything a check can use: the target, the options, and the connectivity facts gathered first. */
export interface CheckContext {
  target: Target;
  options: AuditOptions;
  policy: Policy;
  handshake: HandshakeFacts;
  /** The target's scheduler: every gatherer's connections take its slots (one cap per server) and spend its budget. */
  scheduler: TargetScheduler;
  /** True when the named check runs in this audit (not skipped by --skip or left out by `only`). */
  runs(name: string): boolean;
  /** Runs fn once the target's checks are done (closing a shared login). */
  onDone(fn: () => Promise<void> | void): void;
  /** Gatherers shared by several checks (one enumeration feeds protocols and ciphers), memoised per target. */
  shared<T>(key: string, gather: () => Promise<T>): Promise<T>;
}

/** What every check declares about itself: what the registry derives --skip names, subcommands and docs from. */
export interface CheckInfo {
  name: string;
  /** One line for --help and the docs. */
  title: string;
  /** Short names --skip accepts too. */
  aliases?: readonly string[];
  /** The subcommand that runs this check (with the other checks naming the same command). */
  command?: string;
  /** The key of its section in the audit's `details` (default: its name). */
  section?: string;
  /** The documentation of every finding id the check emits (the README's table is made from it). */
  findingIds: readonly Omit<FindingIdDoc, "check">[];
}

/** A check after connectivity: when it applies, how it gathers, and the pure parts that judge and show its facts. */
export interface Check<F = unknown> extends CheckInfo {
  /** Why the check does not apply to this target, or undefined when it does. */
  skip(ctx: CheckContext): string | undefined;
  /** The I/O: facts from the server, through the gatherers in tls/, x509/ and sql/. */
  gather(ctx: CheckContext): Promise<F>;
  /** The findings, before the policy's ignore list: pure. */
  judge(facts: F, policy: Policy): Finding[];
  /** Its JSON section (the audit's details and the subcommand's document alike). */
  json(facts: F): unknown;
  /** Its rows in the audit's overview. */
  text(facts: F): [string, string][];
  /** Handshakes the gathering left aborted (they count toward max_connect_errors, except on loopback). */
  aborted?(facts: F): number;
}

/** Identity with the facts' type inferred: `defineCheck<Facts>({...})` keeps each part typed against the same facts. */
export function defineCheck<F>(check: Check<F>): Check<F> {
  return check;
}

/** Why checks that need a TLS handshake cannot run on this server (no CLIENT_SSL, protocol 9), or undefined. */
export function tlsUnavailable(h: HandshakeFacts): string | undefined {
  if (h.greeting === "handshake-v9") return "the server speaks protocol 9, which has no TLS";
  return h.tls.offered ? undefined : "the server does not offer TLS (no CLIENT_SSL in its greeting)";
}

/** Why checks that read MySQL's SQL (settings, accounts, replication) cannot apply to this server, or undefined. */
export function sqlUnavailable(h: HandshakeFacts): string | undefined {
  if (h.server?.flavor !== "other") return undefined;
  return `the server is neither MySQL, MariaDB nor Percona (${h.server.version}: ${h.server.flavorEvidence.join("; ")}), so it does not speak MySQL's SQL and has no MySQL settings, accounts or replication to read`;
}

/** Skip reason for checks that need a TLS handshake. */
export function needsTls(ctx: CheckContext): string | undefined {
  return tlsUnavailable(ctx.handshake);
}

/** Skip reason for checks that need a login. */
export function needsCredentials(ctx: Pick<CheckContext, "options" | "target">): string | undefined {
  return ctx.options.login || ctx.target.user !== undefined ? undefined : "no credentials given (-u/--user, -p, MYSQL_PWD, a [client] password in ~/.my.cnf or --defaults-file, or mysql://user@host); this check needs a login";
}

/** Skip reason for checks that need a login to a server that speaks MySQL's SQL. */
export function needsMysqlLogin(ctx: CheckContext): string | undefined {
  return needsCredentials(ctx) ?? sqlUnavailable(ctx.handshake);
}
