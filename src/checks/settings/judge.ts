import { tlsVersionRank, type Policy } from "../../policy/policy.js";
import type { CipherFacts } from "../../tls/enumerate.js";
import type { LoginFacts } from "../session.js";
import type { Finding } from "../../report/types.js";
import type { ServerSettingsFacts } from "../../sql/settings.js";
import { rateCipherName, weakCipherStringTokens } from "../../sql/cipher-names.js";
import { judgeTlsLibrary, OPENSSL_EOL_SOURCE, parseTlsLibrary } from "../../sql/tls-library.js";
import { privilegeFindings } from "../../sql/privileges.js";
import { checkLogin } from "../login.js";

/** One row of `settings` (the JSON contract's settings[] entry). */
export interface SettingRow {
  name: string;
  kind: "variable" | "status";
  /** "global", or "session" for this login's own Ssl_version / Ssl_cipher. */
  scope: "global" | "session";
  available: boolean;
  value?: string;
  meaning: string;
  secure?: boolean;
  /** Why it is (not) secure, or "not available on MariaDB 10.11". */
  note?: string;
}

type Judge = (value: string, f: ServerSettingsFacts, now: Date) => { secure?: boolean; note?: string };

interface Spec {
  name: string;
  kind: "variable" | "status";
  scope?: "global" | "session";
  meaning: string;
  judge?: Judge;
}

const LEGACY_VERSIONS = /(^|,)\s*(SSLv3|TLSv1|TLSv1\.0|TLSv1\.1)\s*(,|$)/i;

const onOff: Judge = (v) => (/^(ON|1|YES)$/i.test(v) ? { secure: true } : { secure: false, note: "clear-text connections are accepted" });
const haveSsl: Judge = (v) => (v.toUpperCase() === "YES" ? { secure: true } : { secure: false, note: v.toUpperCase() === "DISABLED" ? "compiled with TLS but started without a usable certificate" : "no TLS support" });
const tlsVersions: Judge = (v) => {
  if (v.trim() === "") return { secure: false, note: "no TLS protocol enabled" };
  return LEGACY_VERSIONS.test(v) ? { secure: false, note: "allows TLS 1.0/1.1 (deprecated by RFC 8996)" } : { secure: true };
};
const cipherString: Judge = (v) => {
  if (v.trim() === "") return { note: "empty: the TLS library's defaults" };
  const weak = weakCipherStringTokens(v);
  return weak.length ? { secure: false, note: `enables weak ciphers: ${weak.join(", ")}` } : { secure: true };
};
const library: Judge = (v, _f, now) => {
  const j = judgeTlsLibrary(parseTlsLibrary(v), now);
  if (j.library.name === "unknown") return { note: "unrecognised library" };
  if (j.obsolete) return { secure: false, note: j.obsolete };
  if (j.cves.length) return { secure: false, note: `version falls in ${j.cves.map((c) => c.cve).join(", ")}` };
  if (j.pastEndOfLife) return { secure: false, note: `${j.library.name} ${j.library.branch} reached end of life on ${j.endOfLife}` };
  return { secure: true, ...(j.endOfLife ? { note: `${j.library.branch} supported until ${j.endOfLife}` } : {}) };
};
const emptyCert: Judge = (_v, f) =>
  f.sessionTls.encrypted ? { note: "no server certificate" } : { note: "empty: MariaDB reports the current connection's certificate, and this login is not encrypted" };
const notAfter: Judge = (v, f, now) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) return v === "" ? emptyCert(v, f, now) : {};
  return t > now.getTime() ? { secure: true } : { secure: false, note: "the server certificate has expired" };
};
const notBefore: Judge = (v, f, now) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) return v === "" ? emptyCert(v, f, now) : {};
  return t <= now.getTime() ? { secure: true } : { secure: false, note: "the server certificate is not valid yet" };
};
const sessionVersion: Judge = (v) => {
  if (v === "") return { secure: false, note: "this login is not encrypted" };
  return /^TLSv1\.[23]$/.test(v) ? { secure: true } : { secure: false, note: "an obsolete protocol" };
};
const sessionCipher: Judge = (v) => {
  if (v === "") return { secure: false, note: "this login is not encrypted" };
  const r = rateCipherName(v);
  return r.rating === "ok" ? { secure: true } : { secure: false, note: r.why ?? r.rating };
};
const path: (what: string) => Judge = (what) => (v) => (v === "" ? { note: `not set: ${what}` } : {});

/** The settings of issue 5, in display order, each with one line of meaning. */
export const SETTING_SPECS: readonly Spec[] = [
  { name: "Tls_library_version", kind: "status", meaning: "the TLS library the server runs (MySQL 8.0.30+)", judge: library },
  { name: "version_ssl_library", kind: "variable", meaning: "the TLS library the server runs (MariaDB)", judge: library },
  { name: "have_ssl", kind: "variable", meaning: "YES when the server can encrypt connections", judge: haveSsl },
  { name: "have_openssl", kind: "variable", meaning: "alias of have_ssl (deprecated)", judge: haveSsl },
  { name: "require_secure_transport", kind: "variable", meaning: "ON refuses every clear-text TCP connection", judge: onOff },
  { name: "tls_version", kind: "variable", meaning: "TLS versions the server is configured to allow (which it accepts only handshakes tell: see the protocols check)", judge: tlsVersions },
  { name: "ssl_cipher", kind: "variable", meaning: "cipher list for TLS 1.2 and older", judge: cipherString },
  { name: "tls_ciphersuites", kind: "variable", meaning: "TLS 1.3 cipher suites (empty: library defaults)" },
  { name: "ssl_ca", kind: "variable", meaning: "CA file that verifies client certificates (REQUIRE X509/ISSUER/SUBJECT)", judge: path("client certificates cannot be verified") },
  { name: "ssl_capath", kind: "variable", meaning: "directory of CA certificates for client certificates" },
  { name: "ssl_cert", kind: "variable", meaning: "the server's certificate file", judge: path("no certificate configured") },
  { name: "ssl_key", kind: "variable", meaning: "the server's private key file" },
  { name: "ssl_crl", kind: "variable", meaning: "certificate revocation list for client certificates", judge: path("revoked client certificates are still accepted") },
  { name: "ssl_crlpath", kind: "variable", meaning: "directory of revocation lists" },
  { name: "Ssl_server_not_before", kind: "status", meaning: "start of the server certificate's validity", judge: notBefore },
  { name: "Ssl_server_not_after", kind: "status", meaning: "end of the server certificate's validity", judge: notAfter },
  { name: "ssl_fips_mode", kind: "variable", meaning: "FIPS mode of the TLS library (MySQL 8.0, removed in 8.4)" },
  { name: "admin_tls_version", kind: "variable", meaning: "TLS versions the administrative interface is configured to allow (MySQL 8.0.21+)", judge: tlsVersions },
  { name: "admin_ssl_cipher", kind: "variable", meaning: "TLS 1.2 ciphers of the administrative interface", judge: cipherString },
  { name: "admin_tls_ciphersuites", kind: "variable", meaning: "TLS 1.3 suites of the administrative interface" },
  { name: "admin_ssl_ca", kind: "variable", meaning: "CA file of the administrative interface" },
  { name: "admin_ssl_capath", kind: "variable", meaning: "CA directory of the administrative interface" },
  { name: "admin_ssl_cert", kind: "variable", meaning: "certificate of the administrative interface" },
  { name: "admin_ssl_key", kind: "variable", meaning: "private key of the administrative interface" },
  { name: "admin_ssl_crl", kind: "variable", meaning: "revocation list of the administrative interface" },
  { name: "admin_ssl_crlpath", kind: "variable", meaning: "revocation list directory of the administrative interface" },
  { name: "Current_tls_version", kind: "status", meaning: "TLS protocols in effect now (after ALTER INSTANCE RELOAD TLS)", judge: tlsVersions },
  { name: "Current_tls_cipher", kind: "status", meaning: "TLS 1.2 ciphers in effect now", judge: cipherString },
  { name: "Current_tls_ciphersuites", kind: "status", meaning: "TLS 1.3 suites in effect now" },
  { name: "Current_tls_ca", kind: "status", meaning: "CA file in effect now" },
  { name: "Current_tls_capath", kind: "status", meaning: "CA directory in effect now" },
  { name: "Current_tls_cert", kind: "status", meaning: "certificate in effect now" },
  { name: "Current_tls_key", kind: "status", meaning: "private key in effect now" },
  { name: "Current_tls_crl", kind: "status", meaning: "revocation list in effect now" },
  { name: "Current_tls_crlpath", kind: "status", meaning: "revocation list directory in effect now" },
  { name: "Ssl_version", kind: "status", scope: "session", meaning: "the protocol of this tool's own login", judge: sessionVersion },
  { name: "Ssl_cipher", kind: "status", scope: "session", meaning: "the cipher of this tool's own login", judge: sessionCipher },
];

/** The settings table: every row with its value, meaning and judgement, or "not available on <flavour version>". */
export function settingRows(f: ServerSettingsFacts, now: Date = new Date()): SettingRow[] {
  return SETTING_SPECS.map((spec) => {
    const scope = spec.scope ?? "global";
    const source = spec.kind === "variable" ? f.variables : scope === "session" ? f.session : f.status;
    const base = { name: spec.name, kind: spec.kind, scope, meaning: spec.meaning };
    if (!source) return { ...base, available: false, note: "could not be read (see the privilege findings)" };
    const value = source[spec.name.toLowerCase()];
    if (value === undefined) return { ...base, available: false, note: `not available on ${f.flavorLabel}` };
    const j = spec.judge ? spec.judge(value, f, now) : {};
    return { ...base, available: true, value, ...(j.secure !== undefined ? { secure: j.secure } : {}), ...(j.note ? { note: j.note } : {}) };
  });
}

const REF_MYSQL = "MySQL 8.4 Reference Manual, 8.3.1 Configuring MySQL to Use Encrypted Connections";
const REF_MARIADB = "MariaDB docs: Securing Connections for Client and Server";

/** The settings check's JSON section (without the login, which the caller adds): the rows and the TLS channels. */
export function settingsJson(f: ServerSettingsFacts, rows: SettingRow[]): Record<string, unknown> {
  return { settings: rows, tlsChannels: f.tlsChannels ?? null, ...(f.tlsChannelsNote ? { tlsChannelsNote: f.tlsChannelsNote } : {}) };
}

/** Findings from the server's own TLS settings, its TLS library and its TLS channels. */
export function checkSettings(f: ServerSettingsFacts, now: Date = new Date()): Finding[] {
  const out: Finding[] = [];
  const v = f.variables ?? {};
  const st = f.status ?? {};
  const mariadb = f.flavor === "mariadb";
  const section = mariadb ? "[mariadbd]" : "[mysqld]";
  const ref = mariadb ? REF_MARIADB : REF_MYSQL;
  const setGlobal = (name: string, value: string) =>
    mariadb
      ? `SET GLOBAL ${name} = ${value};  -- and in my.cnf ${section}: ${name} = ${value.replace(/'/g, "")}`
      : `SET PERSIST ${name} = ${value};`;

  const haveSsl = v.have_ssl;
  if (haveSsl !== undefined && haveSsl.toUpperCase() !== "YES") {
    out.push({
      id: "settings.tls-disabled",
      severity: "critical",
      title: "The server cannot encrypt connections (have_ssl is not YES)",
      evidence: `have_ssl = ${haveSsl}`,
      fix: `In my.cnf ${section}: ssl_cert = /path/server-cert.pem, ssl_key = /path/server-key.pem, ssl_ca = /path/ca.pem; then restart`,
      references: [ref],
    });
  }
  const rst = v.require_secure_transport;
  if (rst !== undefined && !/^(ON|1)$/i.test(rst)) {
    out.push({
      id: "settings.require-secure-transport-off",
      severity: "medium",
      title: "The server accepts clear-text connections (require_secure_transport is OFF)",
      evidence: `require_secure_transport = ${rst}`,
      fix: setGlobal("require_secure_transport", "ON"),
      references: [ref, "CIS Oracle MySQL Benchmark: ensure 'require_secure_transport' is set to 'ON'"],
    });
  } else if (rst === undefined && f.variables) {
    out.push({
      id: "settings.require-secure-transport-missing",
      severity: "low",
      title: `The server has no require_secure_transport (not available on ${f.flavorLabel}): only per-account REQUIRE SSL can refuse clear text`,
      evidence: "SHOW GLOBAL VARIABLES lists no require_secure_transport",
      fix: "ALTER USER ... REQUIRE SSL for every account (see `accounts`), or upgrade to MariaDB 10.5+ / MySQL 5.7.8+",
    });
  }
  for (const name of ["tls_version", "admin_tls_version"]) {
    const val = v[name];
    if (val !== undefined && LEGACY_VERSIONS.test(val)) {
      out.push({
        id: name === "tls_version" ? "settings.legacy-tls-version" : "settings.admin-legacy-tls-version",
        severity: "medium",
        title: `${name} allows TLS 1.0 or 1.1 (deprecated by RFC 8996)`,
        evidence: `${name} = ${val} (whether the TLS library still completes such handshakes is what \`ciphers\` measures)`,
        fix: `In my.cnf ${section}: ${name} = TLSv1.2,TLSv1.3${mariadb ? "; then restart" : " (or SET PERSIST, then ALTER INSTANCE RELOAD TLS)"}`,
        references: ["RFC 8996", ref],
      });
    }
  }
  for (const name of ["ssl_cipher", "admin_ssl_cipher"]) {
    const val = v[name];
    const weak = val ? weakCipherStringTokens(val) : [];
    if (weak.length) {
      out.push({
        id: name === "ssl_cipher" ? "settings.weak-ssl-cipher" : "settings.admin-weak-ssl-cipher",
        severity: "medium",
        title: `${name} enables weak ciphers`,
        evidence: `${name} = ${val}; weak: ${weak.join(", ")}`,
        fix: `In my.cnf ${section}: ${name} = ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256`,
        references: [ref],
      });
    }
  }

  const libName = st.tls_library_version !== undefined ? "Tls_library_version" : v.version_ssl_library !== undefined ? "version_ssl_library" : undefined;
  const libRaw = st.tls_library_version ?? v.version_ssl_library;
  if (libName && libRaw !== undefined) {
    const j = judgeTlsLibrary(parseTlsLibrary(libRaw), now);
    const backport = "Distributions (Debian, Ubuntu, RHEL) backport fixes without changing the version: confirm with the package changelog.";
    if (j.pastEndOfLife) {
      const old = j.library.branch !== undefined && /^(0|1\.0|1\.1\.0)/.test(j.library.branch);
      out.push({
        id: "settings.tls-library-eol",
        severity: old ? "high" : "medium",
        title: `The server's TLS library, ${j.library.name} ${j.library.branch}, is past its end of life (${j.endOfLife})`,
        evidence: `${libName} = ${libRaw}. ${backport}`,
        fix: mariadb ? "Upgrade the OS's OpenSSL package (or MariaDB to a build on a supported OpenSSL), then restart mariadbd" : "Upgrade MySQL to a build linked against a supported OpenSSL (3.5 LTS), then restart",
        references: [OPENSSL_EOL_SOURCE],
      });
    }
    for (const c of j.cves) {
      out.push({
        id: "settings.tls-library-cve",
        severity: "high",
        title: `The server's TLS library version is affected by ${c.cve}: ${c.summary}`,
        evidence: `${libName} = ${libRaw}; fixed in ${c.fixed}. ${backport}`,
        fix: `Upgrade OpenSSL to ${c.fixed} or later, then restart the server`,
        references: [`https://www.cve.org/CVERecord?id=${c.cve}`],
      });
    }
    if (j.obsolete) {
      out.push({
        id: "settings.tls-library-obsolete",
        severity: "high",
        title: `The server's TLS library is obsolete: ${j.obsolete}`,
        evidence: `${libName} = ${libRaw}`,
        fix: "Upgrade the server to a release built against OpenSSL",
        references: [ref],
      });
    }
  }

  const na = st.ssl_server_not_after;
  if (na && !Number.isNaN(Date.parse(na)) && Date.parse(na) <= now.getTime()) {
    out.push({
      id: "settings.server-certificate-expired",
      severity: "high",
      title: "The certificate the server presents has expired",
      evidence: `Ssl_server_not_after = ${na}`,
      fix: mariadb ? "Install a new certificate at ssl_cert/ssl_key, then FLUSH SSL" : "Install a new certificate at ssl_cert/ssl_key, then ALTER INSTANCE RELOAD TLS",
      references: [ref],
    });
  }

  for (const ch of f.tlsChannels ?? []) {
    const p = ch.properties;
    // "Enabled" says whether the interface supports encrypted connections. The admin interface is off unless
    // admin_address is set, so only the main one is a finding (on MySQL 8.4, which has no have_ssl, the only one).
    if (ch.channel === "mysql_main" && /^no$/i.test(p.Enabled ?? "")) {
      out.push({
        id: "settings.tls-channel-disabled",
        severity: "critical",
        title: "The main connection interface cannot encrypt connections (tls_channel_status: mysql_main Enabled = No)",
        evidence: `performance_schema.tls_channel_status: mysql_main Enabled=${p.Enabled}`,
        fix: "Set ssl_cert and ssl_key (SET PERSIST ssl_cert = '/path/server-cert.pem', ssl_key = '/path/server-key.pem'), then ALTER INSTANCE RELOAD TLS",
        references: [REF_MYSQL],
      });
    }
    const ver = p.Current_tls_version;
    if (ver && LEGACY_VERSIONS.test(ver)) {
      out.push({
        id: "settings.tls-channel-legacy-version",
        severity: "medium",
        title: `The TLS channel ${ch.channel} allows TLS 1.0 or 1.1`,
        evidence: `performance_schema.tls_channel_status: ${ch.channel} Current_tls_version=${ver}`,
        fix: `${ch.channel === "mysql_admin" ? "SET PERSIST admin_tls_version" : "SET PERSIST tls_version"} = 'TLSv1.2,TLSv1.3'; ALTER INSTANCE RELOAD TLS${ch.channel === "mysql_admin" ? " FOR CHANNEL mysql_admin" : ""};`,
        references: ["RFC 8996"],
      });
    }
  }

  const mainChannelEnabled = f.tlsChannels?.find((ch) => ch.channel === "mysql_main")?.properties.Enabled;
  out.push(
    ...checkLogin(f.sessionTls, {
      ...(f.probeOfferedTls !== undefined ? { probeOfferedTls: f.probeOfferedTls } : {}),
      ...(haveSsl !== undefined ? { haveSsl } : {}),
      ...(mainChannelEnabled !== undefined ? { mainChannelEnabled } : {}),
    }),
  );
  out.push(...privilegeFindings(f.problems));
  return out;
}

/** A version and whether the scan's handshakes settled that the server accepts it (undefined: not settled). */
export interface ScannedVersion {
  version: string;
  accepted: boolean | undefined;
}

const VERSION_ORDER = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/**
 * Configured is not accepted (#11): where tls_version names a version the handshakes refuse, or the handshakes
 * accept one tls_version leaves out. MariaDB with only TLS 1.3 names in ssl_cipher refuses every TLS 1.2 suite
 * though tls_version lists TLSv1.2. Pure: the settings facts and the scan's per-version verdicts in, findings out.
 */
export function checkConfiguredVersions(f: ServerSettingsFacts, scanned: readonly ScannedVersion[]): Finding[] {
  const raw = f.variables?.tls_version;
  if (raw === undefined || raw.trim() === "") return [];
  const configured = raw.split(",").map((x) => x.trim()).filter(Boolean);
  // MariaDB spells TLS 1.0 "TLSv1.0" where MySQL, OpenSSL and the scan say "TLSv1".
  const norm = (v: string) => v.toUpperCase().replace(/^TLSV1\.0$/, "TLSV1");
  const isConfigured = (v: string) => configured.some((c) => norm(c) === norm(v));
  const mariadb = f.flavor === "mariadb";
  const section = mariadb ? "[mariadbd]" : "[mysqld]";
  const ref = mariadb ? REF_MARIADB : REF_MYSQL;
  const cipher = f.variables?.ssl_cipher;
  const verdicts = VERSION_ORDER.map((v) => scanned.find((x) => x.version === v)).filter((x): x is ScannedVersion => x !== undefined);
  const seen = verdicts.map((x) => `${x.version} ${x.accepted === true ? "accepted" : x.accepted === false ? "refused" : "not settled"}`).join(", ");
  const out: Finding[] = [];
  const refused = verdicts.filter((x) => x.accepted === false && isConfigured(x.version)).map((x) => x.version);
  if (refused.length) {
    const onlyTls13Names = cipher !== undefined && cipher.trim() !== "" && cipher.split(":").every((n) => /^TLS_/.test(n.trim()));
    const below13 = refused.filter((v) => v !== "TLSv1.3");
    const why =
      onlyTls13Names && below13.length
        ? `; ssl_cipher = ${cipher} names TLS 1.3 suites only, so ${below13.join(" and ")} ${below13.length > 1 ? "have" : "has"} no suite to offer`
        : cipher !== undefined
          ? `; ssl_cipher = ${cipher || "(empty)"}`
          : "";
    out.push({
      id: "settings.configured-version-refused",
      severity: "low",
      title: `tls_version allows ${refused.join(", ")}, but the server accepts no ${refused.join(" or ")} handshake`,
      evidence: `tls_version = ${raw}; the handshakes: ${seen}${why}. Clients limited to ${refused.join(" or ")} cannot connect, and the configuration says otherwise`,
      fix: `Say what is meant: in my.cnf ${section}: tls_version = ${verdicts.filter((x) => x.accepted === true).map((x) => x.version).join(",") || "TLSv1.2,TLSv1.3"}${onlyTls13Names && below13.includes("TLSv1.2") ? `, or give TLS 1.2 suites too: ssl_cipher = ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:${cipher}` : ""}`,
      references: [ref],
    });
  }
  const extra = verdicts.filter((x) => x.accepted === true && !isConfigured(x.version)).map((x) => x.version);
  if (extra.length) {
    out.push({
      id: "settings.unconfigured-version-accepted",
      severity: "medium",
      title: `The server accepts ${extra.join(", ")}, which tls_version leaves out`,
      evidence: `tls_version = ${raw}; the handshakes: ${seen}. The configuration in effect is not what the variable says (changed without a restart or ALTER INSTANCE RELOAD TLS?)`,
      fix: mariadb ? `Restart the server so that tls_version = ${raw} takes effect` : `ALTER INSTANCE RELOAD TLS; (or restart) so that tls_version = ${raw} takes effect`,
      references: [ref],
    });
  }
  return out;
}

/**
 * The settings check's findings from the variables and the policy; with the scan's verdicts too, where the
 * configured versions and the accepted ones differ.
 */
export function judgeSettings(facts: ServerSettingsFacts, policy: Pick<Policy, "requireSecureTransport" | "minTlsVersion">, now: Date, scan?: Pick<CipherFacts, "protocols">): Finding[] {
  // Configured is not accepted: with both the variables and the handshakes, say where they differ.
  let findings = [...checkSettings(facts, now), ...(scan ? checkConfiguredVersions(facts, scan.protocols) : [])];
  // The policy may accept clear-text transport server-wide (e.g. a socket-only or tunnelled server).
  if (!policy.requireSecureTransport) findings = findings.filter((f) => !f.id.startsWith("settings.require-secure-transport"));
  // A policy whose minimum is TLS 1.0 accepts a tls_version that enables 1.0 and 1.1.
  if (tlsVersionRank(policy.minTlsVersion) <= tlsVersionRank("TLSv1")) findings = findings.filter((f) => !/^settings\.(admin-)?legacy-tls-version$/.test(f.id));
  return findings;
}

/** What the settings check gathers: the variables (with what the probe's greeting offered), the scan's verdicts when the audit scans, the login, the time read. */
export interface SettingsCheckFacts {
  settings: ServerSettingsFacts;
  scan?: Pick<CipherFacts, "protocols">;
  login: LoginFacts;
  now: Date;
}

/** The settings check's JSON section. */
export function settingsSection(f: SettingsCheckFacts): Record<string, unknown> {
  return { ...settingsJson(f.settings, settingRows(f.settings, f.now)), login: f.login.json };
}

/** The settings check's overview rows: who logged in, and require_secure_transport. */
export function settingsOverview(f: SettingsCheckFacts): [string, string][] {
  const rst = settingRows(f.settings, f.now).find((r) => r.name === "require_secure_transport");
  return [["Logged in as", `${f.login.currentUser}, ${f.login.tls.note}`], ...(rst ? ([["require_secure_transport", rst.available ? (rst.value ?? "") : (rst.note ?? "not available")]] as [string, string][]) : [])];
}
