// The per-target scheduler: one cap on open connections for every check, one error budget, and the reset login.
import { describe, expect, it } from "vitest";
import { ErrorBudget } from "../../src/net/error-budget.js";
import { TargetScheduler } from "../../src/net/scheduler.js";

/** A connection the test ends by hand, counting how many are open at once. */
function meter() {
  let open = 0;
  let max = 0;
  const ends: (() => void)[] = [];
  const conn = (aborted = false) => async () => {
    open++;
    max = Math.max(max, open);
    await new Promise<void>((resolve) => ends.push(resolve));
    open--;
    return { aborted };
  };
  const endAll = async () => {
    while (ends.length > 0) {
      ends.splice(0).forEach((e) => e());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { conn, endAll, get open() { return open; }, get max() { return max; }, get waitingToEnd() { return ends.length; } };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("TargetScheduler", () => {
  it("never runs more connections than its cap, whoever asks, and runs them all", async () => {
    const s = new TargetScheduler({ maxConnections: 3 });
    const m = meter();
    const all = Promise.all(Array.from({ length: 10 }, () => s.connection(m.conn())));
    await tick();
    expect(m.open).toBe(3);
    await m.endAll();
    await all;
    expect(m.max).toBe(3);
  });

  it("serves waiting callers by priority, the highest first", async () => {
    const s = new TargetScheduler({ maxConnections: 1 });
    const order: string[] = [];
    const first = await s.slot();
    const waits = [["low", 1], ["high", 100], ["mid", 10]].map(([name, p]) => s.slot(p as number).then((release) => { order.push(name as string); release(); }));
    first();
    await Promise.all(waits);
    expect(order).toEqual(["high", "mid", "low"]);
  });

  it("a connection expected to end cleanly that aborts is counted in the budget; one that ends cleanly is not", async () => {
    const budget = new ErrorBudget(5);
    const s = new TargetScheduler({ budget });
    await s.connection(async () => ({ aborted: false }));
    await s.connection(async () => ({ aborted: true }));
    expect(budget.spent).toBe(1);
    expect(budget.sinceLastReset).toBe(1);
  });

  it("a spent budget is refilled by one login, run in the waiting probe's own slot (a cap of 1 does not deadlock)", async () => {
    const budget = new ErrorBudget(1);
    let logins = 0;
    const s = new TargetScheduler({ maxConnections: 1, budget, resetServerCount: async () => { logins++; return true; } });
    for (let i = 0; i < 3; i++) {
      const release = await s.slot();
      expect(await s.reserve(false)).toBe(true);
      s.settle(true);
      release();
    }
    expect(budget.spent).toBe(3);
    expect(logins).toBe(2);
    expect(budget.resets).toBe(2);
  });

  it("without a login a spent budget says no; resetIfSpent logs in only when the server counted something", async () => {
    const none = new TargetScheduler({ budget: new ErrorBudget(1) });
    const r = await none.slot();
    expect(await none.reserve(false)).toBe(true);
    none.settle(true);
    expect(await none.reserve(false)).toBe(false);
    r();
    let logins = 0;
    const budget = new ErrorBudget(10);
    const s = new TargetScheduler({ budget, resetServerCount: async () => { logins++; return true; } });
    await s.resetIfSpent();
    expect(logins).toBe(0);
    await s.connection(async () => ({ aborted: true }));
    await s.resetIfSpent();
    expect(logins).toBe(1);
    expect(budget.sinceLastReset).toBe(0);
  });

  it("opens the closing reset login's connection ahead, in a slot of its own, only once the server counted something, and always uses it", async () => {
    const budget = new ErrorBudget(10);
    const events: string[] = [];
    const s = new TargetScheduler({
      maxConnections: 2,
      budget,
      resetServerCount: async () => {
        events.push("login");
        return true;
      },
      resetAhead: () => {
        events.push("opened");
        return async () => {
          events.push("login on the opened connection");
          return true;
        };
      },
    });
    s.openResetAhead();
    await tick();
    expect(events).toEqual([]); // nothing counted yet: no reset will come, so no connection either
    await s.connection(async () => ({ aborted: true }));
    s.openResetAhead();
    s.openResetAhead();
    await tick();
    expect(events).toEqual(["opened"]);
    // Its slot is held from the opening until the login is done: one of the two is left.
    const other = await s.slot();
    expect(s.full).toBe(true);
    other();
    await s.resetIfSpent();
    expect(events).toEqual(["opened", "login on the opened connection"]);
    expect(budget.sinceLastReset).toBe(0);
    expect(s.full).toBe(false);
    // The next reset, with nothing opened ahead, logs in as before.
    await s.connection(async () => ({ aborted: true }));
    await s.resetIfSpent();
    expect(events).toEqual(["opened", "login on the opened connection", "login"]);
  });
});
