import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeMysql, type FakeMysql, type FakeMysqlOptions } from "../support/fake-mysql/server.js";
import { runCli, isOneLineError } from "../support/cli.js";

const started: FakeMysql[] = [];
async function fake(opts: FakeMysqlOptions): Promise<FakeMysql> {
  const s = await startFakeMysql(opts);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function probeJson(s: { host: string; port: number }): Promise<any> {
  const r = await runCli(["probe", `${s.host}:${s.port}`, "--json"]);
  expect(r.stderr).toBe("");
  return { ...JSON.parse(r.stdout), exitCode: r.code };
}

describe("probe against the protocol-faithful test server (what MariaDB cannot show)", () => {
  it("an Oracle MySQL 8.4 greeting: flavour mysql, caching_sha2_password, TLS, and a refused probe login", async () => {
    const s = await fake({ greeting: "mysql-8.4" });
    const j = await probeJson(s);
    expect(j.exitCode).toBe(0);
    expect(j.server).toMatchObject({ version: "8.4.3", versionNumber: "8.4.3", flavor: "mysql", authPlugin: "caching_sha2_password", collation: "utf8mb4_0900_ai_ci" });
    expect(j.server.capabilities).toContain("CLIENT_SSL");
    expect(j.server.mariadbCapabilities).toBeUndefined();
    expect(j.tls.offered).toBe(true);
    expect(j.tls.protocol).toBe("TLSv1.3");
    expect(j.tls.closedWith).toBe("auth-error");
    // The probe logged in as an unknown user and was refused: an authentication error, not an aborted handshake.
    const failed = await s.waitForEvent("auth-failed");
    expect(JSON.stringify(failed)).toContain("mysql-tls-audit");
  });

  it.each([
    ["mysql-5.7", "mysql", "5.7.44", "mysql_native_password"],
    ["percona-8.0", "percona", "8.0.36", "caching_sha2_password"],
    ["mariadb-10.11-like", "mariadb", "10.11.6", "mysql_native_password"],
  ] as const)("%s greeting → %s %s", async (greeting, flavor, versionNumber, plugin) => {
    const j = await probeJson(await fake({ greeting }));
    expect(j.server.flavor).toBe(flavor);
    expect(j.server.versionNumber).toBe(versionNumber);
    expect(j.server.authPlugin).toBe(plugin);
  });

  it("a server without CLIENT_SSL: says it cannot encrypt at all, exit 1 as every command (#11)", async () => {
    const s = await fake({ greeting: "mysql-8.4", behaviour: "no-ssl" });
    const j = await probeJson(s);
    expect(j.exitCode).toBe(1);
    expect(j.tls.offered).toBe(false);
    expect(j.findings.map((f: { id: string }) => f.id)).toEqual(["tls.not-offered"]);
    const text = await runCli(["probe", `${s.host}:${s.port}`]);
    expect(text.stdout).toContain("cannot encrypt connections at all");
  });

  it("protocol 9 is reported as too old", async () => {
    const j = await probeJson(await fake({ behaviour: "protocol-9" }));
    expect(j.greeting).toBe("handshake-v9");
    expect(j.findings[0].id).toBe("server.protocol-9");
  });

  it.each([
    [1129, "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'", /FLUSH HOSTS.*max_connect_errors/],
    [1040, "Too many connections", /max_connections/],
    [1130, "Host '127.0.0.1' is not allowed to connect to this MySQL server", /CREATE USER/],
  ])("an ERR %i greeting is reported with the server's own message and what to do, exit 3", async (errno, message, advice) => {
    const s = await fake({ behaviour: "err-greeting", errno, message });
    const j = await probeJson(s);
    expect(j.exitCode).toBe(3);
    expect(j.serverError).toMatchObject({ errno, message });
    expect(j.serverError.advice).toMatch(advice);
    const text = await runCli(["probe", `${s.host}:${s.port}`], { env: { COLUMNS: "250" } });
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(message);
    expect(text.stdout).toMatch(advice);
    expect(isOneLineError(text.stderr)).toBe(true);
  });
});

// The audit's rule, whatever the command (#11): a server whose greeting offers TLS but whose upgrade fails is
// audited, not dropped; the failure is the finding tls.handshake-failed (high: exit 1 at the default --fail-on),
// with the cause as its evidence, in probe as in the audit.
describe("probe: a failed TLS upgrade is the audit's tls.handshake-failed finding, exit 1 as the audit", () => {
  const cases: [string, FakeMysqlOptions, RegExp][] = [
    ["a drop after the SSLRequest", { behaviour: "drop-after-ssl-request" }, /the server closed the connection after the SSLRequest/],
    ["a failing TLS handshake (alert)", { behaviour: "tls-alert" }, /TLS handshake failed: .*handshake failure/],
    ["non-TLS bytes after the SSLRequest", { behaviour: "tls-garbage" }, /the server answered the ClientHello with bytes that are not TLS/],
    ["an ERR packet instead of TLS", { behaviour: "err-after-ssl-request", errno: 1043, message: "Bad handshake" }, /MySQL error 1043.*Bad handshake/],
  ];
  it.each(cases)("%s", async (_name, opts, cause) => {
    const s = await fake({ greeting: "mysql-8.4", ...opts });
    const target = `${s.host}:${s.port}`;
    const text = await runCli(["probe", target, "--timeout", "1", "--no-color"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/TLS handshake\s+failed: /);
    expect(text.stdout).toContain("tls.handshake-failed");
    const json = await runCli(["probe", target, "--timeout", "1", "--json"]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { handshakeError: string; findings: { id: string; severity: string; evidence: string }[] };
    expect(doc.handshakeError).toMatch(cause);
    expect(doc.findings.map((f) => [f.id, f.severity])).toEqual([["tls.handshake-failed", "high"]]);
    expect(doc.findings[0]!.evidence).toMatch(cause);
    // The audit says the same, under its connectivity check.
    const audit = JSON.parse((await runCli(["audit", target, "--timeout", "1", "--json", "--skip", "protocols,ciphers,certificate"])).stdout) as { targets: { findings: { id: string; check: string; evidence: string }[] }[] };
    expect(audit.targets[0]!.findings.filter((f) => f.check === "connectivity").map((f) => [f.id, f.evidence])).toEqual([["tls.handshake-failed", doc.findings[0]!.evidence]]);
  });
});

describe("probe: bad input ends in one line naming the target and the cause, exit 3", () => {
  const cases: [string, FakeMysqlOptions, RegExp][] = [
    ["garbage", { behaviour: "garbage", garbage: Buffer.from([0x9a, 0x01, 0xfe, 0x33, 0x00, 0x17, 0xee, 0x42]) }, /not a MySQL server/],
    ["immediate close", { behaviour: "close" }, /closed the connection/],
    ["truncated packet", { behaviour: "truncated" }, /closed the connection in the middle of a packet/],
    ["oversized packet", { behaviour: "oversized" }, /announces 16777215 bytes|not a MySQL greeting/],
    ["silence", { behaviour: "silent" }, /no greeting within 1 s: the port accepted the connection but sent nothing/],
  ];
  it.each(cases)("%s", async (_name, opts, cause) => {
    const s = await fake({ greeting: "mysql-8.4", ...opts });
    const r = await runCli(["probe", `${s.host}:${s.port}`, "--timeout", "1"]);
    expect(r.code).toBe(3);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain(`127.0.0.1:${s.port}`);
    expect(r.stderr).toMatch(cause);
    expect(r.stdout).toBe("");
  });

  it("an HTTP server", async () => {
    const srv = http.createServer((_q, res) => res.end("hello"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      // HTTP servers wait for a request; we wait for a greeting. Both stay silent: the read timeout decides.
      const r = await runCli(["probe", `127.0.0.1:${port}`, "--timeout", "1"]);
      expect(r.code).toBe(3);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/no greeting within 1 s/);
    } finally {
      srv.close();
    }
  });

  it("an HTTP server that speaks first", async () => {
    const s = await fake({ behaviour: "http" });
    const r = await runCli(["probe", `${s.host}:${s.port}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not a MySQL server: it answered like an HTTP server \("HTTP\/1\.1 400 Bad Request"\)/);
  });

  it("a DNS failure", async () => {
    const r = await runCli(["probe", "no-such-host.invalid:3306"]);
    expect(r.code).toBe(3);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/no-such-host\.invalid:3306: connect: host name does not resolve/);
  });

  it("a malformed target is a usage error, exit 2", async () => {
    const r = await runCli(["probe", "db:99999"]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/port 99999 is out of range/);
  });
});
