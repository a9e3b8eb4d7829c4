import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { runCli, isOneLineError } from "../support/cli.js";
import { sClient } from "../support/openssl-client.js";

interface ProbeJson {
  schemaVersion: number;
  tool: { name: string };
  target: { host: string; port: number };
  server: { version: string; versionNumber: string; flavor: string; capabilities: string[]; authPlugin: string | null; connectionId: number };
  tls: { offered: boolean; protocol?: string; cipher?: string; cipherIana?: string; verified?: boolean; verifyError?: string; hostnameMatch?: boolean; certificate?: { subject: string; issuer: string; notAfter: string }; closedWith?: string };
  findings: { id: string; severity: string }[];
}

async function probeJson(db: MariaDB, extra: string[] = []): Promise<ProbeJson> {
  const r = await runCli(["probe", `${db.host}:${db.port}`, "--json", ...extra]);
  expect(r.stderr).toBe("");
  const j = JSON.parse(r.stdout) as ProbeJson;
  // The exit rule of every command (#11): 1 when a finding reaches --fail-on (default medium), else 0.
  const failing = j.findings.some((f) => ["critical", "high", "medium", "error"].includes(f.severity));
  expect(r.code).toBe(failing ? 1 : 0);
  return j;
}

async function variable(db: MariaDB, name: string): Promise<string> {
  const rows = await db.query<{ Value: string }>(`SHOW GLOBAL VARIABLES LIKE ?`, [name]);
  return rows[0]!.Value;
}

describe("probe against real MariaDB postures", () => {
  let off: MariaDB, modern: MariaDB, legacy: MariaDB, ecdsa: MariaDB;

  beforeAll(async () => {
    [off, modern, legacy, ecdsa] = await Promise.all([startPosture("off"), startPosture("modern"), startPosture("legacy"), startPosture("ecdsa")]);
  });
  afterAll(async () => {
    await Promise.all([off, modern, legacy, ecdsa].filter(Boolean).map((s) => s.stop()));
  });

  it("agrees with SELECT VERSION() on the version and flavour, for every posture", async () => {
    for (const db of [off, modern, legacy, ecdsa]) {
      const j = await probeJson(db);
      expect(j.schemaVersion).toBe(1);
      expect(j.tool.name).toBe("mysql-tls-audit");
      expect(j.server.flavor).toBe("mariadb");
      // The greeting carries "5.5.5-" + VERSION() on MariaDB 10.x.
      expect(j.server.version.replace(/^5\.5\.5-/, "")).toBe(db.version);
      expect(db.version.startsWith(j.server.versionNumber)).toBe(true);
      const [row] = await db.query<{ id: number }>("SELECT CONNECTION_ID() AS id");
      const id = row!.id;
      expect(j.server.connectionId).toBeLessThan(id);
    }
  });

  it("TLS off: have_ssl is DISABLED, CLIENT_SSL absent, openssl s_client gets no TLS, and a critical finding", async () => {
    expect(await variable(off, "have_ssl")).toBe("DISABLED");
    const j = await probeJson(off);
    expect(j.server.capabilities).not.toContain("CLIENT_SSL");
    expect(j.tls.offered).toBe(false);
    expect(j.findings.map((f) => f.id)).toEqual(["tls.not-offered"]);
    expect(j.findings[0]!.severity).toBe("critical");
    const s = await sClient(off.host, off.port);
    expect(s.protocol).toBeUndefined();
    const text = await runCli(["probe", `${off.host}:${off.port}`]);
    expect(text.stdout).toMatch(/TLS offered\s+NO: the server cannot encrypt connections at all/);
  });

  it("modern, legacy and ECDSA: have_ssl YES, and the negotiated protocol and cipher equal openssl s_client's", async () => {
    for (const db of [modern, legacy, ecdsa]) {
      expect(await variable(db, "have_ssl")).toBe("YES");
      const j = await probeJson(db);
      expect(j.server.capabilities).toContain("CLIENT_SSL");
      expect(j.tls.offered).toBe(true);
      const s = await sClient(db.host, db.port);
      expect(s.protocol, s.output).toBeDefined();
      expect(j.tls.protocol).toBe(s.protocol);
      // openssl prints IANA names for TLS 1.3 and OpenSSL names below; Node gives both.
      expect([j.tls.cipher, j.tls.cipherIana]).toContain(s.cipher);
      expect(j.tls.closedWith).toBe("auth-error");
      expect(j.findings).toEqual([]);
    }
  });

  it("reports the leaf certificate, verifies the chain against --ssl-ca and the name", async () => {
    const j = await probeJson(modern, ["--ssl-ca", modern.certs!.ca.cert]);
    expect(j.tls.certificate!.subject).toContain("CN=localhost");
    expect(j.tls.certificate!.issuer).toContain("Intermediate");
    expect(j.tls.verified).toBe(true);
    expect(j.tls.hostnameMatch).toBe(true);
    // Against the system roots a private CA does not verify, and the probe still succeeds.
    const sys = await probeJson(modern);
    expect(sys.tls.verified).toBe(false);
    expect(sys.tls.verifyError).toBeTruthy();
    // A name the certificate does not carry.
    const other = await probeJson(modern, ["--ssl-ca", modern.certs!.ca.cert, "--host-name", "db.example.invalid"]);
    expect(other.tls.hostnameMatch).toBe(false);
  });

  it("TLS 1.0 on legacy: openssl s_client -tls1 connects, so the server's versions really include it", async () => {
    const s = await sClient(legacy.host, legacy.port, ["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    expect(s.protocol).toBe("TLSv1");
    const m = await sClient(modern.host, modern.port, ["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    expect(m.protocol).toBeUndefined();
  });

  it("a human summary names the flavour and the negotiated protocol", async () => {
    const r = await runCli(["probe", `${ecdsa.host}:${ecdsa.port}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Flavour\s+mariadb 10\./);
    expect(r.stdout).toMatch(/TLS protocol\s+TLSv1\.[23]/);
    expect(r.stdout).toMatch(/ECDHE-ECDSA|TLS_AES/);
  });

  it("an anonymous account lets the probe's closing login in: a high finding, seen without credentials", async () => {
    await ecdsa.query("CREATE USER ''@'127.0.0.1'");
    try {
      const j = await probeJson(ecdsa);
      expect(j.tls.closedWith).toBe("logged-in");
      expect(j.findings.map((f) => [f.id, f.severity])).toEqual([["server.anonymous-login", "high"]]);
    } finally {
      await ecdsa.query("DROP USER ''@'127.0.0.1'");
    }
    expect((await probeJson(ecdsa)).tls.closedWith).toBe("auth-error");
  });

  it("a closed port is a one-line error with exit 3", async () => {
    const port = off.port;
    // The TLS-off server answers: exit 1 for its critical finding, not 3.
    const probe = await runCli(["probe", `127.0.0.1:${port + 0}`, "--json"]);
    expect(probe.code).toBe(1);
    const dead = await runCli(["probe", "127.0.0.1:1"]);
    expect(dead.code).toBe(3);
    expect(isOneLineError(dead.stderr)).toBe(true);
    expect(dead.stderr).toContain("127.0.0.1:1");
    expect(dead.stderr).toMatch(/refused/);
  });
});
