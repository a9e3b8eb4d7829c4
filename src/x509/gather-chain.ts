import type { Target } from "../net/target.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { TargetScheduler } from "../net/scheduler.js";
import { uniqueSystemRoots } from "../tls/node-handshake.js";
import { buildChainFacts, type ChainFacts } from "./chain.js";
import { fetchChain, type FetchedChain } from "./fetch-chain.js";
import { loadAnchors, type TrustAnchors } from "./trust.js";

// The system roots once per process (a fleet gathers many chains; each root parsed at most once, and only when a
// chain names it as an issuer), each root once although Node's bundle and the system's overlap.
let systemAnchors: TrustAnchors | undefined;

export interface GatherChainOptions extends TimeoutOptions {
  /** PEM of the CAs clients use (--ssl-ca); absent: the system roots. */
  ca?: string;
  /** The --ssl-ca path, for messages. */
  caLabel?: string;
  /** The name clients connect to (--host-name); default the target's host. */
  hostName?: string;
  now?: Date;
  /** The target's scheduler: the fetch counts under its connection cap (absent: one of its own). */
  scheduler?: TargetScheduler;
}

/** One connection to the server, then the chain facts against --ssl-ca or the system roots. */
export async function gatherChain(target: Target, opts: GatherChainOptions = {}): Promise<{ facts: ChainFacts; fetched: FetchedChain }> {
  const hostName = opts.hostName ?? target.host;
  const fetched = await fetchChain(target, {
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.readTimeoutMs !== undefined ? { readTimeoutMs: opts.readTimeoutMs } : {}),
    ...(opts.ca ? { ca: [opts.ca] } : {}),
    servername: hostName,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  const facts = buildChainFacts(fetched.ders, {
    anchors: opts.ca ? loadAnchors([opts.ca]) : (systemAnchors ??= loadAnchors(uniqueSystemRoots())),
    anchorSource: opts.ca ? "ssl-ca" : "system",
    ...(opts.ca && opts.caLabel ? { anchorFile: opts.caLabel } : {}),
    hostName,
    source: fetched.source,
    protocol: fetched.protocol,
    handshakeVerification: fetched.handshakeVerification,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { facts, fetched };
}
