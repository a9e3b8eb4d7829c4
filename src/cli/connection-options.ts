// Where every command connects: the mysql client's -h/-P and option files, read the same way by every command.
import os from "node:os";
import { Option, type Command } from "commander";
import { AuditError, toAuditError } from "../errors.js";
import { DEFAULT_PORT, parseTarget, portNumber, type Target } from "../net/target.js";
import { optionFilePort, readClientOptions, type ClientOptions } from "../sql/option-file.js";
import { writeErr } from "./output.js";

/** -h/--host, -P/--port and the option-file switches, as commander parses them. */
export interface ConnectionCliOptions {
  host?: string;
  port?: number;
  defaultsFile?: string;
  defaultsExtraFile?: string;
  /** false with --no-defaults. */
  defaults?: boolean;
}

function port(value: string): number {
  const n = portNumber(value);
  if (n === undefined) throw new AuditError("usage", `--port "${value}" is not a port number (1-65535)`);
  return n;
}

/** Adds the mysql client's -h/--host, -P/--port, --defaults-file, --defaults-extra-file and --no-defaults. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-h, --host <name>", "the server, as the mysql client takes it (instead of a target argument)"))
    .addOption(new Option("-P, --port <port>", "port for targets that name none (default: [client] port in the option files, else 3306)").argParser(port))
    .addOption(new Option("--defaults-file <file>", "read only this option file ([client] and [mysql-tls-audit] groups) instead of /etc/my.cnf, /etc/mysql/my.cnf and ~/.my.cnf"))
    .addOption(new Option("--defaults-extra-file <file>", "read this option file too, after the global ones and before ~/.my.cnf"))
    .addOption(new Option("--no-defaults", "read no option file"));
}

/** Reads the option files the switches select, once per run. */
export function clientOptionsFrom(o: ConnectionCliOptions, warn: (msg: string) => void = (m) => writeErr(m)): ClientOptions {
  return readClientOptions(
    {
      ...(o.defaultsFile !== undefined ? { defaultsFile: o.defaultsFile } : {}),
      ...(o.defaultsExtraFile !== undefined ? { defaultsExtraFile: o.defaultsExtraFile } : {}),
      ...(o.defaults === false ? { noDefaults: true } : {}),
    },
    os.homedir(),
    warn,
  );
}

/**
 * The targets, as the mysql client would choose the server: a target argument or -h/--host (not both), else
 * [client] host, else localhost; the port a target names, else -P/--port, else [client] port, else 3306.
 */
export function resolveTargets(raw: readonly string[], o: ConnectionCliOptions, cnf: ClientOptions): Target[] {
  if (o.host !== undefined && raw.length > 0) throw new AuditError("usage", "the server is named twice: give a target argument or -h/--host, not both");
  const defaultPort = o.port ?? optionFilePort(cnf.values) ?? DEFAULT_PORT;
  if (raw.length > 0) return raw.map((t) => parseTarget(t, defaultPort));
  if (o.host !== undefined) {
    if (o.host.trim() === "") throw new AuditError("usage", "--host is empty");
    try {
      return [parseTarget(o.host, defaultPort)];
    } catch (err) {
      throw new AuditError("usage", `--host: ${toAuditError(err).message}`);
    }
  }
  return [parseTarget(cnf.values.get("host") || "localhost", defaultPort)];
}

/** Reads the option files once and resolves the targets: what every command does before it connects. */
export function connectionFor(raw: readonly (string | undefined)[], o: ConnectionCliOptions): { targets: Target[]; clientOptions: ClientOptions } {
  const clientOptions = clientOptionsFrom(o);
  return { targets: resolveTargets(raw.filter((t): t is string => t !== undefined), o, clientOptions), clientOptions };
}

/** The CA file to verify the server with: --ssl-ca, else ssl-ca from the option files, with where it came from. */
export function caFileFrom(sslCa: string | undefined, cnf: ClientOptions): { path: string; source: string } | undefined {
  if (sslCa !== undefined) return { path: sslCa, source: "--ssl-ca" };
  const fromFile = cnf.values.get("ssl_ca");
  return fromFile ? { path: fromFile, source: "option file ssl-ca" } : undefined;
}
