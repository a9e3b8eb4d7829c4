// Which protocol versions a server accepts, at the least cost to its max_connect_errors count. A server picks the
// highest version both sides allow, so a handshake offering [TLS 1.0 .. v] that completes at u says: u accepted,
// everything above u up to v refused, and the refusals cost nothing (the connection completes and ends as a
// refused login). Only a range the server refuses outright costs one aborted handshake: measured on MariaDB
// 10.11 across a veth pair, a handshake the SERVER refuses with a protocol_version alert adds 1 to
// SUM_CONNECT_ERRORS (COUNT_HANDSHAKE_ERRORS), exactly like one the client aborts. So a modern server (TLS 1.2
// and 1.3) costs one aborted connection, for the [1.0 .. 1.1] range, and a server that accepts all four none.
import type tls from "node:tls";
import type { TimeoutOptions } from "../net/connect.js";
import { connectMysql } from "../net/connection.js";
import type { Target } from "../net/target.js";
import { nodeTlsStep, type TlsVersionName } from "../tls/node-handshake.js";

/** The versions node:tls can offer, lowest first. */
export const LADDER_VERSIONS: readonly TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/** One handshake offering the versions from..to: what the server did with it. */
export type RangeOutcome =
  | { kind: "accepted"; version: TlsVersionName; aborted: boolean; cipher?: string }
  /** The server refused every version offered: a TLS alert or a close during the handshake (counted by the server). */
  | { kind: "refused"; detail: string }
  /** Anything else (no connection, no TLS, a timeout): nothing is learnt. */
  | { kind: "failed"; detail: string; aborted: boolean };

/** Makes one range handshake; tests substitute a simulated server. */
export type RangeProber = (from: TlsVersionName, to: TlsVersionName) => Promise<RangeOutcome>;

export interface LadderResult {
  /** Every ladder version: true accepted, false refused, undefined not determined. */
  accepted: Map<TlsVersionName, boolean | undefined>;
  /** The suite (IANA name) each accepted version negotiated. */
  ciphers: Map<TlsVersionName, string>;
  /** Handshakes the server counted as aborted. */
  aborted: number;
  connections: number;
  /** The highest version of a range that was refused outright (the one costly answer), for the cache. */
  refusedUpTo?: TlsVersionName;
  /** Why versions were left undetermined. */
  problems: string[];
}

export interface LadderOptions {
  /** A refused range remembered from an earlier run: versions up to this one are refused without asking. */
  knownRefusedUpTo?: TlsVersionName;
  /** Whether one more possibly refused handshake fits the aborted-connection budget. */
  mayAbort(): boolean;
}

/** Walks down from TLS 1.3: each completed handshake settles its version and those above it. */
export async function versionLadder(probe: RangeProber, opts: LadderOptions): Promise<LadderResult> {
  const accepted = new Map<TlsVersionName, boolean | undefined>(LADDER_VERSIONS.map((v) => [v, undefined]));
  const res: LadderResult = { accepted, ciphers: new Map(), aborted: 0, connections: 0, problems: [] };
  let hi = LADDER_VERSIONS.length - 1;
  const known = opts.knownRefusedUpTo ? LADDER_VERSIONS.indexOf(opts.knownRefusedUpTo) : -1;
  while (hi >= 0) {
    if (hi <= known) {
      for (let i = 0; i <= hi; i++) accepted.set(LADDER_VERSIONS[i]!, false);
      res.refusedUpTo = LADDER_VERSIONS[hi];
      break;
    }
    if (!opts.mayAbort()) {
      res.problems.push(`${LADDER_VERSIONS.slice(0, hi + 1).join(", ")} not probed: a refusal would cost an aborted connection and the budget (max_aborted) is spent`);
      break;
    }
    const o = await probe(LADDER_VERSIONS[0]!, LADDER_VERSIONS[hi]!);
    res.connections++;
    if (o.kind === "accepted") {
      if (o.aborted) res.aborted++;
      const k = LADDER_VERSIONS.indexOf(o.version);
      if (k < 0 || k > hi) {
        res.problems.push(`asked for at most ${LADDER_VERSIONS[hi]}, the server negotiated ${o.version}`);
        break;
      }
      accepted.set(o.version, true);
      if (o.cipher) res.ciphers.set(o.version, o.cipher);
      for (let i = k + 1; i <= hi; i++) accepted.set(LADDER_VERSIONS[i]!, false);
      hi = k - 1;
    } else if (o.kind === "refused") {
      res.aborted++;
      for (let i = 0; i <= hi; i++) accepted.set(LADDER_VERSIONS[i]!, false);
      res.refusedUpTo = LADDER_VERSIONS[hi];
      break;
    } else {
      if (o.aborted) res.aborted++;
      res.problems.push(`${LADDER_VERSIONS.slice(0, hi + 1).join(", ")} not determined: ${o.detail}`);
      break;
    }
  }
  return res;
}

/** The live range prober: node:tls at security level 0 offering from..to, ended by a refused login when it completes. */
export function liveRangeProber(target: Target, timeouts: Required<TimeoutOptions>, ca?: string): RangeProber {
  return async (from, to) => {
    const step = nodeTlsStep(
      { minVersion: from as tls.SecureVersion, maxVersion: to as tls.SecureVersion, ciphers: "ALL:@SECLEVEL=0", timeoutMs: timeouts.readTimeoutMs, ...(ca ? { ca } : {}) },
      (r) => ({ protocol: r.protocol, cipher: r.cipher.standardName }),
    );
    const o = await connectMysql(target, step, timeouts);
    switch (o.kind) {
      case "connect-failed":
      case "not-mysql":
        return { kind: "failed", detail: o.error.message, aborted: false };
      case "server-error":
        return { kind: "failed", detail: `the server refused the connection with error ${o.greeting.errno}`, aborted: false };
      case "no-tls":
        // Not reached in practice (the connectivity probe ran first).
        return { kind: "failed", detail: "the server does not offer TLS", aborted: o.aborted };
      case "tls-failed": {
        const e = o.error;
        if (e.code === "timeout" || e.details.serverErrno !== undefined) return { kind: "failed", detail: e.message, aborted: true };
        return { kind: "refused", detail: e.message };
      }
      case "tls-aborted":
        return { kind: "failed", detail: "the handshake stopped early", aborted: true };
      case "tls-ok":
        return { kind: "accepted", version: o.value.protocol as TlsVersionName, aborted: o.aborted, cipher: o.value.cipher };
    }
  };
}
