// TLS record layer and handshake framing (RFC 5246 §6.2, §7.4; RFC 8446 §5.1, §4), as pure bytes -> values.
// Used on what a server sends back to a raw ClientHello, so it reads only the plaintext part of a flight.

/** TLS record content types. */
export const enum ContentType {
  ChangeCipherSpec = 20,
  Alert = 21,
  Handshake = 22,
  ApplicationData = 23,
  Heartbeat = 24,
}

/** Handshake message types this tool reads. */
export const enum HandshakeType {
  HelloRequest = 0,
  ClientHello = 1,
  ServerHello = 2,
  NewSessionTicket = 4,
  EncryptedExtensions = 8,
  Certificate = 11,
  ServerKeyExchange = 12,
  CertificateRequest = 13,
  ServerHelloDone = 14,
  CertificateStatus = 22,
}

/** Alert descriptions by number (RFC 8446 §6, plus the SSL 3.0 / TLS 1.0 ones since withdrawn). */
export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  21: "decryption_failed",
  22: "record_overflow",
  30: "decompression_failure",
  40: "handshake_failure",
  41: "no_certificate",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  60: "export_restriction",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  90: "user_canceled",
  100: "no_renegotiation",
  109: "missing_extension",
  110: "unsupported_extension",
  111: "certificate_unobtainable",
  112: "unrecognized_name",
  113: "bad_certificate_status_response",
  114: "bad_certificate_hash_value",
  115: "unknown_psk_identity",
  116: "certificate_required",
  120: "no_application_protocol",
};

export interface TlsRecord {
  type: number;
  /** The record-layer version (0x0300..0x0303; TLS 1.3 keeps 0x0303 here). */
  version: number;
  fragment: Buffer;
}

export interface HandshakeMessage {
  type: number;
  body: Buffer;
}

export interface TlsAlert {
  level: number;
  description: number;
  name: string;
}

/** What a server's plaintext flight contains so far. */
export interface TlsFlight {
  records: TlsRecord[];
  handshakes: HandshakeMessage[];
  alert?: TlsAlert;
  /** ServerHelloDone (TLS <= 1.2) or a TLS 1.3 ServerHello / HelloRetryRequest was seen: nothing more to wait for. */
  complete: boolean;
  /** The bytes are not TLS records (a MySQL ERR packet, a banner, garbage). */
  notTls?: boolean;
  /** The buffer ends inside a record or a handshake message: more bytes are needed. */
  truncated: boolean;
  /** Reading stopped at a ChangeCipherSpec or encrypted record; what follows is not readable without keys. */
  encrypted: boolean;
}

const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
// RFC 5246 §6.2.1: a plaintext fragment is at most 2^14 bytes; compressed/encrypted ones a bit more. Anything
// far above that is not a TLS record.
const MAX_FRAGMENT = (1 << 14) + 2048;
const TLS13 = 0x0304;
const EXT_SUPPORTED_VERSIONS = 43;

/** True when a record header is plausible: a known content type and an SSL 3.0-TLS 1.3 record version. */
function plausibleHeader(buf: Buffer, at: number): boolean {
  const type = buf[at]!;
  if (type < ContentType.ChangeCipherSpec || type > ContentType.Heartbeat) return false;
  if (buf.length - at < 3) return true;
  return buf[at + 1] === 3 && buf[at + 2]! <= 4;
}

/**
 * Splits a server's bytes into records, reassembles handshake messages across records, and notes an alert.
 * Stops at the first ChangeCipherSpec or encrypted record.
 */
export function readTlsFlight(buf: Buffer): TlsFlight {
  const flight: TlsFlight = { records: [], handshakes: [], complete: false, truncated: false, encrypted: false };
  let handshakeBytes: Buffer = Buffer.alloc(0);
  let pos = 0;
  while (pos < buf.length) {
    if (!plausibleHeader(buf, pos)) {
      flight.notTls = true;
      return flight;
    }
    if (buf.length - pos < RECORD_HEADER) {
      flight.truncated = true;
      break;
    }
    const type = buf[pos]!;
    const version = buf.readUInt16BE(pos + 1);
    const length = buf.readUInt16BE(pos + 3);
    if (length > MAX_FRAGMENT) {
      flight.notTls = true;
      return flight;
    }
    if (buf.length - pos - RECORD_HEADER < length) {
      flight.truncated = true;
      break;
    }
    const fragment = buf.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + length);
    pos += RECORD_HEADER + length;
    flight.records.push({ type, version, fragment });
    if (type === ContentType.ChangeCipherSpec || type === ContentType.ApplicationData) {
      flight.encrypted = true;
      break;
    }
    if (type === ContentType.Alert) {
      if (fragment.length >= 2) {
        const description = fragment[1]!;
        flight.alert = { level: fragment[0]!, description, name: ALERT_NAMES[description] ?? `alert ${description}` };
      } else {
        flight.notTls = true;
      }
      break;
    }
    if (type !== ContentType.Handshake) continue;
    const split = splitHandshakes(handshakeBytes.length === 0 ? fragment : Buffer.concat([handshakeBytes, fragment]));
    handshakeBytes = split.rest;
    for (const whole of split.messages) {
      const message = { type: whole[0]!, body: whole.subarray(HANDSHAKE_HEADER) };
      flight.handshakes.push(message);
      if (message.type === HandshakeType.ServerHelloDone) flight.complete = true;
      if (message.type === HandshakeType.ServerHello && isTls13ServerHello(message.body)) flight.complete = true;
    }
    if (flight.complete) break;
  }
  if (!flight.complete && !flight.alert && handshakeBytes.length > 0) flight.truncated = true;
  return flight;
}

/**
 * The whole handshake messages (header included, as the transcript hashes them) at the start of reassembled
 * handshake bytes, and the incomplete rest that waits for the next record.
 */
export function splitHandshakes(bytes: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let rest = bytes;
  while (rest.length >= HANDSHAKE_HEADER) {
    const len = rest.readUIntBE(1, 3);
    if (rest.length < HANDSHAKE_HEADER + len) break;
    messages.push(rest.subarray(0, HANDSHAKE_HEADER + len));
    rest = rest.subarray(HANDSHAKE_HEADER + len);
  }
  return { messages, rest };
}

/** True when a ServerHello body selects TLS 1.3 (or is a HelloRetryRequest) through supported_versions. */
function isTls13ServerHello(body: Buffer): boolean {
  // legacy_version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) extensions<0..2^16-1>
  let p = 34;
  if (body.length < p + 1) return false;
  p += 1 + body[p]!;
  p += 3;
  if (body.length < p + 2) return false;
  const end = Math.min(body.length, p + 2 + body.readUInt16BE(p));
  p += 2;
  while (p + 4 <= end) {
    const type = body.readUInt16BE(p);
    const len = body.readUInt16BE(p + 2);
    if (type === EXT_SUPPORTED_VERSIONS && len === 2 && p + 6 <= end) return body.readUInt16BE(p + 4) === TLS13;
    p += 4 + len;
  }
  return false;
}

/** The DER certificates of a Certificate message, in the order sent (leaf first, by the RFCs). */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > body.length) throw new RangeError(`truncated Certificate message: ${what} needs ${n} byte(s) at offset ${p}`);
  };
  if (tls13) {
    need(1, "request context length");
    p += 1 + body[0]!;
  }
  need(3, "certificate list length");
  const listEnd = p + 3 + body.readUIntBE(p, 3);
  p += 3;
  if (listEnd > body.length) throw new RangeError("truncated Certificate message: the list is longer than the message");
  const certs: Buffer[] = [];
  while (p < listEnd) {
    need(3, "certificate length");
    const len = body.readUIntBE(p, 3);
    p += 3;
    need(len, "certificate");
    certs.push(body.subarray(p, p + len));
    p += len;
    if (tls13) {
      need(2, "certificate extensions length");
      p += 2 + body.readUInt16BE(p);
    }
  }
  if (p !== listEnd) throw new RangeError("malformed Certificate message: entries overrun the list");
  return certs;
}
