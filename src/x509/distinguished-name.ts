import { childrenOf, oidOf, stringOf, type Asn1 } from "./der.js";
import { attributeName } from "./oids.js";

/** One attribute of a distinguished name, e.g. {type: "CN", oid: "2.5.4.3", value: "localhost"}. */
export interface NameAttribute {
  type: string;
  oid: string;
  value: string;
}

/** A Name as its RDNs in DER order; each RDN holds one attribute, or several for a multi-valued RDN. */
export type DistinguishedName = NameAttribute[][];

/** Reads an X.501 Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function readName(node: Asn1 | undefined, what: string): DistinguishedName {
  return childrenOf(node, what).map((rdn) =>
    childrenOf(rdn, `${what} RDN`).map((atv) => {
      const [type, value] = childrenOf(atv, `${what} attribute`);
      const oid = oidOf(type, `${what} attribute type`);
      return { type: attributeName(oid), oid, value: stringOf(value, `${what} ${oid} value`) };
    }),
  );
}

// OpenSSL's `-nameopt oneline` quotes a value that holds any RFC 2253 special character.
const NEEDS_QUOTES = /[,+"\\<>;]|^[ #]| $/;

function formatValue(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"` : v;
}

/**
 * The name on one line in DER order, as `openssl x509 -subject -nameopt oneline,-space_eq` prints it:
 * "C=US, O=Acme, CN=db1"; a multi-valued RDN is joined with " + ". Non-ASCII stays UTF-8 (OpenSSL escapes it).
 */
export function formatName(name: DistinguishedName): string {
  return name.map((rdn) => rdn.map((a) => `${a.type}=${formatValue(a.value)}`).join(" + ")).join(", ");
}

/** The attributes in DER order, flattened. */
export function flattenName(name: DistinguishedName): NameAttribute[] {
  return name.flat();
}

/** The values of one attribute type (e.g. every CN), in DER order. */
export function attributeValues(name: DistinguishedName, type: string): string[] {
  return name.flat().filter((a) => a.type === type).map((a) => a.value);
}
