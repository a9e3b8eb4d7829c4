// The one connection layer (src/net/connection.ts): every way a connection can end is one typed outcome, with
// whether the server counts it as an aborted handshake; judged by what the protocol-faithful server received.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { connectMysql, type TlsStep } from "../../src/net/connection.js";
import { nodeTlsStep } from "../../src/tls/node-handshake.js";
import { startFakeMysql, type FakeMysql, type FakeMysqlOptions } from "../support/fake-mysql/server.js";

// Each test's server, stopped together at the end.
const servers = new Set<FakeMysql>();
const fake = (opts: FakeMysqlOptions): Promise<FakeMysql> => startFakeMysql(opts).then((s) => servers.add(s) && s);
afterAll(() => Promise.all([...servers].map((s) => s.stop())));

const T = { connectTimeoutMs: 3000, readTimeoutMs: 3000 };
const nodeStep = nodeTlsStep({ timeoutMs: 3000, ca: [] }, (r) => r.protocol);
const target = (s: { host: string; port: number }) => ({ host: s.host, port: s.port });

describe("connectMysql: one connection, one typed outcome", () => {
  it("a completed handshake ends with the refused login: tls-ok, not aborted, and the server saw the probe user refused", async () => {
    const s = await fake({ greeting: "mysql-8.4" });
    const o = await connectMysql(target(s), nodeStep, T);
    expect(o.kind).toBe("tls-ok");
    if (o.kind !== "tls-ok") return;
    expect(o.value).toBe("TLSv1.3");
    expect(o.login.outcome).toBe("auth-error");
    expect(o.aborted).toBe(false);
    expect(JSON.stringify(await s.waitForEvent("auth-failed"))).toContain("mysql-tls-audit");
  });

  it("a step that stops after the first flight: tls-aborted, counted, and no login follows", async () => {
    const s = await fake({ greeting: "mariadb-10.11-like" });
    const step: TlsStep<string> = async ({ socket }) => {
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])); // an empty handshake record: the server gives up
      return { abort: true, value: "stopped" };
    };
    const o = await connectMysql(target(s), step, T);
    expect(o).toMatchObject({ kind: "tls-aborted", value: "stopped", aborted: true });
    await s.waitForEvent("ssl-request");
    expect(s.events.some((e) => e.kind === "handshake-response")).toBe(false);
  });

  it("no CLIENT_SSL: no-tls, ended with a refused clear-text login (not counted)", async () => {
    const s = await fake({ behaviour: "no-ssl" });
    const o = await connectMysql(target(s), nodeStep, T);
    expect(o).toMatchObject({ kind: "no-tls", aborted: false, login: { outcome: "auth-error" } });
    await s.waitForEvent("handshake-response");
    expect(s.events.some((e) => e.kind === "ssl-request")).toBe(false);
  });

  it("protocol 9: no-tls, closed after the greeting (counted)", async () => {
    const s = await fake({ behaviour: "protocol-9" });
    expect(await connectMysql(target(s), nodeStep, T)).toMatchObject({ kind: "no-tls", aborted: true });
  });

  it("an ERR packet instead of a greeting: server-error with its errno, not counted", async () => {
    const s = await fake({ behaviour: "err-greeting", errno: 1129, message: "Host is blocked" });
    const o = await connectMysql(target(s), nodeStep, T);
    expect(o).toMatchObject({ kind: "server-error", aborted: false, greeting: { errno: 1129 } });
  });

  it("a TLS alert: tls-failed, counted, with the step it failed at", async () => {
    const s = await fake({ behaviour: "tls-alert" });
    const o = await connectMysql(target(s), nodeStep, T);
    expect(o).toMatchObject({ kind: "tls-failed", aborted: true, error: { details: { step: "tls-handshake" } } });
  });

  it("another kind of service, and a closed port: not-mysql and connect-failed, never thrown", async () => {
    const s = await fake({ behaviour: "http" });
    const o = await connectMysql(target(s), nodeStep, T);
    expect(o.kind).toBe("not-mysql");
    if (o.kind === "not-mysql") expect(o.error.message).toMatch(/HTTP/);
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    expect(await connectMysql({ host: "127.0.0.1", port }, nodeStep, T)).toMatchObject({ kind: "connect-failed", aborted: false, error: { details: { step: "connect" } } });
  });
});
