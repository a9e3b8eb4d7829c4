import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_ABORTED, ErrorBudget } from "../../src/net/error-budget.js";

describe("ErrorBudget", () => {
  it("refuses a reservation once spent plus in-flight reach the limit", () => {
    const b = new ErrorBudget(2);
    expect(b.tryReserve()).toBe(true);
    expect(b.tryReserve()).toBe(true);
    expect(b.tryReserve()).toBe(false); // two in flight fill it
    b.settle(false); // a refused login: room comes back
    expect(b.tryReserve()).toBe(true);
    b.settle(true);
    b.settle(true);
    expect(b.spent).toBe(2);
    expect(b.remaining).toBe(0);
    expect(b.tryReserve()).toBe(false);
    expect(b.stoppedScan).toBe(false); // a refusal is not the end: the caller may wait or reset first
    b.giveUp();
    expect(b.stoppedScan).toBe(true);
  });

  it("has no limit when constructed without one (loopback)", () => {
    const b = new ErrorBudget(undefined);
    for (let i = 0; i < 500; i++) {
      expect(b.tryReserve()).toBe(true);
      b.settle(true);
    }
    expect(b.spent).toBe(500);
    expect(b.remaining).toBe(Infinity);
    expect(b.stoppedScan).toBe(false);
  });

  it("a server-count reset frees the limit but keeps the run's total", () => {
    const b = new ErrorBudget(1);
    expect(b.tryReserve()).toBe(true);
    b.settle(true);
    expect(b.tryReserve()).toBe(false);
    b.serverCountReset();
    expect(b.sinceLastReset).toBe(0);
    expect(b.tryReserve()).toBe(true);
    b.settle(true);
    expect(b.spent).toBe(2);
    expect(b.resets).toBe(1);
  });

  it("a certain abort may not take the last unit: it stays for probes that usually end cleanly", () => {
    const b = new ErrorBudget(3);
    expect(b.tryReserve(true)).toBe(true);
    b.settle(true);
    expect(b.tryReserve(true)).toBe(true);
    b.settle(true);
    expect(b.tryReserve(true)).toBe(false);
    expect(b.tryReserve()).toBe(true);
    b.settle(false);
    expect(b.tryReserve()).toBe(true);
    b.settle(true);
    expect(b.tryReserve()).toBe(false);
    expect(new ErrorBudget(1).tryReserve(true)).toBe(true); // with one unit only, nothing is held back
  });

  it("a limit of 0 allows no aborted connection at all", () => {
    expect(new ErrorBudget(0).tryReserve()).toBe(false);
  });

  it("rejects a nonsense limit and a settle without a reservation", () => {
    expect(() => new ErrorBudget(-1)).toThrow(RangeError);
    expect(() => new ErrorBudget(1.5)).toThrow(RangeError);
    expect(() => new ErrorBudget(3).settle(true)).toThrow();
  });

  it("defaults well under MySQL's max_connect_errors of 100", () => {
    expect(DEFAULT_MAX_ABORTED).toBeLessThanOrEqual(50);
  });

  it("never lets the server's count exceed the limit, whatever the interleaving", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(fc.oneof(fc.constant("reserve"), fc.constant("reserve-certain"), fc.constant("abort"), fc.constant("clean")), { maxLength: 80 }), (limit, ops) => {
        const b = new ErrorBudget(limit);
        let held = 0;
        for (const op of ops) {
          if (op === "reserve" || op === "reserve-certain") {
            if (b.tryReserve(op === "reserve-certain")) held++;
          } else if (held > 0) {
            b.settle(op === "abort");
            held--;
          }
          expect(b.sinceLastReset + held).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });
});
