// Whose order wins (the server's or ours), the order itself, and the key-exchange groups a server accepts.
// The "offer all, note the choice, remove it, repeat" loop lives here, for suites and groups alike.
import type { ProbeOutcome } from "./node-engine.js";
import { nodeCanSpeak } from "./node-engine.js";
import type { ProbeScheduler, ProtocolFacts } from "./enumerate.js";
import { suiteByCode } from "./suites.js";
import { NAMED_GROUPS } from "./client-hello.js";

type Accepted = Extract<ProbeOutcome, { kind: "accepted" }>;
type Failed = Extract<ProbeOutcome, { kind: "failed" }>;

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

export interface DrainOptions<K> {
  /** The key the server chose (default the suite code). */
  chosen?: (o: Accepted) => K | undefined;
  /** Loops to run at once once the server is known to follow our order. */
  parallel?: number;
  /**
   * Use a found item as the sentinel (default true). Not for TLS 1.3 groups: a server there prefers the group
   * our key_share already covers, and may pick the sentinel over an untried group it also accepts.
   */
  sentinel?: boolean;
}

/**
 * Offers every item, notes the server's choice, removes it, repeats until the server refuses. With two found,
 * offers them in reverse to learn whose order wins. When it is ours, a found item goes last in each offer as a
 * sentinel: the server picks it only when nothing else is left, so the loop ends with a completed handshake
 * (a refused login, not an aborted connection), and the rest can be split into loops that run at once.
 */
export async function drain<T, K>(items: T[], keyOf: (t: T) => K, probe: Probe<T>, opts: DrainOptions<K> = {}): Promise<DrainResult<T>> {
  const chosen = opts.chosen ?? ((o: Accepted) => o.code as unknown as K);
  const res: DrainResult<T> = { found: [], ended: "exhausted", noBudget: false };
  let left = [...items];
  let ended = false;

  // Returns the item the server chose, or undefined after recording why the loop ends.
  const step = async (offer: T[], sentinel?: T): Promise<T | "sentinel" | undefined> => {
    const o = await probe(sentinel === undefined ? offer : [...offer, sentinel]);
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
    if (sentinel !== undefined && k === keyOf(sentinel)) return "sentinel";
    const item = offer.find((t) => keyOf(t) === k);
    if (!item) {
      res.ended = "failed";
      res.problem ??= { kind: "failed", reason: "server-bug", detail: `the server chose ${String(k)}, which this probe did not offer`, aborted: o.aborted };
      return undefined;
    }
    res.found.push({ item, outcome: o });
    return item;
  };

  while (!ended && left.length > 0 && res.found.length < 2) {
    const got = await step(left);
    if (got === undefined || got === "sentinel") ended = true;
    else left = left.filter((t) => t !== got);
  }
  if (ended) return res;
  if (res.found.length < 2) {
    res.ended = "exhausted";
    return res;
  }

  const [a, b] = [res.found[0]!.item, res.found[1]!.item];
  const o = await probe([b, a]);
  if (o !== "no-budget" && o.kind === "accepted") {
    const k = chosen(o);
    if (k === keyOf(a)) res.serverPreference = true;
    else if (k === keyOf(b)) res.serverPreference = false;
  } else if (o === "no-budget") {
    res.noBudget = true;
    res.ended = "no-budget";
    return res;
  }

  if (left.length === 0) return res;
  // Splitting keeps the set exact but loses the server's order, so only when the order is the client's. Without
  // a sentinel each loop ends in a refusal, so callers ask for parallel loops only when refusals are free.
  const sentinel = res.serverPreference === false && opts.sentinel !== false ? a : undefined;
  const parts = res.serverPreference === false ? Math.max(1, Math.min(opts.parallel ?? 1, Math.ceil(left.length / 6))) : 1;
  if (sentinel !== undefined || parts > 1) {
    const chunks: T[][] = Array.from({ length: parts }, () => []);
    left.forEach((t, i) => chunks[i % parts]!.push(t));
    await Promise.all(
      chunks.map(async (chunk) => {
        let rest = chunk;
        while (rest.length > 0) {
          const got = await step(rest, sentinel);
          if (got === undefined || got === "sentinel") return;
          rest = rest.filter((t) => t !== got);
        }
      }),
    );
    if (res.ended === "rejected") res.ended = "exhausted";
    return res;
  }
  while (left.length > 0) {
    const got = await step(left);
    if (got === undefined || got === "sentinel") break;
    left = left.filter((t) => t !== got);
  }
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

/** Fills in the groups a version accepts, by offering them with suites already known to be accepted. */
export async function enumerateGroups(sched: ProbeScheduler, p: ProtocolFacts): Promise<void> {
  const tls13 = p.version === "TLSv1.3";
  const suites = p.suites
    .map((s) => suiteByCode(s.code))
    .filter((s): s is NonNullable<typeof s> => !!s && (sched.engine === "raw" || nodeCanSpeak(p.version, s)) && (tls13 || s.keyExchange === "ECDHE"));
  if (suites.length === 0) return;
  const raw = sched.engine === "raw";
  const groups = raw ? rawGroups(tls13) : [...(tls13 ? TLS13_GROUPS : EC_GROUPS)];
  const probe: Probe<string> = raw
    ? (offer) => sched.run("raw", (pr) => pr.raw({ version: p.version, codes: suites.map((s) => s.code), groups: offer.map((g) => NAMED_GROUPS[g]!) }))
    : (offer) => sched.run("node", (pr) => pr.node({ version: p.version, suites, groups: offer }));
  const d = await drain(groups, (g) => g, probe, { chosen: (o) => o.group, sentinel: false, parallel: sched.budget.limit === undefined ? sched.concurrency : 1 });
  p.groups = d.found.map((f) => f.item);
  if (d.serverPreference !== undefined) p.groupPreference = d.serverPreference;
  if (d.problem) sched.problems.push({ version: p.version, engine: "node", reason: d.problem.reason, detail: `while enumerating groups: ${d.problem.detail}` });
  if (d.noBudget) sched.notScanned.push(`${p.version}: the rest of the key-exchange groups`);
}

/** Every group the raw ClientHello can name: EC ones for TLS 1.2 and below, all for TLS 1.3. */
function rawGroups(tls13: boolean): string[] {
  const names = Object.keys(NAMED_GROUPS);
  const common = ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"];
  const rest = names.filter((n) => !common.includes(n) && (tls13 ? !/^sect|^secp1[69]|^secp2[02]4|k1$/.test(n) : !n.startsWith("ffdhe") && !n.endsWith("tls13")));
  return [...common, ...rest];
}
