// #13: across a network the scan's completing probes are CPU-bound on one thread, so once a handshake has completed
// they also run on the helper thread, for one target's scan as for several at once. The compiled build
// (dist/, what the CLI runs) is exercised: under vitest the sources have no compiled worker entry and every probe
// stays on the main thread. The scan with workers must find exactly what the scan on the main thread alone finds,
// with the same connections and aborted handshakes.
import { describe, expect, it } from "vitest";
import { fakeMysqlServing } from "../support/fake-mysql/serving.js";
import { enumerateCiphers, liveProber, type CipherFacts } from "../../dist/tls/enumerate.js";
import { stopProbeWorkersForTest, workerProbeCount } from "../../dist/tls/node-probe-pool.js";

const SUITES = [
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-RSA-AES256-SHA384",
  "ECDHE-RSA-AES128-SHA",
  "ECDHE-RSA-AES256-SHA",
  "AES128-GCM-SHA256",
  "AES256-GCM-SHA384",
  "AES128-SHA256",
  "AES256-SHA256",
  "AES128-SHA",
  "AES256-SHA",
];
const TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

describe("node:tls probes on worker threads", () => {
  const server = fakeMysqlServing([...SUITES, ...TLS13]);

  const timeouts = { connectTimeoutMs: 5000, readTimeoutMs: 5000 };
  const scan = (workers: number): Promise<CipherFacts> => {
    const target = server.target;
    return enumerateCiphers(target, liveProber(target, timeouts, { workers }), { engine: "node", versions: ["TLSv1.2", "TLSv1.3"] });
  };
  const found = (f: CipherFacts): unknown => f.protocols.map((p) => ({ version: p.version, accepted: p.accepted, suites: p.suites.map((s) => s.code).sort(), groups: p.groups }));

  it("by default, one target's scan runs probes on the helper thread too, as do two targets' scans at once, and they find what the main thread alone finds", async () => {
    const byDefault = (): Promise<CipherFacts> => enumerateCiphers(server.target, liveProber(server.target, timeouts), { engine: "node", versions: ["TLSv1.2", "TLSv1.3"] });
    const before = workerProbeCount();
    const mainOnly = await scan(0);
    expect(workerProbeCount()).toBe(before);
    const alone = await byDefault();
    const afterOne = workerProbeCount();
    expect(afterOne).toBeGreaterThan(before);
    expect(found(alone)).toEqual(found(mainOnly));
    expect(alone.connections).toBe(mainOnly.connections);
    expect(alone.abortedConnections).toBe(mainOnly.abortedConnections);
    const [a, b] = await Promise.all([byDefault(), byDefault()]);
    expect(workerProbeCount()).toBeGreaterThan(afterOne);
    for (const f of [a, b]) {
      expect(found(f)).toEqual(found(alone));
      expect(f.connections).toBe(alone.connections);
      expect(f.problems).toEqual([]);
    }
  });

  it("runs probes in a worker and finds the same suites, groups, connections and aborted handshakes as the main thread alone", async () => {
    const before = workerProbeCount();
    const alone = await scan(0);
    expect(workerProbeCount()).toBe(before);
    const pooled = await scan(1);
    expect(workerProbeCount()).toBeGreaterThan(before);
    expect(found(pooled)).toEqual(found(alone));
    expect(pooled.protocols.find((p) => p.version === "TLSv1.2")!.suites).toHaveLength(SUITES.length);
    expect(pooled.protocols.find((p) => p.version === "TLSv1.3")!.suites).toHaveLength(TLS13.length);
    expect(pooled.connections).toBe(alone.connections);
    expect(pooled.abortedConnections).toBe(alone.abortedConnections);
    expect(pooled.problems).toEqual([]);
  });

  it("a worker that dies mid-scan: its probes run again on the main thread, each counted as an aborted connection, and the scan finds the same", async () => {
    const alone = await scan(0);
    const before = workerProbeCount();
    // As soon as the worker has answered a probe, it dies as a crash would end it.
    const watch = setInterval(() => {
      if (workerProbeCount() > before) {
        clearInterval(watch);
        stopProbeWorkersForTest();
      }
    }, 1);
    const hurt = await scan(1).finally(() => clearInterval(watch));
    expect(workerProbeCount()).toBeGreaterThan(before);
    expect(found(hurt)).toEqual(found(alone));
    expect(hurt.problems).toEqual([]);
    // The probes the worker had in flight (at most the cap) cost one aborted connection each, as their cut
    // handshakes may have; nothing else changes.
    expect(hurt.abortedConnections).toBeGreaterThanOrEqual(alone.abortedConnections);
    expect(hurt.abortedConnections).toBeLessThanOrEqual(alone.abortedConnections + 16);
    expect(hurt.connections).toBe(alone.connections);
  });
});
