/** A signature algorithm as OpenSSL names it, with the digest it relies on (for the weak-signature check). */
export interface SignatureAlgorithmName {
  name: string;
  /** Lower-case digest name ("sha1", "md5", "sha256"...); "intrinsic" for EdDSA, which hashes internally. */
  hash: string;
}

// Names exactly as `openssl x509 -text` prints them on its "Signature Algorithm:" line, so users can grep both.
const SIGNATURE_ALGORITHMS: Record<string, SignatureAlgorithmName> = {
  "1.2.840.113549.1.1.2": { name: "md2WithRSAEncryption", hash: "md2" },
  "1.2.840.113549.1.1.3": { name: "md4WithRSAEncryption", hash: "md4" },
  "1.2.840.113549.1.1.4": { name: "md5WithRSAEncryption", hash: "md5" },
  "1.2.840.113549.1.1.5": { name: "sha1WithRSAEncryption", hash: "sha1" },
  "1.3.14.3.2.29": { name: "sha1WithRSA", hash: "sha1" },
  "1.2.840.113549.1.1.14": { name: "sha224WithRSAEncryption", hash: "sha224" },
  "1.2.840.113549.1.1.11": { name: "sha256WithRSAEncryption", hash: "sha256" },
  "1.2.840.113549.1.1.12": { name: "sha384WithRSAEncryption", hash: "sha384" },
  "1.2.840.113549.1.1.13": { name: "sha512WithRSAEncryption", hash: "sha512" },
  "1.2.840.113549.1.1.10": { name: "rsassaPss", hash: "sha1" }, // RFC 4055 default; the parameters override it
  "1.2.840.10045.4.1": { name: "ecdsa-with-SHA1", hash: "sha1" },
  "1.2.840.10045.4.3.1": { name: "ecdsa-with-SHA224", hash: "sha224" },
  "1.2.840.10045.4.3.2": { name: "ecdsa-with-SHA256", hash: "sha256" },
  "1.2.840.10045.4.3.3": { name: "ecdsa-with-SHA384", hash: "sha384" },
  "1.2.840.10045.4.3.4": { name: "ecdsa-with-SHA512", hash: "sha512" },
  "1.3.101.112": { name: "ED25519", hash: "intrinsic" },
  "1.3.101.113": { name: "ED448", hash: "intrinsic" },
  "1.2.840.10040.4.3": { name: "dsaWithSHA1", hash: "sha1" },
  "2.16.840.1.101.3.4.3.1": { name: "dsa_with_SHA224", hash: "sha224" },
  "2.16.840.1.101.3.4.3.2": { name: "dsa_with_SHA256", hash: "sha256" },
  "1.2.156.10197.1.501": { name: "SM2-with-SM3", hash: "sm3" },
};

/** Digest algorithm OIDs, for the hash inside RSASSA-PSS parameters. */
export const HASH_ALGORITHMS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "1.2.840.113549.2.5": "md5",
};

/** OpenSSL's name for a signature algorithm OID; the dotted OID itself when unknown. */
export function signatureAlgorithmName(oid: string): SignatureAlgorithmName {
  return SIGNATURE_ALGORITHMS[oid] ?? { name: oid, hash: "unknown" };
}

// Short names as OpenSSL prints them in a subject or issuer line.
const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.15": "businessCategory",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
  "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
};

/** OpenSSL's short name for a distinguished-name attribute OID; the dotted OID when unknown. */
export function attributeName(oid: string): string {
  return ATTRIBUTE_NAMES[oid] ?? oid;
}

// OpenSSL short names for extended key usages.
const EXTENDED_KEY_USAGES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
  "1.3.6.1.5.5.7.3.6": "ipsecTunnel",
  "1.3.6.1.5.5.7.3.7": "ipsecUser",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.4.1.311.10.3.3": "msSGC",
  "2.16.840.1.113730.4.1": "nsSGC",
};

/** OpenSSL's short name for an extended key usage OID; the dotted OID when unknown. */
export function extendedKeyUsageName(oid: string): string {
  return EXTENDED_KEY_USAGES[oid] ?? oid;
}

/** RFC 5280 KeyUsage bit names, indexed by bit number. */
export const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

/** Extension OIDs this module decodes. */
export const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extendedKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
} as const;

/** AuthorityInfoAccess method OIDs. */
export const ACCESS_METHOD = {
  ocsp: "1.3.6.1.5.5.7.48.1",
  caIssuers: "1.3.6.1.5.5.7.48.2",
} as const;
