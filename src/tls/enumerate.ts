// Protocol and cipher-suite enumeration: per version, offer everything, note the server's choice, remove it,
// repeat. node:tls does what Node's OpenSSL can complete (free: it ends as a refused login); our own
// ClientHello does the rest (each such probe costs one aborted connection, kept within the ErrorBudget).
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import { ErrorBudget } from "../net/error-budget.js";
import type { Target } from "../net/target.js";
import { groupName, WOLFSSL_MAX_SUITES, YASSL_MAX_SUITES } from "./client-hello.js";
import type { TlsVersionName } from "./node-handshake.js";
import { connectFailure, nodeCanSpeak, nodeTlsProbe, type NodeProbeRequest, type ProbeOutcome } from "./node-engine.js";
import { drain, enumerateGroups, type DrainResult, type Probe } from "./preference.js";
import { rawTlsProbe, type RawProbeResult } from "./raw-probe.js";
import { suiteByCode, suitesForVersion, type CipherSuite, type SuiteRating } from "./suites.js";

export const ALL_VERSIONS: readonly TlsVersionName[] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

// Most servers refuse these; one raw probe offering every suite settles a refused version for one aborted
// connection, where node:tls first would cost two (its failure, then a raw probe for the suites Node lacks).
const RAW_FIRST: ReadonlySet<TlsVersionName> = new Set(["SSLv3", "TLSv1", "TLSv1.1"]);
const MODERN: ReadonlySet<TlsVersionName> = new Set(["TLSv1.2", "TLSv1.3"]);

export type Engine = "node" | "raw";

const RATING_ORDER: Record<SuiteRating, number> = { recommended: 0, secure: 1, weak: 2, insecure: 3 };

/** The two ways to make one probe connection; tests substitute a simulated server. */
export interface SuiteProber {
  node(req: NodeProbeRequest): Promise<ProbeOutcome>;
  raw(req: { version: TlsVersionName; codes: number[]; groups?: number[] }): Promise<ProbeOutcome>;
}

/** One accepted suite, with what the registry says of it and how we saw it. */
export interface AcceptedSuite {
  code: number;
  iana: string;
  openssl?: string;
  rating: SuiteRating;
  keyExchange?: string;
  authentication?: string;
  cipher?: string;
  bits?: number;
  mac?: string;
  export?: boolean;
  engine: Engine;
  /** DHE prime size the server used with this suite. */
  dhBits?: number;
  /** ECDHE / TLS 1.3 group of that handshake. */
  group?: string;
}

/** What we learnt of one protocol version. */
export interface ProtocolFacts {
  version: TlsVersionName;
  /** undefined: not determined (the budget stopped it, or the server misbehaved). */
  accepted: boolean | undefined;
  /** true: the server enforces its own order (and `suites` is in that order); false: it follows ours. */
  serverPreference?: boolean;
  suites: AcceptedSuite[];
  /** Key-exchange groups accepted under this version (ECDHE for TLS 1.2 and below). */
  groups?: string[];
  groupPreference?: boolean;
  /** False when this version's scan was cut short; `problems` and `notScanned` say why. */
  complete: boolean;
}

/** Something that went wrong on a probe: a clear line, and the scan went on where it could. */
export interface ScanProblem {
  version?: TlsVersionName;
  engine: Engine;
  reason: string;
  detail: string;
  /** Where it failed when that was before TLS: "connect" or "greeting". */
  step?: string;
}

/** Everything `ciphers` gathers: facts only, no judgement. */
export interface CipherFacts {
  target: { host: string; port: number };
  protocols: ProtocolFacts[];
  /** Connections the server counted as aborted handshakes (toward max_connect_errors). */
  abortedConnections: number;
  connections: number;
  budget: { limit?: number; stopped: boolean; resets: number; notScanned: string[] };
  problems: ScanProblem[];
  durationMs: number;
}

export interface EnumerateOptions {
  versions?: readonly TlsVersionName[];
  /**
   * "node" (default): node:tls for what Node can complete, so those probes end as refused logins, not aborted
   * handshakes. "raw": our own ClientHello for everything; every probe aborts, but it skips the key exchange
   * and the login, so it is several times faster (measured on MariaDB, DHE suites: 4 ms against 28 ms a
   * probe). Only for targets exempt from max_connect_errors (loopback) or a budget that allows it.
   */
  engine?: Engine;
  /** Connections at once (default 8). */
  concurrency?: number;
  budget: ErrorBudget;
  /** Logs in successfully to reset the server's error count for this host; resolves false if it could not. */
  resetServerCount?: () => Promise<boolean>;
  /** Progress lines for stderr. */
  onProgress?: (line: string) => void;
  /** Enumerate ECDHE / TLS 1.3 groups (default true). */
  groups?: boolean;
}

/** The live prober: node:tls and raw ClientHello probes against target. */
export function liveProber(target: Target, timeouts: Required<TimeoutOptions>): SuiteProber {
  return {
    node: (req) => nodeTlsProbe(target, req, timeouts),
    raw: async (req) => {
      try {
        return rawOutcome(await rawTlsProbe(target, { version: req.version, cipherSuites: req.codes, ...(req.groups ? { groups: req.groups } : {}) }, timeouts));
      } catch (err) {
        return connectFailure(err instanceof AuditError ? err : new AuditError("internal", String(err)));
      }
    },
  };
}

/** Maps the raw engine's verdict onto the outcome both engines share. */
export function rawOutcome(r: RawProbeResult): ProbeOutcome {
  switch (r.kind) {
    case "accepted":
      return {
        kind: "accepted",
        version: r.version,
        code: r.suite,
        ...(r.group !== undefined ? { group: groupName(r.group) } : {}),
        ...(r.dhBits !== undefined ? { dhBits: r.dhBits } : {}),
        aborted: r.aborted,
      };
    case "lower-version":
      return { kind: "rejected", detail: `the server answered with ${r.version} instead`, aborted: r.aborted };
    case "rejected":
      // A close with no bytes is how some servers refuse; a close inside a record is a broken handshake.
      if (r.alert === "closed" && r.bytesReceived > 0) return { kind: "failed", reason: "closed", detail: r.reason, aborted: r.aborted };
      return { kind: "rejected", detail: r.reason, aborted: r.aborted };
    case "server-error":
      // No SSLRequest went out: the server refused the connection itself (1129 blocked host, 1130, 1040).
      if (!r.aborted) return { kind: "failed", reason: "greeting-error", step: "greeting", detail: `the server refused the connection with error ${r.errno}: ${r.message}`, serverErrno: r.errno, aborted: false };
      return { kind: "failed", reason: "server-error", detail: `the server answered with MySQL error ${r.errno}${r.sqlState ? ` (${r.sqlState})` : ""} instead of TLS: ${r.message}`, serverErrno: r.errno, aborted: r.aborted };
    case "garbage":
      return { kind: "failed", reason: "garbage", detail: r.reason, aborted: r.aborted };
    case "server-bug":
      return { kind: "failed", reason: "server-bug", detail: r.reason, aborted: r.aborted };
    case "timeout":
      return { kind: "failed", reason: "timeout", detail: r.reason, aborted: r.aborted };
  }
}

/** Runs probes through one concurrency limit and one error budget, and keeps the tally. */
export class ProbeScheduler {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private resetting: Promise<boolean> | undefined;
  private readonly settled: (() => void)[] = [];
  connections = 0;
  readonly byEngine: Record<Engine, number> = { node: 0, raw: 0 };
  readonly problems: ScanProblem[] = [];
  readonly notScanned: string[] = [];

  constructor(
    readonly prober: SuiteProber,
    readonly budget: ErrorBudget,
    readonly concurrency: number,
    /** Which engine probes what both can: see EnumerateOptions.engine. */
    readonly engine: Engine = "node",
    private readonly resetServerCount?: () => Promise<boolean>,
  ) {}

  /** One probe, or "no-budget" when the error budget has no room left for it. */
  async run(engine: Engine, call: (p: SuiteProber) => Promise<ProbeOutcome>): Promise<ProbeOutcome | "no-budget"> {
    await this.slot();
    try {
      if (!(await this.reserve(engine === "raw"))) {
        this.budget.giveUp();
        return "no-budget";
      }
      let outcome: ProbeOutcome;
      try {
        outcome = await call(this.prober);
      } catch (err) {
        this.settle(true);
        throw err;
      }
      this.settle(outcome.aborted);
      if (outcome.kind !== "failed" || outcome.reason !== "connect") this.connections++;
      this.byEngine[engine]++;
      return outcome;
    } finally {
      this.release();
    }
  }

  private async reserve(certain: boolean): Promise<boolean> {
    for (;;) {
      if (this.budget.tryReserve(certain)) return true;
      // Probes in flight may still end cleanly (a refused login) and give their room back: wait for them.
      if (this.budget.pending > 0) {
        await new Promise<void>((resolve) => this.settled.push(resolve));
        continue;
      }
      if (!this.resetServerCount) return false;
      // One login resets the count for every probe waiting on it.
      this.resetting ??= this.resetServerCount()
        .then((ok) => {
          if (ok) this.budget.serverCountReset();
          return ok;
        })
        .catch(() => false)
        .finally(() => {
          this.resetting = undefined;
        });
      if (!(await this.resetting)) return false;
    }
  }

  private settle(aborted: boolean): void {
    this.budget.settle(aborted);
    for (const wake of this.settled.splice(0)) wake();
  }

  private slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

function describe(code: number, version: TlsVersionName, engine: Engine, o: Extract<ProbeOutcome, { kind: "accepted" }>): AcceptedSuite {
  const s: CipherSuite | undefined = suiteByCode(code);
  return {
    code,
    iana: s?.iana ?? `0x${code.toString(16).padStart(4, "0")}`,
    ...(s?.openssl ? { openssl: s.openssl } : {}),
    rating: s?.rating ?? "insecure",
    ...(s?.keyExchange ? { keyExchange: s.keyExchange } : {}),
    ...(s?.authentication ? { authentication: s.authentication } : {}),
    ...(s?.cipher ? { cipher: s.cipher } : {}),
    ...(s?.bits !== undefined ? { bits: s.bits } : {}),
    ...(s?.mac ? { mac: s.mac } : {}),
    ...(s?.export ? { export: true } : {}),
    engine,
    ...(o.dhBits !== undefined ? { dhBits: o.dhBits } : {}),
    ...(o.group !== undefined ? { group: o.group } : {}),
  };
}

// yaSSL (MySQL community builds before 5.7.28) reads only the first 64 suites of a ClientHello and wolfSSL refuses
// more than 150 (client-hello.ts): a longer raw offer could make an accepted suite look refused, so raw offers go
// in chunks, the suites OpenSSL builds know first, so the first chunk usually settles a version. yaSSL speaks
// TLS 1.1 at most (MySQL 5.7 manual, 6.3.2), so TLS 1.2 and 1.3 offers need only respect wolfSSL's limit.
function rawChunks(list: CipherSuite[], version: TlsVersionName): CipherSuite[][] {
  const size = version === "TLSv1.2" || version === "TLSv1.3" ? WOLFSSL_MAX_SUITES : YASSL_MAX_SUITES;
  // Node's own set first (what current OpenSSL builds serve), then other suites OpenSSL ever named, then the
  // rest: a server's order is exact within a chunk, and the first chunk holds everything a current build serves.
  const rank = (s: CipherSuite): number => (nodeCanSpeak(version, s) ? 0 : s.openssl !== undefined ? 1 : 2);
  const ordered = [...list].sort((a, b) => rank(a) - rank(b));
  const out: CipherSuite[][] = [];
  for (let i = 0; i < ordered.length; i += size) out.push(ordered.slice(i, i + size));
  return out;
}

/** Offer-remove-repeat over list with raw probes, chunk by chunk; the chunks run at once when `parallel` > 1. */
async function rawDrain(sched: ProbeScheduler, version: TlsVersionName, list: CipherSuite[], opts: { parallel: number }): Promise<DrainResult<CipherSuite>> {
  const probe: Probe<CipherSuite> = (offer) => sched.run("raw", (p) => p.raw({ version, codes: offer.map((s) => s.code) }));
  const chunks = rawChunks(list, version);
  const results: DrainResult<CipherSuite>[] = [];
  const one = async (c: CipherSuite[]): Promise<void> => {
    results.push(await drain(c, (s) => s.code, probe, { parallel: opts.parallel, sentinel: false }));
  };
  if (opts.parallel > 1) await Promise.all(chunks.map(one));
  else for (const c of chunks) await one(c);
  const found = results.flatMap((r) => r.found);
  const problem = results.find((r) => r.problem)?.problem;
  const pref = results.find((r) => r.serverPreference !== undefined)?.serverPreference;
  const noBudget = results.some((r) => r.noBudget);
  const ended = problem ? "failed" : noBudget ? "no-budget" : found.length === 0 ? "rejected" : "exhausted";
  return { found, ended, noBudget, ...(problem ? { problem } : {}), ...(pref !== undefined ? { serverPreference: pref } : {}) };
}

/** The first suite the server accepts out of list, one raw chunk at a time; "rejected" when no chunk is. */
async function rawFirstAcceptance(sched: ProbeScheduler, version: TlsVersionName, list: CipherSuite[]): Promise<ProbeOutcome | "no-budget"> {
  let last: ProbeOutcome | "no-budget" = { kind: "rejected", detail: "nothing to offer", aborted: false };
  for (const c of rawChunks(list, version)) {
    last = await sched.run("raw", (p) => p.raw({ version, codes: c.map((s) => s.code) }));
    if (last === "no-budget" || last.kind !== "rejected") return last;
  }
  return last;
}

/** Enumerates one version: its acceptance, its suites, and whether the server enforces its order. */
export async function enumerateVersion(sched: ProbeScheduler, version: TlsVersionName): Promise<ProtocolFacts> {
  const all = suitesForVersion(version);
  const nodeSet = all.filter((s) => nodeCanSpeak(version, s));
  const rawOnly = all.filter((s) => !nodeCanSpeak(version, s));
  const found = new Map<number, AcceptedSuite>();
  const facts: ProtocolFacts = { version, accepted: undefined, suites: [], complete: true };
  const problem = (engine: Engine, o: Extract<ProbeOutcome, { kind: "failed" }>): void => {
    sched.problems.push({ version, engine, reason: o.reason, detail: o.detail, ...(o.step ? { step: o.step } : {}) });
    facts.complete = false;
  };
  const skipped = (what: string): void => {
    sched.notScanned.push(`${version}: ${what}`);
    facts.complete = false;
  };
  let refused = false;
  let stop = false;
  let nodeRejection: string | undefined;
  let nodeFellShort = false;

  if (sched.engine === "raw" || nodeSet.length === 0) {
    const d = await rawDrain(sched, version, all, { parallel: sched.budget.limit === undefined ? sched.concurrency : 1 });
    for (const { item, outcome } of d.found) found.set(item.code, describe(item.code, version, "raw", outcome));
    if (d.serverPreference !== undefined) facts.serverPreference = d.serverPreference;
    if (d.problem) problem("raw", d.problem);
    if (d.noBudget) skipped(found.size === 0 ? "whether the version is accepted" : "the rest of its suites");
    if (d.found.length === 0 && d.ended === "rejected") facts.accepted = false;
    return finish();
  }

  if (RAW_FIRST.has(version)) {
    const r = await rawFirstAcceptance(sched, version, all);
    if (r === "no-budget") {
      skipped("whether the version is accepted");
      return finish();
    }
    if (r.kind === "rejected") {
      facts.accepted = false;
      return finish();
    }
    if (r.kind === "failed") {
      problem("raw", r);
      return finish();
    }
    found.set(r.code, describe(r.code, version, "raw", r));
  }

  if (nodeSet.length > 0) {
    const remaining = nodeSet.filter((s) => !found.has(s.code));
    const probe: Probe<CipherSuite> = (offer) => sched.run("node", (p) => p.node({ version, suites: offer }));
    const d = await drain(remaining, (s) => s.code, probe, { parallel: sched.concurrency });
    for (const { item, outcome } of d.found) found.set(item.code, describe(item.code, version, "node", outcome));
    if (d.serverPreference !== undefined) facts.serverPreference = d.serverPreference;
    if (d.problem?.reason === "node-incomplete") {
      // The server accepted something node:tls would not finish: the raw engine below covers every suite.
      nodeFellShort = true;
      sched.problems.push({ version, engine: "node", reason: d.problem.reason, detail: d.problem.detail });
    } else if (d.problem) {
      problem("node", d.problem);
      stop = ["server-error", "greeting-error", "timeout"].includes(d.problem.reason);
    }
    if (d.noBudget) skipped(`the rest of the ${nodeSet.length} suites node:tls can speak`);
    refused = d.found.length === 0 && d.ended === "rejected";
    nodeRejection = d.rejection;
  }

  // When node:tls got nothing, the raw engine covers every suite: a server can accept what Node then fails
  // to complete (a certificate it cannot parse, say), and the server's answer to our ClientHello settles it.
  const nodeGotNothing = nodeSet.length > 0 && ![...found.values()].some((s) => s.engine === "node");
  const rawLeft = (nodeGotNothing || nodeFellShort ? all : rawOnly).filter((s) => !found.has(s.code));
  if (!stop && rawLeft.length > 0) {
    const d = await rawDrain(sched, version, rawLeft, { parallel: sched.budget.limit === undefined ? sched.concurrency : 1 });
    for (const { item, outcome } of d.found) found.set(item.code, describe(item.code, version, "raw", outcome));
    if (d.problem) problem("raw", d.problem);
    if (d.noBudget) skipped(`${rawLeft.length - d.found.length} suites only our own ClientHello can offer`);
    if (nodeGotNothing && d.found.some((f) => nodeCanSpeak(version, f.item)) && nodeRejection) {
      sched.problems.push({ version, engine: "node", reason: "node-incomplete", detail: `the server accepted suites node:tls could not complete a handshake with (${nodeRejection}); found them with our own ClientHello` });
    }
    refused = refused && d.found.length === 0 && d.ended === "rejected";
  }
  if (found.size === 0 && refused && facts.complete) facts.accepted = false;
  return finish();

  function finish(): ProtocolFacts {
    facts.suites = [...found.values()];
    // Without an enforced server order, discovery order means nothing (loops ran at once): best rating first.
    if (facts.serverPreference !== true) facts.suites.sort((a, b) => RATING_ORDER[a.rating] - RATING_ORDER[b.rating] || a.code - b.code);
    if (found.size > 0) facts.accepted = true;
    return facts;
  }
}

function hasEcdhe(p: ProtocolFacts): boolean {
  return p.suites.some((s) => s.keyExchange === "ECDHE");
}

/** Scans every version (in parallel, within the concurrency limit and error budget), then the groups. */
export async function enumerateCiphers(target: Target, prober: SuiteProber, opts: EnumerateOptions): Promise<CipherFacts> {
  const t0 = performance.now();
  const sched = new ProbeScheduler(prober, opts.budget, Math.max(1, opts.concurrency ?? 8), opts.engine ?? "node", opts.resetServerCount);
  const versions = opts.versions ?? ALL_VERSIONS;
  // With a limit, TLS 1.2 and 1.3 go first: if the budget runs out, what is left unscanned is the legacy versions,
  // not the ones every client uses.
  const limited = opts.budget.limit !== undefined;
  const scanOne = async (v: TlsVersionName): Promise<ProtocolFacts> => {
    const f = await enumerateVersion(sched, v);
    opts.onProgress?.(`${v}: ${f.accepted === true ? `${f.suites.length} suite(s) accepted` : f.accepted === false ? "not accepted" : "not determined"}`);
    // Groups can start as soon as a version's suites are known, while the others are still scanned. They do not
    // change between TLS 1.0 and 1.2 in any server we know, so of those only the highest is asked (TLS 1.2 here).
    // With a limit, groups wait for every version: each group loop ends in one aborted connection, and the
    // suites matter more.
    const early = opts.budget.limit === undefined;
    if (early && opts.groups !== false && f.accepted && (v === "TLSv1.3" || (v === "TLSv1.2" && hasEcdhe(f)))) await enumerateGroups(sched, f);
    return f;
  };
  const modern = limited ? await Promise.all(versions.filter((v) => MODERN.has(v)).map(scanOne)) : [];
  const protocols = await Promise.all(versions.map((v) => modern.find((p) => p.version === v) ?? scanOne(v)));
  if (opts.groups !== false) {
    const pending: ProtocolFacts[] = [];
    const tls13 = protocols.find((p) => p.version === "TLSv1.3" && p.accepted && !p.groups);
    if (tls13 && opts.budget.limit !== undefined) pending.push(tls13);
    if (!protocols.some((p) => p.version === "TLSv1.2" && p.groups)) {
      const legacy = [...protocols].reverse().find((p) => p.accepted && p.version !== "TLSv1.3" && hasEcdhe(p));
      if (legacy) pending.push(legacy);
    }
    await Promise.all(pending.map((p) => enumerateGroups(sched, p)));
  }
  // With credentials, leave the server's count for this host at 0: a later scan starts with the whole budget.
  if (opts.resetServerCount && opts.budget.sinceLastReset > 0 && (await opts.resetServerCount().catch(() => false))) opts.budget.serverCountReset();
  return {
    target: { host: target.host, port: target.port },
    protocols,
    abortedConnections: opts.budget.spent,
    connections: sched.connections,
    budget: {
      ...(opts.budget.limit !== undefined ? { limit: opts.budget.limit } : {}),
      stopped: opts.budget.stoppedScan,
      resets: opts.budget.resets,
      notScanned: sched.notScanned,
    },
    problems: sched.problems,
    durationMs: Math.round(performance.now() - t0),
  };
}
