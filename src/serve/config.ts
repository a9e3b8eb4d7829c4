// The exporter's module file (YAML), validated as strictly as a policy file: an unknown key is an error that
// names it, a bad value is one line naming the module and the key. Passwords never live in the file or a URL:
// a module names a file or an environment variable that holds one.
import fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { AuditError } from "../errors.js";
import { DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { loadPolicy, validatePolicy } from "../policy/load.js";
import { SSL_MODES, type SslMode } from "../sql/credentials.js";

/** The checks a module may list. `ciphers` is the full enumeration (cached, within the aborted-connection budget). */
export const MODULE_CHECKS = ["protocols", "ciphers", "certificate", "settings", "accounts", "replication"] as const;
export type ModuleCheck = (typeof MODULE_CHECKS)[number];
const LOGIN_CHECKS: readonly ModuleCheck[] = ["settings", "accounts", "replication"];

/** Where a module's login password comes from (never the file itself, never a URL). */
export type PasswordFrom = { file: string } | { env: string };

export interface ModuleCredentials {
  user: string;
  password: PasswordFrom;
  sslMode: SslMode;
  sslCa?: string;
}

/** One module, as the exporter runs it. */
export interface ExporterModule {
  name: string;
  checks: ModuleCheck[];
  /** Read timeout per server answer, seconds. */
  timeout: number;
  connectTimeout: number;
  /** Seconds a cipher enumeration, or a protocol version the server refused, is reused before it is probed again. */
  cache: number;
  /** Most aborted handshakes the exporter may cost a target since its count was last reset by a successful login. */
  maxAborted: number;
  policy: Policy;
  policySource: string;
  credentials?: ModuleCredentials;
  /** PEM CA bundle (contents) and its path, for verifying the server's chain. */
  ca?: { pem: string; file: string };
  hostName?: string;
}

export interface ExporterConfig {
  modules: Map<string, ExporterModule>;
  source: string;
}

const TOP_KEYS = ["modules"];
const MODULE_KEYS = ["checks", "timeout", "connect_timeout", "cache", "max_aborted", "policy", "credentials", "ssl_ca", "host_name"];
const CREDENTIAL_KEYS = ["user", "password_file", "password_env", "ssl_mode", "ssl_ca"];

export const DEFAULT_MODULE_CHECKS: readonly ModuleCheck[] = ["protocols", "certificate"];
export const DEFAULT_CACHE_SECONDS = 3600;
export const DEFAULT_MODULE_MAX_ABORTED = 3;

/** The built-in `default` module: lock-out safe (greeting, certificate, one handshake per protocol version). */
export function defaultModule(): ExporterModule {
  return {
    name: "default",
    checks: [...DEFAULT_MODULE_CHECKS],
    timeout: 10,
    connectTimeout: 5,
    cache: DEFAULT_CACHE_SECONDS,
    maxAborted: DEFAULT_MODULE_MAX_ABORTED,
    policy: { ...DEFAULT_POLICY },
    policySource: "built-in default policy",
  };
}

/** The configuration without a file: only the default module. */
export function builtinConfig(): ExporterConfig {
  return { modules: new Map([["default", defaultModule()]]), source: "built-in" };
}

/** Reads and validates an exporter config file. */
export function loadExporterConfig(file: string): ExporterConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new AuditError("usage", `cannot read --config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseExporterConfig(text, file);
}

/** Parses the YAML text of an exporter config; relative paths in it are taken from the file's folder. */
export function parseExporterConfig(text: string, file: string, baseDir = dirOf(file)): ExporterConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new AuditError("usage", `config file ${file}: not valid YAML: ${String((err as Error).message ?? err).split("\n")[0]}`);
  }
  const fail = (key: string, why: string): never => {
    throw new AuditError("usage", `config file ${file}: ${key}: ${why}`);
  };
  if (!isMapping(raw)) fail("(top level)", "must be a mapping with a `modules` key");
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) fail(k, `unknown key (expected ${TOP_KEYS.join(", ")})`);
  if (!isMapping(top.modules)) fail("modules", "must be a mapping of module names to module settings");
  const modules = new Map<string, ExporterModule>();
  for (const [name, body] of Object.entries(top.modules as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) fail(`modules.${name}`, "a module name is 1 to 64 letters, digits, _ . or -");
    modules.set(name, parseModule(name, body ?? {}, (key, why) => fail(`modules.${name}${key ? `.${key}` : ""}`, why), file, baseDir));
  }
  if (!modules.has("default")) modules.set("default", defaultModule());
  return { modules, source: file };
}

function parseModule(name: string, body: unknown, fail: (key: string, why: string) => never, file: string, baseDir: string): ExporterModule {
  if (!isMapping(body)) fail("", "must be a mapping of settings");
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!MODULE_KEYS.includes(k)) fail(k, `unknown key (expected one of ${MODULE_KEYS.join(", ")})`);
  const m = defaultModule();
  m.name = name;
  if (o.timeout !== undefined) m.timeout = seconds(o.timeout, "timeout", fail);
  if (o.connect_timeout !== undefined) m.connectTimeout = seconds(o.connect_timeout, "connect_timeout", fail);
  if (o.cache !== undefined) m.cache = wholeNumber(o.cache, "cache", 0, 7 * 86400, fail);
  if (o.max_aborted !== undefined) m.maxAborted = wholeNumber(o.max_aborted, "max_aborted", 0, 1000, fail);
  if (o.host_name !== undefined) {
    if (typeof o.host_name !== "string" || o.host_name === "") fail("host_name", "must be a host name");
    m.hostName = o.host_name as string;
  }
  if (o.ssl_ca !== undefined) m.ca = readCa(o.ssl_ca, "ssl_ca", baseDir, fail);
  if (o.policy !== undefined) {
    if (typeof o.policy === "string") {
      const loaded = loadPolicy(resolvePath(baseDir, o.policy));
      m.policy = loaded.policy;
      m.policySource = loaded.source;
    } else if (isMapping(o.policy)) {
      m.policy = validatePolicy(o.policy, `${file} (module ${name})`);
      m.policySource = `${file} (module ${name})`;
    } else fail("policy", "must be a policy file path or a policy mapping");
  }
  if (o.credentials !== undefined) m.credentials = parseCredentials(o.credentials, (k, why) => fail(`credentials.${k}`, why), baseDir);
  if (o.checks !== undefined) {
    if (!Array.isArray(o.checks) || o.checks.length === 0) fail("checks", `must be a non-empty list of ${MODULE_CHECKS.join(", ")}`);
    const list: ModuleCheck[] = [];
    for (const [i, c] of (o.checks as unknown[]).entries()) {
      if (typeof c !== "string" || !(MODULE_CHECKS as readonly string[]).includes(c)) fail(`checks[${i}]`, `${JSON.stringify(c)} is not one of ${MODULE_CHECKS.join(", ")}`);
      if (!list.includes(c as ModuleCheck)) list.push(c as ModuleCheck);
    }
    m.checks = list;
  } else if (m.credentials) {
    m.checks = [...DEFAULT_MODULE_CHECKS, ...LOGIN_CHECKS];
  }
  const needLogin = m.checks.filter((c) => LOGIN_CHECKS.includes(c));
  if (needLogin.length && !m.credentials) fail("checks", `${needLogin.join(", ")} need a login: add credentials (user, and password_file or password_env)`);
  return m;
}

function parseCredentials(raw: unknown, fail: (key: string, why: string) => never, baseDir: string): ModuleCredentials {
  if (!isMapping(raw)) fail("(mapping)", "must be a mapping with user and password_file or password_env");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === "password") fail(k, "a password is never written in the config: name a file (password_file) or an environment variable (password_env) that holds it");
    if (!CREDENTIAL_KEYS.includes(k)) fail(k, `unknown key (expected one of ${CREDENTIAL_KEYS.join(", ")})`);
  }
  if (typeof o.user !== "string" || o.user === "") fail("user", "must be a user name");
  if ((o.password_file === undefined) === (o.password_env === undefined)) fail("password_file", "give exactly one of password_file and password_env");
  let password: PasswordFrom;
  if (o.password_file !== undefined) {
    if (typeof o.password_file !== "string" || o.password_file === "") fail("password_file", "must be a file path");
    const path = resolvePath(baseDir, o.password_file as string);
    try {
      fs.accessSync(path, fs.constants.R_OK);
    } catch (err) {
      fail("password_file", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
    }
    password = { file: path };
  } else {
    if (typeof o.password_env !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.password_env)) fail("password_env", "must be an environment variable name");
    if (process.env[o.password_env as string] === undefined) fail("password_env", `the environment variable ${o.password_env as string} is not set`);
    password = { env: o.password_env as string };
  }
  let sslMode: SslMode = "REQUIRED";
  if (o.ssl_mode !== undefined) {
    const v = typeof o.ssl_mode === "string" ? o.ssl_mode.toUpperCase() : "";
    if (!(SSL_MODES as readonly string[]).includes(v) || v === "DISABLED" || v === "PREFERRED") fail("ssl_mode", `must be REQUIRED, VERIFY_CA or VERIFY_IDENTITY (an exporter's login is always encrypted)`);
    sslMode = v as SslMode;
  }
  const creds: ModuleCredentials = { user: o.user as string, password, sslMode };
  if (o.ssl_ca !== undefined) creds.sslCa = readCa(o.ssl_ca, "ssl_ca", baseDir, fail).file;
  if ((sslMode === "VERIFY_CA" || sslMode === "VERIFY_IDENTITY") && !creds.sslCa) fail("ssl_mode", `${sslMode} needs ssl_ca`);
  return creds;
}

/** Reads the password a module names, at the time of use (a rotated file is picked up without a restart). */
export function readModulePassword(p: PasswordFrom): string {
  if ("env" in p) return process.env[p.env] ?? "";
  try {
    return fs.readFileSync(p.file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    throw new AuditError("usage", `cannot read password_file ${p.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readCa(v: unknown, key: string, baseDir: string, fail: (key: string, why: string) => never): { pem: string; file: string } {
  if (typeof v !== "string" || v === "") fail(key, "must be a PEM file path");
  const file = resolvePath(baseDir, v as string);
  let pem = "";
  try {
    pem = fs.readFileSync(file, "utf8");
  } catch (err) {
    fail(key, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) fail(key, `${file} holds no PEM certificate`);
  return { pem, file };
}

function seconds(v: unknown, key: string, fail: (key: string, why: string) => never): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 3600) fail(key, "must be a number of seconds between 0 and 3600");
  return v as number;
}

function wholeNumber(v: unknown, key: string, min: number, max: number, fail: (key: string, why: string) => never): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(key, `must be a whole number from ${min} to ${max}`);
  return v as number;
}

function isMapping(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function dirOf(file: string): string {
  const i = file.lastIndexOf("/");
  return i < 0 ? "." : file.slice(0, i) || "/";
}

function resolvePath(base: string, p: string): string {
  return p.startsWith("/") ? p : `${base}/${p}`;
}
