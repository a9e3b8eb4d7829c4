// A real MariaDB replica of a real MariaDB source: the channels `settings` reports must be what
// SHOW ALL SLAVES STATUS / SHOW SLAVE STATUS say, and the findings' CHANGE MASTER TO must fix them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureChannel, startReplicationPair, waitForIoThread, type ReplicationPair } from "../support/replication.js";
import { runCli } from "../support/cli.js";
import { login } from "../../src/sql/login.js";
import { Secret } from "../../src/sql/credentials.js";
import { gatherReplication, type ReplicationFacts } from "../../src/sql/replication.js";
import { checkReplication } from "../../src/checks/replication/judge.js";

let p: ReplicationPair;

async function gather(): Promise<ReplicationFacts> {
  const s = await login({ host: "127.0.0.1", port: p.replica.port, user: p.replica.admin.user, password: new Secret(p.replica.admin.password), passwordSource: "command line", sslMode: "PREFERRED", optionFiles: [] });
  try {
    return await gatherReplication(s);
  } finally {
    await s.close();
  }
}

beforeAll(async () => {
  p = await startReplicationPair();
  const ca = p.replica.certs!.caBundle;
  await configureChannel(p, "", { ssl: true, verify: true, ca });
  await p.replica.query("START SLAVE");
  await waitForIoThread(p.replica, "");
  // Configured but not started: a second connection with the same server_id would displace the first. MariaDB
  // refuses two channels to one host:port, hence other spellings of loopback (never connected to).
  await configureChannel(p, "plain", { ssl: false }, "localhost");
  await configureChannel(p, "noverify", { ssl: true, verify: false, ca }, "127.0.0.2");
});

afterAll(async () => {
  await p?.replica.query("STOP ALL SLAVES").catch(() => undefined);
  await p?.stop();
});

describe("replication channels", () => {
  it("reports every channel as SHOW ALL SLAVES STATUS and SHOW SLAVE STATUS state it", async () => {
    const facts = await gather();
    const rows = await p.replica.query<Record<string, string>>("SHOW ALL SLAVES STATUS");
    expect(facts.channels.map((c) => c.channel).sort()).toEqual(["", "noverify", "plain"]);
    for (const row of rows) {
      const ch = facts.channels.find((c) => c.channel === row.Connection_name)!;
      expect(ch, row.Connection_name).toMatchObject({
        sourceHost: row.Master_Host,
        sourcePort: Number(row.Master_Port),
        tls: row.Master_SSL_Allowed === "Yes",
        verifyServerCert: row.Master_SSL_Verify_Server_Cert === "Yes",
      });
      expect(ch.ca ?? "").toBe(row.Master_SSL_CA_File);
    }
    const [dflt] = await p.replica.query<Record<string, string>>("SHOW SLAVE STATUS");
    expect(facts.channels.find((c) => c.channel === "")).toMatchObject({
      sourcePort: p.source.port,
      tls: dflt!.Master_SSL_Allowed === "Yes",
      verifyServerCert: dflt!.Master_SSL_Verify_Server_Cert === "Yes",
      ca: p.replica.certs!.caBundle,
      ioRunning: "Yes",
    });
    expect(dflt!.Master_SSL_Allowed).toBe("Yes");
  });

  it("flags the clear-text and the unverified channel, not the verified one, each with CHANGE MASTER TO", async () => {
    const f = checkReplication(await gather());
    expect(f.map((x) => [x.id, x.title.split(" ")[2]])).toEqual([
      ["replication.no-verify", "'noverify'"],
      ["replication.no-tls", "'plain'"],
    ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)));
    const plain = f.find((x) => x.id === "replication.no-tls")!;
    expect(plain.fix).toBe(
      "STOP SLAVE 'plain';\nCHANGE MASTER 'plain' TO MASTER_SSL = 1, MASTER_SSL_CA = '/path/to/source-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT = 1;\nSTART SLAVE 'plain';",
    );
  });

  it("the fix, with the real CA path, makes the finding go away", async () => {
    const plain = checkReplication(await gather()).find((x) => x.id === "replication.no-tls")!;
    const statements = plain.fix!.replace("/path/to/source-ca.pem", p.replica.certs!.caBundle).split("\n");
    // Not START SLAVE: a second running channel to the same source would displace the default one.
    for (const sql of statements.filter((s) => !s.startsWith("START"))) await p.replica.query(sql);
    const after = await gather();
    expect(after.channels.find((c) => c.channel === "plain")).toMatchObject({ tls: true, verifyServerCert: true });
    expect(checkReplication(after).map((x) => x.id)).toEqual(["replication.no-verify"]);
    await configureChannel(p, "plain", { ssl: false }, "localhost");
  });

  it("settings --json carries the channels in the contract's shape, and no password", async () => {
    const r = await runCli(["settings", `127.0.0.1:${p.replica.port}`, "-u", p.replica.admin.user, "--no-defaults", "--json"], { env: { MYSQL_PWD: p.replica.admin.password } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const dflt = doc.replication.find((c: { channel: string }) => c.channel === "");
    expect(dflt).toMatchObject({ sourceHost: "127.0.0.1", sourcePort: p.source.port, tls: true, verifyServerCert: true, ca: p.replica.certs!.caBundle });
    expect(doc.findings.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(["replication.no-tls", "replication.no-verify"]));
    for (const secret of [p.replica.admin.password, p.repl.password]) expect(r.stdout + r.stderr).not.toContain(secret);
    // Exit 1 above comes from the high no-tls finding; with --fail-on critical nothing fails the run.
    const lenient = await runCli(["settings", `127.0.0.1:${p.replica.port}`, "-u", p.replica.admin.user, "--no-defaults", "--fail-on", "critical"], { env: { MYSQL_PWD: p.replica.admin.password } });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/plain\s+localhost:\d+\s+NO\s+NO/);
  });
});
