// The bench's round orders (scripts/balanced-order.mjs): every tool runs right after every other one equally often,
// so what one tool leaves behind (sslscan's aborted connections, say) does not always land on the same tool.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script of the bench, without types
import { balancedOrders } from "../../scripts/balanced-order.mjs";

const orders = balancedOrders as (n: number) => number[][];

describe("the bench's round orders", () => {
  it("are each a permutation of the tools, and put every ordered pair next to each other equally often", () => {
    for (let n = 2; n <= 7; n++) {
      const rows = orders(n);
      expect(rows).toHaveLength(n % 2 === 0 ? n : 2 * n);
      const after = new Map<string, number>();
      for (const row of rows) {
        expect([...row].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        for (let i = 1; i < row.length; i++) after.set(`${row[i - 1]}>${row[i]}`, (after.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
      }
      // n(n-1) ordered pairs, each the same number of times (once, or twice over the 2n rows of an odd n).
      expect(after.size, `n=${n}`).toBe(n * (n - 1));
      expect(new Set(after.values()), `n=${n}`).toEqual(new Set([n % 2 === 0 ? 1 : 2]));
    }
  });

  it("differ from starting each round one tool later, where a tool always followed the same one", () => {
    // The old rounds for 4 tools: A B C D, B C D A, C D A B, D A B C. Within them A came right after D every time.
    const rotated = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((x) => (x + r) % 4));
    const before = (rows: number[][], tool: number): number[] => rows.flatMap((row) => row.flatMap((t, i) => (t === tool && i > 0 ? [row[i - 1]!] : [])));
    expect(new Set(before(rotated, 0))).toEqual(new Set([3]));
    expect(new Set(before(orders(4), 0))).toEqual(new Set([1, 2, 3]));
  });

  it("refuses a number of tools that is not a whole number of at least 1", () => {
    expect(() => orders(0)).toThrow(RangeError);
    expect(() => orders(2.5)).toThrow(RangeError);
  });
});
