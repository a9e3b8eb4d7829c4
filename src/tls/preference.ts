// Whose order wins (the server's or ours), the order itself, and the key-exchange groups a server accepts.
// The "offer all, note the choice, remove it, repeat" loop lives here, for suites and groups alike.
import type { ProbeOutcome } from "./node-engine.js";
import { nodeCanSpeak } from "./node-engine.js";
import type { ProbeScheduler, ProtocolFacts } from "./enumerate.js";
import { suitesForVersion } from "./suites.js";
import { NAMED_GROUPS } from "./client-hello.js";

type Accepted = Extract<ProbeOutcome, { kind: "accepted" }>;
type Failed = Extract<ProbeOutcome, { kind: "failed" }>;

/**
 * Priority offset for raw probes that can wait: with it their priority is negative, and the scheduler starts them
 * only once every other probe has started and the budget has room beside those in flight (ProbeScheduler). Every
 * probe in flight holds a unit of the error budget until it ends (a node:tls probe may still abort), so each
 * aborted connection already spent leaves one fewer node:tls probe running at once: spent early, 13 of a budget of
 * 20 held the scan to 7 at a time. Spent in the scan's tail, they take the slots its last loops leave free.
 */
export const LATE = 10_000;

/** Items per loop by default (DrainOptions.chunk). */
const DEFAULT_CHUNK = 4;

/** One probe offering `offer` in that order. */
export type Probe<T> = (offer: T[]) => Promise<ProbeOutcome | "no-budget">;

export interface DrainResult<T> {
  /** In the order found: the server's order when it enforces its own. */
  found: { item: T; outcome: Accepted }[];
  /** Set when two items were found and offered in both orders. */
  serverPreference?: boolean;
  /** How the loop ended. */
  ended: "exhausted" | "rejected" | "failed" | "no-budget";
  noBudget: boolean;
  problem?: Failed;
  /** What the last refusal said. */
  rejection?: string;
}

export interface DrainOptions<T, K> {
  /** The key the server chose (default the suite code). */
  chosen?: (o: Accepted) => K | undefined;
  /** Loops to run at once once the server is known to follow our order. */
  parallel?: number;
  /**
   * Items per loop once the order is known to be ours (default 4). Each loop costs one probe more than it finds,
   * so fewer, longer loops make fewer connections, and more, shorter ones fewer probes in a row. Measured on the
   * legacy posture (91 suites), alternating: loops of 4 instead of 6 cost 2 connections more (135), the same time
   * at ~0 and 10 ms round trips (bound by CPU there), and 2.7 s instead of 3.15 s at 50 ms; loops of 3 gained
   * nothing more, loops of 9 took 4.7 s.
   */
  chunk?: number;
  /**
   * Use a found item as the sentinel (default true). Not for a TLS 1.3 offer whose key_share covers the sentinel:
   * a server there prefers the group our key_share already covers, and may pick it over an untried group.
   */
  sentinel?: boolean;
  /**
   * Offer the items in another order (reversed, or as this function orders them) at the same time as the first
   * offer: two different picks from one set mean the server follows our order, found at once instead of two more
   * probes in a row; the same pick twice says nothing yet (the server's order, or one item accepted). Only where
   * the first offer is expected to be accepted: the mirror of a refused offer is one more refusal.
   */
  mirror?: boolean | ((items: T[]) => T[]);
  /**
   * Appended to every offer: a TLS 1.2 group offer behind an ECDSA key must name the key's curve. It is a valid
   * pick, found like any other item; with the client's order it ends each loop as a sentinel does.
   */
  always?: T;
  /** Called as each item is found (groups can start as soon as a version's first ECDHE suite is known). */
  onFound?: (o: Accepted) => void;
  /**
   * Items the finds so far predict the server refuses (suites for another kind of certificate). With a sentinel,
   * they go in one offer of their own instead of one or two in every loop, where each would cost its loop a
   * closing probe: one probe when the prediction holds; when the server picks one, the rest is split like the others.
   */
  unlikely?: (item: T, found: readonly T[]) => boolean;
}

/**
 * Offers every item, notes the server's choice, removes it, repeats until the server refuses. Whose order wins is
 * learnt from the first two finds offered in reverse, or (`mirror`) from the first offer and its reverse at once.
 * When the order is ours, a found item goes last in each offer as a sentinel: the server picks it only when
 * nothing else is left, so each loop ends with a completed handshake (a refused login, not an aborted
 * connection), and the rest is split into loops that run at once. In the server's order the loop stays serial,
 * since the order found is the answer.
 */
export async function drain<T, K>(items: T[], keyOf: (t: T) => K, probe: Probe<T>, opts: DrainOptions<T, K> = {}): Promise<DrainResult<T>> {
  const chosen = opts.chosen ?? ((o: Accepted) => o.code as unknown as K);
  const res: DrainResult<T> = { found: [], ended: "exhausted", noBudget: false };
  const always = opts.always;
  const isAlways = (k: K | undefined): boolean => always !== undefined && k === keyOf(always);
  let left = items.filter((t) => !isAlways(keyOf(t)));
  const seen = new Set<K>();
  const record = (item: T, o: Accepted): void => {
    if (seen.has(keyOf(item))) return;
    seen.add(keyOf(item));
    res.found.push({ item, outcome: o });
    opts.onFound?.(o);
  };

  // One offer (the sentinel and `always` last): the item chosen, "sentinel", or undefined once the loop ends.
  const step = async (offer: T[], sentinel?: T): Promise<T | "sentinel" | undefined> => {
    const tail = [...(sentinel !== undefined && !isAlways(keyOf(sentinel)) ? [sentinel] : []), ...(always !== undefined ? [always] : [])];
    const o = await probe([...offer, ...tail]);
    if (o === "no-budget") {
      res.noBudget = true;
      res.ended = "no-budget";
      return undefined;
    }
    if (o.kind === "rejected") {
      res.ended = "rejected";
      res.rejection = o.detail;
      return undefined;
    }
    if (o.kind === "failed") {
      res.ended = "failed";
      res.problem ??= o;
      return undefined;
    }
    const k = chosen(o);
    if (isAlways(k)) {
      record(always!, o);
      return "sentinel";
    }
    if (sentinel !== undefined && k === keyOf(sentinel)) return "sentinel";
    const item = offer.find((t) => keyOf(t) === k);
    if (!item) {
      res.ended = "failed";
      res.problem ??= { kind: "failed", reason: "server-bug", detail: `the server chose ${String(k)}, which this probe did not offer`, aborted: o.aborted };
      return undefined;
    }
    record(item, o);
    return item;
  };
  const without = (list: T[], t: T): T[] => list.filter((x) => keyOf(x) !== keyOf(t));
  const serial = async (): Promise<DrainResult<T>> => {
    while (left.length > 0) {
      const got = await step(left);
      if (got === undefined || got === "sentinel") break;
      left = without(left, got);
    }
    return res;
  };

  let a: T | undefined;
  if (opts.mirror && left.length >= 2) {
    const mirrored = typeof opts.mirror === "function" ? opts.mirror(left) : [...left].reverse();
    const [x, m] = await Promise.all([step(left), probe([...mirrored, ...(always !== undefined ? [always] : [])])]);
    if (x === undefined || x === "sentinel") return res;
    left = without(left, x);
    // The mirror only informs: whatever went wrong with it, the loops below ask again.
    const k = m !== "no-budget" && m.kind === "accepted" ? chosen(m) : undefined;
    const y = k === undefined || k === keyOf(x) ? undefined : left.find((t) => keyOf(t) === k);
    if (y !== undefined && m !== "no-budget" && m.kind === "accepted") {
      // Two picks from one set: the server follows the client's order (its own would pick the same twice).
      record(y, m);
      left = without(left, y);
      res.serverPreference = false;
      a = x;
    }
  }
  if (a === undefined) {
    while (left.length > 0 && res.found.length < 2) {
      const got = await step(left);
      if (got === undefined || got === "sentinel") return res;
      left = without(left, got);
    }
    if (res.found.length < 2) return res;
    const [fa, fb] = [res.found[0]!.item, res.found[1]!.item];
    if (isAlways(keyOf(fa)) || isAlways(keyOf(fb))) return serial();
    a = fa;
    const o = await probe([fb, fa, ...(always !== undefined ? [always] : [])]);
    if (o === "no-budget") {
      res.noBudget = true;
      res.ended = "no-budget";
      return res;
    }
    if (o.kind === "accepted") {
      const k = chosen(o);
      if (k === keyOf(fa)) res.serverPreference = true;
      else if (k === keyOf(fb)) res.serverPreference = false;
    }
  }
  if (left.length === 0) return res;
  if (res.serverPreference !== false) return serial();

  // Splitting keeps the set exact but loses the server's order, so only when the order is the client's. With a
  // sentinel (or `always`) each loop ends in a completed handshake, so one loop per item is free; without, each
  // loop ends in a refusal, so callers ask for parallel loops only when refusals are free.
  // `always` is the sentinel where there is one; whether it is accepted itself is then asked once on its own.
  const sentinel = opts.sentinel !== false && always === undefined ? a : undefined;
  const ends = sentinel !== undefined || always !== undefined;
  const loopsFor = (n: number): number => Math.max(1, Math.min(opts.parallel ?? 1, Math.ceil(n / (ends ? (opts.chunk ?? DEFAULT_CHUNK) : 6))));
  const split = (list: T[], loops: number): T[][] => {
    const chunks: T[][] = Array.from({ length: loops }, () => []);
    list.forEach((t, i) => chunks[i % loops]!.push(t));
    return chunks;
  };
  const loop = async (chunk: T[]): Promise<void> => {
    let rest = chunk;
    while (rest.length > 0) {
      const got = await step(rest, sentinel);
      if (got === undefined || got === "sentinel") return;
      rest = without(rest, got);
    }
  };
  const found = res.found.map((f) => f.item);
  const unlikely = sentinel !== undefined && opts.unlikely ? left.filter((t) => opts.unlikely!(t, found)) : [];
  const likely = unlikely.length > 0 ? left.filter((t) => !unlikely.includes(t)) : left;
  const unlikelyLoop = async (): Promise<void> => {
    const got = await step(unlikely, sentinel);
    if (got === undefined || got === "sentinel") return;
    const rest = without(unlikely, got);
    if (rest.length > 0) await Promise.all(split(rest, loopsFor(rest.length)).map(loop));
  };
  await Promise.all([
    ...(likely.length > 0 ? split(likely, Math.max(1, loopsFor(likely.length) - (unlikely.length > 0 ? 1 : 0))).map(loop) : []),
    ...(unlikely.length > 0 ? [unlikelyLoop()] : []),
    ...(always !== undefined && !seen.has(keyOf(always)) ? [step([])] : []),
  ]);
  if (res.ended === "rejected") res.ended = "exhausted";
  return res;
}

/** Groups offered for ECDHE under TLS 1.2 and below (registry names; Node's OpenSSL speaks all of them). */
export const EC_GROUPS: readonly string[] = [
  "x25519", "secp256r1", "secp384r1", "secp521r1", "x448",
  "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "secp256k1", "secp224r1", "secp192r1",
];

/** Groups offered for TLS 1.3 key exchange (RFC 8446 §4.2.7) that Node's OpenSSL speaks. */
export const TLS13_GROUPS: readonly string[] = [
  "x25519", "secp256r1", "secp384r1", "secp521r1", "x448", "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
];

/** What a group enumeration needs to know of the version it runs under. */
export interface GroupScanContext {
  /**
   * The curve of the server's ECDSA key (registry name), when its suites authenticate with ECDSA. In TLS 1.2
   * supported_groups also names the curves the client accepts for that key (RFC 8422 §5.1.1): an offer without
   * it is refused whatever the ECDHE group, so it goes in every offer.
   */
  certCurve?: string;
  /**
   * Aborted connections the group scan may spend (default none). Under TLS 1.3 node:tls computes a key share for
   * the group it offers first, and the large finite-field groups cost up to 175 ms of our CPU and a second of the
   * server's (ffdhe8192, measured); our own ClientHello names one such group without a share, and the server's
   * HelloRetryRequest for it, or its refusal, answers in a few milliseconds for one aborted connection.
   */
  rawSpare?: number;
}

/** The TLS 1.3 groups asked with our own ClientHello when the budget can spare it (see rawSpare). */
export const SLOW_TLS13_GROUPS: readonly string[] = ["ffdhe4096", "ffdhe6144", "ffdhe8192"];

/**
 * Fills in the groups a version accepts, offering every suite of that version which uses a group (ECDHE, or all
 * of TLS 1.3): the server picks one it accepts, so this needs no suite found first and runs beside the suites.
 */
export async function enumerateGroups(sched: ProbeScheduler, p: ProtocolFacts, ctx: GroupScanContext = {}): Promise<void> {
  const tls13 = p.version === "TLSv1.3";
  const raw = sched.engine === "raw";
  const suites = suitesForVersion(p.version).filter((s) => (raw || nodeCanSpeak(p.version, s)) && (tls13 || s.keyExchange === "ECDHE"));
  if (suites.length === 0) return;
  const all = raw ? rawGroups(tls13) : [...(tls13 ? TLS13_GROUPS : EC_GROUPS)];
  const slow = tls13 && !raw ? SLOW_TLS13_GROUPS : [];
  const groups = all.filter((g) => !slow.includes(g));
  // Asked last (see LATE), if the budget has that room over the plan and two to spare (a raw-only suite
  // found costs one more than planned); otherwise after the others, through node:tls with a group found as the
  // sentinel, at no cost to the budget.
  const viaRaw = (ctx.rawSpare ?? 0) >= slow.length + 2;
  const rawSlow = viaRaw ? slow.map(async (g) => ({ g, o: await sched.run("raw", (pr) => pr.raw({ version: p.version, codes: suites.map((s) => s.code), groups: [NAMED_GROUPS[g]!] }), -LATE) })) : [];
  // node:tls computes a key share for the first group it offers; the large finite-field ones take up to a second
  // of CPU on each side (ffdhe8192, measured), so they go first, not at the end of the scan.
  const priority = (offer: string[]): number => offer.length + (tls13 && /^ffdhe(4096|6144|8192)$/.test(offer[0] ?? "") ? 1000 : 0);
  const probe: Probe<string> = raw
    ? (offer) => sched.run("raw", (pr) => pr.raw({ version: p.version, codes: suites.map((s) => s.code), groups: offer.map((g) => NAMED_GROUPS[g]!) }), priority(offer))
    : (offer) => sched.run("node", (pr) => pr.node({ version: p.version, suites, groups: offer }), priority(offer));
  // With the server's order, groups it ranks below the key's curve cannot be seen in TLS 1.2: every offer names it.
  const always = !tls13 && ctx.certCurve !== undefined && groups.includes(ctx.certCurve) ? ctx.certCurve : undefined;
  const d = await drain(groups, (g) => g, probe, {
    chosen: (o) => o.group,
    // Node's OpenSSL sends one key_share, for the first group offered, so a sentinel last is picked only when the
    // group before it is refused; our raw ClientHello shares the first two groups it can, which may be the sentinel.
    sentinel: !(raw && tls13),
    // The version is known to accept these suites: the mirrored first offer costs nothing more than a probe. Under
    // TLS 1.3 only the first two swap, so its key share stays a cheap group (reversed, it would be ffdhe8192's).
    mirror: !raw || sched.budget.limit === undefined ? (tls13 ? (l) => [l[1]!, l[0]!, ...l.slice(2)] : true) : false,
    parallel: sched.budget.limit === undefined || !raw ? sched.concurrency : 1,
    // TLS 1.3: few groups, some slow (ffdhe8192 takes a second of CPU), and the first of an offer gets the key
    // share: one loop each, all at once. Below, groups a server rarely has (brainpool, secp256k1, secp224r1,
    // secp192r1) share loops with the common ones, so each costs no probe of its own to be found refused.
    ...(tls13 ? { chunk: 1 } : {}),
    ...(always !== undefined ? { always } : {}),
  });
  const sentinel = d.found[0]?.item;
  const slowScan = viaRaw
    ? await Promise.all(rawSlow)
    : await Promise.all(
        slow.map(async (g) => ({
          g,
          // With the server's order a sentinel proves nothing: the group alone, a refusal costing one connection.
          o: await sched.run("node", (pr) => pr.node({ version: p.version, suites, groups: d.serverPreference === false && sentinel !== undefined ? [g, sentinel] : [g] }), 1000),
        })),
      );
  const slowFound: string[] = [];
  for (const { g, o } of slowScan) {
    if (o === "no-budget") sched.notScanned.push(`${p.version}: the key-exchange group ${g}`);
    else if (o.kind === "accepted" && o.group === g) slowFound.push(g);
    else if (o.kind === "failed") sched.problems.push({ version: p.version, engine: "raw", reason: o.reason, detail: `while asking for the group ${g}: ${o.detail}` });
  }
  // In the registry's order when the server follows ours (the loops ran at once), in the server's order otherwise;
  // the groups asked one by one have no place in the server's order, so they follow.
  const ordered = d.serverPreference === true ? d.found.map((f) => f.item) : groups.filter((g) => d.found.some((f) => f.item === g));
  p.groups = [...ordered, ...slowFound];
  if (d.serverPreference !== undefined) p.groupPreference = d.serverPreference;
  if (d.problem) sched.problems.push({ version: p.version, engine: raw ? "raw" : "node", reason: d.problem.reason, detail: `while enumerating groups: ${d.problem.detail}` });
  if (d.noBudget) sched.notScanned.push(`${p.version}: the rest of the key-exchange groups`);
}

/** Every group the raw ClientHello can name: EC ones for TLS 1.2 and below, all for TLS 1.3. */
function rawGroups(tls13: boolean): string[] {
  const names = Object.keys(NAMED_GROUPS);
  const common = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"];
  const rest = names.filter((n) => !common.includes(n) && (tls13 ? !/^sect|^secp1[69]|^secp2[02]4|k1$/.test(n) : !n.startsWith("ffdhe") && !n.endsWith("tls13")));
  return [...common, ...rest];
}
