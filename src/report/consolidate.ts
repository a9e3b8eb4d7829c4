// One condition, one finding. Several checks can see the same condition (TLS 1.0 is accepted by the handshakes and
// enabled in tls_version), and one check can see it in several places (under each TLS version, on each account).
// Pure: the checks' findings in, the same checks with each condition once, listing where it was seen.
import { accountOfStatement, sqlStatementsIn } from "../knowledge/sql-quote.js";
import type { Finding } from "./types.js";

interface WithFindings {
  name: string;
  findings: Finding[];
}

// A server setting that explains what the handshakes measured: folded into the measured finding as "configured".
const FOLDS: { from: string; into: string[] }[] = [
  { from: "settings.legacy-tls-version", into: ["protocol.sslv3-accepted", "protocol.tls10-accepted", "protocol.tls11-accepted"] },
  { from: "settings.tls-channel-legacy-version", into: ["protocol.sslv3-accepted", "protocol.tls10-accepted", "protocol.tls11-accepted"] },
  { from: "settings.weak-ssl-cipher", into: ["cipher.null", "cipher.anonymous", "cipher.export", "cipher.insecure", "cipher.weak"] },
];

/** The account a fix statement names ("ALTER USER 'app'@'%' REQUIRE SSL;" -> "'app'@'%'"), as the checks quote it. */
export function statementAccount(fix: string | undefined): string | undefined {
  // The quoting module's reader: exact for names holding spaces, quotes, ";" or newlines.
  return fix ? sqlStatementsIn(fix, /^(ALTER|DROP) USER /i).map(accountOfStatement).find((a) => a !== undefined) : undefined;
}

/** The checks with each condition once: settings folded into what the handshakes saw, repeats merged, the anonymous account dropped rather than secured. */
export function consolidateChecks<T extends WithFindings>(checks: T[]): T[] {
  const all = checks.flatMap((c) => c.findings);
  const out = checks.map((c) => ({ ...c, findings: [...c.findings] }));
  for (const fold of FOLDS) {
    const from = all.filter((f) => f.id === fold.from);
    const target = fold.into.map((id) => all.find((f) => f.id === id)).find((f): f is Finding => f !== undefined);
    if (from.length === 0 || !target) continue;
    const configured = from.map((f) => f.evidence.split(" (")[0]!.split("; weak:")[0]).join("; ");
    for (const c of out) {
      c.findings = c.findings
        .filter((f) => f.id !== fold.from)
        .map((f) => (f === target ? { ...f, evidence: `${f.evidence}; configured: ${configured}`, references: union(f.references, ...from.map((x) => x.references)) } : f));
    }
    // The replaced object may have moved to a new identity above; keep `all` pointing at the live one.
    all.splice(0, all.length, ...out.flatMap((c) => c.findings));
  }
  // An anonymous account is dropped, not secured: its clear-text finding would ask for both.
  const dropped = new Set(all.filter((f) => f.id === "accounts.anonymous").map((f) => statementAccount(f.fix)).filter((a): a is string => a !== undefined));
  for (const c of out) c.findings = c.findings.filter((f) => !(f.id === "accounts.cleartext-login" && dropped.has(statementAccount(f.fix) ?? "")));
  for (const c of out) c.findings = mergeRepeats(c.findings);
  return out;
}

/**
 * Findings of one check with the same id and severity merged into one that lists where (versions, accounts, ...).
 * Errors stay apart: each is a different thing that could not be done.
 */
export function mergeRepeats(findings: Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  findings.forEach((f, i) => {
    const key = f.severity === "error" ? `#${i}` : `${f.id}\u0000${f.severity}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  });
  const out: Finding[] = [];
  for (const group of groups.values()) out.push(group.length === 1 ? group[0]! : mergeGroup(group));
  return out;
}

function mergeGroup(group: Finding[]): Finding {
  const titles = group.map((f) => f.title.split(" "));
  const prefix = commonLength(titles);
  const suffix = commonLength(titles.map((t) => [...t].reverse().slice(0, t.length - prefix)));
  const parts = titles.map((t) => t.slice(prefix, t.length - suffix).join(" "));
  const head = titles[0]!.slice(0, prefix).join(" ");
  const tail = titles[0]!.slice(titles[0]!.length - suffix).join(" ");
  const title =
    parts.every((p) => p !== "") && suffix + prefix > 0
      ? [head, [...new Set(parts)].join(", "), tail].filter(Boolean).join(" ")
      : `${group[0]!.title} (and ${group.length - 1} more like it)`;
  const fixes = unique(group.map((f) => f.fix).filter((f): f is string => !!f));
  return {
    ...group[0]!,
    title,
    evidence: group.map((f, i) => (parts[i] ? `${parts[i]}: ${f.evidence}` : f.evidence)).join("; "),
    ...(fixes.length ? { fix: fixes.join("\n") } : {}),
    // A merged fix holds every statement: it names every control character any of them quotes (text points to --json).
    ...(group.some((f) => f.fixControlCharacters?.length) ? { fixControlCharacters: union(...group.map((f) => f.fixControlCharacters)) } : {}),
    ...(group.some((f) => f.references?.length) ? { references: union(...group.map((f) => f.references)) } : {}),
  };
}

function commonLength(words: string[][]): number {
  let n = 0;
  const shortest = Math.min(...words.map((w) => w.length));
  while (n < shortest && words.every((w) => w[n] === words[0]![n])) n++;
  return n;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function union(...lists: (string[] | undefined)[]): string[] {
  return unique(lists.flatMap((l) => l ?? []));
}
