// The server's first packet: HandshakeV10 presets for the servers we cannot install, and the old HandshakeV9.
import { randomBytes } from "node:crypto";
import { CLIENT, hasCap, MARIADB_CLIENT, SERVER_STATUS_AUTOCOMMIT } from "./capabilities.js";
import { PacketWriter } from "./packets.js";

export type GreetingPreset = "mysql-8.4" | "mysql-5.7" | "mysql-9.1" | "percona-8.0" | "mariadb-10.11-like";

export type AuthPluginName = "caching_sha2_password" | "mysql_native_password";

/** Everything a HandshakeV10 says, resolved from a preset plus overrides. */
export interface GreetingSpec {
  flavour: "mysql" | "percona" | "mariadb";
  version: string;
  capabilities: number;
  charset: number;
  statusFlags: number;
  authPlugin: string;
  /** MariaDB 10.2+ only: sent in the last 4 reserved bytes, and only meaningful when CLIENT_MYSQL (bit 0) is unset. */
  mariadbExtCapabilities: number;
  /** What `SELECT @@version_comment` answers. */
  versionComment: string;
  /**
   * Whether accounts may use mysql_native_password. MySQL 9.0 removed it; MySQL 8.4 disables it unless started
   * with --mysql-native-password=ON, which the 8.4 preset assumes so that tests can log in with either plugin.
   */
  nativePassword: boolean;
}

// MySQL 8.x: a captured MySQL 8.0.32 greeting reads ff ff / ff df, i.e. every flag up to MULTI_FACTOR_AUTHENTICATION
// plus SSL_VERIFY_SERVER_CERT and REMEMBER_OPTIONS, without CAPABILITY_EXTENSION.
const MYSQL8_CAPS = 0xdfffffff;
// MySQL 5.7 predates OPTIONAL_RESULTSET_METADATA, ZSTD, QUERY_ATTRIBUTES and MFA (bits 25-28).
const MYSQL57_CAPS = 0xc1ffffff;
// Measured on MariaDB 10.11.19 (Debian): fe f7 / ff 81 without certificates; with them CLIENT_SSL is added.
// CLIENT_MYSQL (bit 0) is unset, which tells clients the extended capabilities follow.
const MARIADB_CAPS = 0x81fffffe;
// Measured on the same server: 0x1d = PROGRESS | STMT_BULK_OPERATIONS | EXTENDED_METADATA | CACHE_METADATA.
const MARIADB_EXT_CAPS =
  MARIADB_CLIENT.PROGRESS |
  MARIADB_CLIENT.STMT_BULK_OPERATIONS |
  MARIADB_CLIENT.EXTENDED_METADATA |
  MARIADB_CLIENT.CACHE_METADATA;

/** The presets named in the test-server API; values are what those servers send. */
export const GREETING_PRESETS: Record<GreetingPreset, GreetingSpec> = {
  "mysql-8.4": {
    flavour: "mysql",
    version: "8.4.3",
    capabilities: MYSQL8_CAPS,
    charset: 255, // utf8mb4_0900_ai_ci
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    authPlugin: "caching_sha2_password",
    mariadbExtCapabilities: 0,
    versionComment: "MySQL Community Server - GPL",
    nativePassword: true,
  },
  "mysql-9.1": {
    flavour: "mysql",
    version: "9.1.0",
    capabilities: MYSQL8_CAPS,
    charset: 255,
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    authPlugin: "caching_sha2_password",
    mariadbExtCapabilities: 0,
    versionComment: "MySQL Community Server - GPL",
    nativePassword: false,
  },
  "mysql-5.7": {
    flavour: "mysql",
    version: "5.7.44-log",
    capabilities: MYSQL57_CAPS,
    charset: 33, // utf8_general_ci
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    authPlugin: "mysql_native_password",
    mariadbExtCapabilities: 0,
    versionComment: "MySQL Community Server (GPL)",
    nativePassword: true,
  },
  "percona-8.0": {
    flavour: "percona",
    version: "8.0.36-28",
    capabilities: MYSQL8_CAPS,
    charset: 255,
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    authPlugin: "caching_sha2_password",
    mariadbExtCapabilities: 0,
    versionComment: "Percona Server (GPL), Release 28, Revision 47601f19",
    nativePassword: true,
  },
  "mariadb-10.11-like": {
    flavour: "mariadb",
    // The "5.5.5-" prefix is how MariaDB keeps old clients that parse the major version from thinking it is 10.
    version: "5.5.5-10.11.6-MariaDB-0+deb12u1",
    capabilities: MARIADB_CAPS,
    charset: 45, // utf8mb4_general_ci, Debian's packaged default
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    authPlugin: "mysql_native_password",
    mariadbExtCapabilities: MARIADB_EXT_CAPS,
    versionComment: "Debian 12",
    nativePassword: true,
  },
};

/**
 * A 20-byte scramble as MySQL makes it (generate_user_salt): 7-bit bytes, never NUL or '$', since some
 * clients treat the scramble as a C string.
 */
export function makeScramble(): Buffer {
  const b = randomBytes(20);
  for (let i = 0; i < b.length; i++) {
    let c = (b[i] as number) & 0x7f;
    if (c === 0 || c === 0x24) c += 1;
    b[i] = c;
  }
  return b;
}

/** Protocol::HandshakeV10 payload. */
export function handshakeV10Payload(spec: GreetingSpec, connectionId: number, scramble: Buffer): Buffer {
  const caps = spec.capabilities >>> 0;
  const w = new PacketWriter()
    .int1(10)
    .strNul(spec.version)
    .int4(connectionId)
    .bytes(scramble.subarray(0, 8))
    .int1(0)
    .int2(caps & 0xffff)
    .int1(spec.charset)
    .int2(spec.statusFlags)
    .int2(caps >>> 16)
    .int1(hasCap(caps, CLIENT.PLUGIN_AUTH) ? scramble.length + 1 : 0)
    .zeros(6)
    .int4(hasCap(caps, CLIENT.LONG_PASSWORD) ? 0 : spec.mariadbExtCapabilities);
  if (hasCap(caps, CLIENT.SECURE_CONNECTION)) {
    // $len = MAX(13, auth_plugin_data_len - 8): the last 12 scramble bytes and a NUL.
    w.bytes(scramble.subarray(8)).int1(0);
  }
  if (hasCap(caps, CLIENT.PLUGIN_AUTH)) w.strNul(spec.authPlugin);
  return w.build();
}

/** Protocol::HandshakeV9 (servers before 3.21.0): version, thread id, an 8-byte scramble, all NUL-terminated. */
export function handshakeV9Payload(version: string, connectionId: number, scramble: Buffer): Buffer {
  return new PacketWriter().int1(9).strNul(version).int4(connectionId).strNul(scramble.subarray(0, 8)).build();
}
