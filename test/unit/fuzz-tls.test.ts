// Fuzzing the TLS record reader: a server's answer to a raw ClientHello can be anything. readTlsFlight reports
// what it saw (records, an alert, not TLS, truncated) and never throws; parseCertificateMessage throws only its
// RangeError, as do parseServerHello and parseServerKeyExchange, and judgeServerHello trusts only what was
// offered. Fixed seed and bounded runs, so a failure reproduces.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCertificateMessage, readTlsFlight } from "../../src/tls/records.js";
import { judgeServerHello, parseServerHello, parseServerKeyExchange, type HelloOffer } from "../../src/tls/server-hello.js";

const SEED = 0x746c73; // "tls"
const RUNS = 2000;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}
function record(type: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
}
function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}
function serverHello(opts: { suite: number; tls13?: boolean }): Buffer {
  const ext = opts.tls13 ? Buffer.concat([u16(43), u16(2), u16(0x0304)]) : Buffer.concat([u16(0xff01), u16(1), Buffer.from([0])]);
  return handshake(
    2,
    Buffer.concat([u16(0x0303), Buffer.alloc(32, 7), Buffer.from([32]), Buffer.alloc(32, 9), u16(opts.suite), Buffer.from([0]), u16(ext.length), ext]),
  );
}
function certificateMessage(certs: Buffer[], tls13 = false): Buffer {
  const entries = certs.map((c) => Buffer.concat([u24(c.length), c, ...(tls13 ? [u16(0)] : [])]));
  const list = Buffer.concat(entries);
  return Buffer.concat([...(tls13 ? [Buffer.from([0])] : []), u24(list.length), list]);
}

const FAKE_CERT = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 0x41)]);
/** Flights as servers send them: TLS 1.2 (hello, certificate, done; split over records), TLS 1.3 hello, an alert. */
const FLIGHTS: Buffer[] = [
  record(22, Buffer.concat([serverHello({ suite: 0xc02f }), handshake(11, certificateMessage([FAKE_CERT, FAKE_CERT])), handshake(14, Buffer.alloc(0))])),
  Buffer.concat([
    record(22, serverHello({ suite: 0x009c })),
    record(22, handshake(11, certificateMessage([FAKE_CERT])).subarray(0, 100)),
    record(22, Buffer.concat([handshake(11, certificateMessage([FAKE_CERT])).subarray(100), handshake(14, Buffer.alloc(0))])),
  ]),
  Buffer.concat([record(22, serverHello({ suite: 0x1301, tls13: true })), record(20, Buffer.from([1])), record(23, Buffer.alloc(40, 3))]),
  record(21, Buffer.from([2, 40])),
  record(21, Buffer.from([2, 70]), 0x0301),
];

const bytes = (max = 400): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

function mutated(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 6 }))
    .map(([seed, edits]) => {
      let b = Buffer.from(seed);
      for (const [pos, value, kind] of edits) {
        if (b.length === 0) break;
        const at = pos % b.length;
        if (kind === 0) b[at] = value;
        else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([value]), b.subarray(at)]);
        else if (kind === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        else b = b.subarray(0, at);
      }
      return b;
    });
}

/** The invariants of a flight read from any bytes. */
function checkFlight(buf: Buffer): void {
  const f = readTlsFlight(buf);
  let consumed = 0;
  for (const r of f.records) {
    expect(r.fragment.length).toBeLessThanOrEqual((1 << 14) + 2048);
    consumed += 5 + r.fragment.length;
  }
  expect(consumed).toBeLessThanOrEqual(buf.length);
  if (f.alert) {
    expect(f.alert.name).toMatch(/\S/);
    expect(f.alert.description).toBeLessThan(256);
  }
  for (const h of f.handshakes) {
    if (h.type === 11) {
      try {
        for (const der of parseCertificateMessage(h.body, false)) expect(der.length).toBeLessThanOrEqual(h.body.length);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
      }
    }
  }
}

describe("fuzz: readTlsFlight", () => {
  it("random bytes never throw, and the records it returns fit in the input", () => {
    fc.assert(fc.property(bytes(), checkFlight), { seed: SEED, numRuns: RUNS });
  });

  it("random bytes behind a plausible record header never throw", () => {
    const header = fc.tuple(fc.integer({ min: 20, max: 24 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(header, bytes(600), ([type, minor, len], body) => checkFlight(Buffer.concat([Buffer.from([type, 3, minor]), u16(len), body]))),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("mutated real flights never throw", () => {
    fc.assert(fc.property(mutated(FLIGHTS), checkFlight), { seed: SEED, numRuns: RUNS });
  });

  it("every truncation of a real flight reads as a prefix of it, marked truncated unless cut between records", () => {
    for (const flight of FLIGHTS) {
      const whole = readTlsFlight(flight);
      expect(whole.notTls ?? false).toBe(false);
      for (let cut = 1; cut < flight.length; cut++) {
        const f = readTlsFlight(flight.subarray(0, cut));
        expect(f.notTls ?? false).toBe(false);
        // What a cut flight yields is a prefix of the whole one; it is "truncated" unless cut at a record boundary.
        expect(whole.handshakes.slice(0, f.handshakes.length).map((h) => h.type)).toEqual(f.handshakes.map((h) => h.type));
        const readBytes = f.records.reduce((n, r) => n + 5 + r.fragment.length, 0);
        if (!f.complete && !f.alert && !f.encrypted && readBytes !== cut) expect(f.truncated).toBe(true);
      }
    }
  });

  it("a flight split across records reassembles to the same handshake messages as one record", () => {
    const [oneRecord, split] = FLIGHTS as [Buffer, Buffer];
    const a = readTlsFlight(oneRecord);
    const b = readTlsFlight(split);
    expect(a.complete && b.complete).toBe(true);
    expect(b.handshakes.map((h) => h.type)).toEqual([2, 11, 14]);
    expect(parseCertificateMessage(b.handshakes[1]!.body, false)).toHaveLength(1);
  });
});

describe("fuzz: parseCertificateMessage", () => {
  const messages = [certificateMessage([FAKE_CERT, FAKE_CERT]), certificateMessage([FAKE_CERT], true)];

  it("random and mutated bodies return certificates inside the body or throw RangeError", () => {
    fc.assert(
      fc.property(fc.oneof(bytes(300), mutated(messages)), fc.boolean(), (body, tls13) => {
        try {
          const certs = parseCertificateMessage(body, tls13);
          expect(certs.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(body.length);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("fuzz: ServerHello and ServerKeyExchange", () => {
  const hellos = [serverHello({ suite: 0xc02f }), serverHello({ suite: 0x1301, tls13: true }), serverHello({ suite: 0x0005 })].map((h) => h.subarray(4));
  const offers: HelloOffer[] = [
    { version: "TLSv1.2", cipherSuites: [0xc02f, 0x009c, 0x0005] },
    { version: "TLSv1.3", cipherSuites: [0x1301, 0x1302], groups: [0x001d, 0x0017] },
    { version: "TLSv1", cipherSuites: [0x0005, 0x000a] },
  ];

  it("random and mutated ServerHello bodies parse or throw RangeError; a judged hello never claims what was not offered", () => {
    fc.assert(
      fc.property(fc.oneof(bytes(200), mutated(hellos)), fc.constantFrom(...offers), (body, offer) => {
        let hello;
        try {
          hello = parseServerHello(body);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          return;
        }
        const j = judgeServerHello(offer, hello);
        if (j.kind === "accepted" || j.kind === "lower-version") expect(offer.cipherSuites).toContain(j.suite);
        if (j.kind === "accepted" && j.group !== undefined && offer.groups) expect(offer.groups).toContain(j.group);
        if (j.kind === "server-bug") expect(j.reason).toMatch(/\S/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("random ServerKeyExchange bodies give parameters or RangeError for every key exchange", () => {
    const kx = fc.constantFrom("DHE", "DH", "ECDHE", "ECDH", "DHE-PSK", "ECDHE-PSK", "PSK", "RSA-PSK", "SRP", "RSA", "KRB5");
    fc.assert(
      fc.property(bytes(300), kx, (body, k) => {
        try {
          const r = parseServerKeyExchange(body, k);
          if (r.kind === "dh" || r.kind === "srp" || r.kind === "rsa-export") expect(r.bits).toBeLessThanOrEqual(body.length * 8);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
