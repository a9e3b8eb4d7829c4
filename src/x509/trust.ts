import { X509Certificate } from "node:crypto";
import { namesOf } from "./certificate.js";
import { pemToDerList } from "./pem.js";

/** Where the trust anchors came from. */
export type AnchorSource = "ssl-ca" | "system";

/** Why a chain does not verify, as OpenSSL's verify codes name it (dates are judged separately). */
export type TrustErrorCode =
  | "issuer-not-found" // 20 unable to get local issuer certificate
  | "self-signed-leaf" // 18 self-signed certificate
  | "self-signed-in-chain" // 19 self-signed certificate in certificate chain
  | "bad-signature" // 7 certificate signature failure
  | "issuer-not-ca" // 24 invalid CA certificate
  | "path-too-long";

/** The verdict of building a path from the leaf, through the certificates sent, to a trust anchor. */
export interface TrustFacts {
  anchorSource: AnchorSource;
  /** The --ssl-ca file, when given. */
  anchorFile?: string;
  anchorCount: number;
  /** Path and signatures verify up to an anchor. Validity dates are not part of this; the date checks judge them. */
  verified: boolean;
  /** Subjects from the leaf up to (and including) the anchor, or as far as the path went. */
  path: string[];
  /** Indexes in the chain as sent of the certificates on the path (the anchor excluded unless it was sent). */
  sentIndexes: number[];
  anchor?: string;
  errorCode?: TrustErrorCode;
  /** One line, OpenSSL's wording first. */
  error?: string;
  /** The certificate where the path stopped because its issuer was nowhere (not sent, not an anchor). */
  stoppedAt?: { index: number; subject: string; issuer: string };
}

/** Parses PEM texts into certificates, skipping blocks that do not parse. */
export function loadAnchors(pems: readonly string[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const pem of pems) {
    for (const der of pemToDerList(pem)) {
      try {
        out.push(new X509Certificate(der));
      } catch {
        // a broken entry in a system bundle must not hide the others
      }
    }
  }
  return out;
}

/** True when `issuer`'s name is `child`'s issuer name and `child`'s signature verifies with `issuer`'s key. */
export function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  if (child.issuer !== issuer.subject) return false;
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const MAX_DEPTH = 10;

/** Builds the path from sent[0] through the sent certificates to an anchor, as a verifying client would. */
export function verifyChain(
  sent: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  source: { anchorSource: AnchorSource; anchorFile?: string },
): TrustFacts {
  const base = { ...source, anchorCount: anchors.length };
  const leaf = sent[0];
  if (!leaf) return { ...base, verified: false, path: [], sentIndexes: [], errorCode: "issuer-not-found", error: "the server sent no certificate" };
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint256));
  const path = [oneLine(leaf.subject, leaf)];
  const sentIndexes = [0];
  let cur = leaf;
  let curIndex = 0;
  const fail = (errorCode: TrustErrorCode, error: string, extra: Partial<TrustFacts> = {}): TrustFacts => ({
    ...base,
    verified: false,
    path,
    sentIndexes,
    errorCode,
    error,
    ...extra,
  });
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (anchorPrints.has(cur.fingerprint256)) {
      return { ...base, verified: true, path, sentIndexes, anchor: path[path.length - 1]! };
    }
    const anchor = anchors.find((a) => signedBy(cur, a));
    if (anchor) {
      path.push(oneLine(anchor.subject, anchor));
      return { ...base, verified: true, path, sentIndexes, anchor: oneLine(anchor.subject, anchor) };
    }
    const nextIndex = sent.findIndex((c, i) => !sentIndexes.includes(i) && c !== cur && signedBy(cur, c));
    if (nextIndex >= 0) {
      const next = sent[nextIndex]!;
      if (!next.ca) {
        return fail("issuer-not-ca", `invalid CA certificate: ${oneLine(next.subject, next)} signed ${oneLine(cur.subject, cur)} but is not a CA (basicConstraints CA:FALSE or absent)`);
      }
      path.push(oneLine(next.subject, next));
      sentIndexes.push(nextIndex);
      cur = next;
      curIndex = nextIndex;
      continue;
    }
    const selfSigned = cur.subject === cur.issuer && signedBy(cur, cur);
    if (selfSigned) {
      return curIndex === 0
        ? fail("self-signed-leaf", `self-signed certificate: ${oneLine(cur.subject, cur)} is not among the trust anchors`)
        : fail("self-signed-in-chain", `self-signed certificate in certificate chain: the root ${oneLine(cur.subject, cur)} was sent but is not among the trust anchors`);
    }
    const sameName = [...sent, ...anchors].find((c) => c !== cur && c.subject === cur.issuer);
    if (sameName) {
      return fail("bad-signature", `certificate signature failure: ${oneLine(cur.subject, cur)} names ${oneLine(cur.issuer, cur)} as issuer, but that certificate's key does not verify its signature`);
    }
    return fail("issuer-not-found", `unable to get local issuer certificate: the issuer of ${oneLine(cur.subject, cur)}, ${oneLine(cur.issuer, cur)}, was neither sent by the server nor found among the trust anchors`, {
      stoppedAt: { index: curIndex, subject: oneLine(cur.subject, cur), issuer: oneLine(cur.issuer, cur) },
    });
  }
  return fail("path-too-long", `the path from the leaf is longer than ${MAX_DEPTH} certificates`);
}

/** A name of cert on one line as CertificateFacts spells it (Node's own form is multi-line and escapes differently). */
function oneLine(dn: string, cert?: X509Certificate): string {
  if (cert) {
    try {
      const names = namesOf(cert.raw);
      if (cert.subject === dn) return names.subject;
      if (cert.issuer === dn) return names.issuer;
    } catch {
      // fall back to Node's spelling
    }
  }
  return dn.replace(/\n/g, ", ");
}
