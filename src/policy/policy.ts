import { AuditError } from "../errors.js";
import type { Severity } from "../report/types.js";

/** TLS versions as Node and OpenSSL print them, oldest first. */
export const TLS_VERSIONS = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * The severities a run can fail at, and "never" (findings never fail it). "error" is not a threshold: a check that
 * could not run fails the run at every level unless the policy sets allowIncompleteChecks.
 */
export const FAIL_SEVERITIES = ["critical", "high", "medium", "low", "info", "never"] as const;
export type FailSeverity = (typeof FAIL_SEVERITIES)[number];

/** What the audit holds a server to; every field has a documented default (DEFAULT_POLICY). */
export interface Policy {
  /** Versions older than this are findings even if the checks alone rate them acceptable. */
  minTlsVersion: TlsVersion;
  /** When non-empty, every accepted suite must be in this list (IANA or OpenSSL names). */
  allowedSuites: string[];
  /** Accepted suites in this list are findings (IANA or OpenSSL names). */
  forbiddenSuites: string[];
  /** A certificate that expires within this many days is a finding. */
  certificateWarningDays: number;
  /** Whether require_secure_transport must be ON. */
  requireSecureTransport: boolean;
  /** Accounts that may be REQUIRE NONE, as user@host exactly as defined (app@%, monitor@localhost); "*" matches any text. */
  accountsAllowedRequireNone: string[];
  /** Accounts reachable from other hosts must present a client certificate (REQUIRE X509, ISSUER or SUBJECT). */
  requireX509ForRemote: boolean;
  /** Finding ids to drop from the report; a trailing "*" matches a prefix ("account.*"). */
  ignore: string[];
  /** Findings at or above this severity fail the run (exit 1). */
  failOn: FailSeverity;
  /** When true, a check that could not run (an "error" finding: failed login, missing privilege) does not fail the run. */
  allowIncompleteChecks: boolean;
}

/** The policy used when no --policy file is given: the CIS and Mozilla "intermediate" floor. */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  minTlsVersion: "TLSv1.2",
  allowedSuites: [],
  forbiddenSuites: [],
  certificateWarningDays: 30,
  requireSecureTransport: true,
  accountsAllowedRequireNone: [],
  requireX509ForRemote: false,
  ignore: [],
  failOn: "medium",
  allowIncompleteChecks: false,
});

/** Where the policy came from, for the report. */
export interface LoadedPolicy {
  policy: Policy;
  source: string;
}

/** True for a severity a run may fail at. */
export function isFailSeverity(s: string): s is FailSeverity {
  return (FAIL_SEVERITIES as readonly string[]).includes(s);
}

/** Parses a failing severity case-insensitively ("HIGH", "Never"); the error names where the value came from. */
export function parseFailSeverity(value: string, source: string): FailSeverity {
  const v = value.trim().toLowerCase();
  if (isFailSeverity(v)) return v;
  throw new AuditError("usage", `${source} "${value}" is not one of ${FAIL_SEVERITIES.join(", ")}`);
}

/** True when the id is listed in ignore, exactly or by a trailing-"*" prefix. */
export function isIgnored(id: string, ignore: readonly string[]): boolean {
  return ignore.some((p) => (p.endsWith("*") ? id.startsWith(p.slice(0, -1)) : id === p));
}

/** True when the account user@host is listed in accountsAllowedRequireNone. */
export function isAccountAllowedRequireNone(user: string, host: string, patterns: readonly string[]): boolean {
  const name = `${user}@${host}`;
  return patterns.some((p) => {
    if (!p.includes("*")) return p === name;
    const re = new RegExp(`^${p.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(name);
  });
}

/** Rank of a TLS version name (TLSv1.0 accepted as TLSv1), or -1 when unknown. */
export function tlsVersionRank(v: string): number {
  const norm = v === "TLSv1.0" ? "TLSv1" : v;
  return (TLS_VERSIONS as readonly string[]).indexOf(norm);
}

/** The ranked severity type re-exported for policy users. */
export type { Severity };
