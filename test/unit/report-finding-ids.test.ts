import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchmarkReferences, withBenchmarkReferences } from "../../src/report/finding-ids.js";
import { CHECK_NAMES, FINDING_IDS } from "../../src/checks/registry.js";

// Every `id: "area.name"` literal in src/ (ternaries included) is a finding id some code can emit.
function idsInSource(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      for (const [k, v] of idsInSource(p)) found.set(k, v);
      continue;
    }
    // The tables themselves (each check's ids.ts, the benchmark references) are not a source of ids.
    if (!p.endsWith(".ts") || p.endsWith("finding-ids.ts") || p.endsWith("/ids.ts")) continue;
    for (const line of readFileSync(p, "utf8").split("\n")) {
      if (!/\bid: /.test(line)) continue;
      for (const m of line.matchAll(/"([a-z][a-z0-9]*(?:\.[a-z0-9][a-z0-9-]*)+)"/g)) found.set(m[1]!, p);
    }
  }
  return found;
}

describe("the finding id table", () => {
  const table = new Map(FINDING_IDS.map((d) => [d.id, d]));
  const source = idsInSource("src");

  it("documents every id the source can emit", () => {
    const undocumented = [...source.keys()].filter((id) => !table.has(id)).map((id) => `${id} (${source.get(id)})`);
    expect(undocumented).toEqual([]);
  });

  it("documents no id that the source no longer emits", () => {
    expect(FINDING_IDS.map((d) => d.id).filter((id) => !source.has(id))).toEqual([]);
  });

  it("has each id once, under a real check, with a meaning", () => {
    expect(table.size).toBe(FINDING_IDS.length);
    for (const d of FINDING_IDS) {
      expect(CHECK_NAMES).toContain(d.check);
      expect(d.meaning.length).toBeGreaterThan(10);
      expect(d.id).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
    }
  });
});

describe("benchmark references", () => {
  const f = { id: "protocol.tls10-accepted", severity: "high" as const, title: "t", evidence: "e", references: ["RFC 8996", "CIS Oracle MySQL and MariaDB Benchmarks: limit the accepted TLS versions"] };

  it("numbers the recommendation by the server's flavour, replacing unnumbered CIS wording, once", () => {
    expect(withBenchmarkReferences(f, "mysql").references).toEqual(["RFC 8996", "CIS Oracle MySQL 8.0 Enterprise v1.4.0 / 8.4 v1.0.0 2.15: limit accepted TLS versions (tls_version = TLSv1.2,TLSv1.3)"]);
    expect(withBenchmarkReferences(f, "mariadb").references).toEqual(["RFC 8996", "CIS MariaDB 10.11 v1.0.0 2.10: limit accepted TLS versions (tls_version = TLSv1.2,TLSv1.3)"]);
    expect(withBenchmarkReferences(withBenchmarkReferences(f, "mariadb"), "mariadb").references).toHaveLength(2);
    // Percona and unknown servers read as MySQL.
    expect(withBenchmarkReferences(f, "percona").references).toEqual(withBenchmarkReferences(f, "mysql").references);
    const none = { ...f, id: "cert.expired" };
    expect(withBenchmarkReferences(none, "mysql")).toBe(none);
  });

  it("has the numbers the issue lists, per flavour, and the STIG for require_secure_transport on MySQL only", () => {
    const numbers = (id: string, flavor: string) => benchmarkReferences(id, flavor).map((r) => /(?:v1\.0\.0|STIG Oracle MySQL 8\.0) (\S+):/.exec(r)?.[1]);
    expect(numbers("cert.auto-generated", "mysql")).toEqual(["2.6"]);
    expect(numbers("cert.auto-generated", "mariadb")).toEqual(["2.5"]);
    expect(numbers("cipher.weak", "mysql")).toEqual(["2.17"]);
    expect(numbers("cipher.weak", "mariadb")).toEqual(["2.12"]);
    expect(numbers("accounts.remote-without-x509", "mysql")).toEqual(["2.16", "8.2"]);
    expect(numbers("accounts.remote-without-x509", "mariadb")).toEqual(["2.11", "8.2"]);
    expect(numbers("settings.require-secure-transport-off", "mysql")).toEqual(["8.1", "MYS8-00-011300"]);
    expect(numbers("settings.require-secure-transport-off", "mariadb")).toEqual(["8.1"]);
    expect(numbers("accounts.cleartext-login", "mariadb")).toEqual(["8.2", "8.1"]);
    expect(numbers("replication.no-verify", "mysql")).toEqual(["9.2"]);
    expect(numbers("replication.no-tls", "mariadb")).toEqual(["9.2", "9.5"]);
    expect(numbers("replication.legacy-tls-version", "mariadb")).toEqual(["2.10", "9.4"]);
    expect(numbers("replication.legacy-tls-version", "mysql")).toEqual(["2.15"]);
  });

  it("covers every id of the promised areas: versions, ciphers, transport, certificates, X509, replication", () => {
    const ids = new Set(FINDING_IDS.map((d) => d.id));
    for (const id of ["protocol.tls10-accepted", "cipher.weak", "settings.require-secure-transport-off", "cert.auto-generated", "accounts.remote-without-x509", "replication.no-verify"]) {
      expect(ids.has(id)).toBe(true);
      for (const flavor of ["mysql", "mariadb"]) expect(benchmarkReferences(id, flavor).length).toBeGreaterThan(0);
    }
  });
});
