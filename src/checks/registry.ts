// The one table of checks (shared/DESIGN.md): the audit's run list, --skip's names, the subcommands, the JSON
// schema's enums and the README's finding-id table are all derived from it. Adding a check is adding a module
// and one line here.
import type { FindingIdDoc } from "../report/finding-ids.js";
import { auditJsonSchema } from "../report/json-schema.js";
import type { Check, CheckInfo } from "./check.js";
import { connectivity } from "./connectivity/index.js";
import { protocols } from "./protocols/index.js";
import { ciphers } from "./ciphers/index.js";
import { certificate } from "./certificate/index.js";
import { settings } from "./settings/index.js";
import { accounts } from "./accounts/index.js";
import { replication } from "./replication/index.js";

/** The checks after connectivity, in run (and report) order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CHECKS: readonly Check<any>[] = [protocols, ciphers, certificate, settings, accounts, replication];

/** Every check, connectivity first (it runs before the others and decides whether they can). */
export const ALL_CHECKS: readonly CheckInfo[] = [connectivity, ...CHECKS];

export { connectivity };

/** The checks' names in run order (also the JUnit testcase order). */
export const CHECK_NAMES: readonly string[] = ALL_CHECKS.map((c) => c.name);

/** Every finding id of these checks, documented, in table order. */
export function findingIdsOf(checks: readonly CheckInfo[]): FindingIdDoc[] {
  return checks.flatMap((c) => c.findingIds.map((d) => ({ id: d.id, check: c.name, severity: d.severity, meaning: d.meaning })));
}

/** Every finding id the audit (and the subcommands) can emit; test/unit/report-finding-ids.test.ts keeps it in sync with the source. */
export const FINDING_IDS: readonly FindingIdDoc[] = findingIdsOf(ALL_CHECKS);

/** The names --skip accepts for these checks (connectivity cannot be skipped): each long and short name to the check's name. */
export function skipNamesOf(checks: readonly CheckInfo[]): Map<string, string> {
  const byName = new Map<string, string>();
  for (const c of checks) if (c.name !== connectivity.name) for (const n of [c.name, ...(c.aliases ?? [])]) byName.set(n, c.name);
  return byName;
}

/** "protocols (protocol), ciphers (cipher), ...": the checks as --skip's help and errors name them. */
export function skipHelpOf(checks: readonly CheckInfo[]): string {
  return checks
    .filter((c) => c.name !== connectivity.name)
    .map((c) => (c.aliases?.length ? `${c.name} (${c.aliases[0]})` : c.name))
    .join(", ");
}

/** Each subcommand and the checks it runs, in registry order (a subcommand is the audit restricted to them). */
export function commandsOf(checks: readonly CheckInfo[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of checks) if (c.command) out.set(c.command, [...(out.get(c.command) ?? []), c.name]);
  return out;
}

/** The subcommands and their checks. */
export const COMMANDS: ReadonlyMap<string, readonly string[]> = commandsOf(ALL_CHECKS);

/** The JSON Schema of the audit's --json document, its enums from these checks. */
export function jsonSchemaOf(checks: readonly CheckInfo[]): ReturnType<typeof auditJsonSchema> {
  return auditJsonSchema({ checkNames: checks.map((c) => c.name), findingIds: findingIdsOf(checks).map((d) => d.id) });
}

/** The JSON Schema of the audit's --json document (schemaVersion 1). */
export const AUDIT_JSON_SCHEMA = jsonSchemaOf(ALL_CHECKS);
