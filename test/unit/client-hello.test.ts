import net from "node:net";
import tls from "node:tls";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClientHello, DEFAULT_GROUPS, DEFAULT_SIGNATURE_ALGORITHMS, NAMED_GROUPS, VERSION_CODES, versionName, groupName } from "../../src/tls/client-hello.js";
import { readTlsFlight } from "../../src/tls/records.js";
import { judgeServerHello, parseServerHello } from "../../src/tls/server-hello.js";
import { SUITES, suitesForVersion } from "../../src/tls/suites.js";
import { requireOpenssl } from "../support/require-binaries.js";

/** An independent reading of a ClientHello, written from RFC 5246 §7.4.1.2, to check the builder against. */
function parseClientHello(record: Buffer) {
  const flight = readTlsFlight(record);
  expect(flight.handshakes).toHaveLength(1);
  const hs = flight.handshakes[0]!;
  expect(hs.type).toBe(1);
  const b = hs.body;
  let p = 0;
  const version = b.readUInt16BE(p);
  p += 2;
  const random = b.subarray(p, p + 32);
  p += 32;
  const sid = b.subarray(p + 1, p + 1 + b[p]!);
  p += 1 + b[p]!;
  const suitesLen = b.readUInt16BE(p);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(p + 2 + i));
  p += 2 + suitesLen;
  const compression = [...b.subarray(p + 1, p + 1 + b[p]!)];
  p += 1 + b[p]!;
  const extensions = new Map<number, Buffer>();
  if (p < b.length) {
    const end = p + 2 + b.readUInt16BE(p);
    p += 2;
    while (p < end) {
      const t = b.readUInt16BE(p);
      const l = b.readUInt16BE(p + 2);
      expect(extensions.has(t), `extension ${t} twice`).toBe(false);
      extensions.set(t, b.subarray(p + 4, p + 4 + l));
      p += 4 + l;
    }
    expect(p).toBe(end);
  }
  expect(p).toBe(b.length);
  return { recordVersion: flight.records[0]!.version, version, random, sid, suites, compression, extensions, length: hs.body.length + 4, records: flight.records.length };
}

const u16list = (b: Buffer, lenBytes = 2) => {
  const out: number[] = [];
  for (let i = lenBytes; i < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
};

describe("buildClientHello", () => {
  it("offers TLS 1.2 with every extension an old or new server needs", () => {
    const random = Buffer.alloc(32, 0xab);
    const suites = suitesForVersion("TLSv1.2").map((s) => s.code);
    const h = parseClientHello(buildClientHello({ version: "TLSv1.2", cipherSuites: suites, servername: "db.example.com", random }));
    expect(h.recordVersion).toBe(0x0301);
    expect(h.version).toBe(0x0303);
    expect(h.random.equals(random)).toBe(true);
    expect(h.sid.length).toBe(0);
    expect(h.suites).toEqual(suites);
    expect(h.compression).toEqual([0]);
    expect(u16list(h.extensions.get(10)!)).toEqual([...DEFAULT_GROUPS]);
    expect(DEFAULT_GROUPS).toContain(NAMED_GROUPS.ffdhe2048);
    expect(h.extensions.get(11)![0]).toBe(3);
    const sigalgs = u16list(h.extensions.get(13)!);
    expect(sigalgs).toContain(0x0201); // rsa_pkcs1_sha1 for old servers
    expect(sigalgs).toContain(0x0101); // rsa md5
    expect(h.extensions.has(23)).toBe(true); // extended_master_secret
    expect([...h.extensions.get(0xff01)!]).toEqual([0]);
    expect(h.extensions.get(0)!.subarray(5).toString()).toBe("db.example.com");
    expect(h.extensions.has(43)).toBe(false);
    expect(h.extensions.has(51)).toBe(false);
  });

  it("puts a scheme for every key type, SHA-1 included, in the first 16 signature algorithms", () => {
    const first16 = DEFAULT_SIGNATURE_ALGORITHMS.slice(0, 16);
    for (const alg of [0x0401, 0x0403, 0x0804, 0x0807, 0x0201, 0x0203, 0x0402, 0x0809]) expect(first16).toContain(alg);
    expect(new Set(DEFAULT_SIGNATURE_ALGORITHMS).size).toBe(DEFAULT_SIGNATURE_ALGORITHMS.length);
    expect(DEFAULT_SIGNATURE_ALGORITHMS.length).toBeLessThanOrEqual(32);
  });

  it("never sends an IP address as server_name, nor signature_algorithms before TLS 1.2", () => {
    const h = parseClientHello(buildClientHello({ version: "TLSv1", cipherSuites: [0x002f], servername: "127.0.0.1" }));
    expect(h.version).toBe(0x0301);
    expect(h.extensions.has(0)).toBe(false);
    expect(h.extensions.has(13)).toBe(false);
    expect(h.suites).not.toContain(0x5600); // a fallback SCSV would make servers refuse lower-version probes
  });

  it("offers TLS 1.3 only through supported_versions, with real key shares", () => {
    const h = parseClientHello(buildClientHello({ version: "TLSv1.3", cipherSuites: [0x1301, 0x1302] }));
    expect(h.version).toBe(0x0303);
    expect(h.sid.length).toBe(32);
    expect([...h.extensions.get(43)!]).toEqual([2, 3, 4]);
    expect([...h.extensions.get(45)!]).toEqual([1, 1]);
    const ks = h.extensions.get(51)!;
    expect(ks.readUInt16BE(0)).toBe(ks.length - 2);
    expect(ks.readUInt16BE(2)).toBe(NAMED_GROUPS.x25519);
    expect(ks.readUInt16BE(4)).toBe(32);
    const p256 = 6 + 32;
    expect(ks.readUInt16BE(p256)).toBe(NAMED_GROUPS.secp256r1);
    expect(ks.readUInt16BE(p256 + 2)).toBe(65);
    expect(ks[p256 + 4]).toBe(0x04); // uncompressed point
  });

  it("sends key shares only for offered groups it can make, and none for ffdhe-only offers", () => {
    const one = parseClientHello(buildClientHello({ version: "TLSv1.3", cipherSuites: [0x1301], groups: [NAMED_GROUPS.secp384r1!] }));
    expect(one.extensions.get(51)!.readUInt16BE(2)).toBe(NAMED_GROUPS.secp384r1);
    expect(one.extensions.get(51)!.readUInt16BE(4)).toBe(97);
    const ff = parseClientHello(buildClientHello({ version: "TLSv1.3", cipherSuites: [0x1301], groups: [NAMED_GROUPS.ffdhe2048!] }));
    expect([...ff.extensions.get(51)!]).toEqual([0, 0]);
  });

  it("sends SSL 3.0 hellos without extensions, signalling renegotiation with the SCSV", () => {
    const h = parseClientHello(buildClientHello({ version: "SSLv3", cipherSuites: [0x0004, 0x000a] }));
    expect(h.recordVersion).toBe(0x0300);
    expect(h.version).toBe(0x0300);
    expect(h.extensions.size).toBe(0);
    expect(h.suites).toEqual([0x0004, 0x000a, 0x00ff]);
  });

  it("pads hellos of 256-511 bytes to 512", () => {
    for (let n = 1; n < 120; n += 7) {
      const h = parseClientHello(buildClientHello({ version: "TLSv1.2", cipherSuites: SUITES.slice(0, n).map((s) => s.code) }));
      expect(h.length < 256 || h.length >= 512, `${n} suites -> ${h.length} bytes`).toBe(true);
    }
  });

  it("fits every suite in one record, and splits a hello larger than a record", () => {
    const all = parseClientHello(buildClientHello({ version: "TLSv1.2", cipherSuites: SUITES.map((s) => s.code) }));
    expect(all.records).toBe(1);
    const huge = Array.from({ length: 9000 }, (_, i) => i + 1);
    const big = parseClientHello(buildClientHello({ version: "TLSv1.2", cipherSuites: huge }));
    expect(big.records).toBe(2);
    expect(big.suites).toEqual(huge);
  });

  it("refuses an empty offer and a bad random", () => {
    expect(() => buildClientHello({ version: "TLSv1.2", cipherSuites: [] })).toThrow(RangeError);
    expect(() => buildClientHello({ version: "TLSv1.2", cipherSuites: [1], random: Buffer.alloc(8) })).toThrow(RangeError);
  });

  it("names versions and groups", () => {
    expect(versionName(0x0302)).toBe("TLSv1.1");
    expect(versionName(0x0200)).toBeUndefined();
    expect(VERSION_CODES.SSLv3).toBe(0x0300);
    expect(groupName(29)).toBe("x25519");
    expect(groupName(0x1234)).toBe("0x1234");
  });
});

// A second TLS stack reading our bytes: node:tls as the server, on loopback.
describe("buildClientHello against node:tls", () => {
  let server: tls.Server;
  let port = 0;
  beforeAll(async () => {
    // A P-256 self-signed pair is made in milliseconds, unlike the full certificate factory.
    const pem = execFileSync(requireOpenssl(), ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", "-", "-out", "-"], {
      encoding: "utf8",
      env: { ...process.env, OPENSSL_CONF: "/dev/null" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    server = tls.createServer({
      cert: /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/.exec(pem)![0],
      key: /-----BEGIN PRIVATE KEY-----[^]*?-----END PRIVATE KEY-----/.exec(pem)![0],
      minVersion: "TLSv1",
      ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:TLS_AES_256_GCM_SHA384:@SECLEVEL=0",
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const exchange = (hello: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write(hello));
      let got = Buffer.alloc(0);
      const done = () => {
        s.destroy();
        resolve(got);
      };
      s.on("data", (d) => {
        got = Buffer.concat([got, d]);
        const f = readTlsFlight(got);
        if (f.complete || f.alert) done();
      });
      s.on("close", done);
      s.on("error", done);
    });

  for (const [version, suites, expected] of [
    ["TLSv1.2", [0xc02b, 0xc009], 0xc02b],
    ["TLSv1", [0xc009], 0xc009],
    ["TLSv1.3", [0x1302], 0x1302],
  ] as const) {
    it(`gets a ServerHello for ${version}`, async () => {
      const offer = { version, cipherSuites: [...suites] };
      const flight = readTlsFlight(await exchange(buildClientHello(offer)));
      const hello = parseServerHello(flight.handshakes[0]!.body);
      expect(judgeServerHello(offer, hello)).toMatchObject({ kind: "accepted", version, suite: expected });
    });
  }

  it("gets a handshake_failure alert when nothing offered is shared", async () => {
    const flight = readTlsFlight(await exchange(buildClientHello({ version: "TLSv1.2", cipherSuites: [0x0004] })));
    expect(flight.alert?.name).toBe("handshake_failure");
  });
});
