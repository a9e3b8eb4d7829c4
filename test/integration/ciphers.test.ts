// `mysql-tls-audit ciphers` end to end: the built CLI against real MariaDB postures, checked against sslscan and
// openssl s_client, and against servers that speak what Node's OpenSSL cannot.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { suiteByCode, suiteByIana } from "../../src/tls/suites.js";
import { nodeSpeakableCodes } from "../../src/tls/node-engine.js";
import { runCli } from "../support/cli.js";
import { makeCerts } from "../support/certs.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { sClient } from "../support/openssl-client.js";
import { startOpenSslBehindMysql, type OpenSslMysql } from "../support/openssl-server.js";
import { requireSslscan } from "../support/require-binaries.js";
import { startTlsResponder, type TlsResponder } from "../support/tls-responder.js";

const run = promisify(execFile);

interface CiphersJson {
  command: string;
  protocols: { version: string; accepted: boolean | null; serverPreference?: boolean; complete: boolean; suites: { iana: string; openssl?: string; rating: string; code: string; engine: string; dhBits?: number }[]; groups?: string[] }[];
  abortedConnections: number;
  connections: number;
  engine: string;
  budget: { limit: number | null; stopped: boolean; notScanned: string[] };
  problems: { version?: string; reason: string; detail: string }[];
  findings: { id: string; severity: string; evidence: string; fix?: string }[];
}

async function ciphers(port: number, ...args: string[]): Promise<{ json: CiphersJson; code: number | null; ms: number }> {
  const r = await runCli(["ciphers", `127.0.0.1:${port}`, "--json", "--timeout", "3", ...args], { timeoutMs: 90_000 });
  expect(r.stderr, r.stderr).toBe("");
  return { json: JSON.parse(r.stdout) as CiphersJson, code: r.code, ms: r.ms };
}

/** "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" keys of what we found. */
function ourSet(j: CiphersJson): string[] {
  return j.protocols.flatMap((p) => p.suites.map((s) => `${p.version} ${s.openssl ?? s.iana}`)).sort();
}

/** The accepted (version, suite) set of `sslscan --starttls-mysql --xml=-`. */
async function sslscanSet(port: number): Promise<string[]> {
  const { stdout } = await run(requireSslscan(), ["--starttls-mysql", "--no-colour", "--xml=-", `127.0.0.1:${port}`], { timeout: 120_000 });
  const out: string[] = [];
  for (const m of stdout.matchAll(/<cipher status="[^"]+" sslversion="([^"]+)"[^>]* cipher="([^"]+)" id="0x([0-9A-Fa-f]+)"/g)) {
    const version = m[1] === "TLSv1.0" ? "TLSv1" : m[1]!;
    const s = suiteByCode(Number.parseInt(m[3]!, 16));
    out.push(`${version} ${s?.openssl ?? m[2]}`);
  }
  return out.sort();
}

function counts(j: CiphersJson): Record<string, number> {
  return Object.fromEntries(j.protocols.map((p) => [p.version, p.suites.length]));
}

describe("ciphers against real MariaDB 10.11 postures", () => {
  let legacy: MariaDB;
  let modern: MariaDB;
  let ecdsa: MariaDB;
  beforeAll(async () => {
    legacy = await startPosture("legacy");
    [modern, ecdsa] = await Promise.all([startPosture("modern"), startPosture("ecdsa")]);
  });
  afterAll(async () => {
    await Promise.all([legacy?.stop(), modern?.stop(), ecdsa?.stop()]);
  });

  it("legacy: 91 suites (16 TLS 1.0, 16 TLS 1.1, 56 TLS 1.2, 3 TLS 1.3), the same set sslscan finds, with both engines", async () => {
    const [raw, node, theirs] = await Promise.all([ciphers(legacy.port, "--engine", "raw"), ciphers(legacy.port, "--engine", "node"), sslscanSet(legacy.port)]);
    expect(counts(raw.json)).toEqual({ SSLv3: 0, TLSv1: 16, "TLSv1.1": 16, "TLSv1.2": 56, "TLSv1.3": 3 });
    expect(theirs).toHaveLength(91);
    expect(ourSet(raw.json)).toEqual(theirs);
    expect(ourSet(node.json)).toEqual(theirs);
    // node:tls probes end as refused logins: only the version checks and raw-only leftovers abort (measured 12:
    // raw offers go in chunks of at most 64/150 suites, one aborted connection per refused chunk).
    expect(node.json.abortedConnections).toBeLessThanOrEqual(14);
    expect(node.json.abortedConnections).toBeGreaterThan(0);
    expect(raw.json.abortedConnections).toBe(raw.json.connections);
    expect(node.json.protocols.find((p) => p.version === "TLSv1.2")!.serverPreference).toBe(false);
    expect(node.json.protocols.find((p) => p.version === "TLSv1.3")!.groups).toEqual(expect.arrayContaining(["x25519", "secp256r1"]));
    const ids = node.json.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["protocol.tls10-accepted", "protocol.tls11-accepted", "cipher.anonymous", "cipher.weak", "cipher.no-server-preference"]));
    expect(ids).not.toContain("cipher.dhe-weak-params"); // MariaDB's DHE prime is 2048 bits
    expect(node.json.protocols.find((p) => p.version === "TLSv1.2")!.suites.find((s) => s.openssl === "DHE-RSA-AES128-GCM-SHA256")!.dhBits).toBe(2048);
    expect(raw.code).toBe(1);
  });

  it("legacy: every suite we report is one `openssl s_client -starttls mysql` negotiates", async () => {
    const { json } = await ciphers(legacy.port);
    const flags: Record<string, string> = { TLSv1: "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3" };
    const pairs = json.protocols.flatMap((p) => p.suites.map((s) => [p.version, s.openssl!] as const));
    const refusedByOpenssl: string[] = [];
    for (let i = 0; i < pairs.length; i += 8) {
      await Promise.all(
        pairs.slice(i, i + 8).map(async ([v, name]) => {
          const args = v === "TLSv1.3" ? ["-ciphersuites", name] : ["-cipher", `${name}:@SECLEVEL=0`];
          const r = await sClient("127.0.0.1", legacy.port, [flags[v]!, ...args]);
          if (r.cipher !== name || r.protocol !== v) refusedByOpenssl.push(`${v} ${name}`);
        }),
      );
    }
    expect(pairs).toHaveLength(91);
    expect(refusedByOpenssl).toEqual([]);
  });

  it("modern and ECDSA: the same set as sslscan; TLS 1.0 and 1.1 refused on modern", async () => {
    for (const srv of [modern, ecdsa]) {
      const [ours, theirs] = await Promise.all([ciphers(srv.port), sslscanSet(srv.port)]);
      expect(ourSet(ours.json), srv.name).toEqual(theirs);
      expect(theirs.length).toBeGreaterThan(0);
    }
    const m = (await ciphers(modern.port, "--engine", "node")).json;
    expect(m.protocols.map((p) => [p.version, p.accepted])).toEqual([["SSLv3", false], ["TLSv1", false], ["TLSv1.1", false], ["TLSv1.2", true], ["TLSv1.3", true]]);
    expect(m.findings.map((f) => f.id)).not.toContain("protocol.tls10-accepted");
    const e = (await ciphers(ecdsa.port)).json;
    expect(e.protocols.flatMap((p) => p.suites).every((s) => !/ECDHE-RSA|^DHE-RSA|^AES/.test(s.openssl ?? ""))).toBe(true);
  });

  it("the table states the aborted connections the run cost", async () => {
    // A wide terminal keeps the sentence on one line (at 80 columns it wraps under a hanging indent).
    const r = await runCli(["ciphers", `127.0.0.1:${modern.port}`, "--engine", "node"], { timeoutMs: 60_000, env: { COLUMNS: "250" } });
    expect(r.stdout).toMatch(/Aborted connections this run: \d+ of \d+ \(no limit \(loopback is exempt from max_connect_errors\); engine node\)/);
    expect(r.stdout).toMatch(/TLSv1\.2: accepted, \d+ suite\(s\)/);
    expect(r.stdout).toContain("ECDHE-RSA-AES128-GCM-SHA256");
  });

  it("--max-aborted stops the scan, says what it did not scan and how to raise it, and keeps to the limit", async () => {
    const { json, code } = await ciphers(legacy.port, "--engine", "raw", "--max-aborted", "5");
    expect(json.abortedConnections).toBeLessThanOrEqual(5);
    expect(json.budget).toMatchObject({ limit: 5, stopped: true });
    expect(json.budget.notScanned.length).toBeGreaterThan(0);
    const f = json.findings.find((x) => x.id === "scan.budget-exhausted")!;
    expect(f.fix).toContain("--max-aborted");
    // What the budget left unscanned was not checked: exit 3, as for any check that could not run.
    expect(code).toBe(3);
  });

  it("with credentials, a successful login resets the count between batches, so a small budget still finishes", async () => {
    const r = await runCli(["ciphers", `mysql://${legacy.admin.user}@127.0.0.1:${legacy.port}`, "--json", "--engine", "raw", "--max-aborted", "10", "--no-groups"], {
      env: { MYSQL_PWD: legacy.admin.password },
      timeoutMs: 90_000,
    });
    expect(r.stdout).not.toContain(legacy.admin.password);
    expect(r.stderr).not.toContain(legacy.admin.password);
    const json = JSON.parse(r.stdout) as CiphersJson & { budget: { resets: number } };
    expect(json.budget.stopped).toBe(false);
    expect(json.budget.resets).toBeGreaterThan(0);
    expect(json.abortedConnections).toBeGreaterThan(10);
    expect(counts(json)).toEqual({ SSLv3: 0, TLSv1: 16, "TLSv1.1": 16, "TLSv1.2": 56, "TLSv1.3": 3 });
  });

  it("with the node engine and a budget of 15 the legacy scan is complete", async () => {
    const { json } = await ciphers(legacy.port, "--engine", "node", "--max-aborted", "15");
    expect(json.budget.stopped).toBe(false);
    expect(json.protocols.every((p) => p.complete)).toBe(true);
    expect(counts(json)).toEqual({ SSLv3: 0, TLSv1: 16, "TLSv1.1": 16, "TLSv1.2": 56, "TLSv1.3": 3 });
  });
});

describe("suites Node's OpenSSL cannot negotiate", () => {
  let psk: OpenSslMysql;
  let scripted: TlsResponder;
  beforeAll(async () => {
    const certs = await makeCerts();
    // PSK suites: Debian's OpenSSL serves them, Node's client never offers them (no PSK callback).
    psk = await startOpenSslBehindMysql({ cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key, cipher: "PSK-AES128-CBC-SHA:PSK-AES256-GCM-SHA384:AES128-SHA:@SECLEVEL=0", minProtocol: "TLSv1.2", maxProtocol: "TLSv1.2", extraArgs: ["-psk", "0123456789abcdef"] });
    // RC4, EXPORT, NULL and 3DES: no OpenSSL here has them; the scripted responder does, for SSL 3.0 to TLS 1.2.
    scripted = await startTlsResponder({ suites: [0x0005, 0x0003, 0x0002, 0x000a, 0x002f, 0x0033], versions: ["SSLv3", "TLSv1", "TLSv1.2"], serverPreference: false, dhBits: 1024 });
  });
  afterAll(async () => {
    await Promise.all([psk?.stop(), scripted?.stop()]);
  });

  it("PSK suites served by openssl s_server are found by the raw engine, and node:tls finds the rest", async () => {
    const speakable = nodeSpeakableCodes();
    const pskCode = suiteByIana("TLS_PSK_WITH_AES_128_CBC_SHA")!.code;
    expect(speakable.has(pskCode)).toBe(false);
    // s_server serves one connection at a time and never answers the refused login (it waits out --timeout): one
    // connection at a time, or the probe and the scan, which starts at the greeting, only time each other out.
    const { json } = await ciphers(psk.port, "--engine", "node", "--no-groups", "--timeout", "1", "--concurrency", "1");
    const v12 = json.protocols.find((p) => p.version === "TLSv1.2")!;
    expect(v12.suites.map((s) => `${s.openssl} ${s.engine}`).sort()).toEqual(["AES128-SHA node", "PSK-AES128-CBC-SHA raw", "PSK-AES256-GCM-SHA384 raw"]);
  });

  it("a 512-bit DHE prime (Debian's OpenSSL will not even serve one; the scripted responder does): a high finding", async () => {
    const weak = await startTlsResponder({ suites: [0x0033, 0x002f], versions: ["TLSv1.2"], dhBits: 512 });
    try {
      const { json } = await ciphers(weak.port, "--engine", "node", "--no-groups");
      const v12 = json.protocols.find((p) => p.version === "TLSv1.2")!;
      expect(v12.suites.map((s) => s.openssl).sort()).toEqual(["AES128-SHA", "DHE-RSA-AES128-SHA"]);
      expect(v12.suites.find((s) => s.openssl === "DHE-RSA-AES128-SHA")!.dhBits).toBe(512);
      expect(json.findings.find((f) => f.id === "cipher.dhe-weak-params")).toMatchObject({ severity: "high" });
    } finally {
      await weak.stop();
    }
  });

  it("a server that enforces its order (openssl s_server -serverpref): both engines report it and list the suites in it", async () => {
    const certs = await makeCerts();
    const order = ["ECDHE-RSA-AES256-GCM-SHA384", "AES128-SHA", "ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA", "DHE-RSA-AES128-GCM-SHA256"];
    const srv = await startOpenSslBehindMysql({ cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key, cipher: `${order.join(":")}:@SECLEVEL=0`, minProtocol: "TLSv1.2", maxProtocol: "TLSv1.2", extraArgs: ["-serverpref"] });
    try {
      for (const engine of ["node", "raw"]) {
        // s_server is no MySQL server past TLS: our refused login waits out --timeout, so keep it short; and it serves
        // one connection at a time, so one at a time.
        const { json } = await ciphers(srv.port, "--engine", engine, "--no-groups", "--timeout", "1", "--concurrency", "1");
        const v12 = json.protocols.find((p) => p.version === "TLSv1.2")!;
        expect(v12.serverPreference, engine).toBe(true);
        expect(v12.suites.map((s) => s.openssl), engine).toEqual(order);
      }
    } finally {
      await srv.stop();
    }
  });

  it("RC4, EXPORT, NULL and 3DES from the scripted responder, with their findings", async () => {
    const { json } = await ciphers(scripted.port, "--engine", "node", "--no-groups");
    const names = (v: string) => json.protocols.find((p) => p.version === v)!.suites.map((s) => s.openssl).sort();
    const expected = ["AES128-SHA", "DES-CBC3-SHA", "DHE-RSA-AES128-SHA", "EXP-RC4-MD5", "NULL-SHA", "RC4-SHA"];
    expect(names("SSLv3")).toEqual(expected);
    expect(names("TLSv1")).toEqual(expected);
    expect(names("TLSv1.2")).toEqual(expected);
    expect(json.protocols.find((p) => p.version === "TLSv1.1")!.accepted).toBe(false);
    const ids = json.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["protocol.sslv3-accepted", "cipher.insecure", "cipher.export", "cipher.null", "cipher.weak", "cipher.dhe-weak-params"]));
    expect(json.findings.find((f) => f.id === "cipher.dhe-weak-params")!.evidence).toContain("DHE-RSA-AES128-SHA: 1024-bit prime");
    // Node can speak AES128-SHA but not complete a handshake with a scripted peer: the raw engine settles it.
    expect(json.protocols.find((p) => p.version === "TLSv1.2")!.suites.find((s) => s.openssl === "RC4-SHA")!.engine).toBe("raw");
  });
});
