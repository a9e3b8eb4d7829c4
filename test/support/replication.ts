// A real MariaDB source and replica on loopback, for the replication-channel checks.
import { randomBytes } from "node:crypto";
import { startMariaDB, type MariaDB } from "./mariadb.js";

/** A source with a binary log and a REQUIRE SSL replication account, and a replica (not yet configured). */
export interface ReplicationPair {
  source: MariaDB;
  replica: MariaDB;
  /** The replication account on the source; REQUIRE SSL, so a running IO thread proves the channel is TLS. */
  repl: { user: string; password: string };
  stop(): Promise<void>;
}

/** Starts the two servers (same certificate set, so the source's certificate verifies against caBundle). */
export async function startReplicationPair(): Promise<ReplicationPair> {
  const [source, replica] = await Promise.all([
    startMariaDB({ name: "repl-source", tls: { cert: "rsa" }, extraArgs: ["--server-id=1", "--log-bin=mysql-bin"] }),
    startMariaDB({ name: "repl-replica", tls: { cert: "rsa" }, extraArgs: ["--server-id=2"] }),
  ]);
  const repl = { user: "repl", password: `Repl-${randomBytes(9).toString("base64url")}` };
  await source.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ? REQUIRE SSL`, [repl.user, repl.password]);
  await source.query(`GRANT REPLICATION SLAVE ON *.* TO ?@'127.0.0.1'`, [repl.user]);
  return { source, replica, repl, stop: async () => void (await Promise.all([replica.stop(), source.stop()])) };
}

/** CHANGE MASTER ['name'] TO the source, with or without TLS and verification. */
export async function configureChannel(
  p: ReplicationPair,
  name: string,
  tls: { ssl: boolean; verify?: boolean; ca?: string },
  /** MariaDB refuses two channels to the same host:port, so further channels name the source another way. */
  host = "127.0.0.1",
): Promise<void> {
  const conn = name === "" ? "" : ` '${name}'`;
  const parts = [
    `MASTER_HOST = '${host}'`,
    `MASTER_PORT = ${p.source.port}`,
    `MASTER_USER = '${p.repl.user}'`,
    `MASTER_PASSWORD = '${p.repl.password}'`,
    `MASTER_SSL = ${tls.ssl ? 1 : 0}`,
    ...(tls.ca ? [`MASTER_SSL_CA = '${tls.ca}'`] : []),
    `MASTER_SSL_VERIFY_SERVER_CERT = ${tls.verify ? 1 : 0}`,
  ];
  await p.replica.query(`CHANGE MASTER${conn} TO ${parts.join(", ")}`);
}

/** Waits until the channel's IO thread is connected (Slave_IO_Running = Yes), or throws with its last error. */
export async function waitForIoThread(replica: MariaDB, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await replica.query<Record<string, string>>("SHOW ALL SLAVES STATUS");
    const row = rows.find((r) => r.Connection_name === name);
    if (row?.Slave_IO_Running === "Yes") return;
    if (Date.now() > deadline) throw new Error(`replication channel '${name}' did not connect: ${row?.Last_IO_Error ?? "no such channel"}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
