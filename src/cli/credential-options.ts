import type { ChalkInstance } from "chalk";
import { Option, type Command } from "commander";
import { paintVerdict } from "../report/colour.js";
import { printable } from "../report/printable.js";
import { formatTarget, type Target } from "../net/target.js";
import type { ClientOptions } from "../sql/option-file.js";
import type { ConnectionCliOptions } from "./connection-options.js";
import type { LoginFacts } from "../checks/session.js";
import { parseSslMode, resolveCredentials, SSL_MODES, type CredentialEnv, type LoginSpec } from "../sql/credentials.js";

/** The credential and TLS options of authenticated commands, as commander parses them. */
export interface CredentialCliOptions extends ConnectionCliOptions {
  user?: string;
  password?: string | true;
  sslMode?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  serverPublicKeyPath?: string;
  getServerPublicKey?: boolean;
}

/** Adds the mysql client's login options: -u, -p, --ssl-mode, --ssl-ca/-cert/-key, the server key options (option files: connection-options.ts). */
export function addCredentialOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-u, --user <name>", "user to log in as (default: [client] user in ~/.my.cnf, else your login name)"))
    .addOption(
      new Option("-p, --password [value]", "password; -p alone prompts without echo (as the mysql client, write -pVALUE or --password=VALUE; -p VALUE with a space is refused). Also MYSQL_PWD or [client] password"),
    )
    .addOption(
      new Option(
        "--ssl-mode <mode>",
        `${SSL_MODES.join(", ")}. Not given: the login is encrypted or does not happen, and the password itself is never sent inside TLS whose certificate was not verified. An explicit PREFERRED or DISABLED allows a clear-text login (as the mysql client); PREFERRED and REQUIRED do NOT verify the certificate`,
      ).argParser(
        (v) => parseSslMode(v),
      ),
    )
    .addOption(new Option("--ssl-ca <file>", "PEM CA file to verify the server's certificate (VERIFY_CA, VERIFY_IDENTITY); default: [client] ssl-ca"))
    .addOption(new Option("--ssl-cert <file>", "client certificate, for accounts with REQUIRE X509, ISSUER or SUBJECT"))
    .addOption(new Option("--ssl-key <file>", "private key of --ssl-cert"))
    .addOption(new Option("--server-public-key-path <file>", "the server's RSA public key (PEM): over clear text, caching_sha2_password and sha256_password encrypt the password to it"))
    .addOption(new Option("--get-server-public-key", "over clear text, encrypt the password to the RSA key the server sends (unverified: whoever answers gets to choose it)"));
}

/** Resolves the login for a resolved target from the parsed options, the option files read for the run and MYSQL_PWD. */
export async function loginSpecFrom(target: Target, o: CredentialCliOptions, clientOptions: ClientOptions, world?: CredentialEnv): Promise<LoginSpec> {
  return resolveCredentials(
    {
      target,
      targetGiven: true,
      clientOptions,
      ...(o.user !== undefined ? { user: o.user } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.sslMode !== undefined ? { sslMode: o.sslMode } : {}),
      ...(o.sslCa !== undefined ? { sslCa: o.sslCa } : {}),
      ...(o.sslCert !== undefined ? { sslCert: o.sslCert } : {}),
      ...(o.sslKey !== undefined ? { sslKey: o.sslKey } : {}),
      ...(o.serverPublicKeyPath !== undefined ? { serverPublicKeyPath: o.serverPublicKeyPath } : {}),
      ...(o.getServerPublicKey ? { getServerPublicKey: true } : {}),
    },
    world,
  );
}

/** The login as the text output heads it: target, server, who, and how much of the transport was verified. */
export function loginRows(s: Pick<LoginFacts, "target" | "version" | "flavor" | "currentUser" | "passwordSource" | "tls">, c: ChalkInstance): [string, string][] {
  return [
    ["Target", formatTarget(s.target)],
    ["Server", printable(`${s.version} (${s.flavor})`)],
    ["Logged in as", printable(`${s.currentUser} (password from ${s.passwordSource})`)],
    ["Login transport", paintVerdict(c, s.tls.identityVerified ? true : s.tls.encrypted ? undefined : false, printable(s.tls.note))],
  ];
}

export { loginJson } from "../sql/login-json.js";
