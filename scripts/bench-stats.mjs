// The bench's statistics (scripts/bench.mjs), apart so that a test can check them.

/** The median (the upper one of an even count, as the bench has always taken it). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The ratio of two tools' times round by round (a's i-th run over b's i-th, run in the same round), as its median
 * and its middle half: how far one round's ratio moves on this machine, which the ratio of the medians hides.
 */
export function roundRatios(a, b) {
  const q = a.map((ms, i) => ms / b[i]).sort((x, y) => x - y);
  const at = (f) => q[Math.min(q.length - 1, Math.floor(f * q.length))];
  return { median: median(q), low: at(0.25), high: at(0.75) };
}
