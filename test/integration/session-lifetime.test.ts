// The target's one login (checks/session.ts) and the login that resets the server's count of aborted connections
// (sql/login-json.ts), judged by what the fake server saw: which connections, which commands, and when each
// connection ended relative to what the client was still doing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckContext } from "../../src/checks/check.js";
import { withSession } from "../../src/checks/session.js";
import { TargetScheduler } from "../../src/net/scheduler.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { Secret, type LoginSpec } from "../../src/sql/credentials.js";
import { connectAhead, resetErrorCountWithLogin } from "../../src/sql/login-json.js";
import { loopbackContext } from "../support/held-context.js";
import type { FakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model, startMysql84 } from "../support/mysql-model.js";

const PW = "session-lifetime-pw";

let fake: FakeMysql;
beforeAll(async () => {
  fake = await startMysql84(PW, mysql84Model());
});
afterAll(() => fake?.stop());

const spec = (password = PW): LoginSpec => ({ host: "127.0.0.1", port: fake.port, user: "audit", password: new Secret(password), passwordSource: "command line", sslMode: "REQUIRED", optionFiles: [] });

/** A target's context as the audit makes it, with its end-of-target cleanups held back until `finish()`. */
function context(): { ctx: CheckContext; finish: () => Promise<void>; scheduler: TargetScheduler } {
  const scheduler = new TargetScheduler({ maxConnections: 4 });
  return { ...loopbackContext<CheckContext>({ port: fake.port, login: spec(), policy: DEFAULT_POLICY, scheduler }), scheduler };
}

const newConnections = (since: number) => fake.events.filter((e) => e.kind === "connect" && e.conn > since).map((e) => e.conn);
const lastConn = () => fake.connections;

describe("the target's login", () => {
  it("is one connection for every check that uses it, and ends when its last user is done, before the target's end", async () => {
    const before = lastConn();
    const { ctx, finish } = context();
    let release!: () => void;
    const scanStillRunning = new Promise<void>((r) => (release = r));
    // Two users, as settings and accounts: each queries, then waits for something else (the scan) without the login.
    const user = (sql: string) =>
      Promise.all([withSession(ctx, (s) => s.query(sql)), scanStillRunning]);
    const both = Promise.all([user("SHOW SESSION STATUS LIKE 'Ssl%'"), user("SHOW GLOBAL VARIABLES")]);
    const conns = () => newConnections(before);
    // The login's connection closes while both users still wait, and the target's cleanups have not run.
    await fake.waitForEvent("closed", (e) => e.conn > before, 10_000);
    expect(conns()).toHaveLength(1);
    const queries = fake.events.filter((e) => e.kind === "query" && e.conn > before).map((e) => String(e.detail?.sql));
    expect(queries).toEqual(expect.arrayContaining(["SHOW SESSION STATUS LIKE 'Ssl%'", "SHOW GLOBAL VARIABLES"]));
    release();
    await both;
    await finish();
    expect(conns()).toHaveLength(1);
  });

  it("gives its connection slot back when it ends", async () => {
    const { ctx, scheduler, finish } = context();
    await withSession(ctx, (s) => s.query("SHOW GLOBAL VARIABLES"));
    await fake.waitForEvent("closed", (e) => e.conn === lastConn(), 10_000);
    // All four slots are free again: taking them does not wait.
    const slots = await Promise.all([0, 1, 2, 3].map(() => scheduler.slot()));
    expect(slots).toHaveLength(4);
    slots.forEach((r) => r());
    await finish();
  });

  it("fails every user the same way when the password is wrong, with the step 'login'", async () => {
    const { ctx, finish } = context();
    ctx.options = { login: spec("wrong password") };
    const results = await Promise.allSettled([withSession(ctx, async () => 1), withSession(ctx, async () => 2)]);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason.details.step).toBe("login");
    }
    await finish();
  });
});

describe("the login that resets the count of aborted connections", () => {
  it("logs in and quits without a query", async () => {
    const before = lastConn();
    expect(await resetErrorCountWithLogin(spec(), {})).toBe(true);
    await fake.waitForEvent("closed", (e) => e.conn > before, 10_000);
    const mine = fake.events.filter((e) => e.conn > before);
    expect(new Set(mine.map((e) => e.conn)).size).toBe(1);
    expect(mine.map((e) => e.kind)).toContain("auth-ok");
    expect(mine.filter((e) => e.kind === "query")).toEqual([]);
    // It ends as the mysql client does: COM_QUIT (0x01).
    expect(mine.filter((e) => e.kind === "command").map((e) => e.detail?.command)).toEqual([0x01]);
  });

  it("says false when the login is refused", async () => {
    expect(await resetErrorCountWithLogin(spec("wrong password"), {})).toBe(false);
  });

  it("logs in on the connection opened ahead, whose greeting waited in it", async () => {
    const before = lastConn();
    const ahead = connectAhead(spec());
    const opened = await fake.waitForEvent("greeting-sent", (e) => e.conn > before, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await resetErrorCountWithLogin(spec(), {}, ahead)).toBe(true);
    await fake.waitForEvent("closed", (e) => e.conn === opened.conn, 10_000);
    // One connection: the one opened ahead logged in (none left unused, which the server would count as aborted).
    const mine = fake.events.filter((e) => e.conn > before);
    expect(new Set(mine.map((e) => e.conn))).toEqual(new Set([opened.conn]));
    expect(mine.map((e) => e.kind)).toContain("auth-ok");
  });

  it("when the connection opened ahead is gone or fails, logs in on a new one", async () => {
    const before = lastConn();
    const gone = connectAhead(spec());
    await fake.waitForEvent("greeting-sent", (e) => e.conn > before, 10_000);
    gone.destroy();
    expect(await resetErrorCountWithLogin(spec(), {}, gone)).toBe(true);
    // Cut mid-login (after its SSLRequest left): the login fails on it, and the reset logs in once more.
    const mid = lastConn();
    const cut = connectAhead(spec());
    await fake.waitForEvent("greeting-sent", (e) => e.conn > mid, 10_000);
    const write = cut.write.bind(cut);
    cut.write = ((...args: Parameters<typeof write>) => {
      const r = write(...args);
      setImmediate(() => cut.destroy());
      return r;
    }) as typeof cut.write;
    expect(await resetErrorCountWithLogin(spec(), {}, cut)).toBe(true);
    const after = fake.events.filter((e) => e.conn > mid);
    expect(new Set(after.filter((e) => e.kind === "auth-ok").map((e) => e.conn)).size).toBe(1);
    expect(new Set(after.map((e) => e.conn)).size).toBe(2);
  });
});
