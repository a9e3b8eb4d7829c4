import { CLIENT } from "./capabilities.js";
import type { HandshakeV10, HandshakeV9 } from "./handshake.js";

/** "other": a server that speaks the protocol but is neither MySQL, MariaDB nor Percona (Sphinx, say); "unknown": no evidence either way. */
export type Flavor = "mysql" | "mariadb" | "percona" | "other" | "unknown";

/** The server's flavour, its own version number without prefixes, and the evidence we used. */
export interface FlavorFacts {
  flavor: Flavor;
  version: string;
  evidence: string[];
}

const MARIADB_RPL_HACK = "5.5.5-";

/** Tells MySQL, MariaDB and Percona apart from the greeting alone (a login can confirm via version_comment). */
export function detectFlavor(g: HandshakeV10 | HandshakeV9): FlavorFacts {
  const v = g.serverVersion;
  const evidence: string[] = [];
  let version = v;
  let flavor: Flavor = "unknown";
  if (v.startsWith(MARIADB_RPL_HACK) && /mariadb/i.test(v)) {
    version = v.slice(MARIADB_RPL_HACK.length);
    evidence.push(`version "${v}" carries MariaDB's "5.5.5-" replication prefix`);
    flavor = "mariadb";
  } else if (/mariadb/i.test(v)) {
    evidence.push(`version "${v}" names MariaDB`);
    flavor = "mariadb";
  }
  if (g.kind === "v10" && g.mariadbCapabilities !== undefined) {
    // MariaDB 10.2+ clears CLIENT_MYSQL to say its extended capabilities follow, and always sets some of them
    // (progress reports, bulk statements). Clear with none set is not MariaDB: Sphinx's SphinxQL sends that.
    if (g.mariadbCapabilities !== 0) {
      evidence.push("CLIENT_MYSQL capability clear, MariaDB extended capabilities present");
      if (flavor === "unknown" && !/^\d+\.\d+\.\d+-\d+(-|$)/.test(v)) flavor = "mariadb";
    } else if (flavor === "unknown") {
      evidence.push("CLIENT_MYSQL (CLIENT_LONG_PASSWORD) capability clear, which every MySQL and Percona server sets, and no MariaDB extended capability set, which every MariaDB that clears it sets");
      flavor = "other";
    }
  }
  if ((flavor === "unknown" || flavor === "other") && g.kind === "v10" && (g.capabilities & CLIENT.PROTOCOL_41) !== 0 && /^[0-3]\.\d+\.\d+/.test(v)) {
    evidence.push(`version "${v}" predates MySQL 4.1, yet the greeting has CLIENT_PROTOCOL_41`);
    flavor = "other";
  }
  if (flavor === "unknown" && /^\d+\.\d+\.\d+-\d+(\.\d+)?(-|$)/.test(v)) {
    evidence.push(`version "${v}" has Percona's numeric build suffix`);
    flavor = "percona";
  }
  if (flavor === "unknown" && /^\d+\.\d+\.\d+/.test(v)) {
    evidence.push(`version "${v}" has the plain MySQL form`);
    if (g.kind === "v10" && g.authPlugin) evidence.push(`default auth plugin ${g.authPlugin}`);
    flavor = "mysql";
  }
  version = version.replace(/-MariaDB.*$/i, "").replace(/-(log|debug|commercial|enterprise).*$/i, "");
  const m = /^\d+\.\d+\.\d+/.exec(version);
  return { flavor, version: m ? m[0] : version, evidence };
}
