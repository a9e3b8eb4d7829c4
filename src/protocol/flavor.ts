import type { HandshakeV10, HandshakeV9 } from "./handshake.js";

export type Flavor = "mysql" | "mariadb" | "percona" | "unknown";

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
    evidence.push("CLIENT_MYSQL capability clear, MariaDB extended capabilities present");
    if (flavor === "unknown" && !/^\d+\.\d+\.\d+-\d+(-|$)/.test(v)) flavor = "mariadb";
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
