import { describe, expect, it } from "vitest";
import { checkTransport } from "../../src/checks/connectivity/judge.js";
import type { HandshakeFacts } from "../../src/net/probe.js";

const base: HandshakeFacts = {
  target: { host: "db", port: 3306 },
  connectMs: 1,
  greeting: "handshake-v10",
  server: { protocolVersion: 10, version: "8.4.3", versionNumber: "8.4.3", flavor: "mysql", flavorEvidence: [], connectionId: 1, capabilities: ["CLIENT_SSL"], capabilityFlags: 0x800 },
  tls: { offered: true, protocol: "TLSv1.3", closedWith: "auth-error" },
};

describe("checkTransport", () => {
  it("is silent for a server that offers TLS and refuses the probe's login", () => {
    expect(checkTransport(base)).toEqual([]);
  });
  it("reports an open anonymous account when the probe's login as an unknown user succeeded", () => {
    const [f, ...rest] = checkTransport({ ...base, tls: { ...base.tls, closedWith: "logged-in" } });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ id: "server.anonymous-login", severity: "high" });
    expect(f!.evidence).toContain("'mysql-tls-audit' with an empty password was accepted (over TLSv1.3)");
    expect(f!.fix).toContain("DROP USER ''@'<host>'");
  });
  it("a server without CLIENT_SSL is critical; a refusal before the greeting is an error", () => {
    expect(checkTransport({ ...base, tls: { offered: false } }).map((f) => [f.id, f.severity])).toEqual([["tls.not-offered", "critical"]]);
    const refused = checkTransport({ ...base, greeting: "error", serverError: { errno: 1129, message: "blocked", advice: "FLUSH HOSTS" }, tls: { offered: false } });
    expect(refused.map((f) => [f.id, f.severity])).toEqual([["server.greeting-error", "error"]]);
  });
});

describe("tls.not-offered names a my.cnf section only for a flavour it recognised (#11)", () => {
  const noTls = (flavor: "mysql" | "mariadb" | "percona" | "other" | "unknown") =>
    checkTransport({
      target: { host: "127.0.0.1", port: 9306 },
      connectMs: 1,
      greeting: "handshake-v10",
      server: { protocolVersion: 10, version: "2.2.11-id64-release", versionNumber: "2.2.11", flavor, flavorEvidence: [], connectionId: 1, capabilities: ["CLIENT_PROTOCOL_41"], capabilityFlags: 512 },
      tls: { offered: false },
    })[0]!;
  it.each([
    ["mariadb", /\[mariadbd\]/],
    ["mysql", /\[mysqld\]/],
    ["percona", /\[mysqld\]/],
  ] as const)("%s: %s", (flavor, section) => {
    expect(noTls(flavor).fix).toMatch(section);
  });
  it.each(["other", "unknown"] as const)("%s: no my.cnf, no MySQL or MariaDB manual", (flavor) => {
    const f = noTls(flavor);
    expect(f).toMatchObject({ id: "tls.not-offered", severity: "critical" });
    expect(f.fix).not.toMatch(/my\.cnf|\[mysqld\]|\[mariadbd\]/);
    expect(f.references).toBeUndefined();
  });
});
