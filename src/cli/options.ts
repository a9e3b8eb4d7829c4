import fs from "node:fs";
import { Option, type Command } from "commander";
import { AuditError } from "../errors.js";
import { DEFAULT_POLICY, FAIL_SEVERITIES, isFailSeverity, type FailSeverity } from "../policy/policy.js";
import type { TimeoutOptions } from "../net/connect.js";

/** Options every subcommand shares. */
export interface CommonOptions {
  json?: boolean;
  color?: boolean;
  connectTimeout: number;
  timeout: number;
}

/** Parses a positive number of seconds for commander. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new AuditError("usage", `"${value}" is not a number of seconds between 0 and 3600`);
  return n;
}

/** Parses a whole number (0 allowed) for commander. */
export function wholeNumber(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new AuditError("usage", `"${value}" is not a whole number`);
  return Number(value);
}

/** Parses --fail-on for commander. */
export function failSeverity(value: string): FailSeverity {
  if (!isFailSeverity(value)) throw new AuditError("usage", `--fail-on "${value}" is not one of ${FAIL_SEVERITIES.join(", ")}`);
  return value;
}

/** --fail-on, as the subcommands have it: findings at or above the severity make the exit code 1. */
export interface FailOnOption {
  failOn: FailSeverity;
}

/** Adds --fail-on (default: the default policy's). */
export function addFailOnOption(cmd: Command): Command {
  return cmd.addOption(
    new Option("--fail-on <severity>", `exit 1 on findings at or above this severity: ${FAIL_SEVERITIES.join(", ")}`).argParser(failSeverity).default(DEFAULT_POLICY.failOn),
  );
}

/** Parses a positive integer for commander. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new AuditError("usage", `"${value}" is not a positive whole number`);
  return Number(value);
}

/** Adds --json, --no-color, --connect-timeout and --timeout (the table that also feeds --help and the README). */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--json", "print one JSON document (versioned by schemaVersion) and nothing else on stdout"))
    .addOption(new Option("--no-color", "plain output without colour (also when NO_COLOR is set or stdout is not a terminal)"))
    .addOption(new Option("--connect-timeout <seconds>", "TCP connect timeout").argParser(seconds).default(5))
    .addOption(new Option("--timeout <seconds>", "read timeout for each server answer").argParser(seconds).default(10));
}

/** Adds --ssl-ca and --host-name, for commands that verify the server's certificate. */
export function addVerifyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--ssl-ca <file>", "PEM file of CA certificates to verify the server's chain (default: the system roots)"))
    .addOption(new Option("--host-name <name>", "the name to check the certificate against (default: the target's host)"));
}

/** Timeouts in milliseconds from the parsed options. */
export function timeoutsFrom(o: CommonOptions): Required<TimeoutOptions> {
  return { connectTimeoutMs: o.connectTimeout * 1000, readTimeoutMs: o.timeout * 1000 };
}

/** Reads --ssl-ca, as a usage error if it cannot be read or holds no certificate. */
export function readCaFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new AuditError("usage", `cannot read --ssl-ca file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new AuditError("usage", `--ssl-ca file ${path} holds no PEM certificate`);
  return pem;
}
