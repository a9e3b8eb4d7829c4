import { flavorLabel, type SessionTls, type SqlSession } from "./login.js";
import { describeQueryFailure, type QueryProblem } from "./privileges.js";

/** One TLS channel of performance_schema.tls_channel_status (MySQL 8.0.21+): mysql_main, mysql_admin. */
export interface TlsChannelFacts {
  channel: string;
  /** PROPERTY → VALUE, e.g. Enabled, Has_ssl, Current_tls_version, Ssl_server_not_after. */
  properties: Record<string, string>;
}

/** What the server says about its TLS configuration; plain facts, judged in checks/settings.ts. */
export interface ServerSettingsFacts {
  flavor: SqlSession["flavor"];
  version: string;
  versionNumber: number;
  /** "MariaDB 10.11", for "not available on ..." notes. */
  flavorLabel: string;
  /** SHOW GLOBAL VARIABLES (SETTINGS_VARIABLES), keys lower-cased; undefined when the query failed. */
  variables?: Record<string, string>;
  /** SHOW GLOBAL STATUS (SETTINGS_STATUS), keys lower-cased. */
  status?: Record<string, string>;
  /** This session's SHOW SESSION STATUS LIKE 'Ssl%', keys lower-cased. */
  session?: Record<string, string>;
  /** performance_schema.tls_channel_status; undefined when the version lacks it (see tlsChannelsNote). */
  tlsChannels?: TlsChannelFacts[];
  tlsChannelsNote?: string;
  /** How this tool's own login travelled. */
  sessionTls: SessionTls;
  /** Whether the probe's greeting (another connection, in the audit) offered TLS: a witness against stripping. */
  probeOfferedTls?: boolean;
  problems: QueryProblem[];
}

/**
 * The global variables and status the settings check judges (checks/settings/judge.ts, SETTING_SPECS, kept equal by
 * a test): only these are asked for. The whole of SHOW GLOBAL VARIABLES and STATUS is about 1,100 rows and 45 KB on
 * MariaDB 10.11, which the login's client parsed row by row for some 50 ms of CPU (measured, an audit at ~0 ms).
 */
export const SETTINGS_VARIABLES: readonly string[] = [
  "version_ssl_library",
  "have_ssl",
  "have_openssl",
  "require_secure_transport",
  "tls_version",
  "ssl_cipher",
  "tls_ciphersuites",
  "ssl_ca",
  "ssl_capath",
  "ssl_cert",
  "ssl_key",
  "ssl_crl",
  "ssl_crlpath",
  "ssl_fips_mode",
  "admin_tls_version",
  "admin_ssl_cipher",
  "admin_tls_ciphersuites",
  "admin_ssl_ca",
  "admin_ssl_capath",
  "admin_ssl_cert",
  "admin_ssl_key",
  "admin_ssl_crl",
  "admin_ssl_crlpath",
];
export const SETTINGS_STATUS: readonly string[] = [
  "Tls_library_version",
  "Ssl_server_not_before",
  "Ssl_server_not_after",
  "Current_tls_version",
  "Current_tls_cipher",
  "Current_tls_ciphersuites",
  "Current_tls_ca",
  "Current_tls_capath",
  "Current_tls_cert",
  "Current_tls_key",
  "Current_tls_crl",
  "Current_tls_crlpath",
];

const namesIn = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(", ");

// SHOW VARIABLES and SHOW STATUS name their columns so; performance_schema's tables VARIABLE_NAME, VARIABLE_VALUE.
const NAME_VALUE = [["Variable_name", "VARIABLE_NAME"], ["Value", "VARIABLE_VALUE"]] as const;

/** Reads global variables and status, this session's Ssl_* status and the TLS channels; never throws for a refused query. */
export async function gatherSettings(s: SqlSession): Promise<ServerSettingsFacts> {
  const problems: QueryProblem[] = [];
  const nameValue = async (what: string, sql: string): Promise<Record<string, string> | undefined> => {
    try {
      const rows = await s.query(sql, NAME_VALUE);
      const out: Record<string, string> = {};
      for (const r of rows) {
        const name = r.Variable_name ?? r.VARIABLE_NAME;
        if (name) out[name.toLowerCase()] = r.Value ?? r.VARIABLE_VALUE ?? "";
      }
      return out;
    } catch (err) {
      problems.push(describeQueryFailure(err, what, sql, s.currentUser, { privilege: "SELECT", on: "performance_schema.*" }));
      return undefined;
    }
  };
  const variables = await nameValue("server variables", `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${namesIn(SETTINGS_VARIABLES)})`);
  const status = await nameValue("server status", `SHOW GLOBAL STATUS WHERE Variable_name IN (${namesIn(SETTINGS_STATUS)})`);
  const session = await nameValue("this session's TLS", "SHOW SESSION STATUS LIKE 'Ssl%'");

  let tlsChannels: TlsChannelFacts[] | undefined;
  let tlsChannelsNote: string | undefined;
  if (s.flavor === "mariadb") tlsChannelsNote = `not available on ${flavorLabel(s)} (MySQL 8.0.21+ only)`;
  else if (s.versionNumber < 80021) tlsChannelsNote = `not available on ${flavorLabel(s)} (MySQL 8.0.21+ only)`;
  else {
    const sql = "SELECT CHANNEL, PROPERTY, VALUE FROM performance_schema.tls_channel_status";
    try {
      const rows = await s.query(sql, ["CHANNEL", "PROPERTY", "VALUE"]);
      const byChannel = new Map<string, Record<string, string>>();
      for (const r of rows) {
        const ch = r.CHANNEL ?? "";
        if (!byChannel.has(ch)) byChannel.set(ch, {});
        byChannel.get(ch)![r.PROPERTY ?? ""] = r.VALUE ?? "";
      }
      tlsChannels = [...byChannel].map(([channel, properties]) => ({ channel, properties }));
    } catch (err) {
      const p = describeQueryFailure(err, "TLS channels", sql, s.currentUser, { privilege: "SELECT", on: "performance_schema.tls_channel_status" });
      problems.push(p);
      tlsChannelsNote = p.missing ? `not readable: missing ${p.missing.privilege} on ${p.missing.on}` : `not readable: ${p.message}`;
    }
  }
  return {
    flavor: s.flavor,
    version: s.version,
    versionNumber: s.versionNumber,
    flavorLabel: flavorLabel(s),
    ...(variables ? { variables } : {}),
    ...(status ? { status } : {}),
    ...(session ? { session } : {}),
    ...(tlsChannels ? { tlsChannels } : {}),
    ...(tlsChannelsNote ? { tlsChannelsNote } : {}),
    sessionTls: s.tls,
    problems,
  };
}
