// The version ladder against simulated servers: what it concludes, and what it costs the server's count.
import { describe, expect, it } from "vitest";
import { LADDER_VERSIONS, versionLadder, type RangeOutcome, type RangeProber } from "../../src/serve/versions.js";
import type { TlsVersionName } from "../../src/tls/node-handshake.js";

/** A server accepting `versions`, choosing the highest it shares with the offer (as OpenSSL does). */
function server(versions: TlsVersionName[]): { probe: RangeProber; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    probe: async (from, to) => {
      calls.push(`${from}..${to}`);
      const lo = LADDER_VERSIONS.indexOf(from);
      const hi = LADDER_VERSIONS.indexOf(to);
      const shared = LADDER_VERSIONS.filter((v, i) => i >= lo && i <= hi && versions.includes(v));
      const best = shared.at(-1);
      return best ? ({ kind: "accepted", version: best, aborted: false, cipher: "TLS_X" } as RangeOutcome) : { kind: "refused", detail: "alert protocol_version" };
    },
  };
}

const asObject = (m: Map<string, boolean | undefined>) => Object.fromEntries(m);

describe("versionLadder", () => {
  it("a modern server: two free handshakes and one refused range (cost 1)", async () => {
    const s = server(["TLSv1.2", "TLSv1.3"]);
    const r = await versionLadder(s.probe, { mayAbort: () => true });
    expect(asObject(r.accepted)).toEqual({ TLSv1: false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true });
    expect(s.calls).toEqual(["TLSv1..TLSv1.3", "TLSv1..TLSv1.2", "TLSv1..TLSv1.1"]);
    expect(r.aborted).toBe(1);
    expect(r.refusedUpTo).toBe("TLSv1.1");
  });

  it("a legacy server: four handshakes, none refused, cost 0", async () => {
    const r = await versionLadder(server(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]).probe, { mayAbort: () => true });
    expect([...r.accepted.values()]).toEqual([true, true, true, true]);
    expect(r.aborted).toBe(0);
  });

  it("a gap (1.0 and 1.2 only): the lower version a range settles on marks the ones above it refused, free", async () => {
    const s = server(["TLSv1", "TLSv1.2"]);
    const r = await versionLadder(s.probe, { mayAbort: () => true });
    expect(asObject(r.accepted)).toEqual({ TLSv1: true, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": false });
    expect(r.aborted).toBe(0);
    expect(s.calls).toHaveLength(2);
  });

  it("a remembered refusal is not asked again: a modern server then costs nothing", async () => {
    const s = server(["TLSv1.2", "TLSv1.3"]);
    const r = await versionLadder(s.probe, { mayAbort: () => true, knownRefusedUpTo: "TLSv1.1" });
    expect(asObject(r.accepted)).toEqual({ TLSv1: false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true });
    expect(s.calls).toEqual(["TLSv1..TLSv1.3", "TLSv1..TLSv1.2"]);
    expect(r.aborted).toBe(0);
  });

  it("no budget: nothing is asked that could be refused, and the versions stay undetermined (never a guess)", async () => {
    const s = server(["TLSv1.2", "TLSv1.3"]);
    const r = await versionLadder(s.probe, { mayAbort: () => false });
    expect(s.calls).toEqual([]);
    expect([...r.accepted.values()]).toEqual([undefined, undefined, undefined, undefined]);
    expect(r.problems[0]).toMatch(/budget/);
  });

  it("a failure that is not a refusal (a timeout) leaves the rest undetermined", async () => {
    const r = await versionLadder(async () => ({ kind: "failed", detail: "timeout", aborted: true }), { mayAbort: () => true });
    expect([...r.accepted.values()]).toEqual([undefined, undefined, undefined, undefined]);
    expect(r.aborted).toBe(1);
  });
});
