// mysql2 trusts the server's framing of a result set: a result with zero columns makes it print a stack trace
// (console.trace) and throw, a row with fewer values than columns is silently filled from the next packet's
// bytes, and a row with more loses them. It also trusts its size: it reassembles a packet of any length and keeps
// every row of a result. So every reply to our queries is checked packet by packet, before mysql2 reads it, and
// its bytes are counted as they arrive; a malformed or oversized one fails the query with one line instead.
import { AuditError } from "../errors.js";

/** What one server may send us at most (README, "Login safety"); beyond, the step fails with a protocol error. */
export const LIMITS = {
  /** One packet before the login completes: greeting, authentication exchange (a 16384-bit RSA key is 3 KiB). */
  loginPacketBytes: 64 * 1024,
  /** One packet after it (a row, a column definition): 16 MiB, so never the multi-part packets of larger values. */
  packetBytes: 16 * 1024 * 1024,
  /** One value in a row. */
  valueBytes: 1024 * 1024,
  /** Rows in the reply to one query. */
  rows: 100_000,
  /** Bytes of the reply to one query, every packet counted as it arrives. */
  replyBytes: 32 * 1024 * 1024,
} as const;

/** 1048576 → "1 MiB", 65536 → "64 KiB", 1000 → "1000 bytes". */
function size(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

const ERR = 0xff;
const OK = 0x00;
const EOF = 0xfe;
const NULL_VALUE = 0xfb;
const LOCAL_INFILE = 0xfb;
// An EOF packet is shorter than 9 bytes; a row that starts with a 0xfe length prefix (a value of 16 MiB or more) is longer.
const EOF_MAX = 9;
// MySQL and MariaDB refuse tables of more than 4096 columns.
const MAX_COLUMNS = 4096;

type State = { at: "reply" } | { at: "columns"; count: number; seen: number } | { at: "columns-eof"; count: number } | { at: "rows"; count: number; rows: number };

/** Follows the replies to text queries (COM_QUERY, no CLIENT_DEPRECATE_EOF) packet by packet; says what is malformed. */
export class ReplyChecker {
  private state: State = { at: "reply" };

  /** Checks the next packet's payload; returns why it is malformed, or undefined when it fits the protocol. */
  check(p: Buffer): string | undefined {
    if (p.length === 0) return "an empty packet";
    // An ERR packet may end a reply at any point (mysql2 reads it wherever it comes).
    if (p[0] === ERR) {
      this.state = { at: "reply" };
      return undefined;
    }
    const s = this.state;
    switch (s.at) {
      case "reply":
        return this.reply(p);
      case "columns":
        if (!columnDefinitionFits(p)) return `a column definition that is truncated (${p.length} bytes)`;
        this.state = s.seen + 1 === s.count ? { at: "columns-eof", count: s.count } : { ...s, seen: s.seen + 1 };
        return undefined;
      case "columns-eof":
        if (!isEof(p)) return `no EOF packet after the ${s.count} column definition(s)`;
        this.state = { at: "rows", count: s.count, rows: 0 };
        return undefined;
      case "rows": {
        if (isEof(p)) {
          this.state = { at: "reply" };
          return undefined;
        }
        const values = countValues(p);
        if (values.count !== s.count || !values.exact) {
          return `a row of ${values.count}${values.exact ? "" : " or more (truncated)"} value(s) in a result of ${s.count} column(s)`;
        }
        if (values.longest > LIMITS.valueBytes) return `a value of ${values.longest} bytes, more than the ${size(LIMITS.valueBytes)} a value may be`;
        if (++s.rows > LIMITS.rows) return `more than ${LIMITS.rows.toLocaleString("en-US")} rows, the most one result may have`;
        return undefined;
      }
    }
  }

  private reply(p: Buffer): string | undefined {
    if (p[0] === OK) {
      // An OK packet: header, affected rows, last insert id, status, warnings. A lone 0x00 is a result with no columns.
      const r = new Cursor(p, 1);
      if (r.lenenc() === undefined || r.lenenc() === undefined || !r.skip(4)) return p.length <= 2 ? "a result with zero columns" : `a truncated OK packet (${p.length} bytes)`;
      return undefined;
    }
    if (p[0] === LOCAL_INFILE) return undefined; // mysql2 refuses to send a file (no infileStreamFactory)
    if (p[0] === EOF) return "an EOF packet where a result was expected";
    const r = new Cursor(p, 0);
    const count = r.lenenc();
    if (count === undefined || !r.atEnd()) return "a result set header that is not one column count";
    if (count > MAX_COLUMNS) return `a result announcing ${count} columns`;
    this.state = { at: "columns", count, seen: 0 };
    return undefined;
  }
}

function isEof(p: Buffer): boolean {
  return p[0] === EOF && p.length < EOF_MAX;
}

// catalog, schema, table, org_table, name, org_name as length-encoded strings, then the fixed fields (0x0c and
// 12 bytes); MariaDB's extended metadata adds a string before them, so "at least" is the check.
function columnDefinitionFits(p: Buffer): boolean {
  const r = new Cursor(p, 0);
  for (let i = 0; i < 6; i++) if (r.string() === undefined) return false;
  return r.remaining() >= 13;
}

/** How many values a text-protocol row holds, whether they fill the packet exactly, and the longest one. */
function countValues(p: Buffer): { count: number; exact: boolean; longest: number } {
  const r = new Cursor(p, 0);
  let count = 0;
  let longest = 0;
  while (!r.atEnd()) {
    if (p[r.pos] === NULL_VALUE) r.skip(1);
    else {
      const n = r.string();
      if (n === undefined) return { count, exact: false, longest };
      longest = Math.max(longest, n);
    }
    count++;
  }
  return { count, exact: true, longest };
}

/**
 * Counts the bytes of a MySQL packet stream as they arrive, reading only the 4-byte headers: a packet announced
 * beyond the cap, or a reply beyond its total, is refused before anything buffers it.
 */
export class PacketMeter {
  private readonly header = Buffer.alloc(4);
  private headerHave = 0;
  private payloadLeft = 0;
  /** Bytes of the current reply; counted from startReply(), undefined before. */
  private replyBytes: number | undefined;

  constructor(private packetCap: number) {}

  /** From now on a packet may hold this many bytes at most. */
  setPacketCap(bytes: number): void {
    this.packetCap = bytes;
  }

  /** A new query: its reply is counted from zero. */
  startReply(): void {
    this.replyBytes = 0;
  }

  /** Takes the next bytes of the stream; returns why they break a cap, or undefined. */
  feed(chunk: Buffer): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - i);
        this.payloadLeft -= take;
        i += take;
        continue;
      }
      this.header[this.headerHave++] = chunk[i++]!;
      if (this.headerHave < 4) continue;
      this.headerHave = 0;
      const length = this.header.readUIntLE(0, 3);
      // 0xffffff means "continued in the next packet": a value of 16 MiB or more, never needed here.
      if (length >= 0xffffff || length > this.packetCap) {
        const what = length >= 0xffffff ? "a packet of 16 MiB or more (a value split over several packets)" : `a packet of ${length} bytes`;
        return `${what}, more than the ${size(this.packetCap)} a packet may be here`;
      }
      this.payloadLeft = length;
      if (this.replyBytes !== undefined) {
        this.replyBytes += 4 + length;
        if (this.replyBytes > LIMITS.replyBytes) return `a reply of more than ${size(LIMITS.replyBytes)}, the most one query's answer may be`;
      }
    }
    return undefined;
  }
}

/** A bounds-checked reader of length-encoded integers and strings; undefined or false when the packet ends first. */
class Cursor {
  constructor(
    private readonly p: Buffer,
    public pos: number,
  ) {}

  remaining(): number {
    return this.p.length - this.pos;
  }
  atEnd(): boolean {
    return this.pos >= this.p.length;
  }
  skip(n: number): boolean {
    if (this.remaining() < n) return false;
    this.pos += n;
    return true;
  }
  lenenc(): number | undefined {
    if (this.atEnd()) return undefined;
    const first = this.p[this.pos]!;
    const width = first < 0xfb ? 0 : first === 0xfc ? 2 : first === 0xfd ? 3 : first === 0xfe ? 8 : -1;
    if (width < 0 || this.remaining() < 1 + width) return undefined;
    this.pos++;
    if (width === 0) return first;
    const v = width === 8 ? Number(this.p.readBigUInt64LE(this.pos)) : this.p.readUIntLE(this.pos, width);
    this.pos += width;
    return v;
  }
  string(): number | undefined {
    const n = this.lenenc();
    return n === undefined || !this.skip(n) ? undefined : n;
  }
}

/** The parts of mysql2's core connection the guard reaches into (not in its typings). */
interface CoreConnection {
  handlePacket(packet?: { buffer: Buffer; start: number; end: number; sequenceId: number }): void;
  /** Fed every byte read from the socket (plain or decrypted TLS); reassembles packets. */
  packetParser: { execute(chunk: Buffer): unknown };
  _handleFatalError(err: Error): void;
  _paused?: boolean;
  /** The sequence id mysql2 expects next. */
  sequenceId: number;
  stream: { destroy(): void };
}

/**
 * Checks every packet on a mysql2 connection before mysql2 reads it: from the first, that sequence ids follow
 * (mysql2 would only print a warning on stderr and read on) and that no packet is announced beyond LIMITS; once
 * loggedIn() is called, that each reply to a query is a well-formed result within LIMITS (call startQuery()
 * before each). A bad packet fails the pending step with an AuditError ("protocol") and ends the connection, as
 * mysql2 does with a packet it cannot parse.
 */
export function guardReplies(connection: unknown): { loggedIn(): void; startQuery(): void } {
  const core = connection as CoreConnection;
  let checker: ReplyChecker | undefined;
  const handle = core.handlePacket.bind(core);
  let failed = false;
  const fail = (why: string): void => {
    failed = true;
    core._handleFatalError(new AuditError("protocol", why));
    core.stream.destroy();
  };
  core.handlePacket = (packet) => {
    if (failed) return;
    // Paused packets come back through handlePacket on resume; they are checked then.
    if (!packet || core._paused) return handle(packet);
    let why: string | undefined;
    if (packet.sequenceId !== core.sequenceId) why = `the server's packets are out of order (sequence id ${packet.sequenceId}, expected ${core.sequenceId})`;
    else {
      const malformed = checker?.check(packet.buffer.subarray(packet.start + 4, packet.end));
      if (malformed !== undefined) why = `the server's reply is malformed: ${malformed}`;
    }
    if (why === undefined) return handle(packet);
    fail(why);
  };
  // The meter sits in front of mysql2's packet parser, which would otherwise buffer whatever length is announced.
  const meter = new PacketMeter(LIMITS.loginPacketBytes);
  const parser = core.packetParser;
  core.packetParser = {
    execute(chunk: Buffer) {
      if (failed) return null;
      const over = meter.feed(chunk);
      if (over === undefined) return parser.execute(chunk);
      fail(`the server sent more than this tool accepts: ${over}`);
      return null;
    },
  };
  return {
    loggedIn() {
      checker = new ReplyChecker();
      meter.setPacketCap(LIMITS.packetBytes);
    },
    startQuery() {
      meter.startReply();
    },
  };
}

/** A column a query reads: its name, or names of which any one will do (MySQL's Source_* beside MariaDB's Master_*). */
export type ExpectedColumn = string | readonly string[];

/**
 * Checks that a result has the columns a query reads (names compared without case). Another shape means the
 * server is not what it claims or the query was misread; reading it anyway would invent facts (an empty user
 * name is an anonymous account), so it is a "protocol" AuditError naming what was missing and what came.
 */
export function expectColumns(names: readonly string[], expected: readonly ExpectedColumn[]): void {
  const have = new Set(names.map((n) => n.toLowerCase()));
  const missing = expected.filter((e) => !(typeof e === "string" ? [e] : e).some((n) => have.has(n.toLowerCase())));
  if (missing.length === 0) return;
  const shown = names.length ? names.slice(0, 8).join(", ") + (names.length > 8 ? ", …" : "") : "none";
  const want = missing.map((e) => (typeof e === "string" ? e : e.join(" or "))).join(", ");
  throw new AuditError("protocol", `unexpected result: no column ${want} (the server sent columns: ${shown})`);
}
