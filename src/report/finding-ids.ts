import type { Finding, Severity } from "./types.js";

/** The documentation of one finding id: which check emits it, how severe it usually is, what it means. */
export interface FindingIdDoc {
  id: string;
  check: string;
  /** The usual severity; "varies" when the evidence decides (days left, key size, local or remote host). */
  severity: Severity | "varies";
  meaning: string;
}

/** The benchmarks the audit cites, by edition; a finding cites the one for the server's flavour (MySQL and Percona: Oracle MySQL). */
export const BENCHMARKS = {
  mysql: "CIS Oracle MySQL 8.0 Enterprise v1.4.0 / 8.4 v1.0.0",
  mariadb: "CIS MariaDB 10.11 v1.0.0",
  stig: "DISA STIG Oracle MySQL 8.0",
} as const;

/** One numbered recommendation: its number in each benchmark and what it asks. */
interface Recommendation {
  mysql?: string;
  mariadb?: string;
  stig?: string;
  what: string;
}

/** The recommendations the audit cites, with their numbers in each benchmark edition. */
export const RECOMMENDATIONS = {
  material: { mysql: "2.6", mariadb: "2.5", what: "non-default, unique cryptographic material" },
  versions: { mysql: "2.15", mariadb: "2.10", what: "limit accepted TLS versions (tls_version = TLSv1.2,TLSv1.3)" },
  clientCerts: { mysql: "2.16", mariadb: "2.11", what: "client-side certificates (X.509)" },
  ciphers: { mysql: "2.17", mariadb: "2.12", what: "approved ciphers only" },
  transport: { mysql: "8.1", mariadb: "8.1", stig: "MYS8-00-011300", what: "require_secure_transport ON (have_ssl YES)" },
  sslType: { mysql: "8.2", mariadb: "8.2", what: "ssl_type ANY, X509 or SPECIFIED for remote users" },
  replicationVerify: { mysql: "9.2", mariadb: "9.2", what: "SOURCE_SSL_VERIFY_SERVER_CERT (MASTER_SSL_VERIFY_SERVER_CERT) on replication" },
  replicationCiphers: { mariadb: "9.4", what: "approved ciphers and TLS versions for replication" },
  replicationMutual: { mariadb: "9.5", what: "mutual TLS for replication" },
} as const satisfies Record<string, Recommendation>;
type RecommendationName = keyof typeof RECOMMENDATIONS;

/** The findings about the suites the server accepts or its ssl_cipher enables: what one cipher list in my.cnf fixes. */
export const SERVER_CIPHER_IDS: readonly string[] = [
  "cipher.null",
  "cipher.anonymous",
  "cipher.export",
  "cipher.insecure",
  "cipher.weak",
  "cipher.no-server-preference",
  "cipher.dhe-weak-params",
  "settings.weak-ssl-cipher",
  "policy.suite-forbidden",
  "policy.suite-not-allowed",
];

// Which recommendations apply to which finding ids.
const BY_ID: Record<string, RecommendationName[]> = {
  ...Object.fromEntries(
    [
      "protocol.sslv3-accepted",
      "protocol.tls10-accepted",
      "protocol.tls11-accepted",
      "protocol.no-tls12-or-13",
      "policy.tls-version-below-minimum",
      "settings.legacy-tls-version",
      "settings.admin-legacy-tls-version",
      "settings.tls-channel-legacy-version",
    ].map((id) => [id, ["versions"]]),
  ),
  ...Object.fromEntries([...SERVER_CIPHER_IDS, "settings.admin-weak-ssl-cipher", "accounts.weak-require-cipher"].map((id) => [id, ["ciphers"]])),
  ...Object.fromEntries(
    ["tls.not-offered", "protocol.tls-not-offered", "settings.tls-disabled", "settings.tls-channel-disabled", "settings.require-secure-transport-off", "settings.require-secure-transport-missing"].map((id) => [
      id,
      ["transport"],
    ]),
  ),
  "accounts.cleartext-login": ["sslType", "transport"],
  "accounts.remote-without-x509": ["clientCerts", "sslType"],
  "cert.auto-generated": ["material"],
  "replication.no-tls": ["replicationVerify", "replicationMutual"],
  "replication.no-verify": ["replicationVerify"],
  "replication.legacy-tls-version": ["versions", "replicationCiphers"],
};

/** The numbered benchmark references for a finding id on a server of this flavour ("mariadb"; anything else reads as MySQL). */
export function benchmarkReferences(id: string, flavor: string | undefined): string[] {
  const mariadb = flavor === "mariadb";
  const out: string[] = [];
  for (const name of BY_ID[id] ?? []) {
    const r: Recommendation = RECOMMENDATIONS[name];
    const n = mariadb ? r.mariadb : r.mysql;
    if (n) out.push(`${mariadb ? BENCHMARKS.mariadb : BENCHMARKS.mysql} ${n}: ${r.what}`);
    if (!mariadb && r.stig) out.push(`${BENCHMARKS.stig} ${r.stig}: ${r.what}`);
  }
  return out;
}

/**
 * The finding with the benchmark recommendations for its id and the server's flavour: numbered references replace
 * the checks' own unnumbered CIS wording for the same ids; ids no recommendation covers keep their references.
 */
export function withBenchmarkReferences<T extends Pick<Finding, "id" | "references">>(f: T, flavor: string | undefined): T {
  const numbered = benchmarkReferences(f.id, flavor);
  if (numbered.length === 0) return f;
  const own = (f.references ?? []).filter((r) => !r.startsWith("CIS ") && !r.startsWith("DISA STIG "));
  return { ...f, references: [...own, ...numbered] };
}

