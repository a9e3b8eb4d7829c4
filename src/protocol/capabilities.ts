/** Client/server capability flags of the MySQL protocol (bit positions from the MySQL protocol documentation). */
export const CLIENT = {
  LONG_PASSWORD: 1 << 0, // MariaDB calls this bit CLIENT_MYSQL and its servers leave it clear
  FOUND_ROWS: 1 << 1,
  LONG_FLAG: 1 << 2,
  CONNECT_WITH_DB: 1 << 3,
  NO_SCHEMA: 1 << 4,
  COMPRESS: 1 << 5,
  ODBC: 1 << 6,
  LOCAL_FILES: 1 << 7,
  IGNORE_SPACE: 1 << 8,
  PROTOCOL_41: 1 << 9,
  INTERACTIVE: 1 << 10,
  SSL: 1 << 11,
  IGNORE_SIGPIPE: 1 << 12,
  TRANSACTIONS: 1 << 13,
  RESERVED: 1 << 14,
  SECURE_CONNECTION: 1 << 15,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PS_MULTI_RESULTS: 1 << 18,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  CAN_HANDLE_EXPIRED_PASSWORDS: 1 << 22,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24,
  OPTIONAL_RESULTSET_METADATA: 1 << 25,
  ZSTD_COMPRESSION_ALGORITHM: 1 << 26,
  QUERY_ATTRIBUTES: 1 << 27,
  MULTI_FACTOR_AUTHENTICATION: 1 << 28,
  CAPABILITY_EXTENSION: 1 << 29,
  SSL_VERIFY_SERVER_CERT: 1 << 30,
  REMEMBER_OPTIONS: 2 ** 31,
} as const;

/** MariaDB's extended capabilities, carried in the last 4 bytes of the greeting's reserved filler. */
export const MARIADB_CLIENT = {
  PROGRESS: 1 << 0,
  COM_MULTI: 1 << 1,
  STMT_BULK_OPERATIONS: 1 << 2,
  EXTENDED_METADATA: 1 << 3,
  CACHE_METADATA: 1 << 4,
  BULK_UNIT_RESULTS: 1 << 5,
} as const;

// A scan reads the same greeting 130-odd times: each set of flags is named once (a copy each time, the caller's own).
const named = new Map<string, readonly string[]>();

function names(table: Record<string, number>, prefix: string, flags: number): string[] {
  const key = `${prefix}${flags}`;
  let out = named.get(key);
  if (!out) {
    const list: string[] = [];
    for (const [name, bit] of Object.entries(table)) {
      if ((flags & bit) !== 0 || (bit === 2 ** 31 && flags >= 2 ** 31)) list.push(prefix + name);
    }
    if (named.size >= 64) named.clear();
    named.set(key, (out = list));
  }
  return [...out];
}

/** Names of the set capability flags, e.g. ["CLIENT_PROTOCOL_41", "CLIENT_SSL", ...]. */
export function capabilityNames(flags: number): string[] {
  return names(CLIENT, "CLIENT_", flags >>> 0);
}

/** Names of MariaDB's set extended capability flags. */
export function mariadbCapabilityNames(flags: number): string[] {
  return names(MARIADB_CLIENT, "MARIADB_CLIENT_", flags >>> 0);
}

/** Server status flags sent in the greeting. */
export const SERVER_STATUS = {
  IN_TRANS: 0x0001,
  AUTOCOMMIT: 0x0002,
  MORE_RESULTS_EXISTS: 0x0008,
  QUERY_NO_GOOD_INDEX_USED: 0x0010,
  QUERY_NO_INDEX_USED: 0x0020,
  CURSOR_EXISTS: 0x0040,
  LAST_ROW_SENT: 0x0080,
  DB_DROPPED: 0x0100,
  NO_BACKSLASH_ESCAPES: 0x0200,
  METADATA_CHANGED: 0x0400,
  QUERY_WAS_SLOW: 0x0800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

/** Names of the set server status flags. */
export function statusFlagNames(flags: number): string[] {
  return names(SERVER_STATUS, "SERVER_STATUS_", flags);
}

/** Collation names for the ids servers commonly announce in the greeting. */
const COLLATIONS: Record<number, string> = {
  8: "latin1_swedish_ci",
  28: "gbk_chinese_ci",
  33: "utf8mb3_general_ci",
  45: "utf8mb4_general_ci",
  46: "utf8mb4_bin",
  63: "binary",
  192: "utf8mb3_unicode_ci",
  224: "utf8mb4_unicode_ci",
  255: "utf8mb4_0900_ai_ci",
};

/** The collation name for a greeting's character set id, or "id N". */
export function collationName(id: number): string {
  return COLLATIONS[id] ?? `id ${id}`;
}
