import { byteOf, bytesOf, childrenOf, isContextTag, isUniversal, oidOf, parseDer, TAG, type Asn1 } from "./der.js";
import { ACCESS_METHOD, EXT, extendedKeyUsageName, KEY_USAGE_BITS } from "./oids.js";

/** Subject alternative names by kind; IPs in their usual text form (IPv6 compressed as RFC 5952). */
export interface SubjectAltNames {
  dns: string[];
  ip: string[];
  /** e-mail addresses and URIs, as "email:..." and "URI:..." (OpenSSL's spelling); never matched against a host. */
  other: string[];
}

/** The v3 extensions the audit looks at, decoded. */
export interface CertificateExtensions {
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage: string[];
  extendedKeyUsage: string[];
  subjectAltNames: SubjectAltNames;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** AuthorityInfoAccess caIssuers URLs: where a client could fetch the issuer (a sign of a public CA). */
  caIssuers: string[];
  ocsp: string[];
  /** OIDs of every extension present, in order. */
  present: string[];
}

/** Decodes the [3] extensions element of a TBSCertificate (undefined for a v1 certificate). */
export function readExtensions(node: Asn1 | undefined): CertificateExtensions {
  const out: CertificateExtensions = {
    keyUsage: [],
    extendedKeyUsage: [],
    subjectAltNames: { dns: [], ip: [], other: [] },
    caIssuers: [],
    ocsp: [],
    present: [],
  };
  if (!node) return out;
  const list = childrenOf(childrenOf(node, "extensions")[0], "extension list");
  for (const ext of list) {
    const parts = childrenOf(ext, "extension");
    const oid = oidOf(parts[0], "extension id");
    const critical = isUniversal(parts[1], TAG.BOOLEAN) ? byteOf(parts[1], 0, "critical") !== 0 : false;
    const value = parseDer(bytesOf(parts[parts.length - 1], `extension ${oid} value`));
    out.present.push(oid);
    switch (oid) {
      case EXT.basicConstraints:
        out.basicConstraints = { ...readBasicConstraints(value), critical };
        break;
      case EXT.keyUsage:
        out.keyUsage = readKeyUsage(value);
        break;
      case EXT.extendedKeyUsage:
        out.extendedKeyUsage = childrenOf(value, "extendedKeyUsage").map((n) => extendedKeyUsageName(oidOf(n, "extendedKeyUsage")));
        break;
      case EXT.subjectAltName:
        out.subjectAltNames = readGeneralNames(value);
        break;
      case EXT.subjectKeyIdentifier:
        out.subjectKeyId = colonHex(bytesOf(value, "subjectKeyIdentifier"));
        break;
      case EXT.authorityKeyIdentifier: {
        const keyId = childrenOf(value, "authorityKeyIdentifier").find((n) => isContextTag(n, 0));
        if (keyId) out.authorityKeyId = colonHex(bytesOf(keyId, "authorityKeyIdentifier keyIdentifier"));
        break;
      }
      case EXT.authorityInfoAccess:
        for (const ad of childrenOf(value, "authorityInfoAccess")) {
          const [method, location] = childrenOf(ad, "accessDescription");
          const m = oidOf(method, "accessMethod");
          if (!isContextTag(location, 6)) continue;
          const url = bytesOf(location, "accessLocation").toString("latin1");
          if (m === ACCESS_METHOD.caIssuers) out.caIssuers.push(url);
          else if (m === ACCESS_METHOD.ocsp) out.ocsp.push(url);
        }
        break;
    }
  }
  return out;
}

function readBasicConstraints(value: Asn1): { ca: boolean; pathLen?: number } {
  const parts = childrenOf(value, "basicConstraints");
  let ca = false;
  let pathLen: number | undefined;
  for (const p of parts) {
    if (isUniversal(p, TAG.BOOLEAN)) ca = byteOf(p, 0, "cA") !== 0;
    else if (isUniversal(p, TAG.INTEGER)) pathLen = Number(BigInt(`0x${bytesOf(p, "pathLenConstraint").toString("hex") || "0"}`));
  }
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

function readKeyUsage(value: Asn1): string[] {
  const b = bytesOf(value, "keyUsage");
  const bits = b.subarray(1); // the first byte counts the unused trailing bits
  const names: string[] = [];
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bits[i >> 3];
    if (byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0) names.push(name);
  });
  return names;
}

function readGeneralNames(value: Asn1): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], ip: [], other: [] };
  for (const gn of childrenOf(value, "subjectAltName")) {
    if (typeof gn.value !== "string") continue; // otherName, directoryName: not names a client connects to
    const raw = Buffer.from(gn.value, "binary");
    if (isContextTag(gn, 2)) out.dns.push(raw.toString("latin1"));
    else if (isContextTag(gn, 7)) out.ip.push(formatIp(raw));
    else if (isContextTag(gn, 1)) out.other.push(`email:${raw.toString("latin1")}`);
    else if (isContextTag(gn, 6)) out.other.push(`URI:${raw.toString("latin1")}`);
  }
  return out;
}

/** An iPAddress SAN (4 or 16 bytes) as text; other lengths (address/mask pairs) in hex. */
export function formatIp(raw: Buffer): string {
  if (raw.length === 4) return [...raw].join(".");
  if (raw.length !== 16) return `<${raw.toString("hex")}>`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i));
  // RFC 5952: compress the longest run (of two or more) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** Upper-case colon-separated hex, as OpenSSL prints key identifiers and fingerprints. */
export function colonHex(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0").toUpperCase()).join(":");
}
