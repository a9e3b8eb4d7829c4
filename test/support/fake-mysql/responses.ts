// Generic response payloads (OK, ERR, EOF) as documented in "page_protocol_basic_*_packet".
import { CLIENT, hasCap, SERVER_STATUS_AUTOCOMMIT } from "./capabilities.js";
import { PacketWriter } from "./packets.js";

/** An error the server reports: number, SQLSTATE (5 chars) and message. */
export interface ServerError {
  errno: number;
  sqlState?: string;
  message: string;
}

/**
 * ERR_Packet. The '#'+SQLSTATE marker is only sent when the client announced CLIENT_PROTOCOL_41; before the
 * handshake no capabilities are known, so pre-greeting errors (1040, 1129, 1130) carry no marker, as measured
 * on MariaDB 10.11 (1130 arrives as ff 6a 04 "Host '...' is not allowed ...").
 */
export function errPayload(err: ServerError, withSqlState: boolean): Buffer {
  const w = new PacketWriter().int1(0xff).int2(err.errno);
  if (withSqlState) w.str("#").str((err.sqlState ?? "HY000").padEnd(5, "0").slice(0, 5));
  return w.str(err.message).build();
}

/** OK_Packet; with CLIENT_SESSION_TRACK negotiated the (empty) info string is length-encoded. */
export function okPayload(
  caps: number,
  opts: { header?: number; affectedRows?: number; lastInsertId?: number; status?: number; warnings?: number } = {},
): Buffer {
  const w = new PacketWriter()
    .int1(opts.header ?? 0x00)
    .lenenc(opts.affectedRows ?? 0)
    .lenenc(opts.lastInsertId ?? 0)
    .int2(opts.status ?? SERVER_STATUS_AUTOCOMMIT)
    .int2(opts.warnings ?? 0);
  if (hasCap(caps, CLIENT.SESSION_TRACK)) w.strLenenc("");
  return w.build();
}

/** EOF_Packet (protocol 4.1 form: warnings and status). */
export function eofPayload(status = SERVER_STATUS_AUTOCOMMIT, warnings = 0): Buffer {
  return new PacketWriter().int1(0xfe).int2(warnings).int2(status).build();
}

/** AuthSwitchRequest: 0xfe, the plugin to switch to, and its data (the scramble plus a NUL, as MySQL sends it). */
export function authSwitchPayload(plugin: string, scramble: Buffer): Buffer {
  return new PacketWriter().int1(0xfe).strNul(plugin).str(scramble).int1(0).build();
}

/** AuthMoreData: 0x01 followed by plugin data (caching_sha2_password's 0x03/0x04 or a PEM public key). */
export function authMoreDataPayload(data: Buffer | number[]): Buffer {
  return new PacketWriter().int1(0x01).bytes(data).build();
}
