// An account's REQUIRE clause: from MariaDB's integer ssl_type, MySQL's enum, or SHOW CREATE USER text.

/** The four kinds mysql.user.ssl_type knows; ISSUER/SUBJECT/CIPHER are all "SPECIFIED". */
export type RequireType = "NONE" | "SSL" | "X509" | "SPECIFIED";

/** A REQUIRE clause as data. */
export interface RequireClause {
  type: RequireType;
  issuer?: string;
  subject?: string;
  cipher?: string;
}

// MariaDB's enum SSL_type in sql/structs.h: SSL_TYPE_NONE, SSL_TYPE_ANY, SSL_TYPE_X509, SSL_TYPE_SPECIFIED.
const MARIADB_SSL_TYPES: Record<string, RequireType> = { "0": "NONE", "1": "SSL", "2": "X509", "3": "SPECIFIED" };
const MYSQL_SSL_TYPES: Record<string, RequireType> = { "": "NONE", ANY: "SSL", X509: "X509", SPECIFIED: "SPECIFIED" };

/** Maps an ssl_type value (MariaDB's 0..3, MySQL's ''/ANY/X509/SPECIFIED, or NULL/absent as NONE). */
export function requireTypeFrom(sslType: string | null | undefined): RequireType {
  if (sslType === null || sslType === undefined) return "NONE";
  const v = sslType.trim().toUpperCase();
  return MARIADB_SSL_TYPES[v] ?? MYSQL_SSL_TYPES[v] ?? "NONE";
}

/** Builds a clause from the four columns; empty strings mean "not set". */
export function clauseFrom(sslType: string | null | undefined, issuer?: string | null, subject?: string | null, cipher?: string | null): RequireClause {
  const type = requireTypeFrom(sslType);
  const c: RequireClause = { type };
  if (type === "SPECIFIED") {
    if (issuer) c.issuer = issuer;
    if (subject) c.subject = subject;
    if (cipher) c.cipher = cipher;
  }
  return c;
}

/** The clause as SQL, e.g. "REQUIRE ISSUER '/CN=ca' AND CIPHER 'ECDHE-RSA-AES256-GCM-SHA384'". */
export function formatRequire(c: RequireClause): string {
  if (c.type === "NONE") return "REQUIRE NONE";
  if (c.type === "SSL") return "REQUIRE SSL";
  if (c.type === "X509") return "REQUIRE X509";
  const parts: string[] = [];
  if (c.issuer !== undefined) parts.push(`ISSUER ${quote(c.issuer)}`);
  if (c.subject !== undefined) parts.push(`SUBJECT ${quote(c.subject)}`);
  if (c.cipher !== undefined) parts.push(`CIPHER ${quote(c.cipher)}`);
  return parts.length ? `REQUIRE ${parts.join(" AND ")}` : "REQUIRE SSL";
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

type Token = { kind: "word" | "string" | "ident" | "other"; text: string };

// Strings and identifiers are single tokens, so a REQUIRE inside a password hash or a name never matches.
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") {
      let text = "";
      i++;
      while (i < sql.length) {
        const c = sql[i]!;
        if (c === "\\" && ch !== "`" && i + 1 < sql.length) {
          const n = sql[i + 1]!;
          text += n === "n" ? "\n" : n === "t" ? "\t" : n === "0" ? "\0" : n;
          i += 2;
          continue;
        }
        if (c === ch) {
          if (sql[i + 1] === ch) {
            text += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += c;
        i++;
      }
      out.push({ kind: ch === "`" ? "ident" : "string", text });
      continue;
    }
    const w = /^[A-Za-z0-9_$.]+/.exec(sql.slice(i));
    if (w) {
      out.push({ kind: "word", text: w[0] });
      i += w[0].length;
      continue;
    }
    out.push({ kind: "other", text: ch });
    i++;
  }
  return out;
}

/** What SHOW CREATE USER says about TLS, the plugin and locking; the statement itself is not kept (it holds the hash). */
export interface CreateUserFacts {
  require: RequireClause;
  plugin?: string;
  /** MariaDB's IDENTIFIED VIA a USING '..' OR b: the plugins after the first. */
  alternativePlugins?: string[];
  /** The first plugin's USING is 'invalid': no password can log in through it. */
  passwordInvalid?: boolean;
  locked?: boolean;
}

/**
 * Parses SHOW CREATE USER output of MySQL ("REQUIRE ISSUER '..' AND SUBJECT '..'") and MariaDB (which omits
 * the AND, and prints nothing at all for REQUIRE NONE).
 */
export function parseShowCreateUser(sql: string): CreateUserFacts {
  const t = tokenize(sql);
  const up = (k: number) => (t[k]?.kind === "word" ? t[k]!.text.toUpperCase() : "");
  const out: CreateUserFacts = { require: { type: "NONE" } };
  for (let k = 0; k < t.length; k++) {
    const w = up(k);
    if (w === "IDENTIFIED" && (up(k + 1) === "WITH" || up(k + 1) === "VIA") && t[k + 2]) {
      out.plugin ??= t[k + 2]!.text;
      if (up(k + 3) === "USING" && t[k + 4]?.kind === "string" && t[k + 4]!.text === "invalid") out.passwordInvalid = true;
      // MariaDB: VIA a [USING '..'] OR b [USING '..'] ...
      let j = k + 3;
      while (j < t.length) {
        if (up(j) === "USING" || up(j) === "AS") j += 2;
        else if (up(j) === "OR" && t[j + 1]) {
          (out.alternativePlugins ??= []).push(t[j + 1]!.text);
          j += 2;
        } else break;
      }
    } else if (w === "ACCOUNT" && (up(k + 1) === "LOCK" || up(k + 1) === "UNLOCK")) {
      out.locked = up(k + 1) === "LOCK";
    } else if (w === "REQUIRE" && up(k - 1) !== "PASSWORD") {
      // MySQL also prints "PASSWORD REQUIRE CURRENT DEFAULT": that REQUIRE is not the TLS clause.
      const first = up(k + 1);
      if (first === "NONE") out.require = { type: "NONE" };
      else if (first === "SSL") out.require = { type: "SSL" };
      else if (first === "X509") out.require = { type: "X509" };
      else if (first === "ISSUER" || first === "SUBJECT" || first === "CIPHER") {
        const c: RequireClause = { type: "SPECIFIED" };
        let j = k + 1;
        for (;;) {
          if (up(j) === "AND") j++;
          const key = up(j);
          if ((key === "ISSUER" || key === "SUBJECT" || key === "CIPHER") && t[j + 1]?.kind === "string") {
            c[key.toLowerCase() as "issuer" | "subject" | "cipher"] = t[j + 1]!.text;
            j += 2;
          } else break;
        }
        out.require = c;
        k = j - 1;
      }
    }
  }
  return out;
}
