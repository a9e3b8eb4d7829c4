import type { Finding } from "../../report/types.js";
import { privilegeFindings } from "../../sql/privileges.js";
import { fixFields, fixSql, sql, sqlString, type SqlFix } from "../../knowledge/sql-quote.js";
import type { ReplicationChannel, ReplicationFacts } from "../../sql/replication.js";

const REF_MYSQL = "MySQL 8.4 Reference Manual, 19.3.1 Setting Up Replication to Use Encrypted Connections";
const REF_MARIADB = "MariaDB docs: Securing Replication Traffic (MASTER_SSL, MASTER_SSL_VERIFY_SERVER_CERT)";

function label(c: ReplicationChannel): string {
  return c.channel === "" ? "the default replication channel" : `replication channel '${c.channel}'`;
}

/** The statements that turn on TLS with verification for one channel, in the server's own dialect, quoted for any sql_mode. */
export function replicationFix(c: ReplicationChannel, f: Pick<ReplicationFacts, "flavor" | "versionNumber">): SqlFix {
  const ca = sqlString(c.ca ?? "/path/to/source-ca.pem");
  const channel = sqlString(c.channel);
  if (f.flavor === "mariadb") {
    if (c.channel === "") {
      return fixSql`STOP SLAVE;\nCHANGE MASTER TO MASTER_SSL = 1, MASTER_SSL_CA = ${ca}, MASTER_SSL_VERIFY_SERVER_CERT = 1;\nSTART SLAVE;`;
    }
    return fixSql`STOP SLAVE ${channel};\nCHANGE MASTER ${channel} TO MASTER_SSL = 1, MASTER_SSL_CA = ${ca}, MASTER_SSL_VERIFY_SERVER_CERT = 1;\nSTART SLAVE ${channel};`;
  }
  const forChannel = c.channel === "" ? sql`` : sql` FOR CHANNEL ${channel}`;
  // CHANGE REPLICATION SOURCE TO and START/STOP REPLICA arrived in MySQL 8.0.22/8.0.23.
  if (f.versionNumber >= 80023) {
    return fixSql`STOP REPLICA${forChannel};\nCHANGE REPLICATION SOURCE TO SOURCE_SSL = 1, SOURCE_SSL_CA = ${ca}, SOURCE_SSL_VERIFY_SERVER_CERT = 1${forChannel};\nSTART REPLICA${forChannel};`;
  }
  return fixSql`STOP SLAVE${forChannel};\nCHANGE MASTER TO MASTER_SSL = 1, MASTER_SSL_CA = ${ca}, MASTER_SSL_VERIFY_SERVER_CERT = 1${forChannel};\nSTART SLAVE${forChannel};`;
}

/** Findings per replica channel: no TLS, or TLS that does not verify the source's certificate and name. */
export function checkReplication(f: ReplicationFacts): Finding[] {
  const out: Finding[] = [];
  const ref = f.flavor === "mariadb" ? REF_MARIADB : REF_MYSQL;
  for (const c of f.channels) {
    const where = `${c.sourceHost}:${c.sourcePort}`;
    if (!c.tls) {
      out.push({
        id: "replication.no-tls",
        severity: "high",
        title: `${label(c)} replicates from ${where} in clear text: data and the replication password cross the network unencrypted`,
        evidence: `${f.source}: ${f.flavor === "mariadb" ? "Master_SSL_Allowed = No" : "SSL_ALLOWED = NO"}`,
        ...fixFields(replicationFix(c, f)),
        references: [ref],
      });
    } else if (!c.verifyServerCert) {
      out.push({
        id: "replication.no-verify",
        severity: "medium",
        title: `${label(c)} uses TLS to ${where} but does not verify the source's certificate: a man in the middle can impersonate the source`,
        evidence: `${f.source}: ${f.flavor === "mariadb" ? "Master_SSL_Allowed = Yes, Master_SSL_Verify_Server_Cert = No" : "SSL_ALLOWED = YES, SSL_VERIFY_SERVER_CERTIFICATE = NO"}${c.ca ? `, CA ${c.ca}` : ", no CA configured"}`,
        ...fixFields(replicationFix(c, f)),
        references: [ref],
      });
    }
    if (c.tls && c.tlsVersion && /(^|,)\s*TLSv1(\.[01])?\s*(,|$)/i.test(c.tlsVersion)) {
      out.push({
        id: "replication.legacy-tls-version",
        severity: "low",
        title: `${label(c)} allows TLS 1.0 or 1.1`,
        evidence: `TLS_VERSION = ${c.tlsVersion}`,
        ...fixFields(fixSql`CHANGE REPLICATION SOURCE TO SOURCE_TLS_VERSION = 'TLSv1.2,TLSv1.3'${c.channel === "" ? sql`` : sql` FOR CHANNEL ${sqlString(c.channel)}`};`),
        references: ["RFC 8996"],
      });
    }
  }
  out.push(...privilegeFindings(f.problems));
  return out;
}
