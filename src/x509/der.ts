import { createRequire } from "node:module";
import type forge from "node-forge";

// node-forge's ASN.1 reader alone (and the byte buffer it needs): the package's index loads all of node-forge (TLS,
// RSA, ciphers...), about 30 ms of CPU, where these two cost about 5. Required, not imported: an ESM import of a
// CommonJS file first has Node scan its source for export names, which for these two large files cost about 20 ms
// more (measured, alternating, a fresh process each).
const requireCjs = createRequire(import.meta.url);
const asn1 = requireCjs("node-forge/lib/asn1.js") as typeof forge.asn1;
const util = requireCjs("node-forge/lib/util.js") as typeof forge.util;

/** One parsed ASN.1 element (node-forge's representation: primitive values are binary strings). */
export type Asn1 = forge.asn1.Asn1;

/** ASN.1 universal tag numbers used by the certificate reader. */
export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  OID: 6,
  UTF8: 12,
  PRINTABLE: 19,
  T61: 20,
  IA5: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  UNIVERSAL_STRING: 28,
  BMP: 30,
  SEQUENCE: 16,
  SET: 17,
} as const;

const CONTEXT = 0x80;

/** Parses one complete DER element; trailing bytes or a malformed length throw. */
export function parseDer(der: Buffer): Asn1 {
  // Bit strings are kept raw: a signature or key that happens to look like ASN.1 must not be "decoded".
  const options = { strict: true, parseAllBytes: true, decodeBitStrings: false };
  return (asn1.fromDer as unknown as (b: forge.util.ByteBuffer, o: typeof options) => Asn1)(
    util.createBuffer(der.toString("binary")),
    options,
  );
}

/** The children of a constructed element; throws on a primitive one, which means the DER is not what we expect. */
export function childrenOf(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`malformed certificate: ${what} is not a constructed element`);
  return node.value;
}

/** The raw content bytes of a primitive element. */
export function bytesOf(node: Asn1 | undefined, what: string): Buffer {
  if (!node || typeof node.value !== "string") throw new Error(`malformed certificate: ${what} is not a primitive element`);
  return Buffer.from(node.value, "binary");
}

/** The dotted string of an OBJECT IDENTIFIER element. */
export function oidOf(node: Asn1 | undefined, what: string): string {
  if (!node || node.tagClass !== asn1.Class.UNIVERSAL || node.type !== TAG.OID) {
    throw new Error(`malformed certificate: ${what} is not an OID`);
  }
  return asn1.derToOid(node.value as string);
}

/** True when node is the context-specific [tag] element. */
export function isContextTag(node: Asn1 | undefined, tag: number): boolean {
  return !!node && (node.tagClass as number) === CONTEXT && node.type === tag;
}

/** True when node is the universal element with this tag number. */
export function isUniversal(node: Asn1 | undefined, tag: number): boolean {
  return !!node && node.tagClass === asn1.Class.UNIVERSAL && node.type === tag;
}

/** The DER encoding of an element, as node-forge re-serialises it (exact for DER input). */
export function encodeDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), "binary");
}

/** A UTCTime or GeneralizedTime element as a Date (RFC 5280: UTCTime years 50-99 are 19xx). */
export function timeOf(node: Asn1 | undefined, what: string): Date {
  const raw = bytesOf(node, what).toString("latin1");
  // RFC 5280 §4.1.2.5 fixes both forms to whole seconds in UTC; anything else (or a NUL digit) is malformed,
  // and forge would hand back an Invalid Date for it.
  let d: Date | undefined;
  if (isUniversal(node, TAG.UTC_TIME) && /^\d{12}Z$/.test(raw)) d = asn1.utcTimeToDate(raw);
  else if (isUniversal(node, TAG.GENERALIZED_TIME) && /^\d{14}Z$/.test(raw)) d = asn1.generalizedTimeToDate(raw);
  if (!d || Number.isNaN(d.getTime())) throw new Error(`malformed certificate: ${what} is not an RFC 5280 time (${JSON.stringify(raw)})`);
  return d;
}

/** The byte at index i of a primitive element's content; a missing byte is a malformed certificate. */
export function byteOf(node: Asn1 | undefined, i: number, what: string): number {
  const b = bytesOf(node, what)[i];
  if (b === undefined) throw new Error(`malformed certificate: ${what} is too short`);
  return b;
}

/** Decodes a directory string (UTF8, Printable, IA5, T61, BMP, Universal) to a JS string. */
export function stringOf(node: Asn1 | undefined, what: string): string {
  const b = bytesOf(node, what);
  switch (node!.type as number) {
    case TAG.BMP:
      if (b.length % 2 !== 0) throw new Error(`malformed certificate: ${what} is a BMPString of odd length`);
      return b.swap16().toString("utf16le");
    case TAG.UNIVERSAL_STRING: {
      let s = "";
      for (let i = 0; i + 3 < b.length; i += 4) {
        const cp = b.readUInt32BE(i);
        if (cp > 0x10ffff) throw new Error(`malformed certificate: ${what} holds a code point beyond Unicode`);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    case TAG.T61:
      return b.toString("latin1");
    default:
      return b.toString("utf8");
  }
}
