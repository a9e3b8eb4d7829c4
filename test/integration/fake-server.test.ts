// The protocol-faithful test server, checked from the outside: its greetings read with a reader written here,
// its TLS upgrade completed by `openssl s_client -starttls mysql`, its logins by mysql2, its broken behaviours
// observed byte for byte on the wire.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import mysql from "mysql2/promise";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  answerServerVariables,
  CLIENT,
  MARIADB_CLIENT,
  startFakeMysql,
  type FakeMysql,
  type FakeMysqlOptions,
  type StepFault,
} from "../support/fake-mysql/server.js";
import { framePacket, PacketFramer } from "../support/fake-mysql/packets.js";

// ---- a small independent wire reader -------------------------------------------------------------------------

/** Collects bytes from a raw connection until `enough` says so, the peer closes, or the time is up. */
function collect(
  port: number,
  opts: { enough?: (b: Buffer) => boolean; timeoutMs?: number; onConnect?: (s: Socket) => void } = {},
): Promise<{ bytes: Buffer; closed: boolean; error?: string; chunks: { at: number; len: number }[] }> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    const chunks: { at: number; len: number }[] = [];
    let bytes = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ bytes, closed, error, chunks });
    };
    const t = setTimeout(() => finish(false), opts.timeoutMs ?? 2000);
    s.on("connect", () => opts.onConnect?.(s));
    s.on("data", (d: Buffer) => {
      chunks.push({ at: Date.now(), len: d.length });
      bytes = Buffer.concat([bytes, d]);
      if (opts.enough?.(bytes)) finish(false);
    });
    s.on("end", () => finish(true));
    s.on("close", () => finish(true));
    s.on("error", (e: NodeJS.ErrnoException) => finish(true, e.code ?? e.message));
  });
}

/** True once a whole first packet (header + announced length) is in b. */
function hasWholePacket(b: Buffer): boolean {
  return b.length >= 4 && b.length >= 4 + b.readUIntLE(0, 3);
}

interface Greeting {
  seq: number;
  protocol: number;
  version: string;
  connectionId: number;
  capabilities: number;
  charset: number;
  status: number;
  scramble: Buffer;
  mariadbExt: number;
  plugin: string;
}

/** Reads a HandshakeV10 the way the protocol documentation lays it out. */
function parseGreeting(b: Buffer): Greeting {
  const len = b.readUIntLE(0, 3);
  const p = b.subarray(4, 4 + len);
  let o = 0;
  const protocol = p[o++] as number;
  const vEnd = p.indexOf(0, o);
  const version = p.subarray(o, vEnd).toString("latin1");
  o = vEnd + 1;
  const connectionId = p.readUInt32LE(o);
  o += 4;
  const part1 = p.subarray(o, o + 8);
  o += 9; // scramble part 1 and its filler
  const capLow = p.readUInt16LE(o);
  o += 2;
  const charset = p[o++] as number;
  const status = p.readUInt16LE(o);
  o += 2;
  const capHigh = p.readUInt16LE(o);
  o += 2;
  const capabilities = (capLow | (capHigh << 16)) >>> 0;
  const authLen = p[o++] as number;
  o += 6;
  const mariadbExt = p.readUInt32LE(o);
  o += 4;
  const part2Len = Math.max(13, authLen - 8);
  const part2 = p.subarray(o, o + part2Len);
  o += part2Len;
  const pEnd = p.indexOf(0, o);
  const plugin = p.subarray(o, pEnd < 0 ? p.length : pEnd).toString("latin1");
  // part2 ends with a NUL that is not part of the scramble
  return {
    seq: b[3] as number,
    protocol,
    version,
    connectionId,
    capabilities,
    charset,
    status,
    scramble: Buffer.concat([part1, part2.subarray(0, part2.length - 1)]),
    mariadbExt,
    plugin,
  };
}

/** A 32-byte SSLRequest as a client sends it after the greeting (sequence id 1). */
function sslRequest(): Buffer {
  const p = Buffer.alloc(32);
  p.writeUInt32LE((CLIENT.PROTOCOL_41 | CLIENT.SSL | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH) >>> 0, 0);
  p.writeUInt32LE(0xffffff, 4);
  p[8] = 45;
  return Buffer.concat([Buffer.from([32, 0, 0, 1]), p]);
}

/** Connects, waits for the greeting, sends an SSLRequest, then optionally more bytes; returns what followed. */
function afterSslRequest(port: number, extra?: Buffer, timeoutMs = 2000): ReturnType<typeof collect> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let bytes = Buffer.alloc(0);
    let sent = false;
    let done = false;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ bytes, closed, error, chunks: [] });
    };
    const t = setTimeout(() => finish(false), timeoutMs);
    let greeting = Buffer.alloc(0);
    s.on("data", (d: Buffer) => {
      if (!sent) {
        greeting = Buffer.concat([greeting, d]);
        if (hasWholePacket(greeting)) {
          sent = true;
          s.write(sslRequest());
          if (extra) s.write(extra);
        }
        return;
      }
      bytes = Buffer.concat([bytes, d]);
    });
    s.on("close", () => finish(true));
    s.on("error", (e: NodeJS.ErrnoException) => finish(true, e.code));
  });
}

// ---- certificates and servers ---------------------------------------------------------------------------------

let dir: string;
let certPath: string;
let keyPath: string;
let certPem: string;
const servers: FakeMysql[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fake-server-test-"));
  keyPath = join(dir, "key.pem");
  certPath = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=fake-mysql-test",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certPath],
    { stdio: "ignore" },
  );
  certPem = readFileSync(certPath, "utf8");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
      "-subj", "/CN=fake-client", "-keyout", join(dir, "client-key.pem"), "-out", join(dir, "client-cert.pem")],
    { stdio: "ignore" },
  );
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  for (const c of children.splice(0)) c.kill();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(opts: FakeMysqlOptions): Promise<FakeMysql> {
  const s = await startFakeMysql({ tls: { cert: certPath, key: keyPath }, ...opts });
  servers.push(s);
  return s;
}

const USERS: FakeMysqlOptions["users"] = [
  { user: "sha2user", password: "sha2-secret", plugin: "caching_sha2_password" },
  { user: "nativeuser", password: "native-secret", plugin: "mysql_native_password" },
  { user: "tlsonly", password: "tls-secret", plugin: "caching_sha2_password", requireSecure: true },
];

// ---- greetings ------------------------------------------------------------------------------------------------

describe("greeting presets", () => {
  const cases = [
    { preset: "mysql-8.4", version: "8.4.3", plugin: "caching_sha2_password", charset: 255, caps: 0xdfffffff },
    { preset: "mysql-9.1", version: "9.1.0", plugin: "caching_sha2_password", charset: 255, caps: 0xdfffffff },
    { preset: "mysql-5.7", version: "5.7.44-log", plugin: "mysql_native_password", charset: 33, caps: 0xc1ffffff },
    { preset: "percona-8.0", version: "8.0.36-28", plugin: "caching_sha2_password", charset: 255, caps: 0xdfffffff },
    { preset: "mariadb-10.11-like", version: "5.5.5-10.11.6-MariaDB-0+deb12u1", plugin: "mysql_native_password", charset: 45, caps: 0x81fffffe },
  ] as const;

  it.each(cases)("$preset sends a HandshakeV10 with its documented fields", async (c) => {
    const s = await start({ greeting: c.preset, connectionId: 4242 });
    const r = await collect(s.port, { enough: hasWholePacket });
    const g = parseGreeting(r.bytes);
    expect(g.seq).toBe(0);
    expect(g.protocol).toBe(10);
    expect(g.version).toBe(c.version);
    expect(g.connectionId).toBe(4242);
    expect(g.capabilities).toBe(c.caps);
    expect(g.capabilities & CLIENT.SSL).toBe(CLIENT.SSL);
    expect(g.charset).toBe(c.charset);
    expect(g.status).toBe(0x0002);
    expect(g.plugin).toBe(c.plugin);
    expect(g.scramble).toHaveLength(20);
    expect(g.scramble.includes(0)).toBe(false);
    if (c.preset === "mariadb-10.11-like") {
      expect(g.capabilities & CLIENT.LONG_PASSWORD).toBe(0);
      expect(g.mariadbExt).toBe(0x1d);
      expect(g.mariadbExt & MARIADB_CLIENT.EXTENDED_METADATA).toBeTruthy();
    } else {
      expect(g.mariadbExt).toBe(0);
    }
  });

  it("applies overrides and numbers connections like a server does", async () => {
    const caps = (0xdfffffff & ~CLIENT.SSL) >>> 0;
    const s = await start({ greeting: "mysql-8.4", version: "8.0.99", capabilities: caps, authPlugin: "mysql_native_password", connectionId: 77 });
    const a = parseGreeting((await collect(s.port, { enough: hasWholePacket })).bytes);
    const b = parseGreeting((await collect(s.port, { enough: hasWholePacket })).bytes);
    expect(a.version).toBe("8.0.99");
    expect(a.capabilities).toBe(caps);
    expect(a.plugin).toBe("mysql_native_password");
    expect([a.connectionId, b.connectionId]).toEqual([77, 78]);
    expect(a.scramble.equals(b.scramble)).toBe(false);
    expect(s.connections).toBe(2);
  });
});

// ---- TLS ------------------------------------------------------------------------------------------------------

function sClient(port: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "openssl",
      ["s_client", "-starttls", "mysql", "-connect", `127.0.0.1:${port}`],
      { timeout: 15_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end();
  });
}

describe("TLS upgrade", () => {
  it("openssl s_client -starttls mysql completes TLS with the server's certificate", async () => {
    const s = await start({ greeting: "mysql-8.4" });
    const r = await sClient(s.port);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/subject=CN\s*=\s*fake-mysql-test/);
    expect(r.out).toMatch(/New, TLSv1\.3, Cipher is/);
    const est = await s.waitForEvent("tls-established");
    expect(est.detail?.protocol).toBe("TLSv1.3");
    expect(s.events.find((e) => e.kind === "ssl-request")?.detail?.seq).toBe(1);
  });

  it("honours minVersion/maxVersion", async () => {
    const s = await start({ greeting: "percona-8.0", tls: { cert: certPem, key: keyPath, maxVersion: "TLSv1.2" } });
    const r = await sClient(s.port);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/New, TLSv1\.2, Cipher is ECDHE-RSA-/);
  });

  it("relays the TLS bytes to a tlsBackend (an openssl s_server) behind the MySQL greeting", async () => {
    const backendPort = await freePort();
    const child = spawn(
      "openssl",
      ["s_server", "-accept", `127.0.0.1:${backendPort}`, "-cert", certPath, "-key", keyPath, "-quiet"],
      { stdio: ["pipe", "ignore", "ignore"] },
    );
    children.push(child);
    await waitForPort(backendPort);
    const s = await start({ greeting: "mysql-5.7", tlsBackend: { host: "127.0.0.1", port: backendPort } });
    const r = await sClient(s.port);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/subject=CN\s*=\s*fake-mysql-test/);
    expect(s.events.some((e) => e.kind === "tls-backend")).toBe(true);
  });

  it("hands the raw socket to onSslRequest, ClientHello bytes intact", async () => {
    let seen: Buffer = Buffer.alloc(0);
    const s = await start({
      greeting: "mysql-8.4",
      onSslRequest: (sock) => {
        sock.once("data", (d: Buffer) => {
          seen = d;
          sock.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]));
        });
      },
    });
    const r = await afterSslRequest(s.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x00]));
    expect(seen.subarray(0, 3)).toEqual(Buffer.from([0x16, 0x03, 0x01]));
    expect(r.bytes).toEqual(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]));
  });

  it("completes TLS when the ClientHello arrives well after the SSLRequest", async () => {
    const s = await start({ greeting: "mysql-8.4" });
    const raw = connect(s.port, "127.0.0.1");
    await new Promise<void>((resolve) => {
      let g = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        g = Buffer.concat([g, d]);
        if (hasWholePacket(g)) {
          raw.off("data", onData);
          resolve();
        }
      };
      raw.on("data", onData);
    });
    raw.write(sslRequest());
    await s.waitForEvent("ssl-request");
    await new Promise((r) => setTimeout(r, 50));
    const t = tlsConnect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      t.once("secureConnect", () => resolve());
      t.once("error", reject);
    });
    expect(t.getProtocol()).toBe("TLSv1.3");
    // TLS 1.3: the client is done before the server has read its Finished, so wait for the server's side.
    const est = await s.waitForEvent("tls-established");
    t.destroy();
    expect(est.detail?.earlyBytes).toBe(0);
  });

  it("completes TLS when the ClientHello arrives in the same segment as the SSLRequest", async () => {
    const s = await start({ greeting: "mysql-8.4" });
    const protocol = await tlsWithCoalescedHello(s.port, () => s.waitForEvent("tls-established"));
    expect(protocol).toBe("TLSv1.3");
    const est = await s.waitForEvent("tls-established");
    expect(est.detail?.earlyBytes).toBeGreaterThan(100);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.on("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

/**
 * TLS client whose first flight is written together with the SSLRequest in one write, so the server gets the
 * ClientHello in the same chunk as the SSLRequest (the case node:tls cannot see on its own).
 */
async function tlsWithCoalescedHello(port: number, serverDone: () => Promise<unknown>): Promise<string | null> {
  const { Duplex } = await import("node:stream");
  const raw = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => {
    let g = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      g = Buffer.concat([g, d]);
      if (hasWholePacket(g)) {
        raw.off("data", onData);
        raw.pause();
        resolve();
      }
    };
    raw.on("data", onData);
  });
  let first = true;
  const bridge = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _e, cb) {
      raw.write(first ? Buffer.concat([sslRequest(), chunk]) : chunk, cb);
      first = false;
    },
  });
  raw.on("data", (d: Buffer) => bridge.push(d));
  raw.on("end", () => bridge.push(null));
  const t = tlsConnect({ socket: bridge, rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve, reject) => {
      t.once("secureConnect", () => resolve());
      t.once("error", reject);
    });
    await serverDone();
    return t.getProtocol();
  } finally {
    t.destroy();
    raw.destroy();
  }
}

// ---- logins with mysql2 ---------------------------------------------------------------------------------------

async function login(s: FakeMysql, user: string, password: string, ssl?: object): Promise<mysql.Connection> {
  return mysql.createConnection({ host: s.host, port: s.port, user, password, ssl, connectTimeout: 5000 });
}

async function loginError(s: FakeMysql, user: string, password: string, ssl?: object): Promise<{ errno?: number; sqlState?: string; message: string }> {
  try {
    const c = await login(s, user, password, ssl);
    await c.end();
  } catch (e) {
    const err = e as { errno?: number; sqlState?: string; message: string };
    return { errno: err.errno, sqlState: err.sqlState, message: err.message };
  }
  throw new Error("login unexpectedly succeeded");
}

describe("logins with mysql2", () => {
  it("caching_sha2_password over TLS: full authentication first, fast authentication once cached", async () => {
    const s = await start({
      greeting: "mysql-8.4",
      users: USERS,
      onQuery: (sql, conn) =>
        sql === "SHOW STATUS LIKE 'Ssl_version'"
          ? { columns: ["Variable_name", "Value"], rows: [["Ssl_version", conn.tlsProtocol ?? ""]] }
          : { error: { errno: 1064, sqlState: "42000", message: "nope" } },
    });
    const c1 = await login(s, "sha2user", "sha2-secret", { ca: certPem });
    const [rows] = await c1.query("SHOW STATUS LIKE 'Ssl_version'");
    expect(rows).toEqual([{ Variable_name: "Ssl_version", Value: "TLSv1.3" }]);
    await c1.end();
    const c2 = await login(s, "sha2user", "sha2-secret", { rejectUnauthorized: false });
    await c2.ping();
    await c2.end();
    await s.waitForEvent("closed", (e) => e.conn === 2);
    const kinds = s.events.filter((e) => ["full-auth", "fast-auth", "auth-ok"].includes(e.kind)).map((e) => `${e.conn}:${e.kind}`);
    expect(kinds).toEqual(["1:full-auth", "1:auth-ok", "2:fast-auth", "2:auth-ok"]);
    expect(s.events.filter((e) => e.kind === "query").map((e) => e.detail?.sql)).toEqual(["SHOW STATUS LIKE 'Ssl_version'"]);
    // mysql2 sends nothing of its own after login: the only commands are ours and COM_QUIT.
    expect(s.events.filter((e) => e.kind === "command").map((e) => e.detail?.command)).toEqual([0x01, 0x0e, 0x01]);
  });

  it("caching_sha2_password without TLS: full authentication with the server's RSA public key", async () => {
    const s = await start({ greeting: "mysql-9.1", users: USERS });
    const c = await login(s, "sha2user", "sha2-secret");
    const [rows] = await c.query("SELECT VERSION()");
    expect(rows).toEqual([{ "VERSION()": "9.1.0" }]);
    await c.end();
    expect(s.events.map((e) => e.kind)).toContain("public-key-request");
    expect(s.events.find((e) => e.kind === "auth-ok")?.detail).toMatchObject({ secure: false });
  });

  it("mysql_native_password: an AuthSwitchRequest from a caching_sha2 greeting, direct on 5.7 and MariaDB", async () => {
    const s84 = await start({ greeting: "mysql-8.4", users: USERS });
    const c = await login(s84, "nativeuser", "native-secret", { rejectUnauthorized: false });
    const [rows] = await c.query("SELECT @@version_comment LIMIT 1");
    expect(rows).toEqual([{ "@@version_comment": "MySQL Community Server - GPL" }]);
    await c.end();
    expect(s84.events.find((e) => e.kind === "auth-switch")?.detail).toEqual({ from: "caching_sha2_password", to: "mysql_native_password" });

    const s57 = await start({ greeting: "mysql-5.7", users: USERS });
    const c57 = await login(s57, "nativeuser", "native-secret");
    await c57.end();
    expect(s57.events.some((e) => e.kind === "auth-switch")).toBe(false);

    const smaria = await start({ greeting: "mariadb-10.11-like", users: USERS });
    const cm = await login(smaria, "nativeuser", "native-secret", { rejectUnauthorized: false });
    const [mrows] = await cm.query("SELECT VERSION()");
    expect(mrows).toEqual([{ "VERSION()": "10.11.6-MariaDB-0+deb12u1" }]);
    await cm.end();
  });

  it("refuses a wrong password or an unknown user with 1045 28000", async () => {
    const s = await start({ greeting: "mysql-8.4", users: USERS });
    for (const [user, pw] of [["sha2user", "wrong"], ["nativeuser", "wrong"], ["mysql-tls-audit", "x"]] as const) {
      const e = await loginError(s, user, pw, { rejectUnauthorized: false });
      expect(e.errno).toBe(1045);
      expect(e.sqlState).toBe("28000");
      expect(e.message).toBe(`Access denied for user '${user}'@'127.0.0.1' (using password: YES)`);
    }
    // The unknown user went through the decoy caching_sha2 exchange, like MySQL 8.
    expect(s.events.filter((e) => e.kind === "full-auth").map((e) => e.detail?.user)).toContain("mysql-tls-audit");
  });

  it("refuses clear-text logins: 3159 under requireSecureTransport, 1045 for a REQUIRE SSL account", async () => {
    const s = await start({ greeting: "mysql-8.4", users: USERS, requireSecureTransport: true });
    const e = await loginError(s, "nativeuser", "native-secret");
    expect(e.errno).toBe(3159);
    expect(e.message).toBe("Connections using insecure transport are prohibited while --require_secure_transport=ON.");
    const ok = await login(s, "nativeuser", "native-secret", { rejectUnauthorized: false });
    await ok.end();

    const s2 = await start({ greeting: "mysql-8.4", users: USERS });
    expect((await loginError(s2, "tlsonly", "tls-secret")).errno).toBe(1045);
    const c = await login(s2, "tlsonly", "tls-secret", { rejectUnauthorized: false });
    await c.end();
  });

  it("answers unknown SQL with 1064 and passes onQuery errors through", async () => {
    const s = await start({ greeting: "mysql-8.4", users: USERS, sha2CacheWarm: true });
    const c = await login(s, "sha2user", "sha2-secret", { rejectUnauthorized: false });
    await expect(c.query("SELECT nonsense FROM nowhere")).rejects.toMatchObject({ errno: 1064, sqlState: "42000" });
    const [rows] = await c.query("SELECT VERSION()");
    expect(rows).toEqual([{ "VERSION()": "8.4.3" }]);
    await c.end();
    expect(s.events.some((e) => e.kind === "fast-auth")).toBe(true);
  });

  it("returns NULLs and many rows, and an OK for statements", async () => {
    const s = await start({
      greeting: "mysql-5.7",
      users: USERS,
      onQuery: (sql) =>
        sql.startsWith("SET") ? { ok: true } : { columns: ["a", "b"], rows: Array.from({ length: 300 }, (_, i) => [String(i), i % 2 ? null : "x"]) },
    });
    const c = await login(s, "nativeuser", "native-secret");
    const [res] = await c.query("SET @x = 1");
    expect(res).toMatchObject({ affectedRows: 0 });
    const [rows] = (await c.query("SELECT a, b FROM t")) as unknown as [{ a: string; b: string | null }[]];
    expect(rows).toHaveLength(300);
    expect(rows[1]).toEqual({ a: "1", b: null });
    await c.end();
  });
});

// ---- broken behaviours ----------------------------------------------------------------------------------------

describe("broken servers", () => {
  it.each([
    [1129, "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'"],
    [1040, "Too many connections"],
    [1130, "Host '127.0.0.1' is not allowed to connect to this MySQL server"],
  ])("err-greeting %i: an ERR packet without SQLSTATE marker instead of a greeting", async (errno, message) => {
    const s = await start({ behaviour: "err-greeting", errno });
    const r = await collect(s.port);
    expect(r.closed).toBe(true);
    expect(r.bytes[3]).toBe(0);
    expect(r.bytes[4]).toBe(0xff);
    expect(r.bytes.readUInt16LE(5)).toBe(errno);
    expect(r.bytes.subarray(7).toString("utf8")).toBe(message);
    expect(r.bytes.readUIntLE(0, 3)).toBe(r.bytes.length - 4);
  });

  it("err-greeting on the MariaDB preset uses MariaDB's wording; a given sqlState adds the marker", async () => {
    const s = await start({ greeting: "mariadb-10.11-like", behaviour: "err-greeting", errno: 1129 });
    const r = await collect(s.port);
    expect(r.bytes.subarray(7).toString()).toBe(
      "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'",
    );
    const s2 = await start({ behaviour: "err-greeting", errno: 1040, sqlState: "08004" });
    const r2 = await collect(s2.port);
    expect(r2.bytes.subarray(7, 13).toString()).toBe("#08004");
  });

  it("protocol-9 sends an old HandshakeV9", async () => {
    const s = await start({ behaviour: "protocol-9" });
    const r = await collect(s.port, { enough: hasWholePacket });
    expect(r.bytes[4]).toBe(9);
    expect(r.bytes.subarray(5, r.bytes.indexOf(0, 5)).toString()).toBe("3.20.32a");
  });

  it("no-ssl: a greeting without CLIENT_SSL, plain-text login works, an SSLRequest gets 1043", async () => {
    const s = await start({ greeting: "mysql-8.4", behaviour: "no-ssl", users: USERS });
    const g = parseGreeting((await collect(s.port, { enough: hasWholePacket })).bytes);
    expect(g.capabilities & CLIENT.SSL).toBe(0);
    const c = await login(s, "nativeuser", "native-secret");
    await c.end();
    const r = await afterSslRequest(s.port);
    expect(r.bytes[4]).toBe(0xff);
    expect(r.bytes.readUInt16LE(5)).toBe(1043);
  });

  it("http: an HTTP 400 response at once, then close", async () => {
    const s = await start({ behaviour: "http" });
    const r = await collect(s.port);
    expect(r.closed).toBe(true);
    expect(r.bytes.toString().startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
  });

  it("garbage, close, reset", async () => {
    const g = await start({ behaviour: "garbage", garbage: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]) });
    expect((await collect(g.port)).bytes).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]));
    const rnd = await start({ behaviour: "garbage" });
    expect((await collect(rnd.port)).bytes).toHaveLength(256);
    const c = await start({ behaviour: "close" });
    const rc = await collect(c.port);
    expect(rc).toMatchObject({ closed: true });
    expect(rc.bytes).toHaveLength(0);
    const rs = await start({ behaviour: "reset" });
    expect((await collect(rs.port)).error).toBe("ECONNRESET");
  });

  it("truncated: the header announces more than is sent before the close", async () => {
    const s = await start({ behaviour: "truncated" });
    const r = await collect(s.port);
    expect(r.closed).toBe(true);
    expect(r.bytes.readUIntLE(0, 3)).toBeGreaterThan(r.bytes.length - 4);
    expect(r.bytes[4]).toBe(10);
  });

  it("oversized and silent keep the connection open without completing a packet", async () => {
    const o = await start({ behaviour: "oversized" });
    const ro = await collect(o.port, { timeoutMs: 300 });
    expect(ro.closed).toBe(false);
    expect(ro.bytes.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0x00]));
    const si = await start({ behaviour: "silent" });
    const rs = await collect(si.port, { timeoutMs: 300 });
    expect(rs).toMatchObject({ closed: false });
    expect(rs.bytes).toHaveLength(0);
  });

  it("slow-drip sends the greeting a byte at a time", async () => {
    const s = await start({ behaviour: "slow-drip", dripIntervalMs: 60 });
    const r = await collect(s.port, { enough: (b) => b.length >= 4, timeoutMs: 3000 });
    expect(r.chunks.slice(0, 4).map((c) => c.len)).toEqual([1, 1, 1, 1]);
    const first = r.chunks[0]?.at ?? 0;
    const fourth = r.chunks[3]?.at ?? 0;
    expect(fourth - first).toBeGreaterThanOrEqual(150);
  });

  it("wrong-seq sends the greeting with sequence id 5", async () => {
    const s = await start({ behaviour: "wrong-seq" });
    const g = parseGreeting((await collect(s.port, { enough: hasWholePacket })).bytes);
    expect(g.seq).toBe(5);
    expect(g.protocol).toBe(10);
  });

  it("drop-after-ssl-request closes right after the SSLRequest", async () => {
    const s = await start({ behaviour: "drop-after-ssl-request" });
    const r = await afterSslRequest(s.port);
    expect(r.closed).toBe(true);
    expect(r.bytes).toHaveLength(0);
    expect(s.events.some((e) => e.kind === "ssl-request")).toBe(true);
  });

  it("err-after-ssl-request answers the SSLRequest with a clear-text ERR (seq 2, #08S01)", async () => {
    const s = await start({ behaviour: "err-after-ssl-request" });
    const r = await afterSslRequest(s.port);
    expect(r.bytes[3]).toBe(2);
    expect(r.bytes[4]).toBe(0xff);
    expect(r.bytes.readUInt16LE(5)).toBe(1043);
    expect(r.bytes.subarray(7).toString()).toBe("#08S01Bad handshake");
  });

  it("err-after-client-hello answers the ClientHello with a clear-text ERR", async () => {
    const s = await start({ behaviour: "err-after-client-hello", errno: 2026, message: "SSL connection error: protocol version mismatch" });
    const r = await afterSslRequest(s.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x00]));
    expect(r.closed).toBe(true);
    expect(r.bytes[3]).toBe(2);
    expect(r.bytes.readUInt16LE(5)).toBe(2026);
    expect(r.bytes.subarray(7).toString()).toBe("#08S01SSL connection error: protocol version mismatch");
    expect(s.events.some((e) => e.kind === "client-hello")).toBe(true);
  });

  it("tls-alert and tls-garbage answer the ClientHello, and node:tls fails on both", async () => {
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00]);
    const a = await start({ behaviour: "tls-alert" });
    expect((await afterSslRequest(a.port, hello)).bytes).toEqual(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
    const g = await start({ behaviour: "tls-garbage" });
    const rg = await afterSslRequest(g.port, hello);
    expect(rg.bytes.toString()).toMatch(/not a TLS record/);
    expect(g.events.find((e) => e.kind === "client-hello")?.detail).toEqual({ bytes: hello.length });

    for (const srv of [a, g]) {
      const e = await loginError(srv, "x", "y", { rejectUnauthorized: false });
      expect(e.message).toMatch(/alert|handshake|wrong version|packet length|ssl|tls/i);
    }
  });
});

// ---- faults after the greeting --------------------------------------------------------------------------------

/** A plain HandshakeResponse41 for user "u" with an empty password (sequence id 1). */
function handshakeResponse(extraCaps = 0): Buffer {
  const caps = (CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.LONG_PASSWORD | extraCaps) >>> 0;
  const head = Buffer.alloc(32);
  head.writeUInt32LE(caps, 0);
  head.writeUInt32LE(0xffffff, 4);
  head[8] = 45;
  const p = Buffer.concat([head, Buffer.from("u\0"), Buffer.from([0]), Buffer.from("mysql_native_password\0")]);
  const h = Buffer.alloc(4);
  h.writeUIntLE(p.length, 0, 3);
  h[3] = 1;
  return Buffer.concat([h, p]);
}

/** Logs in over clear text (and sends one COM_QUERY when asked); returns what the server sent after that. */
function rawSession(port: number, withQuery: boolean, timeoutMs = 400, extraCaps = 0): ReturnType<typeof collect> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    const chunks: { at: number; len: number }[] = [];
    let buf = Buffer.alloc(0);
    let stage: "greeting" | "login" | "after" = "greeting";
    let after = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ bytes: after, closed, error, chunks });
    };
    const t = setTimeout(() => finish(false), timeoutMs);
    const enterAfter = (): void => {
      stage = "after";
      after = Buffer.alloc(0);
      chunks.length = 0;
    };
    s.on("data", (d: Buffer) => {
      if (stage === "after") {
        chunks.push({ at: Date.now(), len: d.length });
        after = Buffer.concat([after, d]);
        return;
      }
      buf = Buffer.concat([buf, d]);
      if (stage === "greeting" && hasWholePacket(buf)) {
        buf = Buffer.alloc(0);
        s.write(handshakeResponse(extraCaps));
        if (withQuery) stage = "login";
        else enterAfter();
      } else if (stage === "login" && hasWholePacket(buf)) {
        expect(buf[4]).toBe(0x00);
        const q = Buffer.from("\x03SELECT VERSION()", "latin1");
        const h = Buffer.from([q.length, 0, 0, 0]);
        enterAfter();
        s.write(Buffer.concat([h, q]));
      }
    });
    s.on("close", () => finish(true));
    s.on("error", (e: NodeJS.ErrnoException) => finish(true, e.code));
  });
}

describe("faults at the login and query steps", () => {
  const users: FakeMysqlOptions["users"] = [{ user: "u", password: "", plugin: "mysql_native_password" }];

  it.each(["login", "query"] as const)("%s: every fault shows on the wire as described", async (step) => {
    const run = async (fault: StepFault): Promise<Awaited<ReturnType<typeof collect>>> => {
      const s = await start({
        greeting: "mysql-5.7",
        users,
        // 50 ms apart: at 5 ms a loaded machine let TCP deliver two drips as one chunk (seen once in a clean-clone
        // run), and the test below is about the server writing a byte at a time, not about the machine's speed.
        dripIntervalMs: 50,
        garbage: Buffer.from("garbage!"),
        ...(step === "login" ? { loginFault: fault } : { queryFault: fault }),
      });
      const r = await rawSession(s.port, step === "query");
      expect(s.events.find((e) => e.kind === "fault")?.detail).toEqual({ step, fault });
      return r;
    };
    type R = Awaited<ReturnType<typeof run>>;
    const [silent, close, reset, garbage, truncated, oversized, wrongSeq, drip] = (await Promise.all(
      (["silent", "close", "reset", "garbage", "truncated", "oversized", "wrong-seq", "slow-drip"] as const).map(run),
    )) as [R, R, R, R, R, R, R, R];
    const firstSeq = step === "login" ? 2 : 1;
    expect(silent).toMatchObject({ closed: false, bytes: Buffer.alloc(0) });
    expect(close).toMatchObject({ closed: true, bytes: Buffer.alloc(0) });
    expect(reset.error).toBe("ECONNRESET");
    expect(garbage).toMatchObject({ closed: true, bytes: Buffer.from("garbage!") });
    expect(truncated.closed).toBe(true);
    expect(truncated.bytes.readUIntLE(0, 3)).toBeGreaterThan(truncated.bytes.length - 4);
    expect(oversized.closed).toBe(false);
    expect(oversized.bytes.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xff, 0xff, firstSeq]));
    expect(wrongSeq.bytes[3]).toBe(firstSeq + 4);
    expect(drip.chunks.length).toBeGreaterThan(5);
    expect(drip.chunks.every((c) => c.len === 1)).toBe(true);
  });
});

/** Splits a byte stream into packets: [seq, payload]. */
function packets(b: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let o = 0;
  while (o + 4 <= b.length) {
    const len = b.readUIntLE(o, 3);
    out.push([b[o + 3] as number, b.subarray(o + 4, o + 4 + len)]);
    o += 4 + len;
  }
  return out;
}

describe("text result sets on the wire", () => {
  const users: FakeMysqlOptions["users"] = [{ user: "u", password: "", plugin: "mysql_native_password" }];

  it("ends column definitions and rows with EOF packets for a classic client", async () => {
    const s = await start({ greeting: "mysql-8.4", users });
    const r = await rawSession(s.port, true, 300);
    const ps = packets(r.bytes);
    expect(ps.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
    expect(ps[0]?.[1]).toEqual(Buffer.from([1])); // one column
    expect(ps[1]?.[1].subarray(0, 4).toString()).toBe("\x03def");
    expect(ps[2]?.[1]).toEqual(Buffer.from([0xfe, 0, 0, 2, 0]));
    expect(ps[3]?.[1]).toEqual(Buffer.concat([Buffer.from([5]), Buffer.from("8.4.3")]));
    expect(ps[4]?.[1]).toEqual(Buffer.from([0xfe, 0, 0, 2, 0]));
  });

  it("honours CLIENT_DEPRECATE_EOF: no EOF after the columns, an OK with header 0xfe at the end", async () => {
    const s = await start({ greeting: "mysql-8.4", users });
    const r = await rawSession(s.port, true, 300, CLIENT.DEPRECATE_EOF);
    const ps = packets(r.bytes);
    expect(ps.map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    expect(ps[2]?.[1]).toEqual(Buffer.concat([Buffer.from([5]), Buffer.from("8.4.3")]));
    // header, affected rows, last insert id, status, warnings
    expect(ps[3]?.[1]).toEqual(Buffer.from([0xfe, 0, 0, 2, 0, 0, 0]));
  });
});

describe("more logins", () => {
  it("switches a 5.7 greeting to caching_sha2_password, and lets an empty password in", async () => {
    const s = await start({
      greeting: "mysql-5.7",
      users: [...(USERS ?? []), { user: "nopw", password: "", plugin: "caching_sha2_password" }],
    });
    const c = await login(s, "sha2user", "sha2-secret", { rejectUnauthorized: false });
    await c.end();
    expect(s.events.find((e) => e.kind === "auth-switch")?.detail).toEqual({ from: "mysql_native_password", to: "caching_sha2_password" });
    expect(s.events.some((e) => e.kind === "full-auth")).toBe(true);
    const c2 = await login(s, "nopw", "");
    await c2.end();
  });

  it("REQUIRE X509: refused without a client certificate, accepted with one the server's CA verifies", async () => {
    const clientCert = readFileSync(join(dir, "client-cert.pem"), "utf8");
    const clientKey = readFileSync(join(dir, "client-key.pem"), "utf8");
    let seen: unknown;
    const s = await start({
      greeting: "mysql-8.4",
      tls: { cert: certPath, key: keyPath, ca: clientCert, requestCert: true },
      users: [{ user: "x509", password: "pw", plugin: "mysql_native_password", requireX509: true }],
      onQuery: (_sql, conn) => {
        seen = conn.clientCertificate;
        return { columns: ["1"], rows: [["1"]] };
      },
    });
    expect((await loginError(s, "x509", "pw", { rejectUnauthorized: false })).errno).toBe(1045);
    const c = await login(s, "x509", "pw", { rejectUnauthorized: false, cert: clientCert, key: clientKey });
    await c.query("SELECT 1");
    await c.end();
    expect(seen).toEqual({ subject: "/CN=fake-client", issuer: "/CN=fake-client", verified: true });
  });

  it("refuses a mysql_native_password account on MySQL 9.x with 1524, where the plugin no longer exists", async () => {
    const s = await start({ greeting: "mysql-9.1", users: USERS });
    const e = await loginError(s, "nativeuser", "native-secret", { rejectUnauthorized: false });
    expect(e).toMatchObject({ errno: 1524, message: "Plugin 'mysql_native_password' is not loaded" });
    const on = await start({ greeting: "mysql-9.1", users: USERS, nativePassword: true });
    const c = await login(on, "nativeuser", "native-secret", { rejectUnauthorized: false });
    await c.end();
  });

  it("never records a password in its events", async () => {
    const s = await start({ greeting: "mysql-8.4", users: USERS });
    for (const ssl of [undefined, { rejectUnauthorized: false }]) {
      const c = await login(s, "sha2user", "sha2-secret", ssl);
      await c.end();
      await loginError(s, "nativeuser", "wrong-guess", ssl);
    }
    const all = JSON.stringify(s.events);
    for (const secret of ["sha2-secret", "native-secret", "wrong-guess"]) expect(all).not.toContain(secret);
  });
});

// ---- server variables -----------------------------------------------------------------------------------------

describe("answerServerVariables", () => {
  const tables = {
    variables: { require_secure_transport: "OFF", tls_version: "TLSv1.2,TLSv1.3", ssl_ca: "ca.pem", ssl_capath: "" },
    status: { Tls_library_version: "OpenSSL 3.0.13 30 Jan 2024", Current_tls_version: "TLSv1.2,TLSv1.3", Ssl_cipher: null },
  };

  it("answers SHOW ... LIKE / WHERE and SELECT @@ through mysql2 with a real server's result shape", async () => {
    const s = await start({
      greeting: "mysql-8.4",
      users: USERS,
      sha2CacheWarm: true,
      onQuery: (sql) => answerServerVariables(sql, tables) ?? { error: { errno: 1064, sqlState: "42000", message: "syntax" } },
    });
    const c = await login(s, "sha2user", "sha2-secret", { rejectUnauthorized: false });
    const [tls] = await c.query("SHOW GLOBAL STATUS LIKE 'Tls_library_version'");
    expect(tls).toEqual([{ Variable_name: "Tls_library_version", Value: "OpenSSL 3.0.13 30 Jan 2024" }]);
    const [cur] = await c.query("SHOW STATUS LIKE 'current\\_tls%'");
    expect(cur).toEqual([{ Variable_name: "Current_tls_version", Value: "TLSv1.2,TLSv1.3" }]);
    const [many] = await c.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('ssl_ca', 'ssl_capath', 'ssl_crl')");
    expect(many).toEqual([
      { Variable_name: "ssl_ca", Value: "ca.pem" },
      { Variable_name: "ssl_capath", Value: "" },
    ]);
    const [nul] = await c.query("SHOW SESSION STATUS WHERE Variable_name = 'Ssl_cipher'");
    expect(nul).toEqual([{ Variable_name: "Ssl_cipher", Value: null }]);
    const [sel] = await c.query("SELECT @@require_secure_transport, @@global.tls_version");
    expect(sel).toEqual([{ "@@require_secure_transport": "OFF", "@@global.tls_version": "TLSv1.2,TLSv1.3" }]);
    await expect(c.query("SELECT @@ssl_fips_mode")).rejects.toMatchObject({ errno: 1193 });
    await c.end();
  });

  it("matches LIKE with _ and % case-insensitively and passes other SQL on", () => {
    expect(answerServerVariables("show variables like 'SSL_CA%'", tables)).toEqual({
      columns: ["Variable_name", "Value"],
      rows: [["ssl_ca", "ca.pem"], ["ssl_capath", ""]],
    });
    expect(answerServerVariables("SHOW VARIABLES LIKE 'tls_versio_'", tables)).toMatchObject({ rows: [["tls_version", "TLSv1.2,TLSv1.3"]] });
    expect(answerServerVariables("SELECT user FROM mysql.user", tables)).toBeUndefined();
  });
});

// ---- the server's own framing ---------------------------------------------------------------------------------

describe("fake server framing", () => {
  it("splits a 16 MiB payload into a full packet and a continuation, and reassembles it", () => {
    const payload = Buffer.alloc(0xffffff + 10, 7);
    const wire = framePacket(payload, 3);
    expect(wire.readUIntLE(0, 3)).toBe(0xffffff);
    expect(wire[3]).toBe(3);
    expect(wire.readUIntLE(4 + 0xffffff, 3)).toBe(10);
    expect(wire[4 + 0xffffff + 3]).toBe(4);
    const f = new PacketFramer();
    f.push(wire);
    const p = f.next();
    expect(p?.seq).toBe(3);
    expect(p?.payload.equals(payload)).toBe(true);
  });

  it("reassembles packets cut at every offset and keeps the bytes after them", () => {
    const wire = Buffer.concat([framePacket(Buffer.from("hello"), 0), framePacket(Buffer.alloc(0), 1), Buffer.from([0x16, 0x03])]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const f = new PacketFramer();
      f.push(wire.subarray(0, cut));
      const got = [f.next(), f.next()].filter((x) => x !== undefined);
      f.push(wire.subarray(cut));
      while (got.length < 2) {
        const n = f.next();
        if (!n) break;
        got.push(n);
      }
      expect(got.map((g) => [g.seq, g.payload.toString()])).toEqual([[0, "hello"], [1, ""]]);
      expect(f.takeRest()).toEqual(Buffer.from([0x16, 0x03]));
    }
  });
});
