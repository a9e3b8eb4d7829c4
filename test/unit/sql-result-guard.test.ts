// The reply checker against hand-built result sets: well-formed ones pass, and the malformed ones of the fault
// matrix (zero columns, rows of the wrong width) are named before mysql2 would misread them.
import { describe, expect, it } from "vitest";
import { guardReplies, LIMITS, PacketMeter, ReplyChecker } from "../../src/sql/result-guard.js";
import { AuditError } from "../../src/errors.js";

function lenencString(s: string | null): Buffer {
  if (s === null) return Buffer.from([0xfb]);
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from([b.length]), b]);
}
function columnDefinition(name: string): Buffer {
  return Buffer.concat([...["def", "", "", "", name, name].map(lenencString), Buffer.from([0x0c, 0x21, 0, 0, 1, 0, 0, 0xfd, 0, 0, 0x1f, 0, 0])]);
}
const EOF = Buffer.from([0xfe, 0, 0, 0x02, 0]);
const OK = Buffer.from([0x00, 0, 0, 0x02, 0, 0, 0]);
const ERR = Buffer.concat([Buffer.from([0xff, 0x51, 0x04, 0x23]), Buffer.from("HY000Unknown error")]);

/** The packets of a text result set: column count, definitions, EOF, rows, EOF. */
function resultSet(columns: string[], rows: (string | null)[][]): Buffer[] {
  return [Buffer.from([columns.length]), ...columns.map(columnDefinition), EOF, ...rows.map((r) => Buffer.concat(r.map(lenencString))), EOF];
}
function problems(packets: Buffer[]): (string | undefined)[] {
  const c = new ReplyChecker();
  return packets.map((p) => c.check(p)).filter((x) => x !== undefined);
}

describe("ReplyChecker", () => {
  it("passes well-formed replies, one after another: result sets, NULLs, OK and ERR packets", () => {
    const packets = [
      ...resultSet(["Variable_name", "Value"], [["have_ssl", "YES"], ["ssl_ca", null], ["tls_version", ""]]),
      OK,
      ERR,
      ...resultSet(["a"], []),
      ...resultSet(["x", "y", "z"], [[null, null, null]]),
    ];
    expect(problems(packets)).toEqual([]);
  });

  it("names a result with zero columns (mysql2 would print a stack trace)", () => {
    expect(problems([Buffer.from([0x00]), EOF, EOF])[0]).toBe("a result with zero columns");
  });

  it("names rows with fewer or more values than columns", () => {
    expect(problems(resultSet(["Variable_name", "Value"], [["have_ssl"]]))[0]).toBe("a row of 1 value(s) in a result of 2 column(s)");
    expect(problems(resultSet(["Variable_name", "Value"], [["version", "8.4.3", "extra"]]))[0]).toBe("a row of 3 value(s) in a result of 2 column(s)");
  });

  it("names truncated values, column definitions and a missing EOF", () => {
    expect(problems([Buffer.from([1]), columnDefinition("a"), EOF, Buffer.from([5, 0x61])])[0]).toMatch(/truncated/);
    expect(problems([Buffer.from([1]), Buffer.from([3, 0x64])])[0]).toMatch(/column definition that is truncated/);
    expect(problems([Buffer.from([1]), columnDefinition("a"), Buffer.from([1, 0x61])])[0]).toMatch(/no EOF packet/);
  });

  it("every cut of a well-formed row is named, never passed", () => {
    const row = Buffer.concat(["Ssl_cipher", "TLS_AES_256_GCM_SHA384"].map(lenencString));
    for (let cut = 1; cut < row.length; cut++) {
      const c = new ReplyChecker();
      for (const p of [Buffer.from([2]), columnDefinition("Variable_name"), columnDefinition("Value"), EOF]) expect(c.check(p)).toBeUndefined();
      expect(c.check(row.subarray(0, cut)), `cut at ${cut}`).toBeDefined();
    }
  });
});

describe("guardReplies on a connection", () => {
  /** A stand-in for mysql2's core connection: records what reaches its packet handler and its fatal errors. */
  function fakeCore() {
    const core = {
      sequenceId: 0,
      handled: [] as Buffer[],
      fatal: [] as Error[],
      destroyed: false,
      handlePacket(packet?: { buffer: Buffer; start: number; end: number; sequenceId: number }) {
        if (packet) core.handled.push(packet.buffer.subarray(packet.start + 4, packet.end));
        core.sequenceId++;
      },
      _handleFatalError(err: Error) {
        core.fatal.push(err);
      },
      stream: { destroy: () => void (core.destroyed = true) },
    };
    return core;
  }
  const packet = (sequenceId: number, payload: Buffer) => ({ buffer: Buffer.concat([Buffer.alloc(4), payload]), start: 0, end: 4 + payload.length, sequenceId });

  it("stops packets out of order before mysql2 sees them (it would print a warning on stderr and read on)", () => {
    const core = fakeCore();
    guardReplies(core);
    core.handlePacket(packet(0, Buffer.from([10])));
    core.handlePacket(packet(5, Buffer.from([0])));
    core.handlePacket(packet(2, Buffer.from([0])));
    expect(core.handled).toHaveLength(1);
    expect(core.fatal).toHaveLength(1);
    expect(core.fatal[0]).toBeInstanceOf(AuditError);
    expect(core.fatal[0]!.message).toBe("the server's packets are out of order (sequence id 5, expected 1)");
    expect(core.destroyed).toBe(true);
  });

  it("checks results only after the login, then passes good ones and stops a zero-column result", () => {
    const core = fakeCore();
    const guard = guardReplies(core);
    core.handlePacket(packet(0, Buffer.from([0x00]))); // during the login an OK-like byte is not a query reply
    guard.loggedIn();
    for (const p of resultSet(["a"], [["1"]])) core.handlePacket(packet(core.sequenceId, p));
    core.handlePacket(packet(core.sequenceId, Buffer.from([0x00])));
    expect(core.handled).toHaveLength(1 + 5);
    expect(core.fatal.map((e) => e.message)).toEqual(["the server's reply is malformed: a result with zero columns"]);
  });
});

describe("the caps (LIMITS)", () => {
  const header = (length: number, seq = 1) => Buffer.from([length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, seq]);

  it("refuses a value over 1 MiB and the 100,001st row of one result, and counts rows afresh per result", () => {
    // A 3-byte length-encoded value (0xfd prefix).
    const value = (n: number) => Buffer.concat([Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]), Buffer.alloc(n, 0x76)]);
    const head = [Buffer.from([1]), columnDefinition("a"), EOF];
    expect(problems([...head, value(LIMITS.valueBytes), value(LIMITS.valueBytes + 1)])).toEqual([`a value of ${LIMITS.valueBytes + 1} bytes, more than the 1 MiB a value may be`]);
    const c = new ReplyChecker();
    const row = lenencString("x");
    for (const p of [Buffer.from([1]), columnDefinition("a"), EOF]) expect(c.check(p)).toBeUndefined();
    for (let i = 0; i < LIMITS.rows; i++) expect(c.check(row)).toBeUndefined();
    expect(c.check(row)).toBe("more than 100,000 rows, the most one result may have");
    const fresh = new ReplyChecker();
    for (const rs of [0, 1]) for (const p of resultSet(["a"], Array.from({ length: 60_000 }, () => ["x"]))) expect(fresh.check(p), String(rs)).toBeUndefined();
  });

  it("reads only packet headers, wherever the chunks split them, and refuses an announced length over the cap", () => {
    const m = new PacketMeter(1000);
    const stream = Buffer.concat([header(10), Buffer.alloc(10), header(1000), Buffer.alloc(1000), header(1001)]);
    // Byte by byte: the header of the third packet is refused at its last byte, before its payload exists.
    const results = [...stream].map((b) => m.feed(Buffer.from([b])));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(results.at(-1)).toBe("a packet of 1001 bytes, more than the 1000 bytes a packet may be here");
    const login = new PacketMeter(LIMITS.loginPacketBytes);
    expect(login.feed(header(65 * 1024))).toMatch(/a packet of 66560 bytes, more than the 64 KiB a packet may be here/);
    const after = new PacketMeter(LIMITS.packetBytes);
    expect(after.feed(header(0xffffff))).toMatch(/a packet of 16 MiB or more \(a value split over several packets\), more than the 16 MiB a packet may be here/);
  });

  it("counts one reply's bytes from startReply() and refuses them past 32 MiB", () => {
    const m = new PacketMeter(LIMITS.packetBytes);
    const packet = Buffer.concat([header(1024 * 1024 - 4), Buffer.alloc(1024 * 1024 - 4)]);
    for (let i = 0; i < 40; i++) expect(m.feed(packet)).toBeUndefined(); // not counted before a query starts
    m.startReply();
    for (let i = 0; i < 32; i++) expect(m.feed(packet), String(i)).toBeUndefined();
    expect(m.feed(packet)).toBe("a reply of more than 32 MiB, the most one query's answer may be");
    m.startReply();
    expect(m.feed(packet)).toBeUndefined();
  });
});
