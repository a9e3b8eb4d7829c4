import type { SqlSession } from "./login.js";
import { describeQueryFailure, type QueryProblem } from "./privileges.js";

/** One replication channel this server runs as a replica (the JSON contract's replication[] entry). */
export interface ReplicationChannel {
  /** "" is the default channel. */
  channel: string;
  sourceHost: string;
  sourcePort: number;
  /** MASTER_SSL / SOURCE_SSL. */
  tls: boolean;
  /** MASTER_SSL_VERIFY_SERVER_CERT / SOURCE_SSL_VERIFY_SERVER_CERT: the chain and the source's name. */
  verifyServerCert: boolean;
  ca?: string;
  capath?: string;
  cert?: string;
  cipher?: string;
  crl?: string;
  /** MySQL 8.0.19+ SOURCE_TLS_VERSION. */
  tlsVersion?: string;
  tlsCiphersuites?: string;
  /** Replica_IO_Running / Slave_IO_Running, when the statement reports it. */
  ioRunning?: string;
  lastIoError?: string;
}

/** Channels and how they were read. */
export interface ReplicationFacts {
  flavor: SqlSession["flavor"];
  /** MySQL 8.0.23+ spells it CHANGE REPLICATION SOURCE TO; older MySQL and MariaDB CHANGE MASTER TO. */
  versionNumber: number;
  channels: ReplicationChannel[];
  source: string;
  problems: QueryProblem[];
}

const MYSQL_SQL = "SELECT * FROM performance_schema.replication_connection_configuration";
// The columns a channel is read from (fromMysql, fromMariadb); MariaDB may spell Master_* as Source_*.
const MYSQL_COLUMNS = ["CHANNEL_NAME", "HOST", "PORT", "SSL_ALLOWED", "SSL_VERIFY_SERVER_CERTIFICATE"];
const MARIADB_COLUMNS = [
  "Connection_name",
  ["Master_Host", "Source_Host"],
  ["Master_Port", "Source_Port"],
  ["Master_SSL_Allowed", "Source_SSL_Allowed"],
  ["Master_SSL_Verify_Server_Cert", "Source_SSL_Verify_Server_Cert"],
];

/** Reads the replica side of replication: SHOW ALL SLAVES STATUS (MariaDB) or performance_schema (MySQL). */
export async function gatherReplication(s: SqlSession): Promise<ReplicationFacts> {
  const out: ReplicationFacts = { flavor: s.flavor, versionNumber: s.versionNumber, channels: [], source: "", problems: [] };
  if (s.flavor === "mariadb") {
    const sql = "SHOW ALL SLAVES STATUS";
    out.source = sql;
    try {
      for (const r of await s.query(sql, MARIADB_COLUMNS)) out.channels.push(fromMariadb(r));
    } catch (err) {
      out.problems.push(describeQueryFailure(err, "replication channels", sql, s.currentUser, { privilege: s.versionNumber >= 100509 ? "SLAVE MONITOR" : "REPLICATION CLIENT", on: "*.*" }));
    }
    return out;
  }
  out.source = MYSQL_SQL;
  try {
    for (const r of await s.query(MYSQL_SQL, MYSQL_COLUMNS)) out.channels.push(fromMysql(r));
  } catch (err) {
    out.problems.push(describeQueryFailure(err, "replication channels", MYSQL_SQL, s.currentUser, { privilege: "SELECT", on: "performance_schema.replication_connection_configuration" }));
  }
  return out;
}

type Row = Record<string, string | null>;

const yes = (v: string | null | undefined) => v !== null && v !== undefined && /^(yes|1|on|true)$/i.test(v.trim());
const opt = (k: string, v: string | null | undefined) => (v !== null && v !== undefined && v !== "" ? { [k]: v } : {});

/** A SHOW ALL SLAVES STATUS / SHOW SLAVE STATUS row as a channel. */
export function fromMariadb(r: Row): ReplicationChannel {
  return {
    channel: r.Connection_name ?? "",
    sourceHost: r.Master_Host ?? r.Source_Host ?? "",
    sourcePort: Number(r.Master_Port ?? r.Source_Port ?? 0),
    tls: yes(r.Master_SSL_Allowed ?? r.Source_SSL_Allowed),
    verifyServerCert: yes(r.Master_SSL_Verify_Server_Cert ?? r.Source_SSL_Verify_Server_Cert),
    ...opt("ca", r.Master_SSL_CA_File ?? r.Source_SSL_CA_File),
    ...opt("capath", r.Master_SSL_CA_Path ?? r.Source_SSL_CA_Path),
    ...opt("cert", r.Master_SSL_Cert ?? r.Source_SSL_Cert),
    ...opt("cipher", r.Master_SSL_Cipher ?? r.Source_SSL_Cipher),
    ...opt("crl", r.Master_SSL_Crl ?? r.Source_SSL_Crl),
    ...opt("ioRunning", r.Slave_IO_Running ?? r.Replica_IO_Running),
    ...opt("lastIoError", r.Last_IO_Error),
  } as ReplicationChannel;
}

/** A performance_schema.replication_connection_configuration row as a channel. */
export function fromMysql(r: Row): ReplicationChannel {
  return {
    channel: r.CHANNEL_NAME ?? "",
    sourceHost: r.HOST ?? "",
    sourcePort: Number(r.PORT ?? 0),
    // SSL_ALLOWED is YES, NO or IGNORED (IGNORED: SSL requested but the replica has no SSL support).
    tls: (r.SSL_ALLOWED ?? "").toUpperCase() === "YES",
    verifyServerCert: yes(r.SSL_VERIFY_SERVER_CERTIFICATE),
    ...opt("ca", r.SSL_CA_FILE),
    ...opt("capath", r.SSL_CA_PATH),
    ...opt("cert", r.SSL_CERTIFICATE),
    ...opt("cipher", r.SSL_CIPHER),
    ...opt("crl", r.SSL_CRL_FILE),
    ...opt("tlsVersion", r.TLS_VERSION),
    ...opt("tlsCiphersuites", r.TLS_CIPHERSUITES),
  } as ReplicationChannel;
}
