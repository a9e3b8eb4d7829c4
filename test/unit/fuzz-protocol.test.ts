// Fuzzing the MySQL wire parsers: whatever bytes a hostile peer sends, they return a value or throw the
// module's typed ProtocolError, and never loop. Fixed seed and bounded runs, so a failure reproduces.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseGreeting } from "../../src/protocol/handshake.js";
import { parseErrPacket } from "../../src/protocol/err-packet.js";
import { detectFlavor } from "../../src/protocol/flavor.js";
import { PacketFramer, encodePacket, type Packet } from "../../src/protocol/framer.js";
import { ProtocolError } from "../../src/protocol/protocol-error.js";
import { describeNonMysql } from "../../src/net/non-mysql.js";
import { explainTlsFailure } from "../../src/tls/node-handshake.js";
import { AuditError } from "../../src/errors.js";
import { GREETING_PRESETS, type GreetingSpec } from "../support/fake-mysql/greetings.js";
import { handshakeV10Payload, handshakeV9Payload } from "../support/fake-mysql/greetings.js";
import { errPayload } from "../support/fake-mysql/responses.js";

const SEED = 0x6d7461; // "mta"
const RUNS = 2000;

/** Runs fn and returns what it threw, failing the test for anything but ProtocolError. */
function onlyProtocolErrors<T>(fn: () => T): T | ProtocolError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw new Error(`threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
}

const SCRAMBLE = Buffer.from("0123456789abcdefghij");

/** Real greetings as each preset's server sends them. */
const VALID_GREETINGS: Buffer[] = [
  ...Object.values(GREETING_PRESETS).map((spec: GreetingSpec) => handshakeV10Payload(spec, 42, SCRAMBLE)),
  handshakeV10Payload({ ...GREETING_PRESETS["mysql-8.4"], capabilities: 0x0000a20d }, 7, SCRAMBLE),
  handshakeV9Payload("3.20.32a", 9, SCRAMBLE),
];
const VALID_ERRS: Buffer[] = [
  errPayload({ errno: 1129, message: "Host '198.18.0.1' is blocked because of many connection errors" }, false),
  errPayload({ errno: 1045, sqlState: "28000", message: "Access denied for user 'x'@'y'" }, true),
  errPayload({ errno: 1040, message: "" }, false),
];

/** A valid input with a few bytes overwritten, inserted or cut: what a buggy or hostile server sends. */
function mutated(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), value: fc.constant(0) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => {
    let b = Buffer.from(seed);
    for (const e of edits) {
      if (b.length === 0) break;
      const at = e.at % b.length;
      if (e.kind === "set") b[at] = e.value;
      else if (e.kind === "insert") b = Buffer.concat([b.subarray(0, at), Buffer.from([e.value]), b.subarray(at)]);
      else if (e.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else b = b.subarray(0, at);
    }
    return b;
  });
}

const bytes = (max = 300): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

describe("fuzz: greeting parser", () => {
  it("random bytes give a greeting or a ProtocolError", () => {
    fc.assert(
      fc.property(bytes(), (b) => {
        const r = onlyProtocolErrors(() => parseGreeting(b));
        if (!(r instanceof ProtocolError) && r.kind !== "error") onlyProtocolErrors(() => detectFlavor(r));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("random bytes after a protocol-10 byte reach deep into the parser and still only give ProtocolError", () => {
    fc.assert(
      fc.property(bytes(120), (b) => {
        const r = onlyProtocolErrors(() => parseGreeting(Buffer.concat([Buffer.from([10]), b])));
        if (r instanceof ProtocolError) return;
        expect(r.kind).toBe("v10");
        if (r.kind === "v10") {
          expect(r.capabilities).toBeGreaterThanOrEqual(0);
          expect(r.capabilities).toBeLessThan(2 ** 32);
          expect(r.sslOffered).toBe((r.capabilities & 0x800) !== 0);
          detectFlavor(r);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("mutated real greetings give a greeting or a ProtocolError", () => {
    fc.assert(
      fc.property(mutated(VALID_GREETINGS), (b) => {
        const r = onlyProtocolErrors(() => parseGreeting(b));
        if (!(r instanceof ProtocolError) && r.kind !== "error") detectFlavor(r);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("every truncation of every real greeting is a ProtocolError or a shorter but consistent greeting", () => {
    for (const g of VALID_GREETINGS) {
      const whole = parseGreeting(g);
      for (let cut = 0; cut < g.length; cut++) {
        const r = onlyProtocolErrors(() => parseGreeting(g.subarray(0, cut)));
        if (r instanceof ProtocolError) continue;
        // What a cut greeting still yields must be what the whole one says, never shifted or invented fields.
        expect(r.kind).toBe(whole.kind);
        if (r.kind !== "error" && whole.kind !== "error") {
          expect(r.serverVersion).toBe(whole.serverVersion);
          expect(r.connectionId).toBe(whole.connectionId);
        }
      }
    }
  });
});

describe("fuzz: ERR parser", () => {
  it("random bytes after 0xff give an ERR or a ProtocolError, never a bad errno", () => {
    fc.assert(
      fc.property(bytes(80), (b) => {
        const r = onlyProtocolErrors(() => parseErrPacket(Buffer.concat([Buffer.from([0xff]), b])));
        if (r instanceof ProtocolError) return;
        expect(Number.isInteger(r.errno)).toBe(true);
        expect(r.errno).toBeLessThan(65536);
        if (r.sqlState !== undefined) expect(r.sqlState).toHaveLength(5);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("mutated real ERR packets give an ERR or a ProtocolError", () => {
    fc.assert(
      fc.property(mutated(VALID_ERRS), (b) => {
        onlyProtocolErrors(() => parseErrPacket(b));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("fuzz: PacketFramer", () => {
  const packetsArb = fc.array(
    fc.record({ sequenceId: fc.integer({ min: 0, max: 255 }), payload: bytes(200) }),
    { minLength: 1, maxLength: 6 },
  );

  it("reassembles any packets however the stream is cut into chunks", () => {
    fc.assert(
      fc.property(packetsArb, fc.array(fc.nat(), { maxLength: 20 }), (packets: Packet[], cuts) => {
        const wire = Buffer.concat(packets.map((p) => encodePacket(p.sequenceId, p.payload)));
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const framer = new PacketFramer();
        const out: Packet[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          out.push(...framer.push(wire.subarray(prev, p)));
          prev = p;
        }
        expect(out.map((p) => [p.sequenceId, p.payload.toString("hex")])).toEqual(packets.map((p) => [p.sequenceId, p.payload.toString("hex")]));
        expect(framer.buffered.length).toBe(0);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("split at every single offset, one packet per push, gives the same packets", () => {
    const wire = Buffer.concat(VALID_GREETINGS.map((g, i) => encodePacket(i, g)));
    for (let cut = 0; cut <= wire.length; cut++) {
      const framer = new PacketFramer();
      const out = [...framer.push(wire.subarray(0, cut)), ...framer.push(wire.subarray(cut))];
      expect(out.map((p) => p.payload.toString("hex"))).toEqual(VALID_GREETINGS.map((g) => g.toString("hex")));
    }
  });

  it("a byte at a time, random bytes give packets or a ProtocolError for an oversized length", () => {
    fc.assert(
      fc.property(bytes(400), fc.integer({ min: 4, max: 70_000 }), (b, max) => {
        const framer = new PacketFramer(max);
        let total = 0;
        for (let i = 0; i < b.length; i++) {
          const r = onlyProtocolErrors(() => framer.push(b.subarray(i, i + 1)));
          if (r instanceof ProtocolError) {
            expect(r.message).toMatch(/announces \d+ bytes/);
            return;
          }
          for (const p of r) {
            expect(p.payload.length).toBeLessThanOrEqual(max);
            total += 4 + p.payload.length;
          }
        }
        expect(total + framer.buffered.length).toBe(b.length);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("fuzz: diagnosing what a peer sent", () => {
  it("describeNonMysql never throws, and returns a not-mysql AuditError or undefined", () => {
    fc.assert(
      fc.property(fc.oneof(bytes(64), mutated(VALID_GREETINGS.map((g) => encodePacket(0, g)).map((b) => b.subarray(0, 64)))), (b) => {
        const r = describeNonMysql(b);
        if (r !== undefined) {
          expect(r).toBeInstanceOf(AuditError);
          expect(r.code).toBe("not-mysql");
          expect(r.message).not.toMatch(/\n/);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("explainTlsFailure names a malformed certificate without OpenSSL's thread id, code and source path", () => {
    // Caught by faults.test.ts ("tls-handshake: unparseable certificate"): the raw OpenSSL string reached the user.
    const raw = "80CC0499817F0000:error:0680009B:asn1 encoding routines:ASN1_get_object:too long:../deps/openssl/openssl/crypto/asn1/asn1_lib.c:95:";
    const e = explainTlsFailure(new Error(raw), Buffer.from([0x16, 0x03, 0x03, 0x00, 0x01, 0x00]));
    expect(e.message).toBe("TLS handshake failed: the server sent a certificate that cannot be parsed (asn1 encoding routines: too long)");
    const alert = "C0E7A1B2C3D40000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1605:SSL alert number 40";
    expect(explainTlsFailure(new Error(alert), Buffer.from([0x15, 3, 3, 0, 2, 2, 40])).message).toBe("TLS handshake failed: sslv3 alert handshake failure");
  });

  it("explainTlsFailure keeps a hostile ERR message to one line without terminal escapes", () => {
    const hostile = encodePacket(2, errPayload({ errno: 1043, sqlState: "08S01", message: "Bad handshake\nmysql-tls-audit: all good\x1b[2J\x07" }, true));
    const e = explainTlsFailure(new Error("socket hang up"), hostile);
    expect(e.details.serverErrno).toBe(1043);
    expect(e.oneLine()).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(e.message).toContain("Bad handshake");
  });

  it("explainTlsFailure never throws, whatever the error text, and always names the tls-handshake step in one line", () => {
    const errs = VALID_ERRS.map((e) => encodePacket(2, e));
    const text = fc.string({ unit: "binary", maxLength: 30 });
    const messages = fc.oneof(text, fc.constant("socket hang up"), fc.tuple(text, text).map(([a, b]) => `ABCDEF0123456789:error:0A00010B:${a}:f:${b}\n${a}:../x.c:1:`));
    fc.assert(
      fc.property(fc.oneof(bytes(100), mutated(errs)), messages, (b, msg) => {
        const r = explainTlsFailure(new Error(msg), b);
        expect(r).toBeInstanceOf(AuditError);
        expect(r.details.step).toBe("tls-handshake");
        expect(r.oneLine()).not.toMatch(/[\x00-\x1f\x7f]/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
