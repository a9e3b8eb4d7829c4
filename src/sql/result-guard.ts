// mysql2 trusts the server's framing of a result set: a result with zero columns makes it print a stack trace
// (console.trace) and throw, a row with fewer values than columns is silently filled from the next packet's
// bytes, and a row with more loses them. So every reply to our queries is checked packet by packet, before
// mysql2 reads it, and a malformed one fails the query with one line instead.
import { AuditError } from "../errors.js";

const ERR = 0xff;
const OK = 0x00;
const EOF = 0xfe;
const NULL_VALUE = 0xfb;
const LOCAL_INFILE = 0xfb;
// An EOF packet is shorter than 9 bytes; a row that starts with a 0xfe length prefix (a value of 16 MiB or more) is longer.
const EOF_MAX = 9;
// MySQL and MariaDB refuse tables of more than 4096 columns.
const MAX_COLUMNS = 4096;

type State = { at: "reply" } | { at: "columns"; count: number; seen: number } | { at: "columns-eof"; count: number } | { at: "rows"; count: number };

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
        this.state = { at: "rows", count: s.count };
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

/** How many values a text-protocol row holds, and whether they fill the packet exactly. */
function countValues(p: Buffer): { count: number; exact: boolean } {
  const r = new Cursor(p, 0);
  let count = 0;
  while (!r.atEnd()) {
    if (p[r.pos] === NULL_VALUE) r.skip(1);
    else if (r.string() === undefined) return { count, exact: false };
    count++;
  }
  return { count, exact: true };
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
  _handleFatalError(err: Error): void;
  _paused?: boolean;
  /** The sequence id mysql2 expects next. */
  sequenceId: number;
  stream: { destroy(): void };
}

/**
 * Checks every packet on a mysql2 connection before mysql2 reads it: from the first, that sequence ids follow
 * (mysql2 would only print a warning on stderr and read on); once loggedIn() is called, that each reply to a
 * query is a well-formed result. A bad packet fails the pending step with an AuditError ("protocol") and ends
 * the connection, as mysql2 does with a packet it cannot parse.
 */
export function guardReplies(connection: unknown): { loggedIn(): void } {
  const core = connection as CoreConnection;
  let checker: ReplyChecker | undefined;
  const handle = core.handlePacket.bind(core);
  let failed = false;
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
    failed = true;
    core._handleFatalError(new AuditError("protocol", why));
    core.stream.destroy();
  };
  return {
    loggedIn() {
      checker = new ReplyChecker();
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
