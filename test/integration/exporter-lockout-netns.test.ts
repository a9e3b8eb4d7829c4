// The exporter on a real network path, where MariaDB counts aborted handshakes (loopback is exempt). A hundred
// scrapes of the default module against servers with max_connect_errors=10 must leave the exporter's host
// unblocked, and every aborted connection the exporter reports must be one the server counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCacheRow, startMariaDB, type HostCacheRow, type MariaDB } from "../support/mariadb.js";
import { createNetnsPair, namespaceSupport, SCANNER_ADDR, SERVER_ADDR, type NetnsPair } from "../support/netns.js";
import { startExporter, type RunningExporter } from "../support/exporter.js";
import { runCli } from "../support/cli.js";

const MAX_CONNECT_ERRORS = 10;
const SCRAPES = 100;

const support = await namespaceSupport();
if (!support.ok) console.warn(`exporter-lockout-netns: SKIPPED: ${support.reason}`);


describe.skipIf(!support.ok)("serve across a veth pair: 100 scrapes at max_connect_errors=10", () => {
  let pair: NetnsPair | undefined;
  let modern: MariaDB | undefined;
  let off: MariaDB | undefined;
  let exporter: RunningExporter | undefined;

  beforeAll(async () => {
    pair = await createNetnsPair();
    const common = {
      maxConnectErrors: MAX_CONNECT_ERRORS,
      performanceSchema: true,
      skipNameResolve: false,
      bindAddress: SERVER_ADDR,
      launcher: pair.server.launcher,
      adminHosts: ["localhost", "%"],
    };
    [modern, off] = await Promise.all([
      startMariaDB({ ...common, name: "exp-modern", tls: { cert: "rsa", tlsVersion: "TLSv1.2,TLSv1.3" }, port: 3306 }),
      startMariaDB({ ...common, name: "exp-off", tls: false, port: 3307 }),
    ]);
    exporter = await startExporter({ prefix: pair.scanner.launcher });
  }, 180_000);

  afterAll(async () => {
    try {
      await exporter?.stop();
      await Promise.all([modern?.stop(), off?.stop()]);
    } finally {
      await pair?.remove();
    }
  });

  const row = (db: MariaDB): Promise<HostCacheRow | undefined> => hostCacheRow(db, SCANNER_ADDR);

  /** Scrapes /probe `n` times from inside the scanner namespace (where the exporter listens); returns each answer's aborted count. */
  async function scrape(target: string, n: number): Promise<{ success: number[]; aborted: number[] }> {
    const script = `
      const out = { success: [], aborted: [] };
      for (let i = 0; i < ${n}; i++) {
        const t = await (await fetch(${JSON.stringify(`${exporter!.url}/probe?target=${target}`)}, { headers: { "X-Prometheus-Scrape-Timeout-Seconds": "10" } })).text();
        out.success.push(Number(/^probe_success (\\S+)$/m.exec(t)?.[1]));
        out.aborted.push(Number(/^mysql_tls_aborted_connections (\\S+)$/m.exec(t)?.[1]));
      }
      console.log(JSON.stringify(out));`;
    return JSON.parse(await pair!.scanner.exec([process.execPath, "--input-type=module", "-e", script], { timeoutMs: 300_000 }));
  }

  it("a modern server (TLS 1.2 and 1.3): the one refused range costs 1, once; the host stays unblocked", async () => {
    await modern!.query("FLUSH HOSTS");
    const t0 = Date.now();
    const r = await scrape(`${SERVER_ADDR}:3306`, SCRAPES);
    const after = await row(modern!);
    const spent = r.aborted.reduce((a, b) => a + b, 0);
    console.log(`exporter-lockout-netns: ${SCRAPES} scrapes of a modern server in ${Date.now() - t0} ms; aborted per scrape summed ${spent}; host_cache ${JSON.stringify(after)}`);
    expect(r.success.every((s) => s === 1)).toBe(true);
    // Measured: a handshake the server refuses (protocol_version alert) is counted like an aborted one.
    expect(spent).toBe(1);
    expect(after?.SUM_CONNECT_ERRORS).toBe(spent);
    expect(after?.COUNT_HOST_BLOCKED_ERRORS ?? 0).toBe(0);
    const last = await runCli(["probe", `${SERVER_ADDR}:3306`, "--json"], { prefix: pair!.scanner.launcher });
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout).greeting).toBe("handshake-v10");
    expect(last.stdout).not.toMatch(/1129/);
  });

  it("a server without TLS: each scrape ends in a refused clear-text login, so it costs nothing", async () => {
    await off!.query("FLUSH HOSTS");
    const r = await scrape(`${SERVER_ADDR}:3307`, SCRAPES);
    const after = await row(off!);
    console.log(`exporter-lockout-netns: ${SCRAPES} scrapes of a server without TLS; host_cache ${JSON.stringify(after)}`);
    expect(r.success.every((s) => s === 1)).toBe(true);
    expect(r.aborted.every((a) => a === 0)).toBe(true);
    expect(after?.SUM_CONNECT_ERRORS ?? 0).toBe(0);
    expect(after?.COUNT_HOST_BLOCKED_ERRORS ?? 0).toBe(0);
    const last = await runCli(["probe", `${SERVER_ADDR}:3307`, "--json"], { prefix: pair!.scanner.launcher });
    expect(JSON.parse(last.stdout).greeting).toBe("handshake-v10");
  });
});
