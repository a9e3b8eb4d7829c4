// A certificate's issuer and subject names as comparison keys, read straight from the DER without parsing the rest
// of the certificate: finding the trust anchors that could have issued a certificate then parses only those,
// instead of every root of the system bundle (about 0.2 ms of CPU each with node:crypto, measured: 30 to 45 ms
// for the 166 roots here, for each chain checked against the system roots).
//
// The key is a necessary condition of node:crypto's equality of names (X509Certificate.subject and .issuer, which
// the path builder compares): equal names in Node's spelling have equal keys. Node prints a name with OpenSSL's
// X509_NAME_print_ex (short names, RFC 2253 escapes, values converted to UTF-8), so the key holds the same parts:
// the RDN structure, each attribute's OID and its value as the characters OpenSSL prints. A value whose printing
// could lose information (invalid UTF-8, surrogates, a type OpenSSL dumps raw) gives no key: such a name is then a
// candidate for every lookup, never missed.

/** One DER element: its tag byte and where its content lies in the buffer. */
export interface Element {
  tag: number;
  start: number;
  end: number;
}

/** The element at `offset`, bounded by `limit`; throws on a malformed header or a length past the limit. */
export function elementAt(buf: Buffer, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new RangeError("DER element header past its end");
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new RangeError("DER high tag numbers are not used in certificate names");
  let len = buf[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new RangeError("DER length malformed");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new RangeError("DER length past its end");
  return { tag, start, end };
}

/** The elements inside a constructed element. */
export function childrenOf(buf: Buffer, e: Element): Element[] {
  if ((e.tag & 0x20) === 0) throw new RangeError("DER element is not constructed");
  const out: Element[] = [];
  for (let at = e.start; at < e.end; ) {
    const c = elementAt(buf, at, e.end);
    out.push(c);
    at = c.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;

/** The issuer and subject Name elements of a DER certificate. */
function namesOf(der: Buffer): { issuer: Element; subject: Element } {
  const cert = elementAt(der, 0, der.length);
  if (cert.tag !== SEQUENCE) throw new RangeError("a certificate is a SEQUENCE");
  const tbs = childrenOf(der, cert)[0];
  if (!tbs || tbs.tag !== SEQUENCE) throw new RangeError("tbsCertificate is a SEQUENCE");
  const fields = childrenOf(der, tbs);
  // [0] version (optional), serialNumber, signature, issuer, validity, subject
  const i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[i + 2];
  const subject = fields[i + 4];
  if (!issuer || !subject || issuer.tag !== SEQUENCE || subject.tag !== SEQUENCE) throw new RangeError("issuer and subject are SEQUENCEs");
  return { issuer, subject };
}

function oidText(buf: Buffer, e: Element): string {
  if (e.end <= e.start) throw new RangeError("empty OID");
  const arcs: number[] = [];
  let v = 0;
  for (let i = e.start; i < e.end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new RangeError("OID arc too large");
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  if (v !== 0 || (buf[e.end - 1]! & 0x80) !== 0) throw new RangeError("OID truncated");
  return arcs.join(".");
}

// OpenSSL prints these string types by characters of 1 (each byte one character), 2 (BMPString) or 4
// (UniversalString) bytes, and UTF8String as its bytes; any other type it treats as bytes too, but for a
// constructed or non-universal value those bytes include the header, so such a value gives no key.
const ONE_BYTE_TYPES = new Set([0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a]); // Numeric, Printable, T61, IA5, UTCTime, GeneralizedTime, Visible
const UTF8 = 0x0c;
const UNIVERSAL = 0x1c;
const BMP = 0x1e;

/** The characters OpenSSL prints for an attribute value, or undefined when the printing could lose information. */
function valueText(buf: Buffer, e: Element): string | undefined {
  const bytes = buf.subarray(e.start, e.end);
  if (ONE_BYTE_TYPES.has(e.tag)) return bytes.toString("latin1");
  if (e.tag === UTF8) {
    const text = bytes.toString("utf8");
    // Not valid UTF-8 (the decoder replaced something): Node would see replacement characters, which may hide a difference.
    return Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
  }
  const width = e.tag === BMP ? 2 : e.tag === UNIVERSAL ? 4 : 0;
  if (width === 0 || bytes.length % width !== 0) return undefined;
  let out = "";
  for (let i = 0; i < bytes.length; i += width) {
    const cp = width === 2 ? bytes.readUInt16BE(i) : bytes.readUInt32BE(i);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    out += String.fromCodePoint(cp);
  }
  return out;
}

// Separators no OID holds; a value that holds one is escaped by JSON.stringify only when it must be (rare).
function nameKey(buf: Buffer, name: Element): string | undefined {
  let key = "";
  for (const rdn of childrenOf(buf, name)) {
    if (rdn.tag !== SET) return undefined;
    key += "/";
    for (const atv of childrenOf(buf, rdn)) {
      if (atv.tag !== SEQUENCE) return undefined;
      const [type, value, extra] = childrenOf(buf, atv);
      if (!type || !value || extra || type.tag !== OID) return undefined;
      const text = valueText(buf, value);
      if (text === undefined) return undefined;
      key += `+${oidText(buf, type)}=${/[/+=\\]/.test(text) ? JSON.stringify(text) : text}`;
    }
  }
  return key;
}

/** What the anchor index needs of a DER certificate: whether its outer structure is a certificate's, and its subject's key. */
export function certificateShape(der: Buffer): { certificate: boolean; subjectKey?: string } {
  let names: { issuer: Element; subject: Element };
  try {
    const cert = elementAt(der, 0, der.length);
    if (cert.end !== der.length) return { certificate: false };
    names = namesOf(der);
  } catch {
    return { certificate: false };
  }
  let subjectKey: string | undefined;
  try {
    subjectKey = nameKey(der, names.subject);
  } catch {
    subjectKey = undefined;
  }
  return { certificate: true, ...(subjectKey !== undefined ? { subjectKey } : {}) };
}

/**
 * The comparison key of a certificate's subject or issuer; undefined when the DER cannot be walked or a value
 * could print ambiguously (then the name must be compared by a full parse).
 */
export function certificateNameKey(der: Buffer, which: "subject" | "issuer"): string | undefined {
  try {
    return nameKey(der, namesOf(der)[which]);
  } catch {
    return undefined;
  }
}
