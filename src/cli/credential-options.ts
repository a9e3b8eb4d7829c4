import type { ChalkInstance } from "chalk";
import { Option, type Command } from "commander";
import { paintVerdict } from "../report/colour.js";
import { AuditError, withContext } from "../errors.js";
import { formatTarget, parseTarget } from "../net/target.js";
import { login, type SqlSession } from "../sql/login.js";
import { timeoutsFrom, type CommonOptions } from "./options.js";
import { parseSslMode, resolveCredentials, SSL_MODES, type CredentialEnv, type LoginSpec } from "../sql/credentials.js";

/** The credential and TLS options of authenticated commands, as commander parses them. */
export interface CredentialCliOptions {
  user?: string;
  password?: string | true;
  defaultsFile?: string;
  /** false with --no-defaults. */
  defaults?: boolean;
  sslMode?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
}

/** Adds the mysql client's login options: -u, -p, --defaults-file, --no-defaults, --ssl-mode, --ssl-ca/-cert/-key. */
export function addCredentialOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-u, --user <name>", "user to log in as (default: [client] user in ~/.my.cnf, else your login name)"))
    .addOption(
      new Option("-p, --password [value]", "password; -p alone prompts without echo (as the mysql client, write -pVALUE or --password=VALUE, never -p VALUE). Also MYSQL_PWD or [client] password"),
    )
    .addOption(new Option("--defaults-file <file>", "read only this option file ([client] and [mysql-tls-audit] groups) instead of ~/.my.cnf"))
    .addOption(new Option("--no-defaults", "read no option file"))
    .addOption(
      new Option("--ssl-mode <mode>", `${SSL_MODES.join(", ")}: PREFERRED (default, as the mysql client) uses TLS when offered but, like REQUIRED, does NOT verify the certificate`).argParser(
        (v) => parseSslMode(v),
      ),
    )
    .addOption(new Option("--ssl-ca <file>", "PEM CA file to verify the server's certificate (VERIFY_CA, VERIFY_IDENTITY)"))
    .addOption(new Option("--ssl-cert <file>", "client certificate, for accounts with REQUIRE X509, ISSUER or SUBJECT"))
    .addOption(new Option("--ssl-key <file>", "private key of --ssl-cert"));
}

/**
 * How -p appeared on the command line. Commander lets an optional value take the next word, so `-p host`
 * would read the host as the password; the mysql client never does that, so neither do we.
 */
export function passwordToken(rawArgs: readonly string[]): { prompt: boolean } | undefined {
  let found: { prompt: boolean } | undefined;
  for (const a of rawArgs) {
    if (a === "--") break;
    if (a === "-p" || a === "--password") found = { prompt: true };
    else if (/^-p./.test(a) || a.startsWith("--password=")) found = { prompt: false };
  }
  return found;
}

function rootArgs(cmd: Command): string[] {
  let c: Command = cmd;
  while (c.parent) c = c.parent;
  return (c as unknown as { rawArgs?: string[] }).rawArgs ?? [];
}

/** Resolves the login from the parsed options, the target argument, option files and MYSQL_PWD. */
export async function loginSpecFrom(cmd: Command, rawTarget: string | undefined, o: CredentialCliOptions, world?: CredentialEnv): Promise<LoginSpec> {
  let password = o.password;
  let targetArg = rawTarget;
  const tok = passwordToken(rootArgs(cmd));
  if (tok?.prompt) {
    if (typeof password === "string") {
      // Commander took the next word as the value of a bare -p: it was the target.
      if (targetArg !== undefined) throw new AuditError("usage", "-p takes no separate value: write -pVALUE or --password=VALUE (or -p alone to be prompted)");
      targetArg = password;
    }
    password = true;
  }
  const target = parseTarget(targetArg);
  return resolveCredentials(
    {
      target,
      targetGiven: targetArg !== undefined && targetArg.trim() !== "",
      ...(o.user !== undefined ? { user: o.user } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.defaultsFile !== undefined ? { defaultsFile: o.defaultsFile } : {}),
      noDefaults: o.defaults === false,
      ...(o.sslMode !== undefined ? { sslMode: o.sslMode } : {}),
      ...(o.sslCa !== undefined ? { sslCa: o.sslCa } : {}),
      ...(o.sslCert !== undefined ? { sslCert: o.sslCert } : {}),
      ...(o.sslKey !== undefined ? { sslKey: o.sslKey } : {}),
    },
    world,
  );
}

/** The login as the text output heads it: target, server, who, and how much of the transport was verified. */
export function loginRows(s: SqlSession, c: ChalkInstance): [string, string][] {
  return [
    ["Target", formatTarget(s.spec)],
    ["Server", `${s.version} (${s.flavor})`],
    ["Logged in as", `${s.currentUser} (password from ${s.spec.passwordSource})`],
    ["Login transport", paintVerdict(c, s.tls.identityVerified ? true : s.tls.encrypted ? undefined : false, s.tls.note)],
  ];
}

/** The login as --json prints it: who, how, and how much was verified; never the password. */
export function loginJson(spec: LoginSpec, tls: { encrypted: boolean; protocol?: string; cipher?: string; chainVerified: boolean; identityVerified: boolean; note: string }, currentUser: string): Record<string, unknown> {
  return {
    user: spec.user,
    account: currentUser,
    passwordSource: spec.passwordSource,
    sslMode: spec.sslMode,
    encrypted: tls.encrypted,
    ...(tls.protocol ? { protocol: tls.protocol } : {}),
    ...(tls.cipher ? { cipher: tls.cipher } : {}),
    chainVerified: tls.chainVerified,
    identityVerified: tls.identityVerified,
    note: tls.note,
  };
}

/** Resolves the credentials, logs in, runs gather on the session and closes it; errors name the target and step. */
export async function withLogin<T>(
  cmd: Command,
  rawTarget: string | undefined,
  o: CredentialCliOptions & CommonOptions,
  gather: (session: SqlSession) => Promise<T>,
  first?: (spec: LoginSpec) => Promise<void>,
): Promise<{ spec: LoginSpec; session: SqlSession; facts: T }> {
  const spec = await loginSpecFrom(cmd, rawTarget, o);
  const t = timeoutsFrom(o);
  // Connectivity before the login, as the audit does it (src/cli/connectivity.ts).
  if (first) await first(spec);
  let session: SqlSession;
  try {
    session = await login(spec, { connectTimeoutMs: t.connectTimeoutMs, readTimeoutMs: t.readTimeoutMs });
  } catch (err) {
    throw withContext(err, formatTarget(spec), "login");
  }
  try {
    return { spec, session, facts: await gather(session) };
  } catch (err) {
    throw withContext(err, formatTarget(spec));
  } finally {
    await session.close();
  }
}
