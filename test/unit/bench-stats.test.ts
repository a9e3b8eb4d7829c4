// The bench's statistics (scripts/bench-stats.mjs): the ratio of two tools round by round pairs the runs of the same
// round, and its middle half shows how far one round's ratio moves.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script of the bench, without types
import { median, roundRatios } from "../../scripts/bench-stats.mjs";

type Spread = { median: number; low: number; high: number };
const ratios = roundRatios as (a: number[], b: number[]) => Spread;

describe("the bench's statistics", () => {
  it("takes the median as the bench always has (the upper one of an even count)", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it("divides the runs of the same round, not the sorted times", () => {
    // Both tools took the same times, in other rounds: the ratio of the medians is 1. Round by round the ratios
    // are 0.25, 4, 2/3 and 1.5.
    const a = [100, 400, 200, 300];
    const b = [400, 100, 300, 200];
    expect(median(a) / median(b)).toBe(1);
    const r = ratios(a, b);
    expect(r.low).toBeCloseTo(2 / 3);
    expect(r.median).toBeCloseTo(1.5);
    expect(r.high).toBeCloseTo(4);
  });

  it("gives the middle half of many rounds", () => {
    const a = Array.from({ length: 20 }, (_, i) => 100 + i);
    const b = Array.from({ length: 20 }, () => 100);
    const r = ratios(a, b);
    expect(r.low).toBeCloseTo(1.05);
    expect(r.median).toBeCloseTo(1.1);
    expect(r.high).toBeCloseTo(1.15);
  });
});
