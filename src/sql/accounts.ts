import { AuditError } from "../errors.js";
import { flavorLabel, type SqlSession } from "./login.js";
import { describeQueryFailure, type QueryProblem } from "./privileges.js";
import { accountSql } from "../knowledge/sql-quote.js";
import { clauseFrom, parseShowCreateUser, type RequireClause } from "./require-clause.js";

/** One account as the server stores it; no password hash is ever read or kept. */
export interface AccountFacts {
  user: string;
  host: string;
  require: RequireClause;
  plugin?: string;
  /** MariaDB's IDENTIFIED VIA a OR b: the other plugins the account may use. */
  alternativePlugins?: string[];
  /** The main plugin's password is the literal 'invalid' (MariaDB's way to make it unusable, e.g. Debian's root). */
  passwordInvalid?: boolean;
  locked?: boolean;
  /** ssl_type as stored: MariaDB's "0".."3" or null/absent (built-in accounts), MySQL's ""/ANY/X509/SPECIFIED. */
  sslTypeRaw?: string | null;
  source: "mysql.global_priv" | "mysql.user" | "SHOW CREATE USER";
}

/** Everything the account checks need: the accounts and the server settings that decide what they mean. */
export interface AccountsFacts {
  flavor: SqlSession["flavor"];
  flavorLabel: string;
  accounts: AccountFacts[];
  /** require_secure_transport; undefined when the server lacks it (MariaDB before 10.5) or it was unreadable. */
  requireSecureTransport?: boolean;
  /** tls_version, e.g. ["TLSv1.2", "TLSv1.3"]. */
  tlsVersions?: string[];
  /** The server certificate's key type as this login saw it: RSA, EC, Ed25519. */
  certKeyType?: string;
  /** True when the server can encrypt at all (have_ssl = YES). */
  tlsAvailable?: boolean;
  problems: QueryProblem[];
}

const MARIADB_SQL = `SELECT User AS user, Host AS host,
  JSON_VALUE(Priv, '$.ssl_type') AS ssl_type,
  JSON_VALUE(Priv, '$.ssl_cipher') AS ssl_cipher,
  JSON_VALUE(Priv, '$.x509_issuer') AS x509_issuer,
  JSON_VALUE(Priv, '$.x509_subject') AS x509_subject,
  JSON_VALUE(Priv, '$.plugin') AS plugin,
  JSON_VALUE(Priv, '$.account_locked') AS account_locked,
  JSON_VALUE(Priv, '$.is_role') AS is_role,
  JSON_EXTRACT(Priv, '$.auth_or[*].plugin') AS auth_or_plugins,
  JSON_VALUE(Priv, '$.authentication_string') = 'invalid' AS password_invalid
FROM mysql.global_priv ORDER BY User, Host`;

const MARIADB_COLUMNS = ["user", "host", "ssl_type", "ssl_cipher", "x509_issuer", "x509_subject", "plugin", "account_locked", "is_role", "auth_or_plugins", "password_invalid"];

const MYSQL_SQL =
  "SELECT User AS user, Host AS host, ssl_type, ssl_cipher, x509_issuer, x509_subject, plugin, account_locked FROM mysql.user ORDER BY User, Host";

const MYSQL_COLUMNS = ["user", "host", "ssl_type", "ssl_cipher", "x509_issuer", "x509_subject", "plugin", "account_locked"];

const SETTINGS_SQL =
  "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('require_secure_transport', 'tls_version', 'have_ssl')";

/** Reads every account's REQUIRE clause, plugin and lock; SHOW CREATE USER when the tables cannot be read. */
export async function gatherAccounts(s: SqlSession): Promise<AccountsFacts> {
  const problems: QueryProblem[] = [];
  const facts: AccountsFacts = { flavor: s.flavor, flavorLabel: flavorLabel(s), accounts: [], problems };
  if (s.tls.certKeyType) facts.certKeyType = s.tls.certKeyType;

  try {
    const vars = new Map((await s.query(SETTINGS_SQL, ["Variable_name", "Value"])).map((r) => [(r.Variable_name ?? "").toLowerCase(), r.Value ?? ""]));
    const rst = vars.get("require_secure_transport");
    if (rst !== undefined) facts.requireSecureTransport = /^(on|1|yes)$/i.test(rst);
    const tv = vars.get("tls_version");
    if (tv !== undefined) facts.tlsVersions = tv.split(",").map((v) => v.trim()).filter(Boolean);
    const hs = vars.get("have_ssl");
    if (hs !== undefined) facts.tlsAvailable = hs.toUpperCase() === "YES";
  } catch (err) {
    problems.push(describeQueryFailure(err, "server settings", SETTINGS_SQL, s.currentUser, { privilege: "SELECT", on: "performance_schema.*" }));
  }

  const table = s.flavor === "mariadb" && s.versionNumber >= 100400 ? "mysql.global_priv" : "mysql.user";
  const sql = table === "mysql.global_priv" ? MARIADB_SQL : MYSQL_SQL;
  try {
    for (const r of await s.query(sql, table === "mysql.global_priv" ? MARIADB_COLUMNS : MYSQL_COLUMNS)) {
      if (isTrue(r.is_role)) continue; // roles cannot log in
      facts.accounts.push({
        user: r.user ?? "",
        host: r.host ?? "",
        require: clauseFrom(r.ssl_type, r.x509_issuer, r.x509_subject, r.ssl_cipher),
        ...(r.plugin ? { plugin: r.plugin } : {}),
        ...alternatives(r.auth_or_plugins),
        ...(r.password_invalid === "1" ? { passwordInvalid: true } : {}),
        // global_priv leaves account_locked out for unlocked accounts; mysql.user says 'N' or 'Y'.
        locked: isTrue(r.account_locked),
        sslTypeRaw: r.ssl_type ?? null,
        source: table,
      });
    }
    return facts;
  } catch (err) {
    problems.push(describeQueryFailure(err, "accounts", sql, s.currentUser, { privilege: "SELECT", on: table }));
  }

  // Fallback: whatever accounts we can name, each through SHOW CREATE USER (always allowed for one's own).
  let names: { user: string; host: string }[] = [];
  const namesSql = "SELECT User AS user, Host AS host FROM mysql.user ORDER BY User, Host";
  try {
    names = (await s.query(namesSql, ["user", "host"])).map((r) => ({ user: r.user ?? "", host: r.host ?? "" }));
  } catch (err) {
    const p = describeQueryFailure(err, "account names", namesSql, s.currentUser, { privilege: "SELECT", on: "mysql.user" });
    if (p.unexpected) problems.push(p);
    const at = s.currentUser.lastIndexOf("@");
    names = [{ user: s.currentUser.slice(0, at), host: s.currentUser.slice(at + 1) }];
  }
  for (const n of names) {
    const stmt = `SHOW CREATE USER ${accountSql(n.user, n.host)}`;
    try {
      const [row] = await s.query(stmt);
      // Its one column is named "CREATE USER for user@host"; anything else is not a CREATE USER statement.
      const column = row ? Object.keys(row)[0] : undefined;
      if (!column || !/^CREATE USER for /i.test(column)) {
        throw new AuditError("protocol", `unexpected result: no column CREATE USER for ... (the server sent ${row ? `columns: ${Object.keys(row).join(", ") || "none"}` : "no row"})`);
      }
      const text = row![column] ?? "";
      const parsed = parseShowCreateUser(text);
      facts.accounts.push({
        user: n.user,
        host: n.host,
        require: parsed.require,
        ...(parsed.plugin ? { plugin: parsed.plugin } : {}),
        ...(parsed.alternativePlugins?.length ? { alternativePlugins: parsed.alternativePlugins } : {}),
        ...(parsed.passwordInvalid ? { passwordInvalid: true } : {}),
        ...(parsed.locked !== undefined ? { locked: parsed.locked } : {}),
        source: "SHOW CREATE USER",
      });
    } catch (err) {
      // Roles listed in mysql.user (MySQL) have no CREATE USER; they cannot log in either.
      const p = describeQueryFailure(err, `account ${n.user}@${n.host}`, stmt, s.currentUser, { privilege: "SELECT", on: "mysql.*" });
      if (p.missing || p.unexpected) problems.push(p);
    }
  }
  return facts;
}

// JSON_EXTRACT of '$.auth_or[*].plugin' is a JSON array text such as ["unix_socket"], or NULL.
function alternatives(json: string | null | undefined): { alternativePlugins?: string[] } {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
    return list.length ? { alternativePlugins: list } : {};
  } catch {
    return {};
  }
}

function isTrue(v: string | null | undefined): boolean {
  return v !== null && v !== undefined && /^(true|1|y|yes)$/i.test(v.trim());
}
