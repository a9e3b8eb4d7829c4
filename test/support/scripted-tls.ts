// A scripted TLS 1.2 server behind the fake MySQL greeting, for checking a TLS client by what it sent: it reads the
// ClientHello, writes whatever first flight the test gives it, and records every record the client sends after
// that. `anonNullServer` goes further and completes a real handshake for TLS_ECDH_anon_WITH_NULL_SHA (x25519, no
// certificate, no encryption: the client's Finished and login can be read and checked here), with a right or a
// wrong Finished of its own. Written from RFC 5246, 7627 and 8422 with node:crypto, independently of src/tls.
import crypto from "node:crypto";
import type { Socket } from "node:net";
import { startFakeMysql, type FakeMysql } from "./fake-mysql/server.js";

export interface ScriptedHello {
  /** The whole ClientHello handshake message (type, length, body). */
  message: Buffer;
  version: number;
  random: Buffer;
  suites: number[];
  /** Extension types, in order. */
  extensions: number[];
}

export interface TlsRecord {
  type: number;
  version: number;
  fragment: Buffer;
}

/** One client connection: what it sent after the ClientHello, and whether it closed. */
export interface ScriptedConn {
  hello: ScriptedHello;
  socket: Socket;
  /** Bytes from the client after its ClientHello. */
  received: Buffer;
  /** Whole records in `received`. */
  records(): TlsRecord[];
  closed: boolean;
  /** Resolves when the client has closed (or the socket is gone). */
  whenClosed: Promise<void>;
  /** Called with each new chunk from the client after the ClientHello. */
  onData?: (conn: ScriptedConn) => void;
}

export interface ScriptedTls {
  host: "127.0.0.1";
  port: number;
  front: FakeMysql;
  conns: ScriptedConn[];
  stop(): Promise<void>;
}

export const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
export const record = (type: number, body: Buffer, version = 0x0303): Buffer => Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
export const handshake = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u24(body.length), body]);

/** A ServerHello for `suite` (TLS 1.2, no session id, renegotiation_info only unless told). */
export function serverHello(suite: number, random: Buffer = crypto.randomBytes(32), extensions: Buffer = Buffer.from([0xff, 0x01, 0x00, 0x01, 0x00])): Buffer {
  return handshake(2, Buffer.concat([u16(0x0303), random, Buffer.from([0]), u16(suite), Buffer.from([0]), u16(extensions.length), extensions]));
}
export const serverHelloDone = (): Buffer => handshake(14, Buffer.alloc(0));

export function parseRecords(b: Buffer): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let p = 0; p + 5 <= b.length; ) {
    const len = b.readUInt16BE(p + 3);
    if (p + 5 + len > b.length) break;
    out.push({ type: b[p]!, version: b.readUInt16BE(p + 1), fragment: b.subarray(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return out;
}

function parseHello(message: Buffer): ScriptedHello {
  const b = message.subarray(4);
  let p = 2 + 32;
  p += 1 + b[p]!;
  const suites: number[] = [];
  const suitesLen = b.readUInt16BE(p);
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(p + 2 + i));
  p += 2 + suitesLen;
  p += 1 + b[p]!;
  const extensions: number[] = [];
  if (p + 2 <= b.length) {
    const end = p + 2 + b.readUInt16BE(p);
    for (p += 2; p + 4 <= end; p += 4 + b.readUInt16BE(p + 2)) extensions.push(b.readUInt16BE(p));
  }
  return { message, version: b.readUInt16BE(0), random: b.subarray(2, 34), suites, extensions };
}

/**
 * Starts the fake MySQL front with `script` answering each ClientHello (it may write to conn.socket, set
 * conn.onData to go on, or end the socket).
 */
export async function startScriptedTls(script: (conn: ScriptedConn) => void): Promise<ScriptedTls> {
  const conns: ScriptedConn[] = [];
  const sockets = new Set<Socket>();
  const front = await startFakeMysql({
    onSslRequest: (socket) => {
      sockets.add(socket);
      let buf = Buffer.alloc(0);
      let conn: ScriptedConn | undefined;
      let closed!: () => void;
      const whenClosed = new Promise<void>((r) => (closed = r));
      socket.on("error", () => socket.destroy());
      socket.on("close", () => {
        sockets.delete(socket);
        if (conn) conn.closed = true;
        closed();
      });
      socket.on("data", (d: Buffer) => {
        if (conn) {
          conn.received = Buffer.concat([conn.received, d]);
          conn.onData?.(conn);
          return;
        }
        buf = Buffer.concat([buf, d]);
        // The ClientHello: handshake records until one whole message is in.
        let hs = Buffer.alloc(0);
        let p = 0;
        while (p + 5 <= buf.length && buf[p] === 22) {
          const len = buf.readUInt16BE(p + 3);
          if (p + 5 + len > buf.length) break;
          hs = Buffer.concat([hs, buf.subarray(p + 5, p + 5 + len)]);
          p += 5 + len;
          if (hs.length >= 4 && hs.length >= 4 + hs.readUIntBE(1, 3)) break;
        }
        if (hs.length < 4 || hs.length < 4 + hs.readUIntBE(1, 3)) {
          if (buf.length > 0 && buf[0] !== 22) socket.destroy();
          return;
        }
        const message = hs.subarray(0, 4 + hs.readUIntBE(1, 3));
        conn = {
          hello: parseHello(message),
          socket,
          received: buf.subarray(p),
          records() {
            return parseRecords(this.received);
          },
          closed: false,
          whenClosed,
        };
        conns.push(conn);
        script(conn);
      });
    },
  });
  return {
    host: front.host,
    port: front.port,
    front,
    conns,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await front.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A real TLS 1.2 handshake for TLS_ECDH_anon_WITH_NULL_SHA.

export const ECDH_ANON_NULL_SHA = 0xc015;
const X25519 = 29;

function pHash(hash: string, secret: Buffer, seed: Buffer, len: number): Buffer {
  const out: Buffer[] = [];
  let a = seed;
  for (let n = 0; n < len; ) {
    a = crypto.createHmac(hash, secret).update(a).digest();
    const block = crypto.createHmac(hash, secret).update(Buffer.concat([a, seed])).digest();
    out.push(block);
    n += block.length;
  }
  return Buffer.concat(out).subarray(0, len);
}
const prf12 = (secret: Buffer, label: string, seed: Buffer, len: number): Buffer => pHash("sha256", secret, Buffer.concat([Buffer.from(label), seed]), len);

/** What the anonymous NULL server learnt from one client. */
export interface AnonNullResult {
  /** The client's Finished verify_data was right (RFC 5246 §7.4.9, with or without RFC 7627's EMS). */
  clientFinishedOk: boolean;
  /** The extended master secret was used (the client offered it and we echoed it). */
  ems: boolean;
  /** The MySQL packet the client sent in its first application-data record (MAC checked). */
  login?: Buffer;
  /** Record types the client sent after its Finished and login, if any. */
  laterRecords: number[];
}

/**
 * The script of a server that completes TLS_ECDH_anon_WITH_NULL_SHA with x25519 under TLS 1.2 and echoes EMS when
 * the client offers it (unless echoEms is false), its first flight cut into records as told. `finished: "right"` sends its correct Finished, then answers the login with MySQL's
 * "Access denied" ERR; "wrong" sends a Finished whose verify_data is off by one bit, under a correct MAC.
 */
export function anonNullScript(
  finished: "right" | "wrong",
  results: AnonNullResult[],
  opts: {
    echoEms?: boolean;
    /** Send the first flight in records of at most this many bytes (handshake messages split across records). */
    split?: number;
    /** Put a HelloRequest first (RFC 5246 §7.4.1.1: not part of the handshake hash; the client ignores it). */
    helloRequest?: boolean;
  } = {},
): (conn: ScriptedConn) => void {
  return (conn) => {
    const { hello, socket } = conn;
    if (hello.version !== 0x0303 || !hello.suites.includes(ECDH_ANON_NULL_SHA)) {
      socket.end(record(21, Buffer.from([2, 40])));
      return;
    }
    const ems = hello.extensions.includes(23) && opts.echoEms !== false;
    const { privateKey, publicKey } = crypto.generateKeyPairSync("x25519");
    const ourPoint = publicKey.export({ type: "spki", format: "der" }).subarray(-32);
    const serverRandom = crypto.randomBytes(32);
    const sh = serverHello(ECDH_ANON_NULL_SHA, serverRandom, Buffer.concat([Buffer.from([0xff, 0x01, 0x00, 0x01, 0x00]), ...(ems ? [Buffer.from([0x00, 0x17, 0x00, 0x00])] : [])]));
    const ske = handshake(12, Buffer.concat([Buffer.from([3]), u16(X25519), Buffer.from([32]), ourPoint]));
    const shd = serverHelloDone();
    const flight = Buffer.concat([...(opts.helloRequest ? [handshake(0, Buffer.alloc(0))] : []), sh, ske, shd]);
    const size = opts.split ?? flight.length;
    const records: Buffer[] = [];
    for (let at = 0; at < flight.length; at += size) records.push(record(22, flight.subarray(at, at + size)));
    socket.write(Buffer.concat(records));
    const transcript = [hello.message, sh, ske, shd];
    const result: AnonNullResult = { clientFinishedOk: false, ems, laterRecords: [] };
    results.push(result);
    let stage: "cke" | "ccs" | "finished" | "login" | "after" = "cke";
    let consumed = 0;
    let clientMac: Buffer = Buffer.alloc(0);
    let serverMac: Buffer = Buffer.alloc(0);
    let master: Buffer = Buffer.alloc(0);
    let clientSeq = 0n;
    const mac = (key: Buffer, seq: bigint, type: number, data: Buffer): Buffer => {
      const h = Buffer.alloc(13);
      h.writeBigUInt64BE(seq);
      h[8] = type;
      h.writeUInt16BE(0x0303, 9);
      h.writeUInt16BE(data.length, 11);
      return crypto.createHmac("sha1", key).update(h).update(data).digest();
    };
    /** The plaintext of a NULL-SHA record from the client, undefined when its MAC is wrong. */
    const openNull = (type: number, fragment: Buffer): Buffer | undefined => {
      const data = fragment.subarray(0, fragment.length - 20);
      const ok = fragment.length >= 20 && mac(clientMac, clientSeq++, type, data).equals(fragment.subarray(fragment.length - 20));
      return ok ? data : undefined;
    };
    const sealNull = (type: number, seq: bigint, data: Buffer): Buffer => record(type, Buffer.concat([data, mac(serverMac, seq, type, data)]));
    const hash = (msgs: Buffer[]): Buffer => crypto.createHash("sha256").update(Buffer.concat(msgs)).digest();

    conn.onData = () => {
      const all = parseRecords(conn.received);
      for (const r of all.slice(consumed)) {
        consumed++;
        if (stage === "cke") {
          if (r.type !== 22 || r.fragment[0] !== 16) return socket.destroy();
          const cke = r.fragment.subarray(0, 4 + r.fragment.readUIntBE(1, 3));
          const theirs = cke.subarray(5, 5 + cke[4]!);
          transcript.push(cke);
          const pms = crypto.diffieHellman({ privateKey, publicKey: crypto.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: theirs.toString("base64url") }, format: "jwk" }) });
          master = ems ? prf12(pms, "extended master secret", hash(transcript), 48) : prf12(pms, "master secret", Buffer.concat([hello.random, serverRandom]), 48);
          const block = prf12(master, "key expansion", Buffer.concat([serverRandom, hello.random]), 40);
          clientMac = block.subarray(0, 20);
          serverMac = block.subarray(20, 40);
          stage = "ccs";
        } else if (stage === "ccs") {
          if (r.type !== 20) return socket.destroy();
          stage = "finished";
        } else if (stage === "finished") {
          const plain = r.type === 22 ? openNull(22, r.fragment) : undefined;
          const expected = handshake(20, prf12(master, "client finished", hash(transcript), 12));
          result.clientFinishedOk = plain !== undefined && plain.equals(expected);
          if (!result.clientFinishedOk) return socket.destroy();
          transcript.push(expected);
          const verify = prf12(master, "server finished", hash(transcript), 12);
          if (finished === "wrong") verify[0]! ^= 0x01;
          socket.write(Buffer.concat([record(20, Buffer.from([1])), sealNull(22, 0n, handshake(20, verify))]));
          stage = "login";
        } else if (stage === "login") {
          const plain = r.type === 23 ? openNull(23, r.fragment) : undefined;
          if (plain) result.login = plain;
          stage = "after";
          if (finished === "right" && plain) {
            // MySQL's ERR 1045 for the login (sequence id one above the client's).
            const payload = Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from("#28000Access denied for user")]);
            const packet = Buffer.concat([u24(payload.length).reverse(), Buffer.from([(plain[3]! + 1) & 0xff]), payload]);
            socket.end(sealNull(23, 1n, packet));
          }
        } else {
          result.laterRecords.push(r.type);
        }
      }
    };
    if (conn.received.length > 0) conn.onData(conn);
  };
}
