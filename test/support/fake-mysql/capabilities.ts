// Capability and status flags as the MySQL source (include/mysql_com.h) and MariaDB's docs define them.

/** Client/server capability flags (the 32-bit field of HandshakeV10 and HandshakeResponse41). */
export const CLIENT = {
  /** Called CLIENT_MYSQL by MariaDB, which leaves it unset to announce its extended capabilities. */
  LONG_PASSWORD: 1 << 0,
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

/** MariaDB's extended capabilities, sent in the last 4 of the 10 reserved greeting bytes (MariaDB 10.2+). */
export const MARIADB_CLIENT = {
  PROGRESS: 1 << 0,
  COM_MULTI: 1 << 1,
  STMT_BULK_OPERATIONS: 1 << 2,
  EXTENDED_METADATA: 1 << 3,
  CACHE_METADATA: 1 << 4,
} as const;

/** SERVER_STATUS_AUTOCOMMIT: the status every idle server reports. */
export const SERVER_STATUS_AUTOCOMMIT = 0x0002;

/** Bitwise AND of two 32-bit capability sets, kept unsigned (JS bit operators are signed). */
export function capsAnd(a: number, b: number): number {
  return (a & b) >>> 0;
}

/** Whether a capability set has the flag. */
export function hasCap(caps: number, flag: number): boolean {
  return capsAnd(caps, flag) !== 0;
}

/** caps without flag, unsigned. */
export function withoutCap(caps: number, flag: number): number {
  return (caps & ~flag) >>> 0;
}
