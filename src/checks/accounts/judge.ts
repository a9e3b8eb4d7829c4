import { isAccountAllowedRequireNone, type Policy } from "../../policy/policy.js";
import { checkLogin, type LoginWitnesses } from "../login.js";
import type { LoginFacts } from "../session.js";
import type { Finding } from "../../report/types.js";
import type { AccountFacts, AccountsFacts } from "../../sql/accounts.js";
import { certificateKeyNeeded, isTls13Name, rateCipherName } from "../../sql/cipher-names.js";
import { privilegeFindings } from "../../sql/privileges.js";
import { fixFields, fixSql, sql, sqlAccount, sqlString, type SqlAccount, type SqlFragment } from "../../knowledge/sql-quote.js";
import { formatRequire, type RequireClause } from "../../sql/require-clause.js";
import type { CipherFacts } from "../../tls/enumerate.js";

/** What the handshakes showed the server accepts: per accepted version, the names of its suites (OpenSSL's and IANA's). */
export interface AcceptedCiphers {
  versions: { version: string; names: string[] }[];
}

/** The scan's accepted suites, when the scan settled every version; undefined when it did not (then only configuration is judged). */
export function acceptedCiphers(f: CipherFacts): AcceptedCiphers | undefined {
  if (f.budget.stopped || f.protocols.length === 0 || f.protocols.some((p) => p.accepted === undefined || !p.complete)) return undefined;
  return {
    versions: f.protocols
      .filter((p) => p.accepted === true)
      .map((p) => ({ version: p.version, names: [...new Set(p.suites.flatMap((x) => [x.openssl, x.iana].filter((n): n is string => n !== undefined)))] })),
  };
}

/** What the policy asks of accounts. */
export interface AccountPolicy {
  /** Accounts reachable from other hosts must present a client certificate (REQUIRE X509, ISSUER or SUBJECT). */
  requireX509ForRemote?: boolean;
}

/** One account as `accounts --json` prints it (the JSON contract's accounts[] entry). */
export interface AccountRow {
  user: string;
  host: string;
  require: RequireClause;
  /** The clause as SQL, e.g. "REQUIRE X509". */
  clause: string;
  plugin?: string;
  /** MariaDB's IDENTIFIED VIA ... OR ...: the other plugins. */
  alternativePlugins?: string[];
  locked?: boolean;
  /** The account can log in over an unencrypted connection. */
  cleartextAllowed: boolean;
  /** Where it was read from: mysql.global_priv, mysql.user or SHOW CREATE USER. */
  source: string;
}

// Plugins that authenticate by the Unix socket peer: such an account cannot log in over TCP at all.
const SOCKET_ONLY = new Set(["unix_socket", "auth_socket"]);

/** True for hosts that only match connections from this machine. */
export function isLocalHost(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "::1" || /^127\.[\d.%]*$/.test(host);
}

/** The account can only authenticate through the Unix socket (unix_socket, or Debian's 'invalid' password OR unix_socket). */
function socketOnly(a: AccountFacts): boolean {
  const usable = [...(a.passwordInvalid || a.plugin === undefined ? [] : [a.plugin]), ...(a.alternativePlugins ?? [])];
  return usable.length > 0 && usable.every((p) => SOCKET_ONLY.has(p));
}

/** Whether the account can log in over clear text: REQUIRE NONE while require_secure_transport is not ON (and not locked). */
export function cleartextAllowed(a: AccountFacts, f: Pick<AccountsFacts, "requireSecureTransport">): boolean {
  return a.require.type === "NONE" && f.requireSecureTransport !== true && !socketOnly(a) && a.locked !== true;
}

/** The accounts table rows. */
export function accountRows(f: AccountsFacts): AccountRow[] {
  return f.accounts.map((a) => ({
    user: a.user,
    host: a.host,
    require: a.require,
    clause: formatRequire(a.require),
    ...(a.plugin ? { plugin: a.plugin } : {}),
    ...(a.alternativePlugins?.length ? { alternativePlugins: a.alternativePlugins } : {}),
    ...(a.locked !== undefined ? { locked: a.locked } : {}),
    cleartextAllowed: cleartextAllowed(a, f),
    source: a.source,
  }));
}

const REF_MYSQL = "MySQL 8.4 Reference Manual, 15.7.1.1 ALTER USER Statement (REQUIRE)";
const REF_MARIADB = "MariaDB docs: Securing Connections for Client and Server, Requiring TLS";

function account(a: Pick<AccountFacts, "user" | "host">): SqlAccount {
  return sqlAccount(a.user, a.host);
}

/** The REQUIRE clause of a fix, its ISSUER and SUBJECT quoted for any sql_mode (formatRequire is for display). */
function requireSql(r: RequireClause): SqlFragment {
  if (r.type !== "SPECIFIED") return sql([`REQUIRE ${r.type}`]);
  const parts = [
    ...(r.issuer !== undefined ? [sql`ISSUER ${sqlString(r.issuer)}`] : []),
    ...(r.subject !== undefined ? [sql`SUBJECT ${sqlString(r.subject)}`] : []),
    ...(r.cipher !== undefined ? [sql`CIPHER ${sqlString(r.cipher)}`] : []),
  ];
  return sql(["REQUIRE ", ...parts.slice(1).map(() => " AND "), ""], ...parts);
}

/**
 * Findings per account: clear-text logins, anonymous accounts, remote without a certificate, REQUIRE CIPHER
 * (judged against the suites the scan saw accepted, when the audit has them).
 */
export function checkAccounts(f: AccountsFacts, policy: AccountPolicy = {}, accepted?: AcceptedCiphers): Finding[] {
  const out: Finding[] = [];
  const ref = f.flavor === "mariadb" ? REF_MARIADB : REF_MYSQL;
  const rstEvidence =
    f.requireSecureTransport === undefined ? `require_secure_transport is not available on ${f.flavorLabel}` : `require_secure_transport = ${f.requireSecureTransport ? "ON" : "OFF"}`;
  for (const a of f.accounts) {
    const who = `${a.user}@${a.host}`;
    const live = a.locked !== true && !socketOnly(a);
    if (a.user === "" && a.locked !== true) {
      out.push({
        id: "accounts.anonymous",
        severity: "high",
        title: `Anonymous account ''@'${a.host}': anyone can log in with any user name`,
        evidence: `user '' on host '${a.host}', ${formatRequire(a.require)}, read from ${a.source}`,
        ...fixFields(fixSql`DROP USER ${account(a)};`),
        references: ["CIS Oracle MySQL Benchmark: ensure no anonymous accounts exist", ref],
      });
    }
    if (live && cleartextAllowed(a, f)) {
      const remote = !isLocalHost(a.host);
      out.push({
        id: "accounts.cleartext-login",
        severity: remote ? "high" : "low",
        title: `${who} can log in over clear text${remote ? " from other hosts" : " (from this machine only)"}`,
        evidence: `${formatRequire(a.require)} and ${rstEvidence}${a.plugin ? `; plugin ${a.plugin}` : ""}`,
        ...fixFields(fixSql`ALTER USER ${account(a)} REQUIRE SSL;`),
        references: [ref],
      });
    }
    const hasCert = a.require.type === "X509" || (a.require.type === "SPECIFIED" && (a.require.issuer !== undefined || a.require.subject !== undefined));
    if (policy.requireX509ForRemote && live && !isLocalHost(a.host) && !hasCert) {
      out.push({
        id: "accounts.remote-without-x509",
        severity: "medium",
        title: `${who} may log in from other hosts without a client certificate`,
        evidence: `${formatRequire(a.require)}; the policy requires X509 for remote accounts`,
        ...fixFields(fixSql`ALTER USER ${account(a)} REQUIRE X509;  -- or REQUIRE SUBJECT '/CN=...' AND ISSUER '/CN=your CA'`),
        references: [ref],
      });
    }
    if (a.require.type === "SPECIFIED" && a.require.cipher !== undefined) out.push(...cipherFindings(a, f, ref, accepted));
  }
  out.push(...privilegeFindings(f.problems));
  return out;
}

// Both servers compare REQUIRE CIPHER with strcmp against SSL_get_cipher(): one exact OpenSSL name, or nothing.
function cipherFindings(a: AccountFacts, f: AccountsFacts, ref: string, accepted?: AcceptedCiphers): Finding[] {
  const out: Finding[] = [];
  const cipher = a.require.cipher!;
  const who = `${a.user}@${a.host}`;
  const withoutCipher: RequireClause =
    a.require.issuer !== undefined || a.require.subject !== undefined
      ? { type: "SPECIFIED", ...(a.require.issuer !== undefined ? { issuer: a.require.issuer } : {}), ...(a.require.subject !== undefined ? { subject: a.require.subject } : {}) }
      : { type: "SSL" };
  const fix = fixFields(fixSql`ALTER USER ${account(a)} ${requireSql(withoutCipher)};  -- and restrict ciphers server-wide with ssl_cipher / tls_ciphersuites`);
  const rating = rateCipherName(cipher);
  if (!cipher.includes(":") && rating.rating !== "ok") {
    out.push({
      id: "accounts.weak-require-cipher",
      severity: rating.rating === "insecure" ? "high" : "medium",
      title: `${who} requires a ${rating.rating} cipher, ${cipher}`,
      evidence: `${formatRequire(a.require)}: ${rating.why}`,
      ...fix,
      references: [ref],
    });
  }
  const never = (why: string) =>
    out.push({
      id: "accounts.unsatisfiable-require-cipher",
      severity: "medium",
      title: `${who} can never log in: no connection to this server can negotiate ${cipher}`,
      evidence: `${formatRequire(a.require)}: ${why}`,
      ...fix,
      references: [ref],
    });
  const versions = f.tlsVersions ?? [];
  const has = (v: string) => versions.some((x) => x.toUpperCase() === v.toUpperCase());
  if (cipher.includes(":")) {
    never("the server compares REQUIRE CIPHER with the one negotiated cipher name, so a list of names never matches");
    return out;
  }
  if (f.tlsAvailable === false) {
    never("the server has no TLS (have_ssl is not YES)");
    return out;
  }
  if (accepted) {
    // The handshakes are the answer (the configuration is not: DESIGN.md): a suite no version accepted can never
    // be negotiated, so the account can never log in (#11: it was "rarely" for DES-CBC3-SHA on a server without 3DES).
    const under = accepted.versions.filter((v) => v.names.includes(cipher)).map((v) => v.version);
    if (under.length === 0) {
      const total = new Set(accepted.versions.flatMap((v) => v.names)).size;
      never(`the scan's handshakes found the server accepting ${accepted.versions.length ? `${accepted.versions.map((v) => v.version).join(", ")} with ${total} suite name(s)` : "no suite at all"}, none of them ${cipher}`);
      return out;
    }
    const tls13 = accepted.versions.some((v) => v.version === "TLSv1.3");
    if (tls13 && !under.includes("TLSv1.3")) {
      out.push({
        id: "accounts.unsatisfiable-require-cipher",
        severity: "low",
        title: `${who} can rarely log in: ${cipher} is accepted under ${under.join(", ")} only and the server accepts TLS 1.3`,
        evidence: `${formatRequire(a.require)}; the scan's handshakes: ${cipher} accepted under ${under.join(", ")}, and TLS 1.3 accepted: every client that speaks TLS 1.3 (the default of current mysql, MariaDB and Connector clients) negotiates a TLS 1.3 suite and is refused, unless capped with --tls-version=TLSv1.2 (measured on MariaDB 10.11)`,
        ...fix,
        references: [ref],
      });
    }
    return out;
  }
  if (isTls13Name(cipher)) {
    if (versions.length && !has("TLSv1.3")) never(`it is a TLS 1.3 suite and tls_version = ${versions.join(",")}`);
    return out;
  }
  const tls12OrOlder = versions.filter((v) => !/1\.3/.test(v));
  if (versions.length && tls12OrOlder.length === 0) {
    never(`it is a TLS 1.2 (or older) cipher and tls_version = ${versions.join(",")}`);
    return out;
  }
  const needs = certificateKeyNeeded(cipher);
  const key = f.certKeyType;
  if (key && needs !== "any") {
    const keyIsEcdsa = key === "EC" || key === "Ed25519";
    if ((needs === "RSA" && keyIsEcdsa) || (needs === "ECDSA" && key === "RSA")) {
      never(`it needs an ${needs} server certificate and the server's certificate has an ${key} key`);
      return out;
    }
  }
  if (has("TLSv1.3")) {
    out.push({
      id: "accounts.unsatisfiable-require-cipher",
      severity: "low",
      title: `${who} can rarely log in: ${cipher} is a TLS 1.2 cipher and the server offers TLS 1.3`,
      evidence: `${formatRequire(a.require)}; tls_version = ${versions.join(",")}: every client that speaks TLS 1.3 (the default of current mysql, MariaDB and Connector clients) negotiates a TLS 1.3 suite and is refused, unless capped with --tls-version=TLSv1.2 (measured on MariaDB 10.11)`,
      ...fix,
      references: [ref],
    });
  }
  return out;
}

/**
 * The accounts check's findings from the accounts and the policy; with the scan's accepted suites, REQUIRE CIPHER
 * is judged against what the handshakes accept.
 */
export function judgeAccounts(facts: AccountsFacts, policy: Pick<Policy, "requireX509ForRemote" | "accountsAllowedRequireNone">, accepted?: AcceptedCiphers): Finding[] {
  const opts = { requireX509ForRemote: policy.requireX509ForRemote };
  // Judged one account at a time so the policy can exempt named accounts from the clear-text rule only.
  const findings: Finding[] = [];
  for (const a of facts.accounts) {
    const fs = checkAccounts({ ...facts, accounts: [a], problems: [] }, opts, accepted);
    const exempt = isAccountAllowedRequireNone(a.user, a.host, policy.accountsAllowedRequireNone);
    findings.push(...fs.filter((f) => !(exempt && f.id === "accounts.cleartext-login")));
  }
  findings.push(...checkAccounts({ ...facts, accounts: [] }, opts));
  return findings;
}

/** The accounts check's JSON section (without the login, which the caller adds). */
export function accountsJson(facts: AccountsFacts): Record<string, unknown> {
  return { requireSecureTransport: facts.requireSecureTransport ?? null, accounts: accountRows(facts) };
}

/** What the accounts check gathers: the accounts, the scan's accepted suites when the audit scans, the login. */
export interface AccountsCheckFacts {
  accounts: AccountsFacts;
  accepted?: AcceptedCiphers;
  login: LoginFacts;
  /** When the settings check does not run, this check says how this tool's own login went (what else was seen of TLS). */
  ownLogin?: LoginWitnesses;
}

/** The accounts check's findings, with this tool's own login judged here when the settings check does not run. */
export function judgeAccountsCheck(f: AccountsCheckFacts, policy: Pick<Policy, "requireX509ForRemote" | "accountsAllowedRequireNone">): Finding[] {
  return [...(f.ownLogin ? checkLogin(f.login.tls, f.ownLogin) : []), ...judgeAccounts(f.accounts, policy, f.accepted)];
}

/** The accounts check's overview row. */
export function accountsOverview(f: AccountsCheckFacts): [string, string][] {
  const rows = accountRows(f.accounts);
  return [["Accounts", `${rows.length}, ${rows.filter((r) => r.cleartextAllowed).length} can log in over clear text`]];
}
