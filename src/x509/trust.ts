import { X509Certificate } from "node:crypto";
import { namesOf } from "./certificate.js";
import { pemToDerList } from "./pem.js";
import { certificateNameKey, certificateShape } from "./name-key.js";

/** Where the trust anchors came from. */
export type AnchorSource = "ssl-ca" | "system";

/** Why a chain does not verify, as OpenSSL's verify codes name it. */
export type TrustErrorCode =
  | "expired" // 10 certificate has expired
  | "not-yet-valid" // 9 certificate is not yet valid
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
  /** Path and signatures verify up to an anchor and every certificate on it is valid now (as OpenSSL and clients judge). */
  verified: boolean;
  /** Path and signatures verify up to an anchor, whatever the dates (false when verified is false for another reason). */
  pathVerified: boolean;
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
  /** The certificates on the path that are not valid at the time of the check (index in the chain as sent; absent for an anchor not sent). */
  outOfDate?: { index?: number; subject: string; notBefore: string; notAfter: string; state: "expired" | "not-yet-valid" }[];
}

/**
 * Trust anchors, each parsed only when a chain could lead to it: a lookup by issuer name reads every anchor's
 * subject straight from its DER (name-key.ts) and parses the few whose name can match, so checking a chain against
 * the system's 166 roots parses none of them when no root has the chain's issuer names.
 */
export class TrustAnchors {
  /** The certificates in the bundle (blocks that are not certificates are skipped, as a broken bundle entry must not hide the others). */
  readonly count: number;
  private readonly entries: { der: Buffer; parsed?: X509Certificate | null }[] = [];
  private readonly bySubject = new Map<string, number[]>();
  /** Anchors whose subject has no key (see name-key.ts): candidates for every lookup. */
  private readonly anyName: number[] = [];

  constructor(pems: readonly string[]) {
    for (const pem of pems) {
      for (const der of pemToDerList(pem)) {
        const shape = certificateShape(der);
        // What the DER walk cannot read is parsed at once: kept if node:crypto reads it, dropped if not.
        if (!shape.certificate && !parses(der)) continue;
        const i = this.entries.push({ der }) - 1;
        if (shape.subjectKey === undefined) this.anyName.push(i);
        else this.bySubject.set(shape.subjectKey, [...(this.bySubject.get(shape.subjectKey) ?? []), i]);
      }
    }
    this.count = this.entries.length;
  }

  /** True when this very certificate (the same DER) is an anchor. */
  has(cert: X509Certificate): boolean {
    return this.candidates(certificateNameKey(cert.raw, "subject")).some((i) => this.entries[i]!.der.equals(cert.raw));
  }

  /** The anchors whose subject is `cert`'s issuer (node:crypto's spelling), in bundle order. */
  issuersNamedBy(cert: X509Certificate): X509Certificate[] {
    const out: X509Certificate[] = [];
    for (const i of this.candidates(certificateNameKey(cert.raw, "issuer"))) {
      const a = this.parsed(i);
      if (a && a.subject === cert.issuer) out.push(a);
    }
    return out;
  }

  // The anchors whose subject may be the name with this key, in bundle order (all of them for a name without a key).
  private candidates(key: string | undefined): number[] {
    if (key === undefined) return this.entries.map((_, i) => i);
    return [...(this.bySubject.get(key) ?? []), ...this.anyName].sort((a, b) => a - b);
  }

  private parsed(i: number): X509Certificate | undefined {
    const e = this.entries[i]!;
    if (e.parsed === undefined) {
      try {
        e.parsed = new X509Certificate(e.der);
      } catch {
        e.parsed = null;
      }
    }
    return e.parsed ?? undefined;
  }
}

/** Trust anchors from PEM texts (see TrustAnchors). */
export function loadAnchors(pems: readonly string[]): TrustAnchors {
  return new TrustAnchors(pems);
}

function parses(der: Buffer): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
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

/** Builds the path from sent[0] through the sent certificates to an anchor and checks its dates at `now`, as a verifying client would. */
export function verifyChain(
  sent: readonly X509Certificate[],
  anchors: TrustAnchors,
  source: { anchorSource: AnchorSource; anchorFile?: string },
  now: Date = new Date(),
): TrustFacts {
  const path = verifyPath(sent, anchors, source);
  if (!path.verified) return path;
  // OpenSSL checks the validity of every certificate on the path, the anchor included (error 10 or 9).
  const onPath = path.sentIndexes.map((i) => ({ cert: sent[i]!, index: i as number | undefined }));
  const last = onPath[onPath.length - 1]!.cert;
  const anchor = anchors.issuersNamedBy(last).find((a) => path.anchor !== undefined && !onPath.some((p) => p.cert.fingerprint256 === a.fingerprint256) && signedBy(last, a));
  if (anchor) onPath.push({ cert: anchor, index: undefined });
  const outOfDate: NonNullable<TrustFacts["outOfDate"]> = [];
  for (const { cert, index } of onPath) {
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    const state = now.getTime() > notAfter.getTime() ? "expired" : now.getTime() < notBefore.getTime() ? "not-yet-valid" : undefined;
    if (state) outOfDate.push({ ...(index !== undefined ? { index } : {}), subject: oneLine(cert.subject, cert), notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), state });
  }
  const first = outOfDate[0];
  if (!first) return path;
  const error =
    first.state === "expired"
      ? `certificate has expired: ${first.subject} (notAfter ${first.notAfter})`
      : `certificate is not yet valid: ${first.subject} (notBefore ${first.notBefore})`;
  const more = outOfDate.length > 1 ? `; also ${outOfDate.slice(1).map((o) => `${o.subject} (${o.state})`).join(", ")}` : "";
  return { ...path, verified: false, errorCode: first.state, error: error + more, outOfDate };
}

// The path and its signatures, dates aside.
function verifyPath(sent: readonly X509Certificate[], anchors: TrustAnchors, source: { anchorSource: AnchorSource; anchorFile?: string }): TrustFacts {
  const base = { ...source, anchorCount: anchors.count, pathVerified: false };
  const leaf = sent[0];
  if (!leaf) return { ...base, verified: false, path: [], sentIndexes: [], errorCode: "issuer-not-found", error: "the server sent no certificate" };
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
    if (anchors.has(cur)) {
      return { ...base, verified: true, pathVerified: true, path, sentIndexes, anchor: path[path.length - 1]! };
    }
    // Only an anchor named as cur's issuer can have signed it (signedBy compares the names first).
    const named = anchors.issuersNamedBy(cur);
    const anchor = named.find((a) => signedBy(cur, a));
    if (anchor) {
      path.push(oneLine(anchor.subject, anchor));
      return { ...base, verified: true, pathVerified: true, path, sentIndexes, anchor: oneLine(anchor.subject, anchor) };
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
    const sameName = [...sent, ...named].find((c) => c !== cur && c.subject === cur.issuer);
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
