// What a MySQL 8.4 server answers to each query `settings` and `accounts` send, for the protocol-faithful
// fake server (we cannot install MySQL here). Names, shapes and defaults follow the MySQL 8.4 Reference
// Manual: 7.1.8 Server System Variables (tls_version 'TLSv1.2,TLSv1.3', require_secure_transport OFF,
// ssl_ca/ssl_cert/ssl_key the auto-generated ca.pem/server-cert.pem/server-key.pem; have_ssl and have_openssl
// removed in 8.4.0 per "Option and Variable Changes for MySQL 8.4"), 7.1.10 Server Status Variables
// (Tls_library_version, Current_tls_*, Ssl_server_not_*), 29.12.22.9 tls_channel_status (CHANNEL, PROPERTY,
// VALUE; mysql_main Enabled Yes, mysql_admin Enabled No), 8.2.3 Grant Tables (mysql.user ssl_type
// enum('','ANY','X509','SPECIFIED'), ssl_cipher/x509_issuer/x509_subject BLOBs, account_locked enum('N','Y'))
// and 15.7.7.12 SHOW CREATE USER (REQUIRE ... AND ..., IDENTIFIED WITH 'plugin' AS '<hash>').
import { makeCerts } from "./certs.js";
import { answerServerVariables, startFakeMysql, type FakeConnInfo, type FakeMysql, type FakeMysqlOptions, type QueryResult } from "./fake-mysql/server.js";

/** One account in mysql.user. */
export interface ModelAccount {
  user: string;
  host: string;
  /** mysql.user.ssl_type: '' (NONE), ANY (SSL), X509, SPECIFIED. */
  sslType: "" | "ANY" | "X509" | "SPECIFIED";
  issuer?: string;
  subject?: string;
  cipher?: string;
  plugin?: string;
  locked?: boolean;
}

/** One row of performance_schema.replication_connection_configuration (the TLS columns). */
export interface ModelChannel {
  name: string;
  host: string;
  port: number;
  sslAllowed: "YES" | "NO" | "IGNORED";
  verify: boolean;
  ca?: string;
  tlsVersion?: string;
}

export interface MysqlModelOptions {
  version?: string;
  /** CURRENT_USER() of every session, e.g. "audit@%". */
  currentUser?: string;
  requireSecureTransport?: boolean;
  tlsLibrary?: string;
  tlsVersion?: string;
  accounts?: ModelAccount[];
  channels?: ModelChannel[];
  /** Tables (e.g. "mysql.user") this login may not SELECT from: 1142 as MySQL words it. */
  denied?: string[];
  /** The statements the model saw, in order (for asserting what was, and was not, sent). */
  log?: string[];
}

/** MySQL 8.4 defaults plus the built-in accounts of a fresh --initialize. */
export const MYSQL84_BUILTIN_ACCOUNTS: ModelAccount[] = [
  { user: "mysql.infoschema", host: "localhost", sslType: "", plugin: "caching_sha2_password", locked: true },
  { user: "mysql.session", host: "localhost", sslType: "", plugin: "caching_sha2_password", locked: true },
  { user: "mysql.sys", host: "localhost", sslType: "", plugin: "caching_sha2_password", locked: true },
  { user: "root", host: "localhost", sslType: "", plugin: "caching_sha2_password", locked: false },
];

/** The global variables of the model server. */
export function mysql84Variables(o: MysqlModelOptions = {}): Record<string, string> {
  return {
    admin_ssl_ca: "",
    admin_ssl_capath: "",
    admin_ssl_cert: "",
    admin_ssl_cipher: "",
    admin_ssl_crl: "",
    admin_ssl_crlpath: "",
    admin_ssl_key: "",
    admin_tls_ciphersuites: "",
    admin_tls_version: "TLSv1.2,TLSv1.3",
    require_secure_transport: o.requireSecureTransport ? "ON" : "OFF",
    ssl_ca: "ca.pem",
    ssl_capath: "",
    ssl_cert: "server-cert.pem",
    ssl_cipher: "",
    ssl_crl: "",
    ssl_crlpath: "",
    ssl_fips_mode: "OFF",
    ssl_key: "server-key.pem",
    ssl_session_cache_mode: "ON",
    ssl_session_cache_timeout: "300",
    tls_certificates_enforced_validation: "OFF",
    tls_ciphersuites: "",
    tls_version: o.tlsVersion ?? "TLSv1.2,TLSv1.3",
    version: o.version ?? "8.4.3",
    version_comment: "MySQL Community Server - GPL",
  };
}

/** The global status of the model server (TLS rows only; counters as after a few connections). */
export function mysql84Status(o: MysqlModelOptions = {}): Record<string, string> {
  return {
    Current_tls_ca: "ca.pem",
    Current_tls_capath: "",
    Current_tls_cert: "server-cert.pem",
    Current_tls_cipher: "",
    Current_tls_ciphersuites: "",
    Current_tls_crl: "",
    Current_tls_crlpath: "",
    Current_tls_key: "server-key.pem",
    Current_tls_version: o.tlsVersion ?? "TLSv1.2,TLSv1.3",
    Ssl_accepts: "3",
    Ssl_finished_accepts: "3",
    Ssl_server_not_after: "Nov 22 10:00:00 2036 GMT",
    Ssl_server_not_before: "Nov 24 10:00:00 2026 GMT",
    Tls_library_version: o.tlsLibrary ?? "OpenSSL 3.0.13 30 Jan 2024",
  };
}

function tlsChannelRows(o: MysqlModelOptions): (string | null)[][] {
  const st = mysql84Status(o);
  const props = (enabled: boolean, prefix: "" | "admin") => {
    const cur = (k: string) => (prefix === "admin" && !enabled ? "" : st[k] ?? "");
    return [
      ["Enabled", enabled ? "Yes" : "No"],
      ["ssl_accept_renegotiates", "0"],
      ["Ssl_accepts", enabled ? st.Ssl_accepts! : "0"],
      ["Ssl_finished_accepts", enabled ? st.Ssl_finished_accepts! : "0"],
      ["Current_tls_ca", cur("Current_tls_ca")],
      ["Current_tls_cert", cur("Current_tls_cert")],
      ["Current_tls_cipher", cur("Current_tls_cipher")],
      ["Current_tls_ciphersuites", cur("Current_tls_ciphersuites")],
      ["Current_tls_key", cur("Current_tls_key")],
      ["Current_tls_version", cur("Current_tls_version")],
      ["Ssl_server_not_after", cur("Ssl_server_not_after")],
      ["Ssl_server_not_before", cur("Ssl_server_not_before")],
    ];
  };
  return [
    ...props(true, "").map(([p, v]) => ["mysql_main", p!, v!]),
    ...props(false, "admin").map(([p, v]) => ["mysql_admin", p!, v!]),
  ];
}

function showCreateUser(a: ModelAccount): string {
  let require = "NONE";
  if (a.sslType === "ANY") require = "SSL";
  else if (a.sslType === "X509") require = "X509";
  else if (a.sslType === "SPECIFIED") {
    const parts = [
      ...(a.subject ? [`SUBJECT '${a.subject}'`] : []),
      ...(a.issuer ? [`ISSUER '${a.issuer}'`] : []),
      ...(a.cipher ? [`CIPHER '${a.cipher}'`] : []),
    ];
    require = parts.join(" AND ");
  }
  const plugin = a.plugin ?? "caching_sha2_password";
  return (
    `CREATE USER \`${a.user}\`@\`${a.host}\` IDENTIFIED WITH '${plugin}' AS '$A$005$fakehashREQUIRE SSL' REQUIRE ${require} ` +
    `PASSWORD EXPIRE DEFAULT ACCOUNT ${a.locked ? "LOCK" : "UNLOCK"} PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT`
  );
}

function denied(o: MysqlModelOptions, table: string, conn: FakeConnInfo): QueryResult | undefined {
  if (!o.denied?.includes(table)) return undefined;
  const name = table.split(".")[1]!;
  return { error: { errno: 1142, sqlState: "42000", message: `SELECT command denied to user '${conn.user}'@'localhost' for table '${name}'` } };
}

/** An onQuery handler answering as a MySQL 8.4 server configured by `o`. */
export function mysql84Model(o: MysqlModelOptions = {}) {
  // ORDER BY User, Host; both columns are binary-collated in mysql.user.
  const accounts = [...MYSQL84_BUILTIN_ACCOUNTS, ...(o.accounts ?? [])].sort((a, b) =>
    a.user !== b.user ? (a.user < b.user ? -1 : 1) : a.host < b.host ? -1 : a.host > b.host ? 1 : 0,
  );
  return (sql: string, conn: FakeConnInfo): QueryResult => {
    o.log?.push(sql);
    const q = sql.trim().replace(/\s+/g, " ");
    if (/^SELECT VERSION\(\) AS version, @@version_comment AS comment, CURRENT_USER\(\) AS cu$/i.test(q)) {
      return { columns: ["version", "comment", "cu"], rows: [[o.version ?? "8.4.3", "MySQL Community Server - GPL", o.currentUser ?? `${conn.user}@%`]] };
    }
    if (/^SHOW SESSION STATUS LIKE 'Ssl%'$/i.test(q)) {
      // Per session: what this connection negotiated, empty strings for a clear-text one.
      return { columns: ["Variable_name", "Value"], rows: [["Ssl_cipher", conn.tlsCipher ?? ""], ["Ssl_version", conn.tlsProtocol ?? ""]] };
    }
    const vars = answerServerVariables(q, { variables: mysql84Variables(o), status: mysql84Status(o) });
    if (vars) return vars;
    if (/^SELECT CHANNEL, PROPERTY, VALUE FROM performance_schema\.tls_channel_status$/i.test(q)) {
      return denied(o, "performance_schema.tls_channel_status", conn) ?? { columns: ["CHANNEL", "PROPERTY", "VALUE"], rows: tlsChannelRows(o) };
    }
    if (/FROM mysql\.user ORDER BY User, Host$/i.test(q) && /ssl_type/i.test(q)) {
      return (
        denied(o, "mysql.user", conn) ?? {
          columns: ["user", "host", "ssl_type", "ssl_cipher", "x509_issuer", "x509_subject", "plugin", "account_locked"],
          rows: accounts.map((a) => [a.user, a.host, a.sslType, a.cipher ?? "", a.issuer ?? "", a.subject ?? "", a.plugin ?? "caching_sha2_password", a.locked ? "Y" : "N"]),
        }
      );
    }
    if (/^SELECT User AS user, Host AS host FROM mysql\.user ORDER BY User, Host$/i.test(q)) {
      return denied(o, "mysql.user", conn) ?? { columns: ["user", "host"], rows: accounts.map((a) => [a.user, a.host]) };
    }
    const scu = /^SHOW CREATE USER '((?:[^']|'')*)'@'((?:[^']|'')*)'$/i.exec(q);
    if (scu) {
      const a = accounts.find((x) => x.user === scu[1]!.replace(/''/g, "'") && x.host === scu[2]!.replace(/''/g, "'"));
      if (!a) return { error: { errno: 1396, sqlState: "HY000", message: "Operation SHOW CREATE USER failed" } };
      return { columns: [`CREATE USER for ${a.user}@${a.host}`], rows: [[showCreateUser(a)]] };
    }
    if (/^SELECT \* FROM performance_schema\.replication_connection_configuration$/i.test(q)) {
      return (
        denied(o, "performance_schema.replication_connection_configuration", conn) ?? {
          columns: ["CHANNEL_NAME", "HOST", "PORT", "USER", "NETWORK_INTERFACE", "AUTO_POSITION", "SSL_ALLOWED", "SSL_CA_FILE", "SSL_CA_PATH", "SSL_CERTIFICATE", "SSL_CIPHER", "SSL_KEY", "SSL_VERIFY_SERVER_CERTIFICATE", "SSL_CRL_FILE", "SSL_CRL_PATH", "CONNECTION_RETRY_INTERVAL", "CONNECTION_RETRY_COUNT", "HEARTBEAT_INTERVAL", "TLS_VERSION", "PUBLIC_KEY_PATH", "GET_PUBLIC_KEY", "NETWORK_NAMESPACE", "COMPRESSION_ALGORITHM", "ZSTD_COMPRESSION_LEVEL", "TLS_CIPHERSUITES", "SOURCE_CONNECTION_AUTO_FAILOVER", "GTID_ONLY"],
          rows: (o.channels ?? []).map((c) => [c.name, c.host, String(c.port), "repl", "", "1", c.sslAllowed, c.ca ?? "", "", "", "", "", c.verify ? "YES" : "NO", "", "", "60", "10", "30.000", c.tlsVersion ?? "", "", "NO", "", "uncompressed", "3", null, "0", "0"]),
        }
      );
    }
    return { error: { errno: 1064, sqlState: "42000", message: `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${q.slice(0, 60)}' at line 1` } };
  };
}

/** A fake MySQL 8.4 with TLS (an RSA leaf and its chain) and one account, `audit`, on caching_sha2_password. */
export async function startMysql84(password: string, onQuery: FakeMysqlOptions["onQuery"]): Promise<FakeMysql> {
  const certs = await makeCerts();
  return startFakeMysql({
    greeting: "mysql-8.4",
    tls: { cert: certs.leaves.rsa.chain, key: certs.leaves.rsa.key },
    users: [{ user: "audit", password, plugin: "caching_sha2_password" }],
    ...(onQuery ? { onQuery } : {}),
  });
}
