import fs from "node:fs";
import { createRequire } from "node:module";
import { AuditError } from "../errors.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, TLS_VERSIONS, isFailSeverity, isIgnored, type LoadedPolicy, type Policy, type TlsVersion } from "./policy.js";
import { FINDING_IDS } from "../report/finding-ids.js";

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
];

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
    throw new AuditError("policy", `cannot read policy file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
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
    if (!(KEYS as readonly string[]).includes(k)) fail(k, `unknown key (expected one of ${KEYS.join(", ")})`);
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
  for (const [i, id] of p.ignore.entries()) {
    if (!known.some((k) => isIgnored(k, [id]))) fail(`ignore[${i}]`, `"${id}" matches no finding id (the ids are listed in the README; e.g. ${known.slice(0, 3).join(", ")})`);
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
    if (typeof obj.failOn !== "string" || !isFailSeverity(obj.failOn)) fail("failOn", `${JSON.stringify(obj.failOn)} is not one of ${FAIL_SEVERITIES.join(", ")}`);
    p.failOn = obj.failOn as Policy["failOn"];
  }
  const both = p.allowedSuites.filter((s) => p.forbiddenSuites.includes(s));
  if (both.length) fail("forbiddenSuites", `${both.join(", ")} is also in allowedSuites`);
  return p;
}
