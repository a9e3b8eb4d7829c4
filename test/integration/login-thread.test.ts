// #13: the audit's SQL login runs on the helper thread (tls/node-probe-pool.ts, sql/session-host.ts), so that
// mysql2, the handshake and the rows never take the main thread's time from the scan. The compiled build (dist/,
// what the CLI runs) is exercised: under vitest the sources have no compiled worker entry and log in on this
// thread (session-lifetime.test.ts). Judged by what the fake server saw, and by what this thread loaded.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckContext } from "../../dist/checks/check.js";
import { withSession } from "../../dist/checks/session.js";
import { TargetScheduler } from "../../dist/net/scheduler.js";
import { DEFAULT_POLICY } from "../../dist/policy/policy.js";
import { Secret, type LoginSpec } from "../../dist/sql/credentials.js";
import { SessionLost } from "../../dist/errors.js";
import { loginSession, resetServerCount, resetServerCountAhead } from "../../dist/sql/login-thread.js";
import { stopProbeWorkersForTest } from "../../dist/tls/node-probe-pool.js";
import { login as loginHere } from "../../dist/sql/login.js";
import { loopbackContext } from "../support/held-context.js";
import type { FakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model, startMysql84 } from "../support/mysql-model.js";

const PW = "login-thread-pw";
const TLS_VERSION = "SHOW GLOBAL VARIABLES LIKE 'tls_version'";
const TLS_ROWS = [{ Variable_name: "tls_version", Value: "TLSv1.2,TLSv1.3" }];

let fake: FakeMysql;
beforeAll(async () => {
  fake = await startMysql84(PW, mysql84Model({ denied: ["mysql.user"] }));
});
afterAll(() => fake?.stop());

const spec = (password = PW): LoginSpec => ({ host: "127.0.0.1", port: fake.port, user: "audit", password: new Secret(password), passwordSource: "command line", sslMode: "REQUIRED", optionFiles: [] });

/** A target's context as the audit makes it, with its end-of-target cleanups held back until `finish()`. */
function context(): { ctx: CheckContext; finish: () => Promise<void>; scheduler: TargetScheduler } {
  const scheduler = new TargetScheduler({ maxConnections: 4 });
  return { ...loopbackContext<CheckContext>({ port: fake.port, login: spec(), policy: DEFAULT_POLICY, scheduler }), scheduler };
}

const newConnections = (since: number) => [...new Set(fake.events.filter((e) => e.conn > since).map((e) => e.conn))];
const mysql2Here = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("/node_modules/mysql2/"));

describe("the SQL login on the helper thread", () => {
  it("answers as a login here would, and mysql2 never loads on this thread", async () => {
    const before = fake.connections;
    const { ctx, finish } = context();
    const rows = await withSession(ctx, async (s) => {
      expect(s.flavor).toBe("mysql");
      expect(s.currentUser).toBe("audit@%");
      expect(s.tls.encrypted).toBe(true);
      return s.query(TLS_VERSION, ["Variable_name", "Value"]);
    });
    expect(rows).toEqual(TLS_ROWS);
    await fake.waitForEvent("closed", (e) => e.conn > before, 10_000);
    await finish();
    expect(newConnections(before)).toHaveLength(1);
    // It ends as the mysql client does: COM_QUIT (0x01).
    expect(fake.events.filter((e) => e.conn > before && e.kind === "command").map((e) => e.detail?.command)).toEqual([0x01]);
    expect(mysql2Here()).toEqual([]);
  });

  it("holds one connection slot from its login to its close", async () => {
    const { scheduler } = context();
    const s = await loginSession(spec(), { scheduler });
    // One of the four slots is the session's: a fifth taker waits until it closes.
    const three = await Promise.all([0, 1, 2].map(() => scheduler.slot()));
    let fourth = false;
    const waiting = scheduler.slot().then((r) => {
      fourth = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(fourth).toBe(false);
    await s.close();
    (await waiting)();
    three.forEach((r) => r());
  });

  it("fails as the login here fails: a wrong password, the same code and message, no password in it", async () => {
    const there = await loginSession(spec("wrong password")).catch((e: unknown) => e as { code: string; message: string });
    const here = await loginHere(spec("wrong password")).catch((e: unknown) => e as { code: string; message: string });
    expect(there).toMatchObject({ code: (here as { code: string }).code, message: (here as { message: string }).message });
    expect(String((there as { message: string }).message)).not.toContain("wrong password");
  });

  it("a query the server refuses keeps its error number; the session goes on", async () => {
    const s = await loginSession(spec());
    try {
      const err = await s.query("SELECT User AS user, Host AS host FROM mysql.user ORDER BY User, Host").catch((e: unknown) => e as { details?: { serverErrno?: number } });
      expect(err).toBeInstanceOf(Error);
      expect((err as { details?: { serverErrno?: number } }).details?.serverErrno).toBe(1142);
      expect(err).not.toBeInstanceOf(SessionLost);
      expect(await s.query(TLS_VERSION)).toEqual(TLS_ROWS);
    } finally {
      await s.close();
    }
  });

  it("when the helper thread stops, the session's queries fail as a lost session, and a new login works", async () => {
    const s = await loginSession(spec());
    stopProbeWorkersForTest();
    // Rejected because the helper stopped (not by a read timeout, whose code would be "timeout").
    const err = await s.query(TLS_VERSION).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLost);
    expect(err).toMatchObject({ code: "internal", message: expect.stringMatching(/^the SQL session ended: a probe worker stopped/) });
    await s.close();
    const again = await loginSession(spec());
    expect(await again.query(TLS_VERSION)).toEqual(TLS_ROWS);
    await again.close();
  });
});

describe("the reset login on the helper thread", () => {
  it("logs in and quits without a query, and says false when refused", async () => {
    const before = fake.connections;
    expect(await resetServerCount(spec(), {})).toBe(true);
    await fake.waitForEvent("closed", (e) => e.conn > before, 10_000);
    const mine = fake.events.filter((e) => e.conn > before);
    expect(newConnections(before)).toHaveLength(1);
    expect(mine.map((e) => e.kind)).toContain("auth-ok");
    expect(mine.filter((e) => e.kind === "query")).toEqual([]);
    expect(await resetServerCount(spec("wrong password"), {})).toBe(false);
  });

  it("logs in on the connection it opened ahead, whose greeting waited in it", async () => {
    const before = fake.connections;
    const login = resetServerCountAhead(spec(), {});
    const opened = await fake.waitForEvent("greeting-sent", (e) => e.conn > before, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await login()).toBe(true);
    await fake.waitForEvent("closed", (e) => e.conn === opened.conn, 10_000);
    expect(newConnections(before)).toEqual([opened.conn]);
    expect(fake.events.filter((e) => e.conn === opened.conn).map((e) => e.kind)).toContain("auth-ok");
  });

  it("when the helper thread stops before the login, logs in on this thread instead", async () => {
    const before = fake.connections;
    const login = resetServerCountAhead(spec(), {});
    await fake.waitForEvent("greeting-sent", (e) => e.conn > before, 10_000);
    stopProbeWorkersForTest();
    await new Promise((r) => setTimeout(r, 50));
    expect(await login()).toBe(true);
    const authed = fake.events.filter((e) => e.conn > before && e.kind === "auth-ok");
    expect(authed).toHaveLength(1);
  });
});
