// Scripted hostile MySQL peers: a TLS-stripping man in the middle, a server that asks for the password itself or
// hands out its own RSA key, one that floods rows or announces endless packets. Each records every packet the
// client sent (before and inside TLS, as the attacker reads them), so tests judge by what the server RECEIVED.
import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import { CLIENT, hasCap, withoutCap } from "../fake-mysql/capabilities.js";
import { framePacket, type RawPacket } from "../fake-mysql/packets.js";
import { handshakeV10Payload, makeScramble, GREETING_PRESETS, type GreetingSpec } from "../fake-mysql/greetings.js";
import { PacketChannel, prependBytes } from "../fake-mysql/channel.js";

/** A packet the client sent, and whether it came inside TLS. */
export interface Received extends RawPacket {
  conn: number;
  tls: boolean;
}

/** One client connection as a script drives it. */
export interface HostileConn {
  readonly n: number;
  /** The 20-byte scramble sent in the greeting. */
  readonly scramble: Buffer;
  /** Sends the greeting (a MySQL 8.4 one by default; `ssl: false` strips CLIENT_SSL as a man in the middle would). */
  greet(o?: { ssl?: boolean; plugin?: string; version?: string }): GreetingSpec;
  /** The next packet from the client, or null once it has closed. */
  next(): Promise<RawPacket | null>;
  /** Sends one packet, numbered after the last one received. */
  send(payload: Buffer): void;
  /** Frames one packet with the next sequence id without sending it (to batch a flood into few writes). */
  frame(payload: Buffer): Buffer;
  /** Writes raw bytes (for hostile framing). */
  write(bytes: Buffer): boolean;
  /** Resolves once the socket can take more (backpressure for floods); false once it has closed. */
  drained(): Promise<boolean>;
  /** Takes the TLS handshake over after an SSLRequest (self-signed throwaway certificate unless given). */
  startTls(): Promise<boolean>;
  readonly closed: boolean;
  end(): void;
}

export interface HostileServer {
  host: "127.0.0.1";
  port: number;
  /** Every packet any client sent, in order. */
  received: Received[];
  connections: number;
  /** Errors thrown by the script (a test should expect none unless it provokes them). */
  scriptErrors: string[];
  stop(): Promise<void>;
}

export interface HostileOptions {
  tls?: { cert: string; key: string };
}

/** Starts a hostile server on 127.0.0.1 that runs `script` for each connection. */
export async function startHostile(script: (c: HostileConn) => Promise<void>, opts: HostileOptions = {}): Promise<HostileServer> {
  const received: Received[] = [];
  const scriptErrors: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    const c = new Conn(++connections, socket, received, opts);
    script(c)
      .catch((err: unknown) => {
        if (!c.closed) scriptErrors.push(err instanceof Error ? err.message : String(err));
      })
      .finally(() => c.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: "127.0.0.1",
    port,
    received,
    get connections() {
      return connections;
    },
    scriptErrors,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

let throwaway: { cert: string; key: string } | undefined;

async function throwawayCert(): Promise<{ cert: string; key: string }> {
  if (throwaway) return throwaway;
  const { execFileSync } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "hostile-cert-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=attacker", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
    throwaway = { cert: readFileSync(join(dir, "c.pem"), "utf8"), key: readFileSync(join(dir, "k.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return throwaway;
}

class Conn implements HostileConn {
  readonly scramble = makeScramble();
  private stream: Duplex;
  private channel: PacketChannel;
  private inTls = false;
  private seq = 0;
  private gone = false;

  constructor(
    readonly n: number,
    private readonly socket: Socket,
    private readonly log: Received[],
    private readonly opts: HostileOptions,
  ) {
    this.stream = socket;
    this.channel = new PacketChannel(socket);
    this.watch(socket);
  }

  private watch(s: Duplex): void {
    for (const e of ["end", "close", "error"]) s.once(e, () => (this.gone = true));
  }

  get closed(): boolean {
    return this.gone || this.stream.destroyed;
  }

  greet(o: { ssl?: boolean; plugin?: string; version?: string } = {}): GreetingSpec {
    const base = GREETING_PRESETS["mysql-8.4"];
    const spec: GreetingSpec = {
      ...base,
      capabilities: o.ssl === false ? withoutCap(base.capabilities, CLIENT.SSL) : base.capabilities,
      authPlugin: o.plugin ?? base.authPlugin,
      version: o.version ?? base.version,
    };
    this.stream.write(framePacket(handshakeV10Payload(spec, 1000 + this.n, this.scramble), 0));
    return spec;
  }

  async next(): Promise<RawPacket | null> {
    const p = await this.channel.next();
    if (!p) return null;
    this.log.push({ ...p, payload: Buffer.from(p.payload), conn: this.n, tls: this.inTls });
    this.seq = (p.seq + 1) & 0xff;
    return p;
  }

  send(payload: Buffer): void {
    this.write(this.frame(payload));
  }

  frame(payload: Buffer): Buffer {
    const out = framePacket(payload, this.seq);
    this.seq = (this.seq + 1) & 0xff;
    return out;
  }

  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    return this.stream.write(bytes);
  }

  drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.stream.off("drain", onDrain);
        this.stream.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.stream.once("drain", onDrain);
      this.stream.once("close", onClose);
    });
  }

  async startTls(): Promise<boolean> {
    const { cert, key } = this.opts.tls ?? (await throwawayCert());
    const rest = this.channel.detach();
    const base = rest.length > 0 ? prependBytes(this.socket, rest) : this.socket;
    const t = new TLSSocket(base as Socket, { isServer: true, cert, key, rejectUnauthorized: false });
    t.on("error", () => undefined);
    const ok = await new Promise<boolean>((resolve) => {
      t.once("secure", () => resolve(true));
      t.once("error", () => resolve(false));
      t.once("close", () => resolve(false));
    });
    if (!ok) return false;
    this.stream = t;
    this.channel = new PacketChannel(t);
    this.inTls = true;
    this.watch(t);
    return true;
  }

  end(): void {
    if (!this.stream.destroyed) this.stream.end();
    setTimeout(() => this.socket.destroy(), 200).unref();
  }
}

/** True when the client's packet is an SSLRequest (32 bytes, CLIENT_SSL set). */
export function isSslRequest(p: RawPacket): boolean {
  return p.payload.length === 32 && hasCap(p.payload.readUInt32LE(0), CLIENT.SSL);
}
