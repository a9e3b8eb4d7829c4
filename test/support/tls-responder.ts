// A scripted TLS peer behind the fake MySQL greeting: it reads a ClientHello and answers with a ServerHello
// for a configured suite, or misbehaves on purpose. It stands in for servers whose suites no OpenSSL on this
// machine can serve (RC4, EXPORT, 3DES, SSL 3.0) and for broken servers. Written from RFC 5246 / RFC 8446,
// independently of src/tls, so that it checks the raw engine rather than mirroring it.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { startFakeMysql, type FakeMysql } from "./fake-mysql/server.js";
import type { FakeMysqlOptions } from "./fake-mysql/options.js";

export type ResponderVersion = "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

const CODES: Record<ResponderVersion, number> = { SSLv3: 0x0300, TLSv1: 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304 };

/** How the responder answers a ClientHello. */
export type ResponderMode =
  /** ServerHello (+ Certificate, ServerKeyExchange, ServerHelloDone) for a configured suite, else an alert. */
  | "normal"
  /** A ServerHello for a suite the client did not offer. */
  | "unoffered-suite"
  /** A ServerHello for a version above the one the client asked for. */
  | "wrong-version"
  /** Bytes that are not TLS. */
  | "garbage"
  /** Half of a ServerHello record, then close. */
  | "close-mid-handshake"
  /** Close without a word. */
  | "close"
  /** Read the ClientHello and say nothing. */
  | "stall"
  /** A MySQL ERR packet instead of a TLS answer (as old yaSSL builds send). */
  | "err-packet";

export interface TlsResponderOptions {
  /** Suites the server accepts, in its preference order. */
  suites: number[];
  /** Versions it accepts (default SSLv3 to TLSv1.2). */
  versions?: ResponderVersion[];
  mode?: ResponderMode;
  /** Choose by the server's order (default) or the client's. */
  serverPreference?: boolean;
  /** DH prime size to announce in a ServerKeyExchange for DHE / DH_anon suites (default 1024). */
  dhBits?: number;
  /** ECDHE curve to announce (default secp256r1, 23). */
  curve?: number;
  /** DER certificates to send for suites that authenticate (default one placeholder blob). */
  certificates?: Buffer[];
  /**
   * Emulates small stacks' limits on the offer: "truncate" reads only the first maxSuites suites (yaSSL: 64),
   * "refuse" answers a longer offer with a decode_error alert (wolfSSL: more than 150).
   */
  suiteLimit?: { maxSuites: number; overflow: "truncate" | "refuse" };
  /** For err-packet. */
  errno?: number;
  message?: string;
  /** Greeting overrides for the fake MySQL front. */
  front?: Omit<FakeMysqlOptions, "tlsBackend" | "tls" | "onSslRequest">;
}

/** What the responder read from one client. */
export interface SeenClientHello {
  version: number;
  suites: number[];
  supportedVersions?: number[];
  groups?: number[];
  keyShareGroups?: number[];
}

export interface TlsResponder {
  host: "127.0.0.1";
  port: number;
  front: FakeMysql;
  /** Every ClientHello received, in order. */
  hellos: SeenClientHello[];
  stop(): Promise<void>;
}

/** Starts the fake MySQL front with the scripted TLS peer behind its SSLRequest. */
export async function startTlsResponder(opts: TlsResponderOptions): Promise<TlsResponder> {
  const hellos: SeenClientHello[] = [];
  const sockets = new Set<Socket>();
  const front = await startFakeMysql({
    ...opts.front,
    onSslRequest: (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      readClientHello(socket)
        .then((hello) => {
          if (!hello) {
            socket.destroy();
            return;
          }
          hellos.push(hello);
          answer(socket, hello, opts);
        })
        .catch(() => socket.destroy());
    },
  });
  return {
    host: front.host,
    port: front.port,
    front,
    hellos,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await front.stop();
    },
  };
}

/** Reads records until one whole ClientHello handshake message is in; undefined if the peer sends something else. */
function readClientHello(socket: Socket): Promise<SeenClientHello | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      let hs = Buffer.alloc(0);
      let p = 0;
      while (p + 5 <= buf.length) {
        if (buf[p] !== 22) return finish(undefined);
        const len = buf.readUInt16BE(p + 3);
        if (p + 5 + len > buf.length) break;
        hs = Buffer.concat([hs, buf.subarray(p + 5, p + 5 + len)]);
        p += 5 + len;
      }
      if (hs.length >= 4 && hs.length >= 4 + hs.readUIntBE(1, 3)) finish(hs[0] === 1 ? parseHello(hs.subarray(4, 4 + hs.readUIntBE(1, 3))) : undefined);
    };
    const finish = (h: SeenClientHello | undefined): void => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      resolve(h);
    };
    const onEnd = (): void => finish(undefined);
    socket.on("data", onData);
    socket.on("end", onEnd);
  });
}

function parseHello(b: Buffer): SeenClientHello {
  let p = 2 + 32;
  p += 1 + b[p]!;
  const suitesLen = b.readUInt16BE(p);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(p + 2 + i));
  p += 2 + suitesLen;
  p += 1 + b[p]!;
  const hello: SeenClientHello = { version: b.readUInt16BE(0), suites };
  if (p + 2 > b.length) return hello;
  const end = p + 2 + b.readUInt16BE(p);
  p += 2;
  while (p + 4 <= end) {
    const type = b.readUInt16BE(p);
    const data = b.subarray(p + 4, p + 4 + b.readUInt16BE(p + 2));
    p += 4 + data.length;
    if (type === 43) hello.supportedVersions = pairs(data.subarray(1));
    if (type === 10) hello.groups = pairs(data.subarray(2));
    if (type === 51) {
      const groups: number[] = [];
      for (let q = 2; q + 4 <= data.length; q += 4 + data.readUInt16BE(q + 2)) groups.push(data.readUInt16BE(q));
      hello.keyShareGroups = groups;
    }
  }
  return hello;
}

function pairs(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const record = (type: number, version: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
const message = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const alert = (version: number, description: number): Buffer => record(21, version, Buffer.from([2, description]));

function serverHello(version: number, suite: number, extensions: Buffer[]): Buffer {
  const ext = Buffer.concat(extensions);
  return message(2, Buffer.concat([u16(Math.min(version, 0x0303)), randomBytes(32), Buffer.from([0]), u16(suite), Buffer.from([0]), ...(version === 0x0300 ? [] : [u16(ext.length), ext])]));
}

// Key-exchange kind by code point, enough for the suites tests use (DHE and anonymous DH, ECDHE and AECDH).
function kxOf(suite: number): "dh" | "ecdh" | "rsa" | "anon-dh" | "anon-ecdh" {
  if ([0x0017, 0x0018, 0x0019, 0x001a, 0x001b, 0x0034, 0x003a, 0x006c, 0x006d, 0x00a6, 0x00a7].includes(suite)) return "anon-dh";
  if (suite >= 0xc015 && suite <= 0xc019) return "anon-ecdh";
  if ([0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0032, 0x0033, 0x0038, 0x0039, 0x0040, 0x0067, 0x006a, 0x006b, 0x009e, 0x009f, 0xccaa].includes(suite)) return "dh";
  if ((suite >= 0xc006 && suite <= 0xc014) || (suite >= 0xc023 && suite <= 0xc030) || suite === 0xcca8 || suite === 0xcca9) return "ecdh";
  return "rsa";
}

function answer(socket: Socket, seen: SeenClientHello, opts: TlsResponderOptions): void {
  let hello = seen;
  const mode = opts.mode ?? "normal";
  const recordVersion = Math.min(hello.version, 0x0303);
  switch (mode) {
    case "stall":
      return;
    case "close":
      socket.destroy();
      return;
    case "garbage":
      socket.end(Buffer.from("this is not TLS at all\r\n"));
      return;
    case "err-packet": {
      const msg = Buffer.from(opts.message ?? "SSL connection error: protocol version mismatch");
      const payload = Buffer.concat([Buffer.from([0xff]), Buffer.from([(opts.errno ?? 2026) & 0xff, (opts.errno ?? 2026) >> 8]), msg]);
      socket.end(Buffer.concat([Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, 2]), payload]));
      return;
    }
    case "close-mid-handshake": {
      const rec = record(22, recordVersion, serverHello(hello.version, hello.suites[0]!, []));
      socket.end(rec.subarray(0, Math.floor(rec.length / 2)));
      return;
    }
    case "unoffered-suite": {
      const notOffered = [0x0004, 0x0003, 0x0002, 0xc02f, 0x002f].find((s) => !hello.suites.includes(s))!;
      socket.write(record(22, recordVersion, Buffer.concat([serverHello(hello.version, notOffered, []), message(14, Buffer.alloc(0))])));
      return;
    }
    case "wrong-version": {
      // Below TLS 1.2 answer one version up; to a TLS 1.2 hello, pick TLS 1.3 through supported_versions.
      const tls13 = hello.version >= 0x0303;
      const exts = tls13 ? [Buffer.concat([u16(43), u16(2), u16(0x0304)])] : [];
      socket.write(record(22, recordVersion, Buffer.concat([serverHello(tls13 ? 0x0303 : hello.version + 1, hello.suites[0]!, exts), message(14, Buffer.alloc(0))])));
      return;
    }
    case "normal":
      break;
  }

  if (opts.suiteLimit && hello.suites.length > opts.suiteLimit.maxSuites) {
    if (opts.suiteLimit.overflow === "refuse") {
      socket.write(alert(recordVersion, 50)); // decode_error
      return;
    }
    hello = { ...hello, suites: hello.suites.slice(0, opts.suiteLimit.maxSuites) };
  }
  const versions = (opts.versions ?? ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"]).map((v) => CODES[v]);
  const pick = (offered: number[], accepted: number[]): number | undefined =>
    opts.serverPreference === false ? offered.find((s) => accepted.includes(s)) : accepted.find((s) => offered.includes(s));

  if (hello.supportedVersions?.includes(0x0304) && versions.includes(0x0304)) {
    const suite = pick(hello.suites, opts.suites.filter((s) => s >> 8 === 0x13));
    const group = [29, 23].find((g) => hello.keyShareGroups?.includes(g));
    if (suite === undefined || group === undefined) {
      socket.write(alert(0x0303, 40));
      return;
    }
    const keyShare = Buffer.concat([u16(51), u16(4 + (group === 29 ? 32 : 65)), u16(group), u16(group === 29 ? 32 : 65), randomBytes(group === 29 ? 32 : 65)]);
    socket.write(record(22, 0x0303, serverHello(0x0304, suite, [Buffer.concat([u16(43), u16(2), u16(0x0304)]), keyShare])));
    return;
  }
  const version = versions.filter((v) => v <= hello.version && v < 0x0304).sort((a, b) => b - a)[0];
  if (version === undefined) {
    socket.write(alert(recordVersion, 70)); // protocol_version
    return;
  }
  const suite = pick(hello.suites, opts.suites.filter((s) => s >> 8 !== 0x13));
  if (suite === undefined) {
    socket.write(alert(version, 40)); // handshake_failure
    return;
  }
  const kx = kxOf(suite);
  const flight: Buffer[] = [serverHello(version, suite, version === 0x0300 ? [] : [Buffer.from([0xff, 0x01, 0x00, 0x01, 0x00])])];
  if (kx !== "anon-dh" && kx !== "anon-ecdh") {
    const certs = opts.certificates ?? [Buffer.from("placeholder certificate DER")];
    const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
    flight.push(message(11, Buffer.concat([u24(list.length), list])));
  }
  if (kx === "dh" || kx === "anon-dh") {
    const bits = opts.dhBits ?? 1024;
    const p = Buffer.alloc(Math.ceil(bits / 8), 0xff);
    p[0] = 0xff >> ((8 - (bits % 8)) % 8);
    flight.push(message(12, Buffer.concat([u16(p.length), p, u16(1), Buffer.from([2]), u16(p.length), randomBytes(p.length), u16(4), Buffer.alloc(4)])));
  }
  if (kx === "ecdh" || kx === "anon-ecdh") {
    flight.push(message(12, Buffer.concat([Buffer.from([3]), u16(opts.curve ?? 23), Buffer.from([65, 4]), randomBytes(64), u16(4), Buffer.alloc(4)])));
  }
  flight.push(message(14, Buffer.alloc(0)));
  // Split the flight over two records, as servers with small buffers do, so reassembly is exercised.
  const all = Buffer.concat(flight);
  const cut = Math.floor(all.length / 2);
  socket.write(Buffer.concat([record(22, version, all.subarray(0, cut)), record(22, version, all.subarray(cut))]));
}
