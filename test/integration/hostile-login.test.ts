// Issue 10, item 1: the credentials are never exposed by default. Scripted hostile servers (a TLS-stripping man
// in the middle, a server that asks for the password itself, one that hands out the attacker's RSA key) record
// every packet the client sent; the tests judge by those bytes, decrypted with the attacker's key where it applies.
import { PROBE_USER } from "../../src/protocol/handshake-response.js";
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { login } from "../../src/sql/login.js";
import { Secret, type LoginSpec, type SslMode } from "../../src/sql/credentials.js";
import { checkLogin } from "../../src/checks/login.js";
import { CLIENT, hasCap } from "../support/fake-mysql/capabilities.js";
import { startFakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model } from "../support/mysql-model.js";
import { runCli, isOneLineError } from "../support/cli.js";
import { startHostile, type HostileConn, type HostileServer } from "../support/hostile/server.js";
import { answerKeyRequest, attackerKey, demandFullAuth, packetsRevealing, serve, switchTo, takeHandshake, versionRow } from "../support/hostile/mysql.js";

const USER = "audit_admin";
const PASSWORD = "S3cr3t-Pa55-hostile";

let servers: HostileServer[] = [];
const tmpDirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function hostile(script: (c: HostileConn) => Promise<void>): Promise<HostileServer> {
  const s = await startHostile(script);
  servers.push(s);
  return s;
}

function spec(s: HostileServer, sslMode?: SslMode, extra: Partial<LoginSpec> = {}): LoginSpec {
  return {
    host: s.host,
    port: s.port,
    user: USER,
    password: new Secret(PASSWORD),
    passwordSource: "command line",
    sslMode: sslMode ?? "PREFERRED",
    sslModeGiven: sslMode !== undefined,
    optionFiles: [],
    ...extra,
  };
}

/** Logs in and closes; the error (or undefined) and the session's transport facts. */
async function attempt(sp: LoginSpec) {
  try {
    const s = await login(sp, { connectTimeoutMs: 3000, readTimeoutMs: 3000 });
    await s.close();
    return { tls: s.tls, error: undefined };
  } catch (err) {
    return { tls: undefined, error: err as Error & { code?: string } };
  }
}

/** Neither in clear nor RSA-decryptable with the attacker's key: the password never reached the server. */
function expectPasswordNeverReceived(s: HostileServer, scramble: () => Buffer): void {
  expect(packetsRevealing(s.received, PASSWORD, scramble(), attackerKey().privateKeyPem)).toEqual([]);
}

/** A TLS-stripping man in the middle that switches to `plugin` and asks for the password, offering its own key. */
function stripAndAsk(plugin: "caching_sha2_password" | "sha256_password" | "mysql_clear_password", tls = false) {
  let scramble: Buffer = Buffer.alloc(20);
  const script = async (c: HostileConn) => {
    scramble = c.scramble;
    const hr = await takeHandshake(c, { tls });
    if (!hr) return;
    const answer = await switchTo(c, plugin);
    if (!answer) return;
    if (plugin === "caching_sha2_password") await demandFullAuth(c);
    else if (plugin === "sha256_password") await answerKeyRequest(c, answer);
    await serve(c, (sql) => versionRow(sql) ?? { ok: true });
  };
  return { script, scramble: () => scramble };
}

describe("TLS stripped in transit (a greeting without CLIENT_SSL)", () => {
  it("without --ssl-mode, no login happens: the server receives no HandshakeResponse at all, and the error says how to proceed", async () => {
    const s = await hostile(async (c) => {
      await takeHandshake(c, { tls: false });
    });
    const r = await attempt(spec(s));
    expect(r.error?.message).toMatch(/did not offer TLS .*no login was attempted: to log in over clear text anyway, give --ssl-mode PREFERRED or DISABLED explicitly/);
    expect(s.received).toEqual([]);
  });

  it("the built CLI says so in one line and exits 3, and the server received neither the user nor the password", async () => {
    const s = await hostile(async (c) => {
      await takeHandshake(c, { tls: false });
    });
    const r = await runCli(["settings", `127.0.0.1:${s.port}`, "-u", USER, "--no-defaults", "--timeout", "3"], { env: { MYSQL_PWD: PASSWORD } });
    expect(r.code).toBe(3);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/did not offer TLS.*--ssl-mode PREFERRED or DISABLED explicitly/);
    // What it did receive is the connectivity step every command runs first (#11): a refused login as the probe's
    // own unknown user, without a password, which keeps a server's max_connect_errors count where it was.
    for (const p of s.received) {
      expect(p.payload.includes(Buffer.from(USER))).toBe(false);
      expect(p.payload.includes(Buffer.from(PASSWORD))).toBe(false);
      expect(p.payload.includes(Buffer.from(PROBE_USER))).toBe(true);
    }
  });

  for (const plugin of ["caching_sha2_password", "sha256_password"] as const) {
    it(`an explicit PREFERRED falls back to clear text, but ${plugin} does not encrypt the password to the attacker's key (error 2061)`, async () => {
      const h = stripAndAsk(plugin);
      const s = await hostile(h.script);
      const r = await attempt(spec(s, "PREFERRED"));
      expect(r.error?.message).toMatch(new RegExp(`Authentication plugin '${plugin}' reported error: Authentication requires secure connection.*--server-public-key-path FILE.*--get-server-public-key`));
      // The client never even asked for the key, and nothing it sent holds or decrypts to the password.
      expect(s.received.filter((p) => p.payload.length === 1 && (p.payload[0] === 0x02 || p.payload[0] === 0x01))).toEqual([]);
      expectPasswordNeverReceived(s, h.scramble);
      // It did log in in clear as far as the mysql client would: the user name went, in a HandshakeResponse.
      expect(s.received.some((p) => p.payload.includes(Buffer.from(USER)))).toBe(true);
    });
  }

  it("with --server-public-key-path, the password goes encrypted to the user's key only: the attacker's key never decrypts it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hostile-key-"));
    tmpDirs.push(dir);
    const { generateKeyPairSync } = await import("node:crypto");
    const own = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    writeFileSync(join(dir, "server.pem"), own.publicKey);
    const h = stripAndAsk("caching_sha2_password");
    const s = await hostile(h.script);
    const r = await attempt(spec(s, "PREFERRED", { serverPublicKeyPath: join(dir, "server.pem") }));
    expect(r.error).toBeUndefined();
    expect(s.received.filter((p) => p.payload.length === 1 && p.payload[0] === 0x02)).toEqual([]);
    expectPasswordNeverReceived(s, h.scramble);
    // The real server, holding the matching private key, can read it: the option does what it says.
    expect(packetsRevealing(s.received, PASSWORD, h.scramble(), own.privateKey)).toHaveLength(1);
    expect(checkLogin(r.tls!).map((f) => [f.id, f.severity])).toEqual([["login.cleartext", "high"]]);
  });

  it("only --get-server-public-key lets the password go to a key the server sends, and the report says how it was exposed", async () => {
    const h = stripAndAsk("sha256_password");
    const s = await hostile(h.script);
    const r = await attempt(spec(s, "PREFERRED", { getServerPublicKey: true }));
    expect(r.error).toBeUndefined();
    // The user asked for it: the attacker's key now decrypts it (this is why it is never the default).
    expect(packetsRevealing(s.received, PASSWORD, h.scramble(), attackerKey().privateKeyPem)).toHaveLength(1);
    const f = checkLogin(r.tls!);
    expect(f.map((x) => [x.id, x.severity])).toEqual([["login.cleartext", "high"]]);
    expect(f[0]!.evidence).toMatch(/encrypted to an RSA key the server sent \(sha256_password, --get-server-public-key\)/);
  });

  it("mysql_clear_password over clear text is refused even under an explicit DISABLED", async () => {
    const h = stripAndAsk("mysql_clear_password");
    const s = await hostile(h.script);
    const r = await attempt(spec(s, "DISABLED"));
    expect(r.error?.message).toMatch(/asked for the password in clear text \(mysql_clear_password\) over an unencrypted connection, so it was not sent/);
    expectPasswordNeverReceived(s, h.scramble);
  });

  it("a clear-text login under an explicit PREFERRED while the session reads TLS enabled is a critical finding: TLS was stripped", async () => {
    const fake = await startFakeMysql({ greeting: "mysql-8.4", behaviour: "no-ssl", users: [{ user: USER, password: PASSWORD, plugin: "mysql_native_password" }], onQuery: mysql84Model() });
    try {
      const r = await runCli(["settings", `127.0.0.1:${fake.port}`, "-u", USER, "--ssl-mode", "PREFERRED", "--no-defaults", "--json"], { env: { MYSQL_PWD: PASSWORD } });
      const doc = JSON.parse(r.stdout);
      const f = doc.findings.find((x: { id: string }) => x.id === "login.tls-stripped");
      expect(f).toMatchObject({ severity: "critical" });
      expect(f.evidence).toMatch(/tls_channel_status mysql_main Enabled = Yes/);
      expect(doc.findings.some((x: { id: string }) => x.id === "login.cleartext")).toBe(false);
      expect(r.code).toBe(1);
    } finally {
      await fake.stop();
    }
  });
});

describe("the stripping witnesses (judged from facts)", () => {
  const clear = { encrypted: false, sslMode: "PREFERRED" as const, sslModeGiven: true, chainVerified: false, identityVerified: false, authPlugin: "mysql_native_password", note: "clear text" };
  it("have_ssl = YES, the probe's greeting or the login's own second greeting make it critical; DISABLED is the user's choice", () => {
    expect(checkLogin(clear, { haveSsl: "YES" }).map((f) => f.id)).toEqual(["login.tls-stripped"]);
    expect(checkLogin(clear, { probeOfferedTls: true }).map((f) => f.id)).toEqual(["login.tls-stripped"]);
    expect(checkLogin({ ...clear, greetingOfferedTls: true }).map((f) => f.id)).toEqual(["login.tls-stripped"]);
    expect(checkLogin(clear, { haveSsl: "DISABLED", probeOfferedTls: false }).map((f) => [f.id, f.severity])).toEqual([["login.cleartext", "high"]]);
    expect(checkLogin({ ...clear, sslMode: "DISABLED" }, { haveSsl: "YES" }).map((f) => f.id)).toEqual(["login.cleartext"]);
  });
});

describe("TLS whose certificate was not verified (an attacker terminating TLS with its own certificate)", () => {
  for (const plugin of ["caching_sha2_password", "sha256_password", "mysql_clear_password"] as const) {
    it(`without --ssl-mode, ${plugin} asking for the password stops the login before it is sent`, async () => {
      const h = stripAndAsk(plugin, true);
      const s = await hostile(h.script);
      const r = await attempt(spec(s));
      expect(r.error?.message).toMatch(/asked for the password itself .* inside TLS whose certificate was not verified, so it was not sent: verify the server with --ssl-ca FILE and --ssl-mode VERIFY_IDENTITY \(or VERIFY_CA\), or accept the risk with an explicit --ssl-mode REQUIRED/);
      // Everything after the SSLRequest came inside TLS, and none of it holds the password.
      expect(s.received.filter((p) => p.tls).length).toBeGreaterThan(0);
      expectPasswordNeverReceived(s, h.scramble);
    });
  }

  it("a greeting that names sha256_password or mysql_clear_password never gets the password in the first packet", async () => {
    for (const plugin of ["sha256_password", "mysql_clear_password"]) {
      const s = await hostile(async (c) => {
        const hr = await takeHandshake(c, { tls: true, plugin });
        if (hr) await switchTo(c, plugin);
      });
      await attempt(spec(s));
      expect(packetsRevealing(s.received, PASSWORD, Buffer.alloc(20))).toEqual([]);
      const hr = s.received.find((p) => p.tls)!;
      expect(hr.payload.includes(Buffer.from(USER))).toBe(true);
    }
  });

  it("an explicit --ssl-mode REQUIRED accepts the risk: the password goes, and the report carries a high finding", async () => {
    const h = stripAndAsk("caching_sha2_password", true);
    const s = await hostile(h.script);
    const r = await attempt(spec(s, "REQUIRED"));
    expect(r.error).toBeUndefined();
    expect(packetsRevealing(s.received.filter((p) => p.tls), PASSWORD, h.scramble())).toHaveLength(1);
    expect(checkLogin(r.tls!).map((f) => [f.id, f.severity])).toEqual([["login.password-unverified-tls", "high"]]);
  });

  it("a native-password login inside unverified TLS sends only the scramble answer, and is only an info finding", async () => {
    const s = await hostile(async (c) => {
      const hr = await takeHandshake(c, { tls: true, plugin: "mysql_native_password" });
      if (hr) await serve(c, (sql) => versionRow(sql) ?? { ok: true });
    });
    const r = await attempt(spec(s));
    expect(r.error).toBeUndefined();
    expect(packetsRevealing(s.received, PASSWORD, Buffer.alloc(20))).toEqual([]);
    expect(checkLogin(r.tls!).map((f) => f.id)).toEqual(["settings.login-not-verified"]);
  });
});

describe("what the client announces", () => {
  it("never CLIENT_LOCAL_FILES, in the SSLRequest or the HandshakeResponse", async () => {
    const s = await hostile(async (c) => {
      const hr = await takeHandshake(c, { tls: true, plugin: "mysql_native_password" });
      if (hr) await serve(c, (sql) => versionRow(sql) ?? { ok: true });
    });
    const r = await attempt(spec(s, "REQUIRED"));
    expect(r.error).toBeUndefined();
    const [sslRequest, response] = [s.received.find((p) => !p.tls)!, s.received.find((p) => p.tls)!];
    expect(hasCap(sslRequest.payload.readUInt32LE(0), CLIENT.SSL)).toBe(true);
    for (const p of [sslRequest, response]) expect(hasCap(p.payload.readUInt32LE(0), CLIENT.LOCAL_FILES)).toBe(false);
  });
});
