// Bad input of issue 3, each with a test: servers that answer the ClientHello with a MySQL ERR packet, garbage,
// a close mid-handshake, a ServerHello for a suite or version we did not ask for, silence, or refusal of all.
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startFakeMysql } from "../support/fake-mysql/server.js";
import { startTlsResponder, type TlsResponder, type TlsResponderOptions } from "../support/tls-responder.js";

interface Out {
  protocols: { version: string; accepted: boolean | null; suites: { openssl?: string }[] }[];
  abortedConnections: number;
  problems: { version?: string; reason: string; detail: string }[];
  findings: { id: string; severity: string; evidence: string }[];
}

let server: TlsResponder | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function scan(opts: TlsResponderOptions, ...args: string[]): Promise<{ out: Out; code: number | null; stderr: string; ms: number }> {
  server = await startTlsResponder(opts);
  const r = await runCli(["ciphers", `127.0.0.1:${server.port}`, "--json", "--timeout", "1", "--no-groups", ...args], { timeoutMs: 60_000 });
  return { out: JSON.parse(r.stdout) as Out, code: r.code, stderr: r.stderr, ms: r.ms };
}

const AES128_SHA = 0x002f;
const byId = (o: Out, id: string) => o.findings.find((f) => f.id === id);

describe("ciphers against hostile servers", () => {
  it("a MySQL ERR packet instead of TLS (old yaSSL): the server's message is reported, not 'inconclusive'", async () => {
    for (const engine of ["raw", "node"]) {
      const { out, code, stderr } = await scan({ suites: [AES128_SHA], mode: "err-packet", errno: 1043, message: "Bad handshake" }, "--engine", engine);
      expect(stderr).toBe("");
      const f = byId(out, "scan.server-error")!;
      expect(f.evidence, engine).toContain("1043");
      expect(f.evidence).toContain("Bad handshake");
      expect(out.protocols.every((p) => p.accepted === null)).toBe(true);
      expect(byId(out, "protocol.undetermined")!.evidence).toContain("Bad handshake");
      // Nothing could be scanned: an "error" finding, which fails the run with 3 (could not check), as in the audit.
      expect(code).toBe(3);
    }
  });

  it("garbage in answer to the ClientHello", async () => {
    const { out } = await scan({ suites: [AES128_SHA], mode: "garbage" });
    expect(byId(out, "scan.garbage")!.evidence).toMatch(/not TLS/);
  });

  it("a close mid-handshake is a broken handshake, not a refusal", async () => {
    const { out } = await scan({ suites: [AES128_SHA], mode: "close-mid-handshake" });
    expect(byId(out, "scan.closed")!.evidence).toMatch(/mid-handshake/);
    expect(byId(out, "protocol.none-accepted")).toBeUndefined();
  });

  it("a ServerHello for a suite we did not offer is a server bug, and not trusted", async () => {
    const { out } = await scan({ suites: [AES128_SHA], mode: "unoffered-suite" });
    expect(byId(out, "tls.server-bug")!.evidence).toMatch(/did not offer/);
    expect(out.protocols.flatMap((p) => p.suites)).toEqual([]);
  });

  it("a ServerHello for a version we did not ask for is a server bug", async () => {
    const { out } = await scan({ suites: [AES128_SHA], mode: "wrong-version", versions: ["TLSv1"] });
    expect(byId(out, "tls.server-bug")!.evidence).toMatch(/higher than|TLS 1\.3 without/);
  });

  it("a server that stalls: each probe times out at --timeout, and the run says so", async () => {
    const { out, ms } = await scan({ suites: [AES128_SHA], mode: "stall" });
    expect(byId(out, "scan.timeout")!.evidence).toMatch(/within 1 s/);
    expect(ms).toBeLessThan(15_000);
  });

  it("a server that rejects every suite: every version refused, one clear finding", async () => {
    const { out, code } = await scan({ suites: [] });
    expect(out.protocols.map((p) => p.accepted)).toEqual([false, false, false, false, false]);
    expect(byId(out, "protocol.none-accepted")).toBeDefined();
    expect(out.problems).toEqual([]);
    // One raw probe per chunk of suites and version (64 per offer up to TLS 1.1, 150 above).
    expect(out.abortedConnections).toBeLessThanOrEqual(11);
    // protocol.none-accepted is an "error" finding (nothing could be negotiated): exit 3, as any check that could not run.
    expect(code).toBe(3);
  });

  it("a host blocked by max_connect_errors (ERR 1129 instead of a greeting): exit 3, one line with the server's words", async () => {
    server = await startTlsResponder({ suites: [AES128_SHA], front: { behaviour: "err-greeting", errno: 1129, message: "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'" } });
    const r = await runCli(["ciphers", `127.0.0.1:${server.port}`, "--json", "--timeout", "1"], { timeoutMs: 30_000 });
    expect(r.code).toBe(3);
    // --json still prints one document, with the error inside (#11).
    expect(JSON.parse(r.stdout)).toMatchObject({ command: "ciphers", error: { code: "server-error", step: "greeting" }, findings: [{ id: "audit.target-unreachable" }] });
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("1129");
    expect(r.stderr).toContain("is blocked because of many connection errors");
  });

  it("a server whose greeting lacks CLIENT_SSL: a critical finding and exit 1, not an error", async () => {
    const front = await startFakeMysql({ behaviour: "no-ssl" });
    try {
      const r = await runCli(["ciphers", `127.0.0.1:${front.port}`, "--json", "--timeout", "1"], { timeoutMs: 30_000 });
      const out = JSON.parse(r.stdout) as Out;
      expect(out.findings.map((f) => [f.id, f.severity])).toEqual([["tls.not-offered", "critical"]]);
      expect(r.code).toBe(1);
    } finally {
      await front.stop();
    }
  });

  it("the rest of the scan goes on: a normal responder is enumerated in full next to these", async () => {
    const { out } = await scan({ suites: [0x000a, AES128_SHA], versions: ["TLSv1", "TLSv1.2"], serverPreference: true });
    expect(out.protocols.find((p) => p.version === "TLSv1.2")!.suites.map((s) => s.openssl)).toEqual(["DES-CBC3-SHA", "AES128-SHA"]);
  });
});
