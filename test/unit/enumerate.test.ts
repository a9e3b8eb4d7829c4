import { describe, expect, it } from "vitest";
import { planRun } from "../../src/tls/scan-plan.js";
import { DEFAULT_MAX_ABORTED, ErrorBudget } from "../../src/net/error-budget.js";
import { enumerateCiphers, type SuiteProber } from "../../src/tls/enumerate.js";
import { rawOutcome } from "../../src/tls/raw-probe.js";
import { clientHelloSuites, nodeCanSpeak, nodeSpeakableCodes, offeredByNodeSeparately, type ProbeOutcome } from "../../src/tls/node-engine.js";
import type { TlsVersionName } from "../../src/tls/node-handshake.js";
import { suiteByCode, suiteByOpenSSLName, suitesForVersion } from "../../src/tls/suites.js";
import { groupName } from "../../src/tls/client-hello.js";

const code = (openssl: string): number => {
  const s = suiteByOpenSSLName(openssl);
  if (!s) throw new Error(`no suite ${openssl}`);
  return s.code;
};
const RC4_SHA = 0x0005;
const DES_CBC3_SHA = 0x000a;

interface FakeConfig {
  /** Accepted suites per version, in the server's order. */
  accepts: Partial<Record<TlsVersionName, number[]>>;
  serverOrder: boolean;
  groups?: string[];
  /** A raw probe of this version answers with this failure instead. */
  rawFails?: Partial<Record<TlsVersionName, ProbeOutcome>>;
  dhBits?: number;
  /** node:tls fails every handshake after the server accepted (a certificate Node cannot parse, say). */
  nodeBroken?: boolean;
  /** node:tls refuses to finish when the server picks a DHE suite (its DH prime is under Node's floor). */
  nodeDhFloor?: boolean;
  /** The curve of the server's ECDSA key: below TLS 1.3 an ECDSA suite needs it among the offered groups. */
  certCurve?: string;
}

/** A simulated server: picks per its order or the client's, as OpenSSL does, and counts what the scan cost it. */
function fakeServer(cfg: FakeConfig) {
  const log = { node: 0, raw: 0, aborted: 0, nodeOfferedUnspeakable: 0, maxRawOffer: 0, maxRawOfferBelowTls12: 0, nodeOffers: [] as { version: TlsVersionName; codes: number[] }[], rawByVersion: {} as Partial<Record<TlsVersionName, number>> };
  const pick = (version: TlsVersionName, offered: number[], groups: string[] | undefined): number | undefined => {
    // RFC 8422 §5.1.1: before TLS 1.3, an ECDSA key serves only a client whose supported_groups name its curve.
    const usable = (c: number): boolean => !(cfg.certCurve && version !== "TLSv1.3" && suiteByCode(c)?.authentication === "ECDSA" && groups && !groups.includes(cfg.certCurve));
    const acc = (cfg.accepts[version] ?? []).filter(usable);
    return cfg.serverOrder ? acc.find((c) => offered.includes(c)) : offered.find((c) => acc.includes(c));
  };
  const answer = (version: TlsVersionName, offered: number[], groups: string[] | undefined, aborted: boolean): ProbeOutcome => {
    // A version the server does not speak is refused with protocol_version, whatever was offered (OpenSSL's way).
    if (!cfg.accepts[version]?.length) return { kind: "rejected", detail: "protocol_version", ...(aborted ? { alert: "protocol_version" } : {}), aborted: true };
    const c = pick(version, offered, groups);
    if (c === undefined) return { kind: "rejected", detail: "handshake_failure", ...(aborted ? { alert: "handshake_failure" } : {}), aborted: true };
    const kx = suiteByCode(c)?.keyExchange;
    let group: string | undefined;
    if (version === "TLSv1.3" || kx === "ECDHE") {
      const mine = cfg.groups ?? ["x25519"];
      group = groups ? groups.find((g) => mine.includes(g)) : mine[0];
      if (group === undefined) return { kind: "rejected", detail: "no shared group", aborted: true };
    }
    const certCurve = cfg.certCurve && suiteByCode(c)?.authentication === "ECDSA" ? { certCurve: cfg.certCurve } : {};
    return { kind: "accepted", version, code: c, ...(group ? { group } : {}), ...(kx === "DHE" && cfg.dhBits ? { dhBits: cfg.dhBits } : {}), ...certCurve, aborted };
  };
  const prober: SuiteProber = {
    async node(req) {
      log.node++;
      log.nodeOffers.push({ version: req.version, codes: req.suites.map((c) => c.code) });
      if (req.suites.some((s) => !nodeCanSpeak(req.version, s))) log.nodeOfferedUnspeakable++;
      let o: ProbeOutcome = cfg.nodeBroken ? { kind: "rejected", detail: "TLS handshake failed: bad certificate", aborted: true } : answer(req.version, req.suites.map((s) => s.code), req.groups, false);
      if (cfg.nodeDhFloor && o.kind === "accepted" && suiteByCode(o.code)?.keyExchange === "DHE") {
        o = { kind: "failed", reason: "node-incomplete", detail: "the server sent a 512-bit DH prime, which node:tls refuses to complete a handshake with", aborted: true };
      }
      if (o.aborted) log.aborted++;
      return o;
    },
    async raw(req) {
      log.raw++;
      log.rawByVersion[req.version] = (log.rawByVersion[req.version] ?? 0) + 1;
      log.aborted++;
      log.maxRawOffer = Math.max(log.maxRawOffer, req.codes.length);
      if (req.version !== "TLSv1.2" && req.version !== "TLSv1.3") log.maxRawOfferBelowTls12 = Math.max(log.maxRawOfferBelowTls12, req.codes.length);
      const fail = cfg.rawFails?.[req.version];
      if (fail) return fail;
      return answer(req.version, req.codes, req.groups?.map(groupName), true);
    },
  };
  return { prober, log };
}

const target = { host: "db.example", port: 3306 };
const LEGACY_TLS12 = ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256", "AES128-SHA", "AES256-SHA"].map(code);

function acceptedSet(f: Awaited<ReturnType<typeof enumerateCiphers>>): Record<string, number[]> {
  return Object.fromEntries(f.protocols.filter((p) => p.accepted).map((p) => [p.version, p.suites.map((s) => s.code).sort((a, b) => a - b)]));
}
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

describe("nodeSpeakableCodes (measured from Node's own ClientHello)", () => {
  it("holds the common suites and not the ones Node's OpenSSL lacks", () => {
    const s = nodeSpeakableCodes();
    expect(s.has(code("ECDHE-RSA-AES128-GCM-SHA256"))).toBe(true);
    expect(s.has(0x1301)).toBe(true);
    expect(s.has(RC4_SHA)).toBe(false);
    expect(s.has(DES_CBC3_SHA)).toBe(false);
    expect(nodeCanSpeak("SSLv3", suiteByCode(code("AES128-SHA"))!)).toBe(false);
    expect(nodeCanSpeak("TLSv1.2", suiteByCode(0x1301)!)).toBe(false);
  });

  it("finds in one ClientHello for every version what one for TLS 1.0-1.2 and one for TLS 1.3 list", () => {
    expect(sorted([...nodeSpeakableCodes()])).toEqual(sorted([...new Set(offeredByNodeSeparately())]));
  });

  it("reads the cipher_suites of a ClientHello record", () => {
    const sessionId = Buffer.from([2, 0xaa, 0xbb]);
    const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), sessionId, Buffer.from([0, 4, 0x13, 0x01, 0xc0, 0x2f])]);
    const rec = Buffer.concat([Buffer.from([22, 3, 1, 0, 0, 1, 0, 0, 0]), body]);
    expect(clientHelloSuites(rec)).toEqual([0x1301, 0xc02f]);
    expect(clientHelloSuites(rec.subarray(0, 20))).toEqual([]);
  });
});

describe("enumerateCiphers against a simulated server", () => {
  const cfg: FakeConfig = {
    accepts: { TLSv1: [code("AES128-SHA"), DES_CBC3_SHA], "TLSv1.2": [...LEGACY_TLS12, DES_CBC3_SHA, RC4_SHA], "TLSv1.3": [0x1302, 0x1301] },
    serverOrder: false,
    groups: ["x25519", "secp256r1"],
  };

  it("node engine: finds every accepted suite, with the ones Node lacks through the raw engine, cheaply", async () => {
    const { prober, log } = fakeServer(cfg);
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node" });
    expect(acceptedSet(f)).toEqual({ TLSv1: sorted(cfg.accepts.TLSv1!), "TLSv1.2": sorted(cfg.accepts["TLSv1.2"]!), "TLSv1.3": sorted(cfg.accepts["TLSv1.3"]!) });
    expect(f.protocols.find((p) => p.version === "SSLv3")!.accepted).toBe(false);
    expect(f.protocols.find((p) => p.version === "TLSv1.1")!.accepted).toBe(false);
    expect(log.nodeOfferedUnspeakable).toBe(0);
    const raw = f.protocols.flatMap((p) => p.suites.filter((s) => s.engine === "raw").map((s) => s.code));
    expect(raw).toEqual(expect.arrayContaining([DES_CBC3_SHA, RC4_SHA]));
    // Raw offers hold at most 64 suites up to TLS 1.1 (yaSSL reads no more) and 150 above (wolfSSL); a version
    // refused with protocol_version costs one probe: SSLv3 1, TLSv1 1 + 3DES 1 + 2 refused, TLSv1.1 1, TLSv1.2
    // RC4+3DES 2 + 2 refused, TLSv1.3 0, groups 2; the client-order sentinel keeps every node:tls loop free. The
    // budget's room over that plan buys speed: the three slow TLS 1.3 groups, one raw ClientHello each.
    expect(f.abortedConnections).toBe(log.aborted);
    expect(f.abortedConnections).toBeLessThanOrEqual(19);
    expect(log.maxRawOffer).toBeLessThanOrEqual(150);
    expect(log.maxRawOfferBelowTls12).toBeLessThanOrEqual(64);
    expect(f.protocols.find((p) => p.version === "TLSv1.2")!.serverPreference).toBe(false);
    expect(f.protocols.find((p) => p.version === "TLSv1.3")!.groups).toEqual(["x25519", "secp256r1"]);
  });

  it("raw engine: finds the same set", async () => {
    const { prober, log } = fakeServer(cfg);
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(undefined), engine: "raw" });
    expect(acceptedSet(f)).toEqual({ TLSv1: sorted(cfg.accepts.TLSv1!), "TLSv1.2": sorted(cfg.accepts["TLSv1.2"]!), "TLSv1.3": sorted(cfg.accepts["TLSv1.3"]!) });
    expect(log.node).toBe(0);
    expect(f.abortedConnections).toBe(log.raw);
  });

  // Every suite Node speaks under TLS 1.2 with this authentication.
  const nodeSuites = (auth: string): number[] => [...nodeSpeakableCodes()].filter((c) => suiteByCode(c)?.authentication === auth && suiteByCode(c)?.protocol !== "tls13" && nodeCanSpeak("TLSv1.2", suiteByCode(c)!));
  const offersWith = (log: ReturnType<typeof fakeServer>["log"], auth: string): number =>
    log.nodeOffers.filter((o) => o.version === "TLSv1.2" && o.codes.some((c) => suiteByCode(c)?.authentication === auth)).length;

  it("behind an RSA key, the ECDSA and DSS suites are offered together, not one or two in every loop (fewer connections)", async () => {
    const rsa = nodeSuites("RSA");
    const { prober, log } = fakeServer({ accepts: { "TLSv1.2": rsa }, serverOrder: false, groups: ["x25519"] });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node", versions: ["TLSv1.2"], groups: false });
    expect(acceptedSet(f)).toEqual({ "TLSv1.2": sorted(rsa) });
    // The first offer, its mirror and the one offer of the suites for other certificates: three, where each of
    // the loops running at once held some before (and ended with a probe of its own for them).
    expect(offersWith(log, "ECDSA")).toBeLessThanOrEqual(3);
    expect(offersWith(log, "DSS")).toBeLessThanOrEqual(3);
    // Each accepted suite is one connection (the mirror's too); what is left over is the one offer for other
    // certificates and one end for each loop of at most 4 (the default chunk) over the rest.
    expect(log.node - rsa.length).toBeLessThanOrEqual(1 + Math.ceil((rsa.length - 2) / 4));
  });

  it("a version refused with a protocol_version alert costs one aborted connection, not one per raw chunk", async () => {
    const modern = { accepts: { "TLSv1.2": LEGACY_TLS12, "TLSv1.3": [0x1302, 0x1301] }, serverOrder: false, groups: ["x25519"] };
    const { prober, log } = fakeServer(modern);
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node", groups: false });
    for (const v of ["SSLv3", "TLSv1", "TLSv1.1"] as const) {
      expect(f.protocols.find((p) => p.version === v)!.accepted).toBe(false);
      expect(log.rawByVersion[v], v).toBe(1);
    }
    expect(acceptedSet(f)).toEqual({ "TLSv1.2": sorted(LEGACY_TLS12), "TLSv1.3": [0x1301, 0x1302] });
    // A refusal that names no version problem (handshake_failure: no shared suite in the first chunk) still asks
    // the next chunks: the raw offers go Node's suites first, so the last suite Node lacks is in the last one.
    const exotic = suitesForVersion("TLSv1").filter((x) => !nodeCanSpeak("TLSv1", x)).at(-1)!.code;
    const { prober: p2, log: l2 } = fakeServer({ ...modern, accepts: { ...modern.accepts, TLSv1: [exotic] } });
    const f2 = await enumerateCiphers(target, p2, { budget: new ErrorBudget(20), engine: "node", versions: ["TLSv1"], groups: false });
    expect(acceptedSet(f2)).toEqual({ TLSv1: [exotic] });
    expect(l2.rawByVersion.TLSv1).toBeGreaterThan(1);
  });

  it("the late raw probes run beside the scan's last loops, once it has run at its cap, not after every loop", async () => {
    const rsa = nodeSuites("RSA");
    const accepts = { TLSv1: [code("AES128-SHA"), DES_CBC3_SHA], "TLSv1.2": [...rsa, DES_CBC3_SHA, RC4_SHA], "TLSv1.3": [0x1302, 0x1301] };
    const { prober } = fakeServer({ accepts, serverOrder: false, groups: ["x25519", "secp256r1"] });
    // Probes that take time, as across a network: what runs at once can be seen.
    let nodeInFlight = 0;
    let rawInFlight = 0;
    // Once as many probes ran at once as the cap (16) allows.
    let peaked = false;
    let nodeSettled = 0;
    const raws: { afterPeak: boolean; nodeSettledBefore: number; nodeInFlight: number }[] = [];
    // TLS 1.3's group probes are slow (a far server's slowest answers, ffdhe keys): they are the scan's tail.
    const later = <T>(v: T, ms = 2): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));
    const timed: SuiteProber = {
      node: async (req) => {
        nodeInFlight++;
        if (nodeInFlight + rawInFlight >= 16) peaked = true;
        const o = await later(await prober.node(req), req.version === "TLSv1.3" && req.groups ? 40 : 2);
        nodeInFlight--;
        nodeSettled++;
        return o;
      },
      raw: async (req) => {
        raws.push({ afterPeak: peaked, nodeSettledBefore: nodeSettled, nodeInFlight });
        if (nodeInFlight + ++rawInFlight >= 16) peaked = true;
        const o = await later(await prober.raw(req));
        rawInFlight--;
        return o;
      },
    };
    const f = await enumerateCiphers(target, timed, { budget: new ErrorBudget(DEFAULT_MAX_ABORTED), engine: "node" });
    expect(acceptedSet(f)).toEqual({ TLSv1: sorted(accepts.TLSv1), "TLSv1.2": sorted(accepts["TLSv1.2"]), "TLSv1.3": sorted(accepts["TLSv1.3"]) });
    expect(peaked).toBe(true);
    // The first raw offers (refused SSL 3.0, each older version's first answer) go out with the first wave; every
    // other raw probe waits for the scan to have run at its cap.
    for (const r of raws) expect(r.nodeSettledBefore === 0 || r.afterPeak, JSON.stringify(r)).toBe(true);
    const late = raws.filter((r) => r.afterPeak);
    expect(late.length).toBeGreaterThan(0);
    // ...and they run beside the last node:tls probes, not after all of them.
    expect(late.some((r) => r.nodeInFlight > 0)).toBe(true);
    expect(f.abortedConnections).toBeLessThanOrEqual(DEFAULT_MAX_ABORTED);
  });

  it("a server with an RSA and an ECDSA certificate: the prediction is wrong and every suite is still found", async () => {
    const both = [...nodeSuites("RSA"), ...nodeSuites("ECDSA")];
    const { prober } = fakeServer({ accepts: { "TLSv1.2": both }, serverOrder: false, groups: ["x25519"] });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node", versions: ["TLSv1.2"], groups: false });
    expect(acceptedSet(f)).toEqual({ "TLSv1.2": sorted(both) });
    expect(f.problems).toEqual([]);
  });

  it("server order: reports serverPreference and lists the suites in the server's order", async () => {
    const { prober } = fakeServer({ ...cfg, serverOrder: true });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node", groups: false });
    const p12 = f.protocols.find((p) => p.version === "TLSv1.2")!;
    expect(p12.serverPreference).toBe(true);
    expect(p12.suites.filter((s) => s.engine === "node").map((s) => s.code)).toEqual(LEGACY_TLS12);
    expect(f.protocols.find((p) => p.version === "TLSv1.3")!.suites.map((s) => s.code)).toEqual([0x1302, 0x1301]);
  });

  it("stops at the budget, says what it did not scan, and never exceeds it", async () => {
    const { prober, log } = fakeServer(cfg);
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(3), engine: "node", concurrency: 4 });
    expect(log.aborted).toBeLessThanOrEqual(3);
    expect(f.abortedConnections).toBe(log.aborted);
    expect(f.budget.stopped).toBe(true);
    expect(f.budget.notScanned.length).toBeGreaterThan(0);
    expect(f.protocols.some((p) => !p.complete)).toBe(true);
  });

  it("a spent budget still lets node:tls finish: every suite it can speak is found", async () => {
    const { prober, log } = fakeServer(cfg);
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(3), engine: "node" });
    expect(log.aborted).toBeLessThanOrEqual(3);
    const nodeSpeakable = (v: TlsVersionName) => sorted(cfg.accepts[v]!.filter((c) => nodeCanSpeak(v, suiteByCode(c)!)));
    const found = (v: TlsVersionName) => sorted(f.protocols.find((p) => p.version === v)!.suites.map((s) => s.code));
    expect(found("TLSv1.2")).toEqual(expect.arrayContaining(nodeSpeakable("TLSv1.2")));
    expect(found("TLSv1.3")).toEqual(nodeSpeakable("TLSv1.3"));
    expect(f.budget.stopped).toBe(true);
  });

  it("with a login that resets the server's count, finishes the scan within the limit between resets", async () => {
    const { prober } = fakeServer(cfg);
    let logins = 0;
    const budget = new ErrorBudget(3);
    const f = await enumerateCiphers(target, prober, {
      budget,
      engine: "node",
      resetServerCount: async () => {
        expect(budget.sinceLastReset).toBeLessThanOrEqual(3);
        logins++;
        return true;
      },
    });
    expect(acceptedSet(f)["TLSv1.2"]).toEqual(sorted(cfg.accepts["TLSv1.2"]!));
    expect(logins).toBeGreaterThan(0);
    expect(f.budget.resets).toBe(logins);
    expect(f.abortedConnections).toBeGreaterThan(3);
    // The run ends with a reset too, so the server's count for this host is left at 0.
    expect(budget.sinceLastReset).toBe(0);
  });

  it("a server that answers raw probes of one version with a MySQL error: reported, the rest goes on", async () => {
    const err: ProbeOutcome = { kind: "failed", reason: "server-error", detail: "the server answered with MySQL error 1043: Bad handshake", serverErrno: 1043, aborted: true };
    const { prober } = fakeServer({ ...cfg, rawFails: { TLSv1: err } });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node" });
    const p10 = f.protocols.find((p) => p.version === "TLSv1")!;
    expect(p10.accepted).toBeUndefined();
    expect(f.problems).toContainEqual(expect.objectContaining({ version: "TLSv1", reason: "server-error", detail: expect.stringContaining("1043") }));
    expect(acceptedSet(f)["TLSv1.2"]).toEqual(sorted(cfg.accepts["TLSv1.2"]!));
  });

  it("when node:tls cannot complete what the server accepts, the raw engine still finds every suite and says why", async () => {
    const { prober } = fakeServer({ ...cfg, nodeBroken: true });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(undefined), engine: "node", groups: false });
    expect(acceptedSet(f)).toEqual({ TLSv1: sorted(cfg.accepts.TLSv1!), "TLSv1.2": sorted(cfg.accepts["TLSv1.2"]!), "TLSv1.3": sorted(cfg.accepts["TLSv1.3"]!) });
    expect(f.problems).toContainEqual(expect.objectContaining({ version: "TLSv1.2", reason: "node-incomplete", detail: expect.stringContaining("bad certificate") }));
  });

  it("a DH prime under Node's floor: the raw engine covers the version, the DHE suite is found with its size", async () => {
    const { prober } = fakeServer({ ...cfg, dhBits: 512, nodeDhFloor: true });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(undefined), engine: "node", groups: false });
    const v12 = f.protocols.find((p) => p.version === "TLSv1.2")!;
    expect(v12.suites.map((s) => s.code).sort((a, b) => a - b)).toEqual(sorted(cfg.accepts["TLSv1.2"]!));
    expect(v12.suites.find((s) => s.openssl === "DHE-RSA-AES128-GCM-SHA256")).toMatchObject({ engine: "raw", dhBits: 512 });
    expect(v12.complete).toBe(true);
    expect(f.problems).toContainEqual(expect.objectContaining({ version: "TLSv1.2", reason: "node-incomplete" }));
  });

  it("a server that rejects every suite: every version not accepted", async () => {
    const { prober } = fakeServer({ accepts: {}, serverOrder: false });
    const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(20), engine: "node" });
    expect(f.protocols.map((p) => p.accepted)).toEqual([false, false, false, false, false]);
    expect(f.problems).toEqual([]);
  });
});

describe("groups behind an ECDSA key (TLS 1.2 offers must name the key's curve)", () => {
  const ecdsa: FakeConfig = {
    accepts: { "TLSv1.2": ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"].map(code) },
    serverOrder: false,
    groups: ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"],
  };
  for (const certCurve of ["secp384r1", "secp256r1"]) {
    for (const engine of ["node", "raw"] as const) {
      it(`behind ${certCurve}, ${engine} engine: every group the server accepts`, async () => {
        const { prober } = fakeServer({ ...ecdsa, certCurve });
        const f = await enumerateCiphers(target, prober, { budget: new ErrorBudget(engine === "raw" ? undefined : 20), engine });
        expect(f.protocols.find((p) => p.version === "TLSv1.2")!.groups?.slice().sort()).toEqual(ecdsa.groups!.slice().sort());
      });
    }
  }
});

describe("rawOutcome", () => {
  it("maps each raw verdict", () => {
    const base = { aborted: true, ms: 1, bytesReceived: 10 };
    expect(rawOutcome({ ...base, kind: "accepted", version: "TLSv1.2", suite: 0xc02f, group: 29, certificates: [], helloRetry: false, flightComplete: true })).toEqual({ kind: "accepted", version: "TLSv1.2", code: 0xc02f, group: "x25519", aborted: true });
    expect(rawOutcome({ ...base, kind: "lower-version", version: "TLSv1.2", suite: 0xc02f }).kind).toBe("rejected");
    expect(rawOutcome({ ...base, kind: "server-error", errno: 1043, message: "Bad handshake" })).toMatchObject({ kind: "failed", reason: "server-error", serverErrno: 1043 });
    expect(rawOutcome({ ...base, kind: "server-bug", reason: "x" })).toMatchObject({ kind: "failed", reason: "server-bug" });
    expect(rawOutcome({ ...base, kind: "garbage", reason: "x" })).toMatchObject({ kind: "failed", reason: "garbage" });
    expect(rawOutcome({ ...base, kind: "timeout", reason: "x" })).toMatchObject({ kind: "failed", reason: "timeout" });
  });
});

describe("planRun", () => {
  it("loopback without --max-aborted: no limit (the server exempts it) and the faster raw engine", () => {
    for (const host of ["127.0.0.1", "127.9.8.7", "::1", "localhost"]) {
      const p = planRun({ host }, { engine: "auto" });
      expect(p.budget.limit, host).toBeUndefined();
      expect(p.engine).toBe("raw");
    }
  });

  it("a remote target: the default budget and node:tls, whose probes end as refused logins", () => {
    const p = planRun({ host: "db.example" }, { engine: "auto" });
    expect(p.budget.limit).toBe(DEFAULT_MAX_ABORTED);
    expect(p.engine).toBe("node");
    expect(planRun({ host: "10.0.0.5" }, { engine: "auto", maxAborted: 50 }).budget.limit).toBe(50);
  });

  it("an explicit --max-aborted applies on loopback too, and an explicit engine wins", () => {
    const p = planRun({ host: "127.0.0.1" }, { engine: "auto", maxAborted: 5 });
    expect(p.budget.limit).toBe(5);
    expect(p.engine).toBe("node");
    expect(planRun({ host: "db.example" }, { engine: "raw" }).engine).toBe("raw");
  });
});
