import type { KeyObject } from "node:crypto";

/** Key algorithm as the JSON contract spells it. */
export type PublicKeyType = "RSA" | "RSA-PSS" | "EC" | "Ed25519" | "Ed448" | "DSA" | "unknown";

/** A certificate's public key: type, size in bits and, for EC, the curve (OpenSSL's name, e.g. prime256v1). */
export interface PublicKeyFacts {
  type: PublicKeyType;
  bits: number;
  curve?: string;
}

// Field sizes of the named curves Node can report; a curve not listed gets bits 0 rather than a guess.
const CURVE_BITS: Record<string, number> = {
  prime192v1: 192,
  secp224r1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
  SM2: 256,
};

/** Type, size and curve of a public key, from node:crypto (node-forge cannot read EC or EdDSA keys). */
export function describePublicKey(key: KeyObject): PublicKeyFacts {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { type: "RSA", bits: d.modulusLength ?? 0 };
    case "rsa-pss":
      return { type: "RSA-PSS", bits: d.modulusLength ?? 0 };
    case "dsa":
      return { type: "DSA", bits: d.modulusLength ?? 0 };
    case "ec": {
      const curve = d.namedCurve ?? "unknown";
      return { type: "EC", bits: CURVE_BITS[curve] ?? 0, curve };
    }
    case "ed25519":
      return { type: "Ed25519", bits: 256 };
    case "ed448":
      return { type: "Ed448", bits: 456 };
    default:
      return { type: "unknown", bits: 0 };
  }
}

/** "RSA 2048", "EC 256 (prime256v1)", "Ed25519": for tables and evidence. */
export function formatPublicKey(k: PublicKeyFacts): string {
  if (k.type === "Ed25519" || k.type === "Ed448") return k.type;
  return `${k.type} ${k.bits}${k.curve ? ` (${k.curve})` : ""}`;
}
