import { describe, expect, it } from "vitest";
import { ALERT_NAMES, parseCertificateMessage, readTlsFlight } from "../../src/tls/records.js";

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const record = (type: number, fragment: Buffer, version = 0x0303) => Buffer.concat([Buffer.from([type]), u16(version), u16(fragment.length), fragment]);
const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);

function serverHello(opts: { version?: number; suite?: number; extensions?: Buffer } = {}): Buffer {
  const ext = opts.extensions ?? Buffer.alloc(0);
  return Buffer.concat([u16(opts.version ?? 0x0303), Buffer.alloc(32, 7), Buffer.from([0]), u16(opts.suite ?? 0xc02f), Buffer.from([0]), u16(ext.length), ext]);
}
const supportedVersions13 = Buffer.concat([u16(43), u16(2), u16(0x0304)]);

const certs = [Buffer.from("first-der"), Buffer.from("second-der-longer")];
const certBody12 = (() => {
  const entries = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  return Buffer.concat([u24(entries.length), entries]);
})();
const certBody13 = (() => {
  const entries = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c, u16(0)])));
  return Buffer.concat([Buffer.from([0]), u24(entries.length), entries]);
})();

// A TLS 1.2 flight: ServerHello+Certificate in one record, ServerKeyExchange split over two, then ServerHelloDone.
const ske = Buffer.alloc(300, 0x42);
const hsBytes = Buffer.concat([handshake(2, serverHello()), handshake(11, certBody12), handshake(12, ske), handshake(14, Buffer.alloc(0))]);
const cut = handshake(2, serverHello()).length + handshake(11, certBody12).length + 100;
const flight12 = Buffer.concat([record(22, hsBytes.subarray(0, cut)), record(22, hsBytes.subarray(cut))]);

describe("readTlsFlight", () => {
  it("reassembles handshake messages spread over records and sees ServerHelloDone", () => {
    const f = readTlsFlight(flight12);
    expect(f.complete).toBe(true);
    expect(f.truncated).toBe(false);
    expect(f.notTls).toBeUndefined();
    expect(f.records).toHaveLength(2);
    expect(f.handshakes.map((h) => h.type)).toEqual([2, 11, 12, 14]);
    expect(f.handshakes[2]!.body.equals(ske)).toBe(true);
    expect(parseCertificateMessage(f.handshakes[1]!.body, false).map((c) => c.toString())).toEqual(certs.map((c) => c.toString()));
  });

  it("is truncated, never complete, at every cut of the flight", () => {
    for (let i = 0; i < flight12.length; i++) {
      const f = readTlsFlight(flight12.subarray(0, i));
      expect(f.complete, `cut at ${i}`).toBe(false);
      expect(f.notTls, `cut at ${i}`).toBeUndefined();
      expect(f.truncated, `cut at ${i}`).toBe(i > 0);
    }
  });

  it("handles every message in its own record, one byte per record", () => {
    const tiny = Buffer.concat([...hsBytes].map((b) => record(22, Buffer.from([b]))));
    const f = readTlsFlight(tiny);
    expect(f.complete).toBe(true);
    expect(f.handshakes.map((h) => h.type)).toEqual([2, 11, 12, 14]);
  });

  it("is complete on a TLS 1.3 ServerHello and stops at the ChangeCipherSpec", () => {
    const buf = Buffer.concat([
      record(22, handshake(2, serverHello({ suite: 0x1301, extensions: supportedVersions13 }))),
      record(20, Buffer.from([1])),
      record(23, Buffer.alloc(40, 9)),
    ]);
    const f = readTlsFlight(buf);
    expect(f.complete).toBe(true);
    expect(f.handshakes).toHaveLength(1);
    const g = readTlsFlight(Buffer.concat([record(20, Buffer.from([1])), record(23, Buffer.alloc(4))]));
    expect(g.encrypted).toBe(true);
    expect(g.records).toHaveLength(1);
  });

  it("names an alert", () => {
    const f = readTlsFlight(record(21, Buffer.from([2, 40])));
    expect(f.alert).toEqual({ level: 2, description: 40, name: "handshake_failure" });
    expect(readTlsFlight(record(21, Buffer.from([2, 70]), 0x0301)).alert?.name).toBe("protocol_version");
    expect(readTlsFlight(record(21, Buffer.from([2, 250]))).alert?.name).toBe("alert 250");
    expect(ALERT_NAMES[112]).toBe("unrecognized_name");
  });

  it("flags a MySQL ERR packet and other bytes as not TLS", () => {
    const msg = Buffer.from("Host is blocked because of many connection errors");
    const payload = Buffer.concat([Buffer.from([0xff, 0x69, 0x04]), msg]);
    const err = Buffer.concat([u24(payload.length).reverse(), Buffer.from([2]), payload]);
    expect(readTlsFlight(err).notTls).toBe(true);
    // An ERR whose length byte happens to look like a content type (0x15 = 21) is still not TLS.
    expect(readTlsFlight(Buffer.from([0x15, 0x00, 0x00, 0x02, 0xff])).notTls).toBe(true);
    expect(readTlsFlight(Buffer.from("HTTP/1.1 400 Bad Request\r\n")).notTls).toBe(true);
    expect(readTlsFlight(Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff])).notTls).toBe(true);
    expect(readTlsFlight(Buffer.from([0x16])).truncated).toBe(true);
  });
});

describe("parseCertificateMessage", () => {
  it("reads TLS 1.3 entries with their extensions", () => {
    expect(parseCertificateMessage(certBody13, true).map((c) => c.toString())).toEqual(certs.map((c) => c.toString()));
  });
  it("throws a RangeError at every cut", () => {
    for (const [body, tls13] of [[certBody12, false], [certBody13, true]] as const) {
      for (let i = 0; i < body.length; i++) expect(() => parseCertificateMessage(body.subarray(0, i), tls13)).toThrow(RangeError);
    }
  });
});
