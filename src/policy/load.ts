import fs from "node:fs";
import { createRequire } from "node:module";
import { AuditError } from "../errors.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, TLS_VERSIONS, isFailSeverity, isIgnored, type LoadedPolicy, type Policy, type TlsVersion } from "./policy.js";
import { FINDING_IDS } from "../checks/registry.js";
import { SUITES } from "../tls/suites.js";
import { fileErrorText } from "../file-error-text.js";
import { nearest } from "./nearest.js";

const KEYS: readonly (keyof Policy)[] = [
  "minTlsVersion",
  "allowedSuites",
  "forbiddenSuites",
  "certificateWarningDays",
  "requireSecureTransport",
  "accountsAllowedRequireNone",
  "requireX509ForRemote",
  "ignore",
  "failOn",
  "allowIncompleteChecks",
];

// Every name a suite list may use: IANA and OpenSSL names, compared without case.
const SUITE_LIST = SUITES.filter((s) => !s.scsv).flatMap((s) => (s.openssl ? [s.iana, s.openssl] : [s.iana]));
const SUITE_NAMES = new Set(SUITE_LIST.map((n) => n.toUpperCase()));

// yaml takes ~30 ms to load (measured); only runs with --policy need it, so it is loaded on first use.
const requireLazy = createRequire(import.meta.url);
function parseYaml(text: string): unknown {
  return (requireLazy("yaml") as typeof import("yaml")).parse(text, { uniqueKeys: true });
}

/** Reads and validates a JSON or YAML policy file; every problem is one line naming the file and the key. */
export function loadPolicy(file: string): LoadedPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new AuditError("policy", `--policy ${file}: cannot read: ${fileErrorText(err)}`);
  }
  return { policy: parsePolicy(text, file), source: file };
}

/** Parses policy text (JSON for .json files, YAML otherwise; YAML is a superset of JSON) and validates it. */
export function parsePolicy(text: string, file: string): Policy {
  let raw: unknown;
  try {
    raw = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const msg = ((err as Error).message ?? String(err)).split("\n")[0];
    throw new AuditError("policy", `policy file ${file}: not valid ${file.toLowerCase().endsWith(".json") ? "JSON" : "YAML"}: ${msg}`);
  }
  return validatePolicy(raw ?? {}, file);
}

/** Checks a parsed policy object and fills in defaults for the keys it omits. */
export function validatePolicy(raw: unknown, file: string): Policy {
  const fail = (key: string, why: string): never => {
    throw new AuditError("policy", `policy file ${file}: ${key}: ${why}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("(top level)", "must be a mapping of keys to values");
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!(KEYS as readonly string[]).includes(k)) {
      const close = nearest(k, KEYS);
      fail(k, `unknown key${close ? ` (did you mean ${close}?)` : ""}; the keys are ${KEYS.join(", ")}`);
    }
  }
  const p: Policy = { ...DEFAULT_POLICY, allowedSuites: [], forbiddenSuites: [], accountsAllowedRequireNone: [], ignore: [] };

  if (obj.minTlsVersion !== undefined) {
    const v = obj.minTlsVersion === "TLSv1.0" ? "TLSv1" : obj.minTlsVersion;
    if (typeof v !== "string" || !(TLS_VERSIONS as readonly string[]).includes(v)) {
      fail("minTlsVersion", `${JSON.stringify(obj.minTlsVersion)} is not one of ${TLS_VERSIONS.join(", ")}`);
    }
    p.minTlsVersion = v as TlsVersion;
  }
  for (const key of ["allowedSuites", "forbiddenSuites", "accountsAllowedRequireNone", "ignore"] as const) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) fail(key, "must be a list of strings");
    const list = v as unknown[];
    list.forEach((item, i) => {
      if (typeof item !== "string" || item.trim() === "") fail(`${key}[${i}]`, "must be a non-empty string");
    });
    p[key] = (list as string[]).map((s) => s.trim());
  }
  // A typo in ignore would silently keep a finding the user meant to waive (or waive nothing): name it.
  const known = FINDING_IDS.map((d) => d.id);
  const prefixes = [...new Set(known.map((k) => `${k.slice(0, k.indexOf(".") + 1)}*`))];
  for (const [i, id] of p.ignore.entries()) {
    if (!known.some((k) => isIgnored(k, [id]))) {
      fail(`ignore[${i}]`, `"${id}" matches no finding id; the nearest is ${nearest(id, id.endsWith("*") ? prefixes : known, Infinity)} (all ids are listed in the README)`);
    }
  }
  // A typo in a suite list would forbid (or allow) nothing, silently: every name must be a suite the registry knows.
  for (const key of ["allowedSuites", "forbiddenSuites"] as const) {
    for (const [i, name] of p[key].entries()) {
      if (!SUITE_NAMES.has(name.toUpperCase())) fail(`${key}[${i}]`, `"${name}" is no known cipher suite (IANA or OpenSSL name); the nearest is ${nearest(name, SUITE_LIST, Infinity)}`);
    }
  }
  for (const [i, a] of p.accountsAllowedRequireNone.entries()) {
    if (!a.includes("@")) fail(`accountsAllowedRequireNone[${i}]`, `"${a}" must be written user@host (for example app@10.0.%)`);
  }
  if (obj.certificateWarningDays !== undefined) {
    const n = obj.certificateWarningDays;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 3650) fail("certificateWarningDays", "must be a whole number of days from 0 to 3650");
    p.certificateWarningDays = n as number;
  }
  if (obj.requireSecureTransport !== undefined) {
    if (typeof obj.requireSecureTransport !== "boolean") fail("requireSecureTransport", "must be true or false");
    p.requireSecureTransport = obj.requireSecureTransport as boolean;
  }
  if (obj.requireX509ForRemote !== undefined) {
    if (typeof obj.requireX509ForRemote !== "boolean") fail("requireX509ForRemote", "must be true or false");
    p.requireX509ForRemote = obj.requireX509ForRemote as boolean;
  }
  if (obj.failOn !== undefined) {
    const v = typeof obj.failOn === "string" ? obj.failOn.trim().toLowerCase() : "";
    if (!isFailSeverity(v)) fail("failOn", `${JSON.stringify(obj.failOn)} is not one of ${FAIL_SEVERITIES.join(", ")}`);
    p.failOn = v as Policy["failOn"];
  }
  if (obj.allowIncompleteChecks !== undefined) {
    if (typeof obj.allowIncompleteChecks !== "boolean") fail("allowIncompleteChecks", "must be true or false");
    p.allowIncompleteChecks = obj.allowIncompleteChecks as boolean;
  }
  const both = p.allowedSuites.filter((s) => p.forbiddenSuites.includes(s));
  if (both.length) fail("forbiddenSuites", `${both.join(", ")} is also in allowedSuites`);
  return p;
}
