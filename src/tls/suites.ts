// The cipher-suite registry: data/cipher-suites.json (IANA code points, OpenSSL names, ratings and their sources).
import { readFileSync } from "node:fs";
import { packageFile } from "../package-files.js";
import type { TlsVersionName } from "./node-handshake.js";

export type { TlsVersionName };
export type SuiteRating = "insecure" | "weak" | "secure" | "recommended";
/** tls13: TLS 1.3 only; tls12: needs TLS 1.2; ssl3+: defined for SSL 3.0 through TLS 1.2. */
export type SuiteProtocol = "tls13" | "tls12" | "ssl3+";

export interface CipherSuite {
  code: number;
  iana: string;
  openssl?: string;
  protocol: SuiteProtocol;
  /** RSA, DH, DHE, ECDH, ECDHE, PSK, DHE-PSK, RSA-PSK, ECDHE-PSK, SRP, GOST, or "any" for TLS 1.3. */
  keyExchange?: string;
  /** RSA, DSS, ECDSA, anon, PSK, SRP, GOST, or "any" for TLS 1.3. */
  authentication?: string;
  cipher?: string;
  bits?: number;
  /** MD5, SHA1, SHA256, SHA384, AEAD, or a GOST MAC. */
  mac?: string;
  export?: boolean;
  rating: SuiteRating;
  ianaRecommended: "Y" | "N" | "D";
  /** A signalling value (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV), not a suite a server can choose. */
  scsv?: boolean;
}

interface RawSuite extends Omit<CipherSuite, "code"> {
  code: string;
}

export interface SuiteRegistry {
  description: string;
  sources: Record<string, unknown>;
  suites: CipherSuite[];
}

const DATA_URL = packageFile("data/cipher-suites.json");

function load(): SuiteRegistry {
  const raw = JSON.parse(readFileSync(DATA_URL, "utf8")) as { description: string; sources: Record<string, unknown>; suites: RawSuite[] };
  const suites = raw.suites.map((s) => ({ ...s, code: Number.parseInt(s.code, 16) }));
  return { description: raw.description, sources: raw.sources, suites };
}

/** The whole data file: its description, sources and rating rule, and the suites. */
export const REGISTRY: SuiteRegistry = load();

/** Every suite and SCSV of the registry, in code-point order. */
export const SUITES: readonly CipherSuite[] = REGISTRY.suites;

const byCode = new Map(SUITES.map((s) => [s.code, s]));
const byOpenssl = new Map(SUITES.filter((s) => s.openssl).map((s) => [s.openssl!, s]));
const byIana = new Map(SUITES.map((s) => [s.iana, s]));

/** The suite with this IANA code point, if the registry has it. */
export function suiteByCode(code: number): CipherSuite | undefined {
  return byCode.get(code);
}

/** The suite OpenSSL calls `name` (e.g. "ECDHE-RSA-AES128-GCM-SHA256", or a TLS 1.3 name). */
export function suiteByOpenSSLName(name: string): CipherSuite | undefined {
  return byOpenssl.get(name);
}

/** The suite with this IANA name (e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"). */
export function suiteByIana(name: string): CipherSuite | undefined {
  return byIana.get(name);
}

/** The real suites (no SCSVs) a server may choose under protocol version v. */
export function suitesForVersion(v: TlsVersionName): CipherSuite[] {
  return SUITES.filter((s) => !s.scsv && (v === "TLSv1.3" ? s.protocol === "tls13" : s.protocol === "ssl3+" || (v === "TLSv1.2" && s.protocol === "tls12")));
}

/** A printable name for a code point: the IANA name when known, else the hex code. */
export function suiteName(code: number): string {
  return byCode.get(code)?.iana ?? `0x${code.toString(16).padStart(4, "0")}`;
}

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;
