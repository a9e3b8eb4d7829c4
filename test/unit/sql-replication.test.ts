import { describe, expect, it } from "vitest";
import { fromMariadb, fromMysql, type ReplicationFacts } from "../../src/sql/replication.js";
import { checkReplication, replicationFix } from "../../src/checks/replication/judge.js";

describe("replication rows", () => {
  it("reads a SHOW ALL SLAVES STATUS row", () => {
    expect(
      fromMariadb({ Connection_name: "eu", Master_Host: "10.0.0.1", Master_Port: "3306", Master_SSL_Allowed: "Yes", Master_SSL_CA_File: "/ca.pem", Master_SSL_Cipher: "", Master_SSL_Verify_Server_Cert: "No", Slave_IO_Running: "Yes" }),
    ).toEqual({ channel: "eu", sourceHost: "10.0.0.1", sourcePort: 3306, tls: true, verifyServerCert: false, ca: "/ca.pem", ioRunning: "Yes" });
  });
  it("reads a performance_schema.replication_connection_configuration row (SSL_ALLOWED IGNORED is not TLS)", () => {
    const row = { CHANNEL_NAME: "", HOST: "src", PORT: "3306", SSL_ALLOWED: "IGNORED", SSL_VERIFY_SERVER_CERTIFICATE: "NO", TLS_VERSION: "TLSv1.2,TLSv1.3" };
    expect(fromMysql(row)).toMatchObject({ channel: "", tls: false, verifyServerCert: false, tlsVersion: "TLSv1.2,TLSv1.3" });
    expect(fromMysql({ ...row, SSL_ALLOWED: "YES", SSL_VERIFY_SERVER_CERTIFICATE: "YES" })).toMatchObject({ tls: true, verifyServerCert: true });
  });
});

describe("checkReplication", () => {
  const base = { channels: [], problems: [], source: "x" };
  it("flags no TLS and no verification with the flavour's own statement", () => {
    const maria: ReplicationFacts = {
      ...base,
      flavor: "mariadb",
      versionNumber: 101119,
      channels: [
        { channel: "", sourceHost: "a", sourcePort: 3306, tls: false, verifyServerCert: false },
        { channel: "b", sourceHost: "b", sourcePort: 3306, tls: true, verifyServerCert: false, ca: "/etc/ca.pem" },
        { channel: "c", sourceHost: "c", sourcePort: 3306, tls: true, verifyServerCert: true },
      ],
    };
    const f = checkReplication(maria);
    expect(f.map((x) => x.id)).toEqual(["replication.no-tls", "replication.no-verify"]);
    expect(f[0]!.fix).toBe("STOP SLAVE;\nCHANGE MASTER TO MASTER_SSL = 1, MASTER_SSL_CA = '/path/to/source-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT = 1;\nSTART SLAVE;");
    expect(f[1]!.fix).toContain("CHANGE MASTER 'b' TO MASTER_SSL = 1, MASTER_SSL_CA = '/etc/ca.pem'");
  });
  it("uses CHANGE REPLICATION SOURCE TO on MySQL 8.0.23+, CHANGE MASTER TO before", () => {
    const ch = { channel: "x", sourceHost: "a", sourcePort: 1, tls: false, verifyServerCert: false };
    expect(replicationFix(ch, { flavor: "mysql", versionNumber: 80403 }).sql).toContain("CHANGE REPLICATION SOURCE TO SOURCE_SSL = 1, SOURCE_SSL_CA = '/path/to/source-ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT = 1 FOR CHANNEL 'x';");
    expect(replicationFix(ch, { flavor: "mysql", versionNumber: 50744 }).sql).toContain("CHANGE MASTER TO MASTER_SSL = 1");
  });
});
