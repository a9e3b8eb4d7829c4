import fs from "node:fs";
import { Option, type Command } from "commander";
import { AuditError } from "../errors.js";
import { fileErrorText } from "../file-error-text.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, parseFailSeverity, type FailSeverity, type LoadedPolicy } from "../policy/policy.js";
import type { TimeoutOptions } from "../net/connect.js";
import { addConnectionOptions, type ConnectionCliOptions } from "./connection-options.js";

/** Options every subcommand shares. */
export interface CommonOptions extends ConnectionCliOptions {
  json?: boolean;
  color?: boolean;
  connectTimeout: number;
  timeout: number;
}

/** A commander value parser for a number of seconds (0 < n <= 3600); errors name the option. */
export function seconds(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 3600) throw new AuditError("usage", `${option} "${value}" is not a number of seconds between 0 and 3600`);
    return n;
  };
}

/** A commander value parser for a whole number (0 allowed); errors name the option. */
export function wholeNumber(option: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,6}$/.test(value)) throw new AuditError("usage", `${option} "${value}" is not a whole number`);
    return Number(value);
  };
}

/** A commander value parser for a positive whole number; errors name the option. */
export function positiveInt(option: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new AuditError("usage", `${option} "${value}" is not a positive whole number`);
    return Number(value);
  };
}

/** Parses --fail-on for commander, case-insensitively ("HIGH", "Never"). */
export function failSeverity(value: string): FailSeverity {
  return parseFailSeverity(value, "--fail-on");
}

/** --policy and --fail-on, as every command that judges has them. */
export interface PolicyCliOptions {
  policy?: string;
  failOn?: FailSeverity;
}

/** Adds --policy and --fail-on (default: the policy's failOn, the default policy's ${DEFAULT_POLICY.failOn}). */
export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--fail-on <severity>",
        `exit 1 on findings at or above this severity: ${FAIL_SEVERITIES.join(", ")} (any case; never: findings never fail the run; default: the policy's, ${DEFAULT_POLICY.failOn}); a check that could not run exits 3 at every level`,
      ).argParser(failSeverity),
    )
    .addOption(new Option("--policy <file>", "policy file (JSON or YAML), as the audit reads it: the checks this command runs judge by it"));
}

/** The policy in force: --policy's file (or the default policy) with --fail-on applied. */
export async function policyFrom(o: PolicyCliOptions): Promise<LoadedPolicy> {
  // The policy loader (and the registry of finding ids it checks `ignore` against) only when a file is given.
  const loaded: LoadedPolicy = o.policy ? (await import("../policy/load.js")).loadPolicy(o.policy) : { policy: { ...DEFAULT_POLICY }, source: "built-in default policy" };
  return { ...loaded, policy: { ...loaded.policy, ...(o.failOn ? { failOn: o.failOn } : {}) } };
}

/**
 * Adds --json, --no-color, --connect-timeout, --timeout, and the server options every command shares
 * (-h/--host, -P/--port, --defaults-file, --defaults-extra-file, --no-defaults): the table that also feeds --help
 * and the README.
 */
export function addCommonOptions(cmd: Command): Command {
  cmd
    .helpOption("--help", "display help for command")
    .addOption(new Option("--json", "print one JSON document (versioned by schemaVersion) and nothing else on stdout"))
    .addOption(new Option("--no-color", "plain output without colour (also when NO_COLOR is set or stdout is not a terminal)"))
    .addOption(new Option("--connect-timeout <seconds>", "TCP connect timeout").argParser(seconds("--connect-timeout")).default(5))
    .addOption(new Option("--timeout <seconds>", "read timeout for each server answer").argParser(seconds("--timeout")).default(10));
  return addConnectionOptions(cmd);
}

/** Adds --ssl-ca and --host-name, for commands that verify the server's certificate. */
export function addVerifyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--ssl-ca <file>", "PEM file of CA certificates to verify the server's chain (default: [client] ssl-ca in the option files, else the system roots)"))
    .addOption(new Option("--host-name <name>", "the name to check the certificate against (default: the target's host)"));
}

/** Timeouts in milliseconds from the parsed options. */
export function timeoutsFrom(o: CommonOptions): Required<TimeoutOptions> {
  return { connectTimeoutMs: o.connectTimeout * 1000, readTimeoutMs: o.timeout * 1000 };
}

/** Reads a CA file (--ssl-ca, or ssl-ca from an option file), as a usage error if it cannot be read or holds no certificate. */
export function readCaFile(path: string | undefined, source = "--ssl-ca"): string | undefined {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new AuditError("usage", `${source} ${path}: cannot read: ${fileErrorText(err)}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new AuditError("usage", `${source} ${path}: holds no PEM certificate`);
  return pem;
}
