import { AuditError } from "../errors.js";

/** A server to audit, as the user named it. */
export interface Target {
  host: string;
  port: number;
  /** From mysql://user@host; never printed with a password. */
  user?: string;
  /** From mysql://user:pass@host; never printed, logged or stored. */
  password?: string;
}

export const DEFAULT_PORT = 3306;

/** "host:port" for messages; IPv6 in brackets. Never includes credentials. */
export function formatTarget(t: Pick<Target, "host" | "port">): string {
  return t.host.includes(":") ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The port a string names (1-65535, digits only), or undefined. */
export function portNumber(s: string): number | undefined {
  return /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? Number(s) : undefined;
}

function parsePort(s: string, raw: string): number {
  if (!/^\d{1,5}$/.test(s)) throw bad(raw, `port "${s}" is not a number`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw bad(raw, `port ${n} is out of range 1-65535`);
  return n;
}

function bad(raw: string, why: string): AuditError {
  return new AuditError("usage", `invalid target "${redact(raw)}": ${why} (expected host, host:port, [ipv6]:port or mysql://[user@]host[:port])`);
}

/** The raw target with any password replaced, for error messages. */
function redact(raw: string): string {
  return raw.replace(/^(mysql:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function checkHost(host: string, raw: string): string {
  if (host === "") throw bad(raw, "empty host");
  const v4 = IPV4.exec(host);
  if (v4) {
    if (v4.slice(1).some((o) => Number(o) > 255)) throw bad(raw, `"${host}" is not a valid IPv4 address`);
    return host;
  }
  if (!HOSTNAME.test(host)) throw bad(raw, `"${host}" is not a valid host name`);
  return host;
}

function checkIpv6(host: string, raw: string): string {
  if (!/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host) || !host.includes(":")) throw bad(raw, `"${host}" is not an IPv6 address`);
  return host;
}

/**
 * Parses host, host:port, [ipv6]:port, bare ipv6, or mysql://[user[:pass]@]host[:port][/db]. Empty means
 * localhost; a target that names no port gets defaultPort (3306 unless -P or an option file says otherwise).
 */
export function parseTarget(raw: string | undefined, defaultPort = DEFAULT_PORT): Target {
  const s = (raw ?? "").trim();
  if (s === "") return { host: "localhost", port: defaultPort };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    if (!/^mysql:\/\//i.test(s)) throw bad(s, "only the mysql:// scheme is understood");
    let rest = s.slice("mysql://".length);
    const slash = rest.search(/[/?#]/);
    if (slash >= 0) rest = rest.slice(0, slash);
    let user: string | undefined;
    let password: string | undefined;
    const at = rest.lastIndexOf("@");
    if (at >= 0) {
      const cred = rest.slice(0, at);
      rest = rest.slice(at + 1);
      const colon = cred.indexOf(":");
      try {
        user = decodeURIComponent(colon >= 0 ? cred.slice(0, colon) : cred);
        if (colon >= 0) password = decodeURIComponent(cred.slice(colon + 1));
      } catch {
        throw bad(s, "bad percent-encoding in the user or password");
      }
      if (user === "") user = undefined;
    }
    const hp = parseHostPort(rest, s, defaultPort);
    return { ...hp, ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}) };
  }
  if (s.includes("@") || s.includes("/")) throw bad(s, "unexpected '@' or '/' (use mysql://user@host:port)");
  return parseHostPort(s, s, defaultPort);
}

function parseHostPort(s: string, raw: string, defaultPort: number): { host: string; port: number } {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) throw bad(raw, "missing ']' after the IPv6 address");
    const host = checkIpv6(s.slice(1, end), raw);
    const after = s.slice(end + 1);
    if (after === "") return { host, port: defaultPort };
    if (!after.startsWith(":")) throw bad(raw, "expected ':port' after ']'");
    return { host, port: parsePort(after.slice(1), raw) };
  }
  const colons = (s.match(/:/g) ?? []).length;
  if (colons > 1) return { host: checkIpv6(s, raw), port: defaultPort };
  if (colons === 1) {
    const [h, p] = s.split(":") as [string, string];
    return { host: checkHost(h, raw), port: parsePort(p, raw) };
  }
  return { host: checkHost(s, raw), port: defaultPort };
}
