import { X509Certificate } from "node:crypto";
import { childrenOf, isContextTag, oidOf, parseDer, timeOf, type Asn1 } from "./der.js";
import { formatName, flattenName, readName, type NameAttribute } from "./distinguished-name.js";
import { readExtensions, type SubjectAltNames } from "./extensions.js";
import { HASH_ALGORITHMS, signatureAlgorithmName } from "./oids.js";
import { describePublicKey, type PublicKeyFacts } from "./public-key.js";
import { derToPem } from "./pem.js";

/** Everything the audit reports about one certificate; plain data, serialisable as the `cert` JSON contract. */
export interface CertificateFacts {
  /** One line in DER order, as `openssl x509 -subject -nameopt oneline,-space_eq` prints it. */
  subject: string;
  subjectAttributes: NameAttribute[];
  issuer: string;
  issuerAttributes: NameAttribute[];
  /** Upper-case hex as `openssl x509 -serial` prints it. */
  serialNumber: string;
  subjectAltNames: SubjectAltNames;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Whole days from the time of reading to notAfter; negative once expired. */
  daysLeft: number;
  publicKey: PublicKeyFacts;
  /** OpenSSL's name, e.g. sha256WithRSAEncryption, ecdsa-with-SHA256, ED25519. */
  signatureAlgorithm: string;
  signatureAlgorithmOid: string;
  /** The digest the signature relies on: sha1, md5, sha256... ("intrinsic" for EdDSA). */
  signatureHash: string;
  /** Upper-case colon hex, as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint: string;
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage: string[];
  extendedKeyUsage: string[];
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** AuthorityInfoAccess caIssuers URLs. */
  caIssuers: string[];
  /** Issuer equals subject and the signature verifies with the certificate's own key. */
  selfSigned: boolean;
  /** basicConstraints CA:TRUE. */
  isCA: boolean;
  version: number;
  pem: string;
}

const DAY_MS = 86_400_000;

/** Reads one DER certificate into facts; `now` fixes daysLeft. Throws an Error naming the malformed part. */
export function readCertificate(der: Buffer, now: Date = new Date()): CertificateFacts {
  const x = new X509Certificate(der);
  const [tbs, sigAlg] = childrenOf(parseDer(der), "certificate");
  const fields = childrenOf(tbs, "tbsCertificate");
  let i = 0;
  let version = 1;
  if (isContextTag(fields[0], 0)) {
    const v = childrenOf(fields[0], "version")[0];
    version = (typeof v?.value === "string" && v.value.length > 0 ? v.value.charCodeAt(0) : 0) + 1;
    i++;
  }
  i += 2; // serialNumber (taken from node:crypto, which prints it as OpenSSL does) and the inner signature algorithm
  const issuer = readName(fields[i++], "issuer");
  const [from, to] = childrenOf(fields[i++], "validity");
  const subject = readName(fields[i++], "subject");
  i++; // subjectPublicKeyInfo: described through node:crypto
  const extNode = fields.slice(i).find((n) => isContextTag(n, 3));
  const ext = readExtensions(extNode);
  const sig = readSignatureAlgorithm(sigAlg);
  const notBefore = timeOf(from, "notBefore");
  const notAfter = timeOf(to, "notAfter");
  const isCA = ext.basicConstraints?.ca ?? false;
  return {
    subject: formatName(subject),
    subjectAttributes: flattenName(subject),
    issuer: formatName(issuer),
    issuerAttributes: flattenName(issuer),
    serialNumber: x.serialNumber.toUpperCase(),
    subjectAltNames: ext.subjectAltNames,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    publicKey: describePublicKey(x.publicKey),
    signatureAlgorithm: sig.name,
    signatureAlgorithmOid: sig.oid,
    signatureHash: sig.hash,
    sha256Fingerprint: x.fingerprint256,
    ...(ext.basicConstraints ? { basicConstraints: ext.basicConstraints } : {}),
    keyUsage: ext.keyUsage,
    extendedKeyUsage: ext.extendedKeyUsage,
    ...(ext.subjectKeyId ? { subjectKeyId: ext.subjectKeyId } : {}),
    ...(ext.authorityKeyId ? { authorityKeyId: ext.authorityKeyId } : {}),
    caIssuers: ext.caIssuers,
    selfSigned: isSelfSigned(x),
    isCA,
    version,
    pem: derToPem(der),
  };
}

/** Issuer equals subject and the signature verifies with the certificate's own key. */
export function isSelfSigned(x: X509Certificate): boolean {
  // Not checkIssued(): OpenSSL's issuer check also demands keyCertSign, which a self-signed leaf often lacks.
  try {
    return x.subject === x.issuer && x.verify(x.publicKey);
  } catch {
    return false; // a key type OpenSSL cannot verify with is not proof of a self-signature
  }
}

/** Subject and issuer on one line (as in CertificateFacts), without reading the rest of the certificate. */
export function namesOf(der: Buffer): { subject: string; issuer: string } {
  const fields = childrenOf(childrenOf(parseDer(der), "certificate")[0], "tbsCertificate");
  const i = isContextTag(fields[0], 0) ? 1 : 0;
  return { issuer: formatName(readName(fields[i + 2], "issuer")), subject: formatName(readName(fields[i + 4], "subject")) };
}

function readSignatureAlgorithm(node: Asn1 | undefined): { oid: string; name: string; hash: string } {
  const [algOid, params] = childrenOf(node, "signatureAlgorithm");
  const oid = oidOf(algOid, "signature algorithm");
  const known = signatureAlgorithmName(oid);
  if (known.name === "rsassaPss" && params && Array.isArray(params.value)) {
    // RSASSA-PSS-params: hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1
    const hashField = params.value.find((n) => isContextTag(n, 0));
    if (hashField) {
      const hashOid = oidOf(childrenOf(childrenOf(hashField, "pss hash")[0], "pss hash algorithm")[0], "pss hash oid");
      return { oid, name: known.name, hash: HASH_ALGORITHMS[hashOid] ?? hashOid };
    }
  }
  return { oid, ...known };
}
