// One fix plan per server: one option-file block for its flavour and version, one cipher list, and the SQL the
// findings ask for, each statement once. Pure: the server's flavour and version and its findings in, the plan out.
// The statements are the checks' own (collected, never rebuilt); the option-file lines are chosen here, because
// only here is the flavour known for all of them at once. test/integration/fix-plan.test.ts starts real MariaDB
// servers with each posture's option-file block and checks that the findings it addresses are gone.
import { REGISTRY } from "../tls/suites.js";
import { statementAccount } from "./consolidate.js";
import { sqlStatementsIn } from "../knowledge/sql-quote.js";
import { SERVER_CIPHER_IDS } from "./finding-ids.js";
import type { Finding } from "./types.js";

/** The plan for one server, as data (the JSON's targets[].fixPlan) and as the text report renders it. */
export interface FixPlan {
  /** Lines to append to the server's option file (later lines win), then restart; absent when none are needed. */
  optionFile?: { file: string; section: string; lines: string[]; addresses: string[] };
  /** SQL statements to run as an administrator, each once, in order. */
  sql: string[];
  /** Steps neither an option file nor SQL can do (a new certificate, an upgrade), one line each. */
  steps: string[];
  /** The finding ids the plan addresses. */
  addresses: string[];
}

/** The option file both servers read on Debian, Ubuntu and RHEL-family packages (after /etc/my.cnf). */
export const OPTION_FILE = "/etc/mysql/my.cnf";

/** Parses "8.0.36", "5.5.5-10.11.19-MariaDB-0+deb12u1" (MariaDB's replication prefix) into numbers. */
export function parseServerVersion(version: string, flavor: string): [number, number, number] | undefined {
  const text = flavor === "mariadb" ? version.replace(/^5\.5\.5-/, "") : version;
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: [number, number, number] | undefined, min: [number, number, number]): boolean {
  if (!v) return true; // unknown: assume a current release
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/** Mozilla's "intermediate" suites: the one cipher list every plan uses (TLS 1.2 names, TLS 1.3 names). */
export function recommendedSuites(): { tls12: string[]; tls13: string[] } {
  const mozilla = REGISTRY.sources.mozilla as { intermediate: string[] };
  return { tls12: mozilla.intermediate.filter((n) => !n.startsWith("TLS_")), tls13: mozilla.intermediate.filter((n) => n.startsWith("TLS_")) };
}

const VERSION_IDS = ["protocol.sslv3-accepted", "protocol.tls10-accepted", "protocol.tls11-accepted", "settings.legacy-tls-version", "settings.tls-channel-legacy-version", "policy.tls-version-below-minimum"];
const TRANSPORT_IDS = ["settings.require-secure-transport-off", "accounts.cleartext-login"];
const SQL_START = /^(ALTER USER|DROP USER|CHANGE (REPLICATION SOURCE|MASTER)\b|(STOP|START) (SLAVE|REPLICA)\b|SET (GLOBAL|PERSIST) |ALTER INSTANCE|FLUSH SSL)/i;
// What a step line says for each finding whose fix is neither an option nor SQL.
const STEPS: Record<string, string> = {
  "tls.not-offered": "Give the server a certificate and key: set ssl_cert and ssl_key in the block above to your files",
  "settings.tls-disabled": "Give the server a certificate and key: set ssl_cert and ssl_key in the block above to your files",
  "cert.expired": "Install a new certificate (ssl_cert, ssl_key): this one has expired",
  "cert.not-yet-valid": "Install a certificate that is valid now, or fix the clocks",
  "settings.server-certificate-expired": "Install a new certificate (ssl_cert, ssl_key): this one has expired",
  "cert.expiring-soon": "Renew the certificate before it expires",
  "cert.rsa-weak-key": "First put a certificate on a new RSA 3072-bit or EC P-256 key, signed with SHA-256, at ssl_cert/ssl_key: OpenSSL refuses the old one once ssl_cipher no longer lowers its security level",
  "cert.weak-signature": "First put a certificate on a new RSA 3072-bit or EC P-256 key, signed with SHA-256, at ssl_cert/ssl_key: OpenSSL refuses the old one once ssl_cipher no longer lowers its security level",
  "cert.auto-generated": "Replace the auto-generated certificate with one from your own CA for the names clients use",
  "cert.self-signed": "Replace the self-signed certificate with one from a CA the clients trust",
  "cert.untrusted": "Give clients the CA that issued the chain (ssl-ca), or use one they trust",
  "cert.missing-intermediate": "Append the intermediate certificate to the ssl_cert file, leaf first",
  "cert.wrong-order": "Rebuild the ssl_cert file leaf first, each certificate followed by its issuer",
  "cert.hostname-mismatch": "Issue a certificate whose subjectAltName lists the names clients connect to",
  "cert.leaf-is-ca": "Issue a leaf certificate with basicConstraints CA:FALSE",
  "settings.tls-library-eol": "Upgrade the TLS library (or the server to a build on a supported one)",
  "settings.tls-library-cve": "Upgrade the TLS library (or the server to a build on a fixed one)",
  "settings.tls-library-obsolete": "Upgrade the server to a release built against OpenSSL",
  "protocol.no-tls12-or-13": "Upgrade to a server built with OpenSSL 1.1.1 or later (MySQL 8.0, MariaDB 10.4+)",
  "protocol.no-tls13": "Upgrade to a server built with OpenSSL 1.1.1 or later (MySQL 8.0.16+, MariaDB 10.4.6+)",
};

/** The option-file section a server reads: [mariadbd] on MariaDB 10.4.6+ (older MariaDB and MySQL: [mysqld]). */
export function serverSection(flavor: string, version: [number, number, number] | undefined): string {
  return flavor === "mariadb" && atLeast(version, [10, 4, 6]) ? "mariadbd" : "mysqld";
}

/** The fix plan for one server from its (consolidated) findings. */
export function fixPlanOf(server: { flavor: string; version: string } | undefined, findings: readonly Finding[]): FixPlan {
  const flavor = server?.flavor ?? "unknown";
  const version = server ? parseServerVersion(server.version, flavor) : undefined;
  const mariadb = flavor === "mariadb";
  const has = (ids: string[]) => findings.filter((f) => ids.includes(f.id));
  const addresses = new Set<string>();
  const lines: string[] = [];
  // What the option-file block alone addresses (test/integration/fix-plan.test.ts checks these are gone after it).
  const byFile = new Set<string>();

  // A server that gets TLS from this plan gets all of it: versions and suites too, not its library's defaults.
  const enablesTls = has(["tls.not-offered", "settings.tls-disabled"]).length > 0;
  // A key or signature below OpenSSL's default security level only loads while ssl_cipher lowers it
  // (@SECLEVEL=0): measured on MariaDB 10.11, the plan's cipher list with the old certificate stops the server
  // ("Unable to get certificate"). So the plan replaces the certificate in the same block.
  const weakCert = has(["cert.rsa-weak-key", "cert.weak-signature"]).filter((f) => f.severity !== "info");
  if (enablesTls || weakCert.length) {
    lines.push("ssl_cert=/etc/mysql/tls/server-cert.pem", "ssl_key=/etc/mysql/tls/server-key.pem");
    [...has(["tls.not-offered", "settings.tls-disabled"]), ...weakCert].forEach((f) => addresses.add(f.id));
  }
  const versionFindings = has(VERSION_IDS);
  if (versionFindings.length || enablesTls) {
    // A policy stricter than TLS 1.2 (TLS 1.3 only) says so in its own finding's fix.
    const policyLine = versionFindings.map((f) => /tls_version=(\S+)/.exec(f.fix ?? "")?.[1]).find((v) => v !== undefined);
    lines.push(`tls_version=${policyLine ?? "TLSv1.2,TLSv1.3"}`);
    versionFindings.forEach((f) => addresses.add(f.id));
  }
  if (has(["settings.admin-legacy-tls-version"]).length && !mariadb) {
    lines.push("admin_tls_version=TLSv1.2,TLSv1.3");
    addresses.add("settings.admin-legacy-tls-version");
  }
  const cipherFindings = has([...SERVER_CIPHER_IDS]);
  if (cipherFindings.length || enablesTls) {
    const { tls12, tls13 } = suitesFor(findings);
    // MariaDB has no tls_ciphersuites (10.11 refuses to start with it): it reads TLS 1.3 names in ssl_cipher.
    if (mariadb) lines.push(`ssl_cipher=${[...tls13, ...tls12].join(":")}`);
    else {
      lines.push(`ssl_cipher=${tls12.join(":")}`);
      if (atLeast(version, [8, 0, 16])) lines.push(`tls_ciphersuites=${tls13.join(":")}`);
    }
    cipherFindings.forEach((f) => addresses.add(f.id));
  }
  if (has(["settings.admin-weak-ssl-cipher"]).length && !mariadb) {
    lines.push(`admin_ssl_cipher=${suitesFor(findings).tls12.join(":")}`);
    addresses.add("settings.admin-weak-ssl-cipher");
  }
  const transport = has(TRANSPORT_IDS);
  if (has(["settings.require-secure-transport-off"]).length) {
    lines.push("require_secure_transport=ON");
    // require_secure_transport ON refuses clear text for every account at once.
    transport.forEach((f) => addresses.add(f.id));
  }

  addresses.forEach((id) => byFile.add(id));
  // The statements the checks wrote, each once; none for an account the plan drops.
  const statements: string[] = [];
  for (const f of findings) {
    for (const s of statementsOf(f.fix)) {
      if (!statements.includes(s)) statements.push(s);
      addresses.add(f.id);
    }
  }
  const dropped = new Set(statements.filter((s) => /^DROP USER/i.test(s)).map((s) => statementAccount(s)));
  // require_secure_transport=ON refuses clear text for every account: no per-account REQUIRE SSL is needed then.
  const secureTransport = lines.includes("require_secure_transport=ON");
  const sql = statements.filter((s) => !(/^ALTER USER/i.test(s) && (dropped.has(statementAccount(s)) || (secureTransport && /REQUIRE SSL;$/i.test(s)))));
  const steps = [...new Set(findings.map((f) => STEPS[f.id]).filter((s): s is string => s !== undefined))];
  findings.filter((f) => STEPS[f.id] !== undefined).forEach((f) => addresses.add(f.id));
  return {
    ...(lines.length ? { optionFile: { file: OPTION_FILE, section: serverSection(flavor, version), lines, addresses: [...byFile].sort() } } : {}),
    sql,
    steps,
    addresses: [...addresses].sort(),
  };
}

/**
 * The SQL statements in a finding's fix, each whole and exact, without trailing comments. Read by the quoting
 * module's own reader, so a name holding ";", "--" or a newline stays inside its statement and can never add one.
 */
export function statementsOf(fix: string | undefined): string[] {
  return fix ? sqlStatementsIn(fix, SQL_START) : [];
}

// The policy's allowed suites when it names them (its finding's fix carries them), else Mozilla's intermediate.
function suitesFor(findings: readonly Finding[]): { tls12: string[]; tls13: string[] } {
  const policy = findings.find((f) => f.id === "policy.suite-not-allowed" && /ssl_cipher=/.test(f.fix ?? ""));
  if (policy) {
    const tls12 = (/ssl_cipher=(\S+)/.exec(policy.fix!)?.[1] ?? "").split(":").filter((n) => n && n !== "(none)");
    const tls13 = (/tls_ciphersuites=(\S+)/.exec(policy.fix!)?.[1] ?? "").split(":").filter((n) => n && n !== "(none)");
    if (tls12.length + tls13.length > 0) return { tls12, tls13 };
  }
  return recommendedSuites();
}
