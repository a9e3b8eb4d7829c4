// Protocol and cipher-suite enumeration: per version, offer everything, note the server's choice, remove it,
// repeat. The completing engine (own-engine.ts: our TLS 1.0-1.2 client, node:tls for TLS 1.3) does what Node's
// OpenSSL can speak (free: it ends as a refused login); our own ClientHello does the rest (each such probe costs
// one aborted connection, kept within the ErrorBudget).
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { ErrorBudget } from "../net/error-budget.js";
import { DEFAULT_CONNECTIONS, enqueueByPriority, TargetScheduler } from "../net/scheduler.js";
import type { Target } from "../net/target.js";
import { WOLFSSL_MAX_SUITES, YASSL_MAX_SUITES } from "./client-hello.js";
import type { TlsVersionName } from "./node-handshake.js";
import { connectFailure, nodeCanSpeak, type NodeProbeRequest, type ProbeOutcome } from "./node-engine.js";
import { acquirePool, DEFAULT_PROBE_WORKERS, WorkerStopped, type PoolHandle } from "./node-probe-pool.js";
import { drain, enumerateGroups, LATE, type DrainResult, type Probe } from "./preference.js";
import { completingProbe } from "./own-engine.js";
import { prepareOwnTls } from "./own-tls.js";
import { rawOutcome, rawTlsProbe } from "./raw-probe.js";
import { suiteByCode, suitesForVersion, type CipherSuite, type SuiteRating } from "./suites.js";

export const ALL_VERSIONS: readonly TlsVersionName[] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

// Most servers refuse these; one raw probe offering every suite settles a refused version for one aborted
// connection, where node:tls first would cost two (its failure, then a raw probe for the suites Node lacks).
const RAW_FIRST: ReadonlySet<TlsVersionName> = new Set(["SSLv3", "TLSv1", "TLSv1.1"]);
const MODERN: ReadonlySet<TlsVersionName> = new Set(["TLSv1.2", "TLSv1.3"]);

export type Engine = "node" | "raw";

export { DEFAULT_CONNECTIONS };

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
  /** Connections open to the server at once (default DEFAULT_CONNECTIONS); with `scheduler`, its cap instead. */
  concurrency?: number;
  /** The aborted-handshake budget; with `scheduler`, the scheduler's. */
  budget?: ErrorBudget;
  /** Logs in successfully to reset the server's error count for this host; with `scheduler`, the scheduler's. */
  resetServerCount?: () => Promise<boolean>;
  /**
   * The target's scheduler, shared with the other checks: the scan's probes take its slots and spend its budget.
   * Absent: a scheduler of the scan's own from concurrency, budget and resetServerCount.
   */
  scheduler?: TargetScheduler;
  /** Progress lines for stderr. */
  onProgress?: (line: string) => void;
  /** Enumerate ECDHE / TLS 1.3 groups (default true). */
  groups?: boolean;
}

// Node probes after the first completed handshake that stay on the main thread while the worker boots (about
// 50 ms, on its own thread; it starts as the scan is planned, or with the first probe it is given or the audit's
// login).
const POOL_AFTER = 8;

/**
 * The live prober: completed-handshake and raw ClientHello probes against target. Once a handshake has completed
 * (node:tls probes until then record the server's bytes) and POOL_AFTER more have run, each node probe goes to the
 * main thread or to one of the helper threads the process keeps (node-probe-pool.ts; `workers`, default
 * DEFAULT_PROBE_WORKERS; 0: none), whichever has fewer of the scan's probes in flight. Only the scan uses this
 * prober; the scans of several targets at once (a fleet, the exporter's scrapes) share the pool.
 *
 * One target's scan uses the helper thread too (#13, round 8). At ~0 ms the main thread is the scan's bottleneck
 * (busy about 90% of it, a quarter of that in the network's system calls), and the helper thread takes part of
 * that work to the other core: ciphers at ~0 ms 0.93 of the time on the main thread alone (median of the per-round
 * ratios, 40 rounds), the audit 0.89 (16 rounds), at 10 and 50 ms 0.99 and 1.01 (24 and 8 rounds). In round 5 the
 * same measured worse (0.775 s against 0.755): the helper thread then loaded all of its code at once.
 */
export function liveProber(target: Target, timeouts: Required<TimeoutOptions>, opts: { workers?: number } = {}): SuiteProber {
  const memory = { handshakeCompleted: false };
  let pool: PoolHandle | undefined | null;
  let made = 0;
  let here = 0;
  let there = 0;
  const onMain = (req: NodeProbeRequest): Promise<ProbeOutcome> => {
    here++;
    return completingProbe(target, req, timeouts, memory).finally(() => here--);
  };
  return {
    node: (req) => {
      // The workers boot while the first probes run here (prepareScan starts them sooner).
      if (pool === undefined) pool = acquirePool(opts.workers ?? DEFAULT_PROBE_WORKERS) ?? null;
      if (!memory.handshakeCompleted || ++made <= POOL_AFTER) return onMain(req);
      // To whichever side has fewer probes in flight: a worker still booting, or loading the login's mysql2, gets
      // fewer (measured on the audit at ~0 ms: 0.94 s against 1.0 for taking turns).
      const lane = pool && there <= here * pool.size ? pool.lane() : undefined;
      if (!lane) return onMain(req);
      there++;
      return lane.probe(target, req, timeouts).finally(() => there--).catch(async (err: unknown) => {
        if (!(err instanceof WorkerStopped)) throw err;
        // The worker died with this probe in flight: its connection may have been cut mid-handshake, so the probe
        // counts as aborted whatever the main thread's run of it gives (the budget stays a true upper bound).
        const o = await onMain(req);
        return { ...o, aborted: true };
      });
    },
    raw: async (req) => {
      try {
        return rawOutcome(await rawTlsProbe(target, { version: req.version, cipherSuites: req.codes, ...(req.groups ? { groups: req.groups } : {}) }, timeouts));
      } catch (err) {
        return connectFailure(err instanceof AuditError ? err : new AuditError("internal", String(err)));
      }
    },
  };
}

/** Runs the scan's probes through the target's scheduler (its connection cap and error budget), and keeps the tally. */
export class ProbeScheduler {
  /** Probes of non-negative priority running or waiting, and of those, the ones not started yet (waiting for a slot or for budget). */
  private eager = 0;
  private queued = 0;
  /** Late probes let go but not started yet: the budget they are about to take. */
  private lateStarting = 0;
  private readonly lateWaiters: { priority: number; go: () => void }[] = [];
  private lateCheck = false;
  /** Once every slot of the target was taken: the scan has passed its first answers and is in full flow. */
  private peaked = false;
  connections = 0;
  readonly byEngine: Record<Engine, number> = { node: 0, raw: 0 };
  readonly problems: ScanProblem[] = [];
  readonly notScanned: string[] = [];

  constructor(
    readonly prober: SuiteProber,
    readonly target: TargetScheduler,
    /** Which engine probes what both can: see EnumerateOptions.engine. */
    readonly engine: Engine = "node",
  ) {}

  get budget(): ErrorBudget {
    return this.target.budget;
  }

  /** How many probes may run at once: how far loops split. */
  get concurrency(): number {
    return this.target.maxConnections;
  }

  /**
   * One probe, or "no-budget" when the error budget has no room left for it. Waiting probes go by `priority`,
   * highest first: callers pass the length of the offer, which bounds how many probes may still follow this one
   * in its loop, so the longest chains move first and the scan ends with its last wave, not a tail of one loop.
   */
  async run(engine: Engine, call: (p: SuiteProber) => Promise<ProbeOutcome>, priority = 0): Promise<ProbeOutcome | "no-budget"> {
    // A negative priority waits for its turn (see LATE and lateMayStart).
    const late = priority < 0;
    if (late) await this.lateTurn(priority);
    else {
      this.eager++;
      this.queued++;
    }
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      if (late) this.lateStarting--;
      else this.queued--;
      // Every slot taken (by this scan's probes or the audit's other connections to the server).
      if (this.target.full) this.peaked = true;
      this.wakeLate();
    };
    try {
      return await this.runInSlot(engine, call, priority, start);
    } finally {
      start();
      if (!late) this.eager--;
      // What this probe held may be what a late one waits for.
      this.wakeLate();
    }
  }

  /**
   * The late probes start in the scan's tail, in the slots its last loops leave free, instead of a round trip
   * after it: once every slot of the target has been taken (before that, the first answers are still to split into
   * loops), every other probe has started (none waits for a slot or for budget), and the budget has room for all
   * the late probes waiting, with one unit to spare, beside the probes in flight. Once they are spent, the loops
   * still running keep their room (each next probe of a loop takes the unit its last one gave back), where spent
   * early they would hold every later loop to fewer connections. Without a limit, once nothing else waits; once
   * nothing else runs, whatever the budget says (the probe then waits for room, a reset, or gives up as
   * "no-budget").
   */
  private lateMayStart(): boolean {
    if (this.queued > 0) return false;
    if (this.eager === 0) return true;
    return this.peaked && (this.budget.limit === undefined || this.budget.remaining - this.lateStarting >= this.lateWaiters.length + 1);
  }

  private lateTurn(priority: number): Promise<void> {
    return new Promise((go) => {
      enqueueByPriority(this.lateWaiters, {
        priority,
        go: () => {
          this.lateStarting++;
          go();
        },
      });
      this.wakeLate();
    });
  }

  // Checked a turn of the event loop later: a loop's next probe, queued in the microtasks after the last one
  // settled, takes its budget back first.
  private wakeLate(): void {
    if (this.lateCheck || this.lateWaiters.length === 0) return;
    this.lateCheck = true;
    setImmediate(() => {
      this.lateCheck = false;
      while (this.lateWaiters.length > 0 && this.lateMayStart()) {
        this.lateWaiters.shift()!.go();
        // The scan's tail: the run's closing reset login (with credentials) can open its connection now.
        this.target.openResetAhead();
      }
    });
  }

  private async runInSlot(engine: Engine, call: (p: SuiteProber) => Promise<ProbeOutcome>, priority: number, onStart: () => void): Promise<ProbeOutcome | "no-budget"> {
    const release = await this.target.slot(priority);
    try {
      if (!(await this.target.reserve(engine === "raw"))) {
        this.budget.giveUp();
        return "no-budget";
      }
      onStart();
      let outcome: ProbeOutcome;
      try {
        outcome = await call(this.prober);
      } catch (err) {
        this.target.settle(true);
        throw err;
      }
      this.target.settle(outcome.aborted);
      if (outcome.kind !== "failed" || outcome.reason !== "connect") this.connections++;
      this.byEngine[engine]++;
      return outcome;
    } finally {
      release();
    }
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
  const size = rawChunkSize(version);
  // Node's own set first (what current OpenSSL builds serve), then other suites OpenSSL ever named, then the
  // rest: a server's order is exact within a chunk, and the first chunk holds everything a current build serves.
  // Each suite ranked once, each rank in the list's order (the sort this replaces ranked both sides of every
  // comparison, at the scan's start; #13).
  const ranks: CipherSuite[][] = [[], [], []];
  for (const s of list) ranks[nodeCanSpeak(version, s) ? 0 : s.openssl !== undefined ? 1 : 2]!.push(s);
  const ordered = ranks.flat();
  const out: CipherSuite[][] = [];
  for (let i = 0; i < ordered.length; i += size) out.push(ordered.slice(i, i + size));
  return out;
}

function rawChunkSize(version: TlsVersionName): number {
  return version === "TLSv1.2" || version === "TLSv1.3" ? WOLFSSL_MAX_SUITES : YASSL_MAX_SUITES;
}

/** Offer-remove-repeat over list with raw probes, chunk by chunk. Every chunk is probed whatever the others find,
 * so the chunks run at once; within one, loops run at once only when `parallel` > 1 (each ends in a refusal). */
async function rawDrain(sched: ProbeScheduler, version: TlsVersionName, list: CipherSuite[], opts: { parallel: number; late?: boolean }): Promise<DrainResult<CipherSuite>> {
  const probe: Probe<CipherSuite> = (offer) => sched.run("raw", (p) => p.raw({ version, codes: offer.map((s) => s.code) }), offer.length - (opts.late ? LATE : 0));
  const results = await Promise.all(rawChunks(list, version).map((c) => drain(c, (s) => s.code, probe, { parallel: opts.parallel, sentinel: false })));
  const found = results.flatMap((r) => r.found);
  const problem = results.find((r) => r.problem)?.problem;
  const pref = results.find((r) => r.serverPreference !== undefined)?.serverPreference;
  const noBudget = results.some((r) => r.noBudget);
  const ended = problem ? "failed" : noBudget ? "no-budget" : found.length === 0 ? "rejected" : "exhausted";
  return { found, ended, noBudget, ...(problem ? { problem } : {}), ...(pref !== undefined ? { serverPreference: pref } : {}) };
}

/**
 * The first suite the server accepts out of list, one raw chunk at a time; "rejected" when no chunk is. A
 * protocol_version alert refuses the version itself (RFC 5246 §7.2.2, RFC 8446 §6.2), whatever the suites: the
 * chunks after it are not asked, each of which would cost one more aborted connection.
 */
async function rawFirstAcceptance(sched: ProbeScheduler, version: TlsVersionName, list: CipherSuite[]): Promise<ProbeOutcome | "no-budget"> {
  let last: ProbeOutcome | "no-budget" = { kind: "rejected", detail: "nothing to offer", aborted: false };
  for (const c of rawChunks(list, version)) {
    last = await sched.run("raw", (p) => p.raw({ version, codes: c.map((s) => s.code) }), c.length);
    if (last === "no-budget" || last.kind !== "rejected" || last.alert === "protocol_version") return last;
  }
  return last;
}

type Accepted = Extract<ProbeOutcome, { kind: "accepted" }>;


/**
 * Enumerates one version: its acceptance, its suites, and whether the server enforces its order. `onAccepted`
 * hears of every suite found as it is found (the groups start from the first one).
 */
export async function enumerateVersion(sched: ProbeScheduler, version: TlsVersionName, onAccepted?: (o: Accepted) => void): Promise<ProtocolFacts> {
  const all = suitesForVersion(version);
  // ECDHE first: the first answer then names a suite the group scan can use, so it starts one probe in.
  const nodeSet = all.filter((s) => nodeCanSpeak(version, s)).sort((a, b) => Number(b.keyExchange === "ECDHE") - Number(a.keyExchange === "ECDHE"));
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
  const add = (code: number, engine: Engine, o: Accepted): void => {
    if (found.has(code)) return;
    found.set(code, describe(code, version, engine, o));
    onAccepted?.(o);
  };
  // Refusals cost aborted connections only where a budget counts them: without one, loops split freely.
  const rawParallel = sched.budget.limit === undefined ? sched.concurrency : 1;
  let refused = false;
  let stop = false;
  let nodeRejection: string | undefined;
  let nodeFellShort = false;

  let known = false;
  // With node:tls the engine, a version most servers refuse is asked first with one raw offer of everything (see
  // RAW_FIRST): its refusal settles the version.
  if (sched.engine === "node" && RAW_FIRST.has(version)) {
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
    add(r.code, "raw", r);
    known = true;
  }

  if (sched.engine === "raw" || nodeSet.length === 0) {
    const d = await rawDrain(sched, version, all.filter((s) => !found.has(s.code)), { parallel: rawParallel });
    for (const { item, outcome } of d.found) add(item.code, "raw", outcome);
    if (d.serverPreference !== undefined) facts.serverPreference = d.serverPreference;
    if (d.problem) problem("raw", d.problem);
    if (d.noBudget) skipped(found.size === 0 ? "whether the version is accepted" : "the rest of its suites");
    if (found.size === 0 && d.ended === "rejected") facts.accepted = false;
    return finish();
  }

  // The suites only our own ClientHello can offer, beside node:tls's loops once the version is known to answer.
  let rawPart: Promise<void> | undefined;
  const startRawPart = (): void => {
    if (rawPart || rawOnly.length === 0) return;
    rawPart = (async () => {
      const left = rawOnly.filter((s) => !found.has(s.code));
      if (left.length === 0) return;
      const d = await rawDrain(sched, version, left, { parallel: rawParallel, late: sched.engine === "node" });
      for (const { item, outcome } of d.found) add(item.code, "raw", outcome);
      if (d.problem) problem("raw", d.problem);
      if (d.noBudget) skipped(`${left.length - d.found.length} suites only our own ClientHello can offer`);
      rawRefused = d.found.length === 0 && d.ended === "rejected";
    })();
  };
  let rawRefused = true;
  if (known) startRawPart();

  const remaining = nodeSet.filter((s) => !found.has(s.code));
  if (remaining.length > 0) {
    const probe: Probe<CipherSuite> = (offer) => sched.run("node", (p) => p.node({ version, suites: offer }), offer.length);
    const d = await drain(remaining, (s) => s.code, probe, {
      parallel: sched.concurrency,
      mirror: true,
      unlikely: otherCertificate,
      onFound: (o) => {
        startRawPart();
        add(o.code, "node", o);
      },
    });
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
  if (!stop) startRawPart();
  await rawPart;

  // When node:tls got nothing, the raw engine covers every suite: a server can accept what Node then fails
  // to complete (a certificate it cannot parse, say), and the server's answer to our ClientHello settles it.
  const nodeGotNothing = ![...found.values()].some((s) => s.engine === "node");
  const rawLeft = nodeGotNothing || nodeFellShort ? nodeSet.filter((s) => !found.has(s.code)) : [];
  if (!stop && rawLeft.length > 0) {
    const d = await rawDrain(sched, version, rawLeft, { parallel: rawParallel, late: true });
    for (const { item, outcome } of d.found) add(item.code, "raw", outcome);
    if (d.problem) problem("raw", d.problem);
    if (d.noBudget) skipped(`${rawLeft.length - d.found.length} suites node:tls could not complete`);
    if (nodeGotNothing && d.found.length > 0 && nodeRejection) {
      sched.problems.push({ version, engine: "node", reason: "node-incomplete", detail: `the server accepted suites node:tls could not complete a handshake with (${nodeRejection}); found them with our own ClientHello` });
    }
    refused = refused && d.found.length === 0 && d.ended === "rejected";
  }
  if (found.size === 0 && refused && rawRefused && facts.complete) facts.accepted = false;
  return finish();

  function finish(): ProtocolFacts {
    facts.suites = [...found.values()];
    // Without an enforced server order, discovery order means nothing (loops ran at once): best rating first.
    if (facts.serverPreference !== true) facts.suites.sort((a, b) => RATING_ORDER[a.rating] - RATING_ORDER[b.rating] || a.code - b.code);
    if (found.size > 0) facts.accepted = true;
    return facts;
  }
}

const CERTIFICATE_KINDS = new Set(["RSA", "DSS", "ECDSA"]);

/**
 * A suite for another kind of certificate than every suite found so far used (ECDSA or DSS behind an RSA key):
 * a server with one certificate refuses it. A server with two still gets it offered, only later.
 */
function otherCertificate(s: CipherSuite, found: readonly CipherSuite[]): boolean {
  const kinds = new Set(found.map((f) => f.authentication ?? "").filter((a) => CERTIFICATE_KINDS.has(a)));
  const own = s.authentication ?? "";
  return kinds.size > 0 && CERTIFICATE_KINDS.has(own) && !kinds.has(own);
}

function hasEcdhe(p: ProtocolFacts): boolean {
  return p.suites.some((s) => s.keyExchange === "ECDHE");
}

/**
 * Aborted connections the scan costs when every raw offer is refused: a refused version's chunks, the raw-only
 * chunks of each accepted one, and the group loops' last refusals. When the budget covers it, nothing need wait.
 */
function plannedRefusals(versions: readonly TlsVersionName[]): number {
  let n = 2;
  for (const v of versions) {
    const all = suitesForVersion(v);
    const chunks = (l: CipherSuite[]): number => Math.ceil(l.length / rawChunkSize(v));
    n += RAW_FIRST.has(v) ? Math.max(chunks(all), 1 + chunks(all.filter((s) => !nodeCanSpeak(v, s)))) : chunks(all.filter((s) => !nodeCanSpeak(v, s)));
  }
  return n;
}

/**
 * Starts the helper thread and works out, a turn of the event loop later, what the scan's plan and first offers
 * need: the suites Node's OpenSSL offers (one ClientHello captured in memory, about 1.5 ms) and which of those our TLS
 * client can finish (about 2 ms). Called as the connectivity probe's connection opens, so that this is done, and the thread
 * boots on its own, while the greeting travels instead of after it, when the scan's first probes wait for it (#13).
 */
export function prepareScan(): void {
  setImmediate(() => {
    try {
      acquirePool(DEFAULT_PROBE_WORKERS);
      prepareOwnTls(nodeCanSpeak);
    } catch {
      // The scan works it out again and reports what is wrong.
    }
  });
}

/** Scans every version at once (within the connection limit and the error budget), each version's groups beside it. */
export async function enumerateCiphers(target: Target, prober: SuiteProber, opts: EnumerateOptions): Promise<CipherFacts> {
  const t0 = performance.now();
  const perTarget =
    opts.scheduler ??
    new TargetScheduler({
      maxConnections: opts.concurrency ?? DEFAULT_CONNECTIONS,
      ...(opts.budget ? { budget: opts.budget } : {}),
      ...(opts.resetServerCount ? { resetServerCount: opts.resetServerCount } : {}),
    });
  const budget = perTarget.budget;
  const sched = new ProbeScheduler(prober, perTarget, opts.engine ?? "node");
  const versions = opts.versions ?? ALL_VERSIONS;
  let certCurve: string | undefined;
  // What the budget leaves over the refusals the plan may cost: the TLS 1.3 group scan may spend it on speed.
  const rawSpare = budget.limit === undefined ? Infinity : budget.limit - plannedRefusals(versions);
  const scanOne = async (v: TlsVersionName): Promise<ProtocolFacts> => {
    // The groups start with the first suite that uses one (any under TLS 1.3, ECDHE below): they need no more.
    // They do not change between TLS 1.0 and 1.2 in any server we know, so of those only TLS 1.2 is asked here.
    const wantGroups = opts.groups !== false && (v === "TLSv1.3" || v === "TLSv1.2");
    const groups: ProtocolFacts = { version: v, accepted: true, suites: [], complete: true };
    let groupScan: Promise<void> | undefined;
    const f = await enumerateVersion(sched, v, (o) => {
      certCurve ??= o.certCurve;
      if (!wantGroups || groupScan || (v !== "TLSv1.3" && suiteByCode(o.code)?.keyExchange !== "ECDHE")) return;
      groupScan = enumerateGroups(sched, groups, { ...(o.certCurve !== undefined ? { certCurve: o.certCurve } : {}), rawSpare });
      // Awaited below; when the version's scan throws first (a bug in a probe), its error is the one reported.
      groupScan.catch(() => {});
    });
    opts.onProgress?.(`${v}: ${f.accepted === true ? `${f.suites.length} suite(s) accepted` : f.accepted === false ? "not accepted" : "not determined"}`);
    await groupScan;
    if (groups.groups) f.groups = groups.groups;
    if (groups.groupPreference !== undefined) f.groupPreference = groups.groupPreference;
    return f;
  };
  // When the budget may not cover every refusal, TLS 1.2 and 1.3 go first: if it runs out, what is left unscanned
  // is the legacy versions, not the ones every client uses.
  const tight = budget.limit !== undefined && budget.limit < plannedRefusals(versions);
  const modern = tight ? await Promise.all(versions.filter((v) => MODERN.has(v)).map(scanOne)) : [];
  const protocols = await Promise.all(versions.map((v) => modern.find((p) => p.version === v) ?? scanOne(v)));
  if (opts.groups !== false && !protocols.some((p) => p.version === "TLSv1.2" && p.groups)) {
    // No ECDHE under TLS 1.2: the groups of the highest older version that has some.
    const legacy = [...protocols].reverse().find((p) => p.accepted && p.version !== "TLSv1.3" && hasEcdhe(p));
    if (legacy) await enumerateGroups(sched, legacy, certCurve !== undefined ? { certCurve } : {});
  }
  // With credentials, leave the server's count for this host at 0: a later scan starts with the whole budget.
  await perTarget.resetIfSpent();
  return {
    target: { host: target.host, port: target.port },
    protocols,
    abortedConnections: budget.spent,
    connections: sched.connections,
    budget: {
      ...(budget.limit !== undefined ? { limit: budget.limit } : {}),
      stopped: budget.stoppedScan,
      resets: budget.resets,
      notScanned: sched.notScanned,
    },
    problems: sched.problems,
    durationMs: Math.round(performance.now() - t0),
  };
}
