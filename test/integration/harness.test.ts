import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "mysql2/promise";
import {
  AUTO_CA_CN,
  AUTO_LEAF_CN,
  CERT_KINDS,
  CLIENT_CN,
  INTERMEDIATE_CN,
  ROOT_CN,
  WRONG_NAME,
  makeCerts,
  type CertSet,
} from "../support/certs.js";
import { POSTURES, requireMariadbd, startPosture, type MariaDB, type PostureName } from "../support/mariadb.js";
import { freePort, isLoopback } from "../support/ports.js";
import { requireBinary, requireOpenssl, requireSslscan } from "../support/require-binaries.js";

/** Runs openssl with stdin at /dev/null (as `</dev/null`), and a timeout; resolves with stdout+stderr. */
function openssl(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireOpenssl(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const sClient = (port: number, ...extra: string[]) =>
  openssl(["s_client", "-starttls", "mysql", "-connect", `127.0.0.1:${port}`, ...extra]);

const field = (out: string, re: RegExp) => re.exec(out)?.[1]?.trim();

describe("required binaries", () => {
  it("finds mariadbd, openssl and sslscan, and names the package when a binary is missing", () => {
    expect(requireMariadbd()).toMatch(/\/mariadbd$/);
    expect(requireOpenssl()).toMatch(/\/openssl$/);
    expect(requireSslscan()).toMatch(/\/sslscan$/);
    expect(() => requireBinary("no-such-binary-mta", "no-such-package")).toThrow(
      /apt-get install -y no-such-package .*npm test/,
    );
  });

  it("hands out free loopback ports and refuses anything else", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(isLoopback("127.0.0.1") && isLoopback("::1")).toBe(true);
    await expect(freePort("192.0.2.1")).rejects.toThrow(/not a loopback/);
  });
});

describe("certificate factory", () => {
  let certs: CertSet;
  beforeAll(async () => {
    certs = await makeCerts();
  });

  const text = async (file: string) => (await openssl(["x509", "-in", file, "-noout", "-text", "-nameopt", "RFC2253"])).out;
  const verify = (anchor: string, leaf: string, untrusted?: string) =>
    openssl(["verify", "-CAfile", anchor, ...(untrusted ? ["-untrusted", untrusted] : []), leaf]);

  it("is generated once per process", async () => {
    expect(await makeCerts()).toBe(certs);
    for (const kind of CERT_KINDS) {
      const leaf = certs.leaves[kind];
      for (const f of [leaf.cert, leaf.key, leaf.chain, leaf.trustAnchor]) expect(existsSync(f), `${kind}: ${f}`).toBe(true);
    }
  });

  it("builds root -> intermediate -> leaf chains that openssl verifies", async () => {
    expect(await text(certs.ca.cert)).toContain(`Subject: CN=${ROOT_CN}`);
    expect(await text(certs.intermediate.cert)).toMatch(new RegExp(`Issuer: CN=${ROOT_CN}[\\s\\S]*CA:TRUE, pathlen:0`));
    for (const kind of ["rsa", "ecdsa", "ed25519", "wrong-name", "missing-intermediate"] as const) {
      const leaf = certs.leaves[kind];
      const r = await verify(leaf.trustAnchor, leaf.cert, certs.intermediate.cert);
      expect(r.out, kind).toContain(": OK");
    }
    const client = await verify(certs.caBundle, certs.client.cert, certs.intermediate.cert);
    expect(client.out).toContain(": OK");
    expect(await text(certs.client.cert)).toMatch(new RegExp(`Subject: CN=${CLIENT_CN}[\\s\\S]*TLS Web Client Authentication`));
  });

  it("gives each leaf the key, names and chain its kind promises", async () => {
    const rsa = await text(certs.leaves.rsa.cert);
    expect(rsa).toContain("Public-Key: (2048 bit)");
    expect(rsa).toContain("sha256WithRSAEncryption");
    expect(rsa).toContain(`Issuer: CN=${INTERMEDIATE_CN}`);
    expect(rsa).toContain("DNS:localhost, IP Address:127.0.0.1");
    expect(rsa).toContain("TLS Web Server Authentication");
    expect(rsa).toMatch(/CA:FALSE/);

    expect(await text(certs.leaves.ecdsa.cert)).toMatch(/Public-Key: \(256 bit\)[\s\S]*NIST CURVE: P-256/);
    expect(await text(certs.leaves.ed25519.cert)).toContain("Public Key Algorithm: ED25519");
    const weak = await text(certs.leaves.weak.cert);
    expect(weak).toContain("Public-Key: (1024 bit)");
    expect(weak).toContain("Signature Algorithm: sha1WithRSAEncryption");
    expect(await text(certs.leaves["wrong-name"].cert)).toMatch(new RegExp(`Subject: CN=${WRONG_NAME}[\\s\\S]*DNS:${WRONG_NAME}\\n`));

    const self = await text(certs.leaves["self-signed"].cert);
    expect(self).toContain("Subject: CN=localhost");
    expect(self).toContain("Issuer: CN=localhost");
    expect((await verify(certs.leaves["self-signed"].cert, certs.leaves["self-signed"].cert)).out).toContain(": OK");

    const auto = await text(certs.leaves["auto-generated"].cert);
    expect(auto).toContain(`Subject: CN=${AUTO_LEAF_CN}`);
    expect(auto).toContain(`Issuer: CN=${AUTO_CA_CN}`);
    expect((await verify(certs.autoCa.cert, certs.leaves["auto-generated"].cert)).out).toContain(": OK");

    const pems = (file: string) => readFileSync(file, "utf8").match(/BEGIN CERTIFICATE/g)?.length;
    expect(pems(certs.leaves.rsa.chain)).toBe(2);
    expect(pems(certs.leaves.ecdsa.chain)).toBe(2);
    expect(pems(certs.leaves["missing-intermediate"].chain)).toBe(1);
    expect(readFileSync(certs.leaves["missing-intermediate"].cert, "utf8")).toBe(readFileSync(certs.leaves.rsa.cert, "utf8"));
    expect(pems(certs.caBundle)).toBe(1);
    // Without the intermediate, the root alone cannot reach the leaf.
    expect((await verify(certs.caBundle, certs.leaves["missing-intermediate"].chain)).out).toMatch(/unable to get local issuer/);
  });

  it("makes an expired leaf whose whole validity lies in the past", async () => {
    const dates = (await openssl(["x509", "-in", certs.leaves.expired.cert, "-noout", "-dates"])).out;
    const notBefore = Date.parse(field(dates, /notBefore=(.*)/)!);
    const notAfter = Date.parse(field(dates, /notAfter=(.*)/)!);
    expect(notBefore).toBeLessThan(notAfter);
    expect(notAfter).toBeLessThan(Date.now() - 86_400_000);
    const r = await verify(certs.caBundle, certs.leaves.expired.cert, certs.intermediate.cert);
    expect(r.out).toContain("certificate has expired");
  });
});

describe("real MariaDB postures", () => {
  const names: PostureName[] = ["off", "modern", "legacy", "wrong-name", "auto-generated"];
  const servers = {} as Record<PostureName, MariaDB>;
  let certs: CertSet;

  beforeAll(async () => {
    certs = await makeCerts();
    const started = await Promise.allSettled(names.map((n) => startPosture(n)));
    started.forEach((r, i) => {
      if (r.status === "fulfilled") servers[names[i]!] = r.value;
    });
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  const variable = async (s: MariaDB, name: string) =>
    (await s.query<{ Value: string }>("SHOW GLOBAL VARIABLES LIKE ?", [name]))[0]?.Value;

  it("runs real MariaDB on loopback, reporting its version", async () => {
    for (const n of names) {
      const s = servers[n];
      expect(s.host).toBe("127.0.0.1");
      expect(s.version).toMatch(/^1\d\.\d+\.\d+-MariaDB/);
      expect((await s.query<{ v: string }>("SELECT VERSION() AS v"))[0]!.v).toBe(s.version);
    }
  });

  it("off: have_ssl DISABLED and no TLS at all", async () => {
    const s = servers.off;
    expect(await variable(s, "have_ssl")).toBe("DISABLED");
    expect(await variable(s, "require_secure_transport")).toBe("OFF");
    const r = await sClient(s.port);
    expect(r.out).toContain("MySQL server does not support SSL");
    expect(r.out).toContain("no peer certificate available");
  });

  it("modern: TLS 1.2 and 1.3 only, secure transport required, RSA chain with the intermediate", async () => {
    const s = servers.modern;
    expect(await variable(s, "have_ssl")).toBe("YES");
    expect(await variable(s, "tls_version")).toBe("TLSv1.2,TLSv1.3");
    expect(await variable(s, "require_secure_transport")).toBe("ON");
    const r = await sClient(s.port, "-CAfile", certs.caBundle, "-verify_hostname", "localhost", "-showcerts");
    expect(r.out).toContain("subject=CN = localhost");
    expect(r.out).toContain(`issuer=CN = ${INTERMEDIATE_CN}`);
    expect(r.out).toContain(`1 s:CN = ${INTERMEDIATE_CN}`);
    expect(r.out).toContain("Verify return code: 0 (ok)");
    const tls1 = await sClient(s.port, "-tls1", "-cipher", "ALL:@SECLEVEL=0");
    // s_client prints "Protocol : TLSv1" even for a refused handshake; the cipher tells whether one completed.
    expect(tls1.out).toContain("Cipher is (NONE)");
    expect(tls1.out).toContain("alert protocol version");
  });

  it("legacy: really accepts TLS 1.0 and 1.1 at SECLEVEL=0", async () => {
    const s = servers.legacy;
    expect(await variable(s, "have_ssl")).toBe("YES");
    expect(await variable(s, "tls_version")).toBe("TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3");
    expect(await variable(s, "ssl_cipher")).toBe("ALL:@SECLEVEL=0");
    expect(await variable(s, "require_secure_transport")).toBe("OFF");
    const tls1 = await sClient(s.port, "-tls1", "-cipher", "ALL:@SECLEVEL=0");
    expect(tls1.out).toMatch(/New, TLSv1\.0, Cipher is [A-Z0-9-]+\n/);
    expect(tls1.out).toContain("subject=CN = localhost");
    const tls11 = await sClient(s.port, "-tls1_1", "-cipher", "ALL:@SECLEVEL=0");
    expect(tls11.out).toMatch(/Cipher is [A-Z0-9-]+\n[\s\S]*Protocol\s*: TLSv1\.1\n/);
  });

  it("certificate postures serve the certificate they are named for", async () => {
    const wrong = await sClient(servers["wrong-name"].port);
    expect(wrong.out).toContain(`subject=CN = ${WRONG_NAME}`);
    const auto = await sClient(servers["auto-generated"].port, "-CAfile", certs.autoCa.cert);
    expect(auto.out).toContain(`subject=CN = ${AUTO_LEAF_CN}`);
    expect(auto.out).toContain(`issuer=CN = ${AUTO_CA_CN}`);
    expect(auto.out).toContain("Verify return code: 0 (ok)");
    expect(await variable(servers["auto-generated"], "ssl_ca")).toBe(certs.autoCa.cert);
  });

  it("the admin logs in over TCP from 127.0.0.1; with require_secure_transport only over TLS", async () => {
    const { off, modern } = servers;
    const plain = await mysql.createConnection({ host: off.host, port: off.port, ...off.admin });
    expect((await plain.query("SELECT CURRENT_USER() AS u"))[0]).toEqual([{ u: "harness_admin@127.0.0.1" }]);
    await plain.end();

    await expect(mysql.createConnection({ host: modern.host, port: modern.port, ...modern.admin })).rejects.toThrow();
    const tls = await mysql.createConnection({
      host: modern.host,
      port: modern.port,
      ...modern.admin,
      ssl: { ca: readFileSync(certs.caBundle, "utf8") },
    });
    const [rows] = await tls.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
    expect((rows as Array<{ Value: string }>)[0]!.Value).toMatch(/^TLSv1\.[23]$/);
    await tls.end();
  });

  it("leaves no passwordless TCP root and keeps the password out of the error log", async () => {
    const roots = await servers.off.query<{ Host: string }>("SELECT Host FROM mysql.user WHERE User = 'root'");
    expect(roots.map((r) => r.Host)).toEqual(["localhost"]);
    for (const n of names) expect(readFileSync(servers[n].errorLog, "utf8")).not.toContain(servers[n].admin.password);
  });

  it("stop() ends exactly the started process and removes its files", async () => {
    const s = servers["wrong-name"];
    expect(() => process.kill(s.pid, 0)).not.toThrow();
    await s.stop();
    await s.stop(); // idempotent
    expect(() => process.kill(s.pid, 0)).toThrow(/ESRCH/);
    expect(existsSync(s.dir)).toBe(false);
    for (const n of names.filter((n) => n !== "wrong-name")) expect(() => process.kill(servers[n].pid, 0)).not.toThrow();
  });

  it("every posture names a certificate the factory makes", () => {
    for (const p of Object.values(POSTURES)) if (p.tls) expect(CERT_KINDS).toContain(p.tls.cert);
  });
});

describe("starting and stopping", () => {
  it("reports the error log tail when mariadbd refuses to start", async () => {
    // At Debian's default SECLEVEL=2 mariadbd will not load a 1024-bit SHA-1 certificate.
    const err = await startPosture("weak", { name: "weak-default-seclevel", tls: { cert: "weak" } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/did not start[\s\S]*error log tail[\s\S]*(SSL|certificate)/i);
  });

  it("legacy needs its cipher string: without @SECLEVEL=0 TLS 1.0 is listed but refused", async () => {
    const s = await startPosture("legacy", {
      name: "legacy-default-seclevel",
      tls: { cert: "rsa", tlsVersion: "TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3" },
    });
    try {
      expect((await s.query<{ Value: string }>("SHOW GLOBAL VARIABLES LIKE 'tls_version'"))[0]!.Value).toContain("TLSv1.0");
      const r = await sClient(s.port, "-tls1", "-cipher", "ALL:@SECLEVEL=0");
      expect(r.out).toContain("Cipher is (NONE)");
    } finally {
      await s.stop();
    }
  });

  it("stop() removes every pid it started", async () => {
    const [a, b] = await Promise.all([startPosture("ecdsa"), startPosture("off", { performanceSchema: true })]);
    expect((await b.query<{ Value: string }>("SHOW GLOBAL VARIABLES LIKE 'performance_schema'"))[0]!.Value).toBe("ON");
    const out = await sClient(a.port);
    expect(out.out).toMatch(/Server public key is 256 bit|Peer signature type: ECDSA/);
    await Promise.all([a.stop(), b.stop()]);
    for (const s of [a, b]) expect(() => process.kill(s.pid, 0)).toThrow(/ESRCH/);
  });
});
