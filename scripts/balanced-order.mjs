// The order of the tools in each round of `npm run bench`: a Williams design (a Latin square balanced for the
// tool that ran just before), so that what one tool leaves behind (sslscan's some 900 aborted connections, say)
// lands on every other tool equally often.

/**
 * Orders of 0..n-1, one per round: over these rows each tool runs right after each other tool equally often (once
 * for an even n; twice, over 2n rows, for an odd n).
 */
export function balancedOrders(n) {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`balancedOrders needs a whole number of tools >= 1, got ${n}`);
  // 0, 1, n-1, 2, n-2, ...: for an even n the differences between neighbours (mod n) are all different, so the row
  // shifted by r = 0..n-1 puts every ordered pair next to each other once; an odd n needs the reversed rows too.
  const first = [0];
  for (let lo = 1, hi = n - 1; first.length < n; ) first.push(first.length % 2 === 1 ? lo++ : hi--);
  const rows = Array.from({ length: n }, (_, r) => first.map((x) => (x + r) % n));
  return n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
}
