// "Did you mean ...?" for names a person typed: subcommands, --skip checks, policy suites and finding ids.

/** Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The known name closest to word, or undefined when none is plausibly what was meant: at most `maxDistance`
 * edits (default: a third of the longer name, at least 1 and at most 3); a name cut short counts as one edit.
 */
export function nearest(word: string, known: readonly string[], maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const k of known) {
    const kl = k.toLowerCase();
    // A name cut short ("minTls" for minTlsVersion) is as close as one typo.
    const prefix = w.length >= 3 && kl.startsWith(w);
    const dist = prefix ? Math.min(1, editDistance(word, k)) : editDistance(word, k);
    const limit = maxDistance ?? Math.min(3, Math.max(1, Math.floor(Math.max(word.length, k.length) / 3)));
    if (dist <= limit && dist < bestD) {
      best = k;
      bestD = dist;
    }
  }
  return best;
}

/** " (did you mean X?)" or "", for the end of an error line. */
export function didYouMean(word: string, known: readonly string[], maxDistance?: number): string {
  const n = nearest(word, known, maxDistance);
  return n === undefined ? "" : ` (did you mean ${n}?)`;
}
