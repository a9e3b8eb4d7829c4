// The TLS library a server reports (MySQL's Tls_library_version status, MariaDB's version_ssl_library
// variable), parsed, with the one table of OpenSSL support dates and known TLS CVEs the judgement uses.

/** A library name and version as the server printed it. */
export interface TlsLibrary {
  name: "OpenSSL" | "wolfSSL" | "yaSSL" | "LibreSSL" | "BoringSSL" | "unknown";
  /** "3.0.17", "1.1.1k", "5.6.4". */
  version?: string;
  /** The support branch: "3.0", "1.1.1", "1.0.2". */
  branch?: string;
  /** The text as the server printed it. */
  raw: string;
}

/** Parses "OpenSSL 3.0.17 1 Jul 2025", "OpenSSL 1.1.1k  FIPS 25 Mar 2021", "wolfSSL 5.6.4", "YaSSL 2.4.4". */
export function parseTlsLibrary(raw: string): TlsLibrary {
  const s = raw.trim();
  const m = /^(OpenSSL|wolfSSL|yaSSL|LibreSSL|BoringSSL)\s+(\d+\.\d+\.\d+[a-z]*|\d+\.\d+)/i.exec(s);
  if (!m) return { name: "unknown", raw: s };
  const name = (["OpenSSL", "wolfSSL", "yaSSL", "LibreSSL", "BoringSSL"] as const).find((n) => n.toLowerCase() === m[1]!.toLowerCase())!;
  const version = m[2]!;
  return { name, version, branch: branchOf(name, version), raw: s };
}

function branchOf(name: TlsLibrary["name"], version: string): string {
  const parts = version.split(".");
  if (name === "OpenSSL" && Number(parts[0]) < 3) return `${parts[0]}.${parts[1]}.${(parts[2] ?? "0").replace(/[a-z]+$/, "")}`;
  return `${parts[0]}.${parts[1]}`;
}

/**
 * OpenSSL support ends per branch. Source: OpenSSL Release Strategy,
 * https://openssl-library.org/policies/releasestrat/index.html (last modified 25 June 2025; 3.0 LTS until
 * 2026-09-07, 3.5 LTS until 2030-04-08, 3.1 until 2025-03-14, 3.2 until 2025-11-23), earlier revisions of the
 * same page for 0.9.8 to 1.1.1, and https://openssl-library.org/source/ for 3.3, 3.4, 3.6 and 4.0.
 */
export const OPENSSL_END_OF_LIFE: Readonly<Record<string, { eol: string; lts?: boolean }>> = {
  "0.9.8": { eol: "2015-12-31" },
  "1.0.0": { eol: "2015-12-31" },
  "1.0.1": { eol: "2016-12-31" },
  "1.0.2": { eol: "2019-12-31", lts: true },
  "1.1.0": { eol: "2019-09-11" },
  "1.1.1": { eol: "2023-09-11", lts: true },
  "3.0": { eol: "2026-09-07", lts: true },
  "3.1": { eol: "2025-03-14" },
  "3.2": { eol: "2025-11-23" },
  "3.3": { eol: "2026-04-09" },
  "3.4": { eol: "2026-10-22" },
  "3.5": { eol: "2030-04-08", lts: true },
  "3.6": { eol: "2026-11-01" },
  "4.0": { eol: "2027-05-14" },
};
export const OPENSSL_EOL_SOURCE = "https://openssl-library.org/policies/releasestrat/index.html";

/** TLS-relevant OpenSSL CVEs, by the version ranges (inclusive, per branch) they affect, from the OpenSSL advisories. */
export const OPENSSL_TLS_CVES: readonly { cve: string; ranges: [string, string][]; fixed: string; summary: string }[] = [
  { cve: "CVE-2014-0160", ranges: [["1.0.1", "1.0.1f"]], fixed: "1.0.1g", summary: "Heartbleed: the TLS heartbeat leaks server memory, including private keys" },
  { cve: "CVE-2014-0224", ranges: [["0.9.8", "0.9.8y"], ["1.0.0", "1.0.0l"], ["1.0.1", "1.0.1g"]], fixed: "0.9.8za / 1.0.0m / 1.0.1h", summary: "CCS injection: a man in the middle can force weak keys" },
  { cve: "CVE-2016-2107", ranges: [["1.0.1", "1.0.1s"], ["1.0.2", "1.0.2g"]], fixed: "1.0.1t / 1.0.2h", summary: "padding oracle in AES-NI CBC (LuckyNegative20)" },
  { cve: "CVE-2022-0778", ranges: [["1.0.2", "1.0.2zc"], ["1.1.1", "1.1.1m"], ["3.0.0", "3.0.1"]], fixed: "1.1.1n / 3.0.2", summary: "infinite loop parsing certificates: a peer's certificate hangs the server" },
  { cve: "CVE-2022-3602", ranges: [["3.0.0", "3.0.6"]], fixed: "3.0.7", summary: "X.509 email address buffer overflow during certificate verification" },
  { cve: "CVE-2023-0286", ranges: [["1.0.2", "1.0.2zf"], ["1.1.1", "1.1.1s"], ["3.0.0", "3.0.7"]], fixed: "1.1.1t / 3.0.8", summary: "X.400 address type confusion in certificate checks" },
];

/** Compares OpenSSL versions "1.0.1g" / "3.0.17": negative, zero or positive. */
export function compareOpenssl(a: string, b: string): number {
  const key = (v: string): number[] => {
    const m = /^(\d+)\.(\d+)\.(\d+)([a-z]*)$/.exec(v);
    if (!m) return [0];
    const letters = m[4]!.split("").reduce((n, ch) => n * 27 + (ch.charCodeAt(0) - 96), 0);
    return [Number(m[1]), Number(m[2]), Number(m[3]), letters];
  };
  const x = key(a);
  const y = key(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** How the library stands on a date: past end of life, CVEs that its version number falls in, or fine. */
export interface TlsLibraryJudgement {
  library: TlsLibrary;
  endOfLife?: string;
  pastEndOfLife: boolean;
  cves: { cve: string; fixed: string; summary: string }[];
  /** For non-OpenSSL libraries: why it is judged old. */
  obsolete?: string;
}

// wolfSSL 5.0 (2021) is the first with TLS 1.3 by default and the current security fixes; yaSSL was dropped by
// MySQL in 8.0 / 5.7.28 and never supported TLS 1.2 fully.
const WOLFSSL_MIN = [5, 0];

/** Judges the library against the table on `now` (distributions backport fixes: the version is evidence, not proof). */
export function judgeTlsLibrary(lib: TlsLibrary, now: Date): TlsLibraryJudgement {
  const out: TlsLibraryJudgement = { library: lib, pastEndOfLife: false, cves: [] };
  if (lib.name === "OpenSSL" && lib.version && lib.branch) {
    const row = OPENSSL_END_OF_LIFE[lib.branch];
    if (row) {
      out.endOfLife = row.eol;
      out.pastEndOfLife = now.getTime() > Date.parse(`${row.eol}T23:59:59Z`);
    } else if (compareOpenssl(lib.version, "1.0.0") < 0) {
      out.pastEndOfLife = true;
      out.endOfLife = "2015-12-31";
    }
    for (const c of OPENSSL_TLS_CVES) {
      const hit = c.ranges.some(([from, to]) => compareOpenssl(lib.version!, from) >= 0 && compareOpenssl(lib.version!, to) <= 0);
      if (hit) out.cves.push({ cve: c.cve, fixed: c.fixed, summary: c.summary });
    }
  } else if (lib.name === "yaSSL") {
    out.obsolete = "yaSSL is unmaintained (MySQL dropped it in 5.7.28 and 8.0) and lacks TLS 1.3";
  } else if (lib.name === "wolfSSL" && lib.version) {
    const [maj, min] = lib.version.split(".").map(Number);
    if ((maj ?? 0) < WOLFSSL_MIN[0]! || ((maj ?? 0) === WOLFSSL_MIN[0]! && (min ?? 0) < WOLFSSL_MIN[1]!)) {
      out.obsolete = `wolfSSL ${lib.version} predates 5.0, the oldest line that still receives security fixes`;
    }
  }
  return out;
}
