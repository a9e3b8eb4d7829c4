import type { Finding } from "../report/types.js";
import type { AcceptedSuite, CipherFacts } from "../tls/enumerate.js";
import { REGISTRY } from "../tls/suites.js";
import { tlsVersionRank, type Policy } from "./policy.js";

const REF_MOZILLA = "Mozilla Server Side TLS guidelines 5.7, https://wiki.mozilla.org/Security/Server_Side_TLS";
const REF_CIS_VERSIONS = "CIS Oracle MySQL and MariaDB Benchmarks: limit the accepted TLS versions (tls_version = TLSv1.2,TLSv1.3)";
const REF_CIS_CIPHERS = "CIS Oracle MySQL and MariaDB Benchmarks: use approved ciphers only (ssl_cipher, tls_ciphersuites)";

// The checks' own findings for obsolete versions: the policy's minimum decides whether each still stands.
const VERSION_FINDINGS: Record<string, string> = {
  "protocol.sslv3-accepted": "SSLv3",
  "protocol.tls10-accepted": "TLSv1",
  "protocol.tls11-accepted": "TLSv1.1",
};

/**
 * Applies minTlsVersion to the protocol findings: versions the policy allows lose their finding, and accepted
 * versions below the minimum that no check flagged (TLS 1.2 under a TLS 1.3-only policy) gain one.
 */
export function applyVersionPolicy(findings: Finding[], facts: CipherFacts, policy: Pick<Policy, "minTlsVersion">): Finding[] {
  const min = tlsVersionRank(policy.minTlsVersion);
  const kept = findings.filter((f) => {
    const v = VERSION_FINDINGS[f.id];
    return v === undefined || tlsVersionRank(v) < min;
  });
  const flagged = new Set(kept.map((f) => VERSION_FINDINGS[f.id]).filter((v): v is string => v !== undefined));
  for (const p of facts.protocols) {
    if (p.accepted !== true || tlsVersionRank(p.version) >= min || flagged.has(p.version)) continue;
    kept.push({
      id: "policy.tls-version-below-minimum",
      severity: "high",
      title: `The server accepts ${p.version}, below the policy's minimum ${policy.minTlsVersion}`,
      evidence: `${p.version} handshake accepted with ${p.suites.length} cipher suite(s), e.g. ${p.suites[0]?.iana ?? "?"}; policy minTlsVersion = ${policy.minTlsVersion}`,
      fix: `[mysqld]\ntls_version=${versionsFrom(policy.minTlsVersion)}   # then restart (or ALTER INSTANCE RELOAD TLS on MySQL 8)`,
      references: [REF_CIS_VERSIONS],
    });
  }
  return kept;
}

function versionsFrom(min: string): string {
  return ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].filter((v) => tlsVersionRank(v) >= tlsVersionRank(min)).join(",");
}

/** Whether a suite is named in a policy list, by IANA or OpenSSL name, case-insensitively. */
export function suiteListed(s: Pick<AcceptedSuite, "iana" | "openssl">, list: readonly string[]): boolean {
  const names = [s.iana, s.openssl].filter((n): n is string => !!n).map((n) => n.toUpperCase());
  return list.some((n) => names.includes(n.toUpperCase()));
}

/** Findings for accepted suites the policy forbids, or that are missing from its allowed list. */
export function suitePolicyFindings(facts: CipherFacts, policy: Pick<Policy, "allowedSuites" | "forbiddenSuites">): Finding[] {
  const forbidden: string[] = [];
  const notAllowed: string[] = [];
  for (const p of facts.protocols) {
    for (const s of p.suites) {
      const label = `${p.version} ${s.openssl ?? s.iana}`;
      if (suiteListed(s, policy.forbiddenSuites)) forbidden.push(label);
      else if (policy.allowedSuites.length > 0 && !suiteListed(s, policy.allowedSuites)) notAllowed.push(label);
    }
  }
  const out: Finding[] = [];
  const fix = cipherFix(policy.allowedSuites);
  if (forbidden.length) {
    out.push({
      id: "policy.suite-forbidden",
      severity: "high",
      title: `The server accepts ${forbidden.length} cipher suite(s) the policy forbids`,
      evidence: forbidden.join(", "),
      fix,
      references: [REF_CIS_CIPHERS],
    });
  }
  if (notAllowed.length) {
    out.push({
      id: "policy.suite-not-allowed",
      severity: "medium",
      title: `The server accepts ${notAllowed.length} cipher suite(s) outside the policy's allowed list`,
      evidence: notAllowed.join(", "),
      fix,
      references: [REF_CIS_CIPHERS],
    });
  }
  return out;
}

function cipherFix(allowed: readonly string[]): string {
  const mozilla = REGISTRY.sources.mozilla as { intermediate: string[] };
  const names = allowed.length ? [...allowed] : mozilla.intermediate;
  const tls13 = names.filter((n) => /^TLS_(AES|CHACHA20)/i.test(n));
  const tls12 = names.filter((n) => !tls13.includes(n));
  return `[mysqld]\nssl_cipher=${tls12.join(":") || "(none)"}\ntls_ciphersuites=${tls13.join(":") || "(none)"}   # MySQL 8.0.16+; MariaDB takes TLS 1.3 names in ssl_cipher`;
}

/** The Mozilla server-side TLS profiles, strictest first. */
export type MozillaProfile = "modern" | "intermediate" | "old" | "none";

/** The strictest Mozilla profile whose versions and suites include everything the server accepts. */
export function mozillaProfile(facts: CipherFacts): MozillaProfile {
  const lists = REGISTRY.sources.mozilla as Record<"modern" | "intermediate" | "old", string[]>;
  const accepted = facts.protocols.filter((p) => p.accepted === true);
  const versions: Record<"modern" | "intermediate" | "old", string[]> = {
    modern: ["TLSv1.3"],
    intermediate: ["TLSv1.2", "TLSv1.3"],
    old: ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
  };
  for (const profile of ["modern", "intermediate", "old"] as const) {
    const ok = accepted.every((p) => versions[profile].includes(p.version) && p.suites.every((s) => suiteListed(s, lists[profile])));
    if (ok) return profile;
  }
  return "none";
}

/** An info finding naming the Mozilla profile the accepted protocols and suites meet. */
export function mozillaProfileFinding(facts: CipherFacts): Finding | undefined {
  if (!facts.protocols.some((p) => p.accepted === true)) return undefined;
  const profile = mozillaProfile(facts);
  const versions = facts.protocols.filter((p) => p.accepted === true).map((p) => p.version).join(", ");
  const suites = facts.protocols.reduce((n, p) => n + p.suites.length, 0);
  return {
    id: "profile.mozilla",
    severity: "info",
    title:
      profile === "none"
        ? "The accepted protocols and suites meet no Mozilla server-side TLS profile (not even \"old\")"
        : `The accepted protocols and suites meet the Mozilla "${profile}" profile`,
    evidence: `versions ${versions}; ${suites} accepted (version, suite) pair(s)`,
    ...(profile === "modern" ? {} : { fix: `For "intermediate": tls_version=TLSv1.2,TLSv1.3 and\n${cipherFix([])}` }),
    references: [REF_MOZILLA],
  };
}
