import os from "node:os";
import { inspect } from "node:util";
import { AuditError } from "../errors.js";
import { terminalSafe } from "../report/printable.js";
import { maskPassword } from "./mask.js";
import { DEFAULT_PORT, type Target } from "../net/target.js";
import { optionFilePort, optionIsOn, readClientOptions, type ClientOptions, type OptionFileNote } from "./option-file.js";

/** A password that prints, logs and serialises as "***"; only reveal() gives the value, for the login itself. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The password, for mysql2 only. */
  reveal(): string {
    return this.#value;
  }
  get empty(): boolean {
    return this.#value === "";
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [inspect.custom](): string {
    return "Secret(***)";
  }
}

/** The mysql client's --ssl-mode values. */
export const SSL_MODES = ["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Parses an --ssl-mode value as the mysql client does (case-insensitive). */
export function parseSslMode(value: string, source = "--ssl-mode"): SslMode {
  const v = value.trim().toUpperCase().replace(/-/g, "_");
  if ((SSL_MODES as readonly string[]).includes(v)) return v as SslMode;
  throw new AuditError("usage", `${source} "${value}" is not one of ${SSL_MODES.join(", ")}`);
}

/** Where the password came from; printed so the user knows, never the password itself. */
export type PasswordSource = "command line" | "prompt" | "target URL" | "option file" | "MYSQL_PWD" | "none";

/** Everything needed to log in, resolved from options, the URL, option files and the environment. */
export interface LoginSpec {
  host: string;
  port: number;
  user: string;
  password: Secret;
  passwordSource: PasswordSource;
  sslMode: SslMode;
  /**
   * Whether --ssl-mode (or ssl-mode in an option file) was given. Without it the login is encrypted or does not
   * happen, and the password itself is never sent inside TLS whose certificate was not verified; an explicit
   * PREFERRED or DISABLED keeps the mysql client's behaviour.
   */
  sslModeGiven?: boolean;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  /** --server-public-key-path: the server's RSA public key (PEM file), for caching_sha2_password and sha256_password over clear text. */
  serverPublicKeyPath?: string;
  /** --get-server-public-key: over clear text, encrypt the password to whatever RSA key the server sends. */
  getServerPublicKey?: boolean;
  /** Option files looked at, in order. */
  optionFiles: OptionFileNote[];
}

/** What the command line said; undefined means not given. */
export interface CredentialInput {
  /** The parsed target, and whether the user named one (else my.cnf host/port apply). */
  target: Target;
  targetGiven: boolean;
  user?: string;
  /** A value, or true for "-p with no value: prompt". */
  password?: string | true;
  defaultsFile?: string;
  defaultsExtraFile?: string;
  noDefaults?: boolean;
  /** The option files already read for this run (else they are read here, as the switches above say). */
  clientOptions?: ClientOptions;
  sslMode?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  serverPublicKeyPath?: string;
  getServerPublicKey?: boolean;
}

/** The outside world credential resolution reads, injectable for tests. */
export interface CredentialEnv {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The OS login name, the mysql client's default user. */
  loginName: string;
  prompt: () => Promise<string>;
  warn: (msg: string) => void;
}

/** The real process environment, home directory, login name and TTY prompt. */
export function processCredentialEnv(): CredentialEnv {
  let loginName = "root";
  try {
    loginName = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep root, as the client would fail the same way
  }
  return {
    env: process.env,
    home: os.homedir(),
    loginName,
    prompt: () => promptPassword("Enter password: ", process.stdin, process.stderr),
    warn: (m) => process.stderr.write(terminalSafe(m, { colour: false }) + "\n"),
  };
}

/** Resolves the login: command line > target URL > option files ([client], [mysql-tls-audit]) > MYSQL_PWD. */
export async function resolveCredentials(input: CredentialInput, world: CredentialEnv = processCredentialEnv()): Promise<LoginSpec> {
  const { values: cnf, notes } =
    input.clientOptions ??
    readClientOptions(
      {
        ...(input.defaultsFile !== undefined ? { defaultsFile: input.defaultsFile } : {}),
        ...(input.defaultsExtraFile !== undefined ? { defaultsExtraFile: input.defaultsExtraFile } : {}),
        ...(input.noDefaults ? { noDefaults: true } : {}),
      },
      world.home,
      world.warn,
    );

  let host = input.target.host;
  let port = input.target.port;
  if (!input.targetGiven) {
    host = cnf.get("host") || host;
    port = optionFilePort(cnf) ?? port;
  }
  const user = input.user ?? input.target.user ?? (cnf.get("user") || undefined) ?? world.loginName;

  let password: Secret;
  let passwordSource: PasswordSource;
  if (input.password === true) {
    password = new Secret(await world.prompt());
    passwordSource = "prompt";
  } else if (input.password !== undefined) {
    world.warn("Warning: Using a password on the command line interface can be insecure.");
    password = new Secret(input.password);
    passwordSource = "command line";
  } else if (input.target.password !== undefined) {
    password = new Secret(input.target.password);
    passwordSource = "target URL";
  } else if (cnf.has("password")) {
    password = new Secret(cnf.get("password")!);
    passwordSource = "option file";
  } else if (world.env.MYSQL_PWD !== undefined) {
    password = new Secret(world.env.MYSQL_PWD);
    passwordSource = "MYSQL_PWD";
  } else {
    password = new Secret("");
    passwordSource = "none";
  }

  const sslModeRaw = input.sslMode ?? cnf.get("ssl_mode");
  // ssl-verify-server-cert (the MariaDB client's switch, deprecated in MySQL) means VERIFY_IDENTITY, and counts as given.
  const verifySwitch = optionIsOn(cnf, "ssl_verify_server_cert") === true;
  const sslModeGiven = (sslModeRaw !== undefined && sslModeRaw !== "") || verifySwitch;
  const sslMode =
    sslModeRaw !== undefined && sslModeRaw !== ""
      ? parseSslMode(sslModeRaw, input.sslMode !== undefined ? "--ssl-mode" : "option file ssl-mode")
      : verifySwitch
        ? "VERIFY_IDENTITY"
        : "PREFERRED";
  const pick = (cli: string | undefined, key: string) => cli ?? (cnf.get(key) || undefined);
  const sslCa = pick(input.sslCa, "ssl_ca");
  const sslCert = pick(input.sslCert, "ssl_cert");
  const sslKey = pick(input.sslKey, "ssl_key");
  const serverPublicKeyPath = pick(input.serverPublicKeyPath, "server_public_key_path");
  // The mysql client's boolean option: "get-server-public-key" alone or "=1" turns it on, "=0" off.
  const getKey = cnf.get("get_server_public_key");
  const getServerPublicKey = input.getServerPublicKey ?? (getKey !== undefined && !/^(0|off|false)$/i.test(getKey.trim()));
  if ((sslCert === undefined) !== (sslKey === undefined)) {
    throw new AuditError("usage", "--ssl-cert and --ssl-key go together: a client certificate needs its private key");
  }
  if (sslMode === "DISABLED" && (sslCa || sslCert)) {
    world.warn("Warning: --ssl-mode DISABLED ignores --ssl-ca, --ssl-cert and --ssl-key.");
  }
  return {
    host,
    port: port || DEFAULT_PORT,
    user,
    password,
    passwordSource,
    sslMode,
    sslModeGiven,
    ...(sslCa ? { sslCa } : {}),
    ...(sslCert ? { sslCert } : {}),
    ...(sslKey ? { sslKey } : {}),
    ...(serverPublicKeyPath ? { serverPublicKeyPath } : {}),
    ...(getServerPublicKey ? { getServerPublicKey } : {}),
    optionFiles: notes,
  };
}

/** Reads a password from a terminal without echo; a usage error when stdin is not a TTY. */
export function promptPassword(question: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  if (!input.isTTY || typeof input.setRawMode !== "function") {
    return Promise.reject(
      new AuditError(
        "usage",
        "-p without a value prompts for the password, but stdin is not a terminal; give it with -p<password>, --password=<password>, MYSQL_PWD or a [client] password in --defaults-file",
      ),
    );
  }
  return new Promise((resolve, reject) => {
    // Echo off before the prompt shows: a password typed as soon as it appears must never be echoed.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    output.write(question);
    input.resume();
    let value = "";
    const done = (err?: Error) => {
      input.removeListener("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === "string" ? chunk : chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new AuditError("usage", "password prompt cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
  });
}

/** Masks the password in text (see maskPassword in ./mask.ts: 8+ characters everywhere, shorter ones nowhere). */
export function scrub(text: string, secret: Secret | undefined): string {
  return maskPassword(text, secret?.reveal());
}

/**
 * Whether the user chose the --ssl-mode. Only PREFERRED is ever a default, so any other mode was chosen, whatever
 * built the spec.
 */
export function sslModeExplicit(spec: Pick<LoginSpec, "sslMode" | "sslModeGiven">): boolean {
  return spec.sslModeGiven === true || spec.sslMode !== "PREFERRED";
}
