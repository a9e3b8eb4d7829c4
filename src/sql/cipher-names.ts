// Judging OpenSSL cipher names (as REQUIRE CIPHER and ssl_cipher spell them) by their name alone.

/** "insecure" (broken), "weak" (no forward secrecy, CBC-SHA1, 3DES), or "ok". */
export type NameRating = "insecure" | "weak" | "ok";

const TLS13 = /^TLS_(AES|CHACHA20|SM4)_/;

/** True for TLS 1.3 suite names (TLS_AES_256_GCM_SHA384): only negotiable over TLS 1.3. */
export function isTls13Name(name: string): boolean {
  return TLS13.test(name);
}

/** Rates one OpenSSL cipher name. */
export function rateCipherName(name: string): { rating: NameRating; why?: string } {
  const n = name.toUpperCase();
  if (isTls13Name(n)) return { rating: "ok" };
  if (/(^|-)(NULL|ENULL|ANULL)(-|$)/.test(n)) return { rating: "insecure", why: "no encryption or no authentication (NULL)" };
  if (/EXP|EXPORT/.test(n)) return { rating: "insecure", why: "40/56-bit export-grade" };
  if (/RC4/.test(n)) return { rating: "insecure", why: "RC4 (RFC 7465 forbids it)" };
  if (/^(ADH|AECDH)-|-ANON-|^DH-ANON/.test(n)) return { rating: "insecure", why: "anonymous key exchange: no server authentication" };
  if (/(^|-)MD5$/.test(n)) return { rating: "insecure", why: "MD5 MAC" };
  if (/(^|-)DES-CBC-|^DES-|(^|-)DES$/.test(n) && !/CBC3|3DES/.test(n)) return { rating: "insecure", why: "single DES" };
  if (/CBC3|3DES|DES-CBC3/.test(n)) return { rating: "weak", why: "3DES (64-bit blocks, Sweet32)" };
  if (/IDEA|SEED|RC2/.test(n)) return { rating: "weak", why: "legacy block cipher" };
  if (!/^(ECDHE|DHE|EDH|ECDH-|DH-)/.test(n) && !/PSK|SRP/.test(n)) return { rating: "weak", why: "RSA key exchange: no forward secrecy" };
  if (/-SHA$/.test(n)) return { rating: "weak", why: "CBC with SHA-1 (Lucky13-style padding oracles)" };
  return { rating: "ok" };
}

/** The certificate key a TLS 1.2 suite needs: RSA, ECDSA (EC or Ed25519 keys), or either (PSK and TLS 1.3). */
export function certificateKeyNeeded(name: string): "RSA" | "ECDSA" | "any" {
  const n = name.toUpperCase();
  if (isTls13Name(n)) return "any";
  if (/PSK|^SRP-/.test(n) && !/SRP-RSA|RSA-PSK|SRP-DSS/.test(n)) return "any";
  if (/ECDSA/.test(n)) return "ECDSA";
  // ECDHE-RSA-*, DHE-RSA-*, and plain RSA suites (AES256-GCM-SHA384, AES128-SHA) all sign or decrypt with RSA.
  return "RSA";
}

/** The tokens of an OpenSSL cipher string ("ALL:!aNULL:@SECLEVEL=0") that weaken it. */
export function weakCipherStringTokens(cipherString: string): string[] {
  const out: string[] = [];
  for (const tok of cipherString.split(/[:, ]+/).filter(Boolean)) {
    if (tok.startsWith("!") || tok.startsWith("-")) continue;
    const t = tok.replace(/^\+/, "");
    if (/^@SECLEVEL=[01]$/i.test(t)) out.push(t);
    else if (/^(ALL|COMPLEMENTOFALL|COMPLEMENTOFDEFAULT|LOW|EXPORT|EXP|eNULL|NULL|aNULL|RC4|DES|3DES|MD5|ADH|AECDH)$/i.test(t)) out.push(t);
    else if (/^[A-Z0-9-]+$/i.test(t) && /-/.test(t) && rateCipherName(t).rating !== "ok") out.push(t);
  }
  return out;
}
