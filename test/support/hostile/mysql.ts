// The steps hostile scripts are made of: a greeting (stripped of CLIENT_SSL or not), the login as far as the
// attacker wants it, the password's traces in what the client sent, and endless or oversized answers.
import { constants, generateKeyPairSync, privateDecrypt } from "node:crypto";
import { parseHandshakeResponse, type HandshakeResponse } from "../fake-mysql/auth.js";
import { CLIENT } from "../fake-mysql/capabilities.js";
import { PacketWriter, type RawPacket } from "../fake-mysql/packets.js";
import { authMoreDataPayload, authSwitchPayload, eofPayload, okPayload } from "../fake-mysql/responses.js";
import { queryResultPayloads, type QueryResult } from "../fake-mysql/result-set.js";
import { isSslRequest, type HostileConn, type Received } from "./server.js";

/** The attacker's RSA key pair (made once per process). */
let attackerKeys: { publicKeyPem: string; privateKeyPem: string } | undefined;
export function attackerKey(): { publicKeyPem: string; privateKeyPem: string } {
  attackerKeys ??= (() => {
    const k = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    return { publicKeyPem: k.publicKey, privateKeyPem: k.privateKey };
  })();
  return attackerKeys;
}

/**
 * Greets, and takes the client's HandshakeResponse: inside TLS when `tls` is true and the client asks for it.
 * null when the client hung up instead (what a safe client does when TLS was stripped and it was not told otherwise).
 */
export async function takeHandshake(c: HostileConn, o: { tls: boolean; plugin?: string }): Promise<HandshakeResponse | null> {
  c.greet({ ssl: o.tls, ...(o.plugin ? { plugin: o.plugin } : {}) });
  let p = await c.next();
  if (!p) return null;
  if (isSslRequest(p)) {
    if (!(await c.startTls())) return null;
    p = await c.next();
    if (!p) return null;
  }
  return parseHandshakeResponse(p.payload);
}

/** Switches the client to `plugin` with the greeting's scramble; its answer, or null when it hung up. */
export async function switchTo(c: HostileConn, plugin: string): Promise<RawPacket | null> {
  c.send(authSwitchPayload(plugin, c.scramble));
  return c.next();
}

/** caching_sha2_password's "perform full authentication"; then, if the client asks for the key, the attacker's. */
export async function demandFullAuth(c: HostileConn): Promise<void> {
  c.send(authMoreDataPayload([0x04]));
  const p = await c.next();
  if (p && p.payload.length === 1 && p.payload[0] === 0x02) {
    c.send(authMoreDataPayload(Buffer.from(attackerKey().publicKeyPem)));
    await c.next();
  }
}

/** sha256_password after a switch: if the client asks for the key ([0x01]), hands it the attacker's. */
export async function answerKeyRequest(c: HostileConn, first: RawPacket | null): Promise<void> {
  if (first && first.payload.length === 1 && first.payload[0] === 0x01) {
    c.send(authMoreDataPayload(Buffer.from(attackerKey().publicKeyPem)));
    await c.next();
  }
}

/** Accepts the login (OK) and answers queries until the client quits; `answer` may stream its own reply. */
export async function serve(c: HostileConn, answer: (sql: string, c: HostileConn) => Promise<QueryResult | void> | QueryResult): Promise<void> {
  c.send(okPayload(CLIENT.PROTOCOL_41));
  for (;;) {
    const p = await c.next();
    if (!p || p.payload[0] === 0x01) return;
    if (p.payload[0] !== 0x03) {
      c.send(okPayload(CLIENT.PROTOCOL_41));
      continue;
    }
    // With CLIENT_QUERY_ATTRIBUTES a parameter count (0) and a set count (1) precede the text.
    const sql = p.payload.subarray(p.payload[1] === 0 && p.payload[2] === 1 ? 3 : 1).toString("utf8");
    const r = await answer(sql, c);
    if (r) for (const payload of queryResultPayloads(r, { capabilities: CLIENT.PROTOCOL_41, mariadbExtCapabilities: 0, charset: 255 })) c.send(payload);
  }
}

/** The first query's answer, so that a login completes: version, comment and CURRENT_USER(). */
export function versionRow(sql: string): QueryResult | undefined {
  return /^SELECT VERSION\(\)/i.test(sql) ? { columns: ["version", "comment", "cu"], rows: [["8.4.3", "MySQL Community Server - GPL", "audit@%"]] } : undefined;
}

/** A column-definition packet for a text column. */
export function columnPayload(name: string): Buffer {
  return new PacketWriter().strLenenc("def").strLenenc("").strLenenc("").strLenenc("").strLenenc(name).strLenenc(name).lenenc(0x0c).int2(255).int4(1024).int1(0xfd).int2(0).int1(0x1f).zeros(2).build();
}

/** Sends a result header and its columns; rows follow from the caller. */
export function startResult(c: HostileConn, columns: string[]): void {
  c.send(new PacketWriter().lenenc(columns.length).build());
  for (const name of columns) c.send(columnPayload(name));
  c.send(eofPayload());
}

/** A text row. */
export function rowPayload(values: string[]): Buffer {
  const w = new PacketWriter();
  for (const v of values) w.strLenenc(v);
  return w.build();
}

/** Streams `count` rows (Infinity: forever) in batches with backpressure, until the client goes away; then the EOF. */
export async function streamRows(c: HostileConn, columns: string[], count: number): Promise<void> {
  startResult(c, columns);
  const row = rowPayload(columns.map((name) => `${name}-x`));
  for (let sent = 0; sent < count && !c.closed; ) {
    const batch: Buffer[] = [];
    for (let i = 0; i < 512 && sent < count; i++, sent++) batch.push(c.frame(row));
    if (!c.write(Buffer.concat(batch)) && !(await c.drained())) return;
  }
  c.send(eofPayload());
}

/** Packets whose bytes hold the password in clear, or decrypt (OAEP SHA-1, XOR the scramble) to it with `privateKeyPem`. */
export function packetsRevealing(received: Received[], password: string, scramble: Buffer, privateKeyPem?: string): Received[] {
  const pw = Buffer.from(password, "utf8");
  return received.filter((p) => {
    if (p.payload.includes(pw)) return true;
    if (!privateKeyPem) return false;
    try {
      const plain = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, p.payload);
      const clear = Buffer.alloc(plain.length);
      for (let i = 0; i < plain.length; i++) clear[i] = plain[i]! ^ scramble[i % 20]!;
      return clear.includes(pw);
    } catch {
      return false;
    }
  });
}
