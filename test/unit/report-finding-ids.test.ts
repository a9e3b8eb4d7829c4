import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CIS_REFERENCES, FINDING_IDS, withCisReference } from "../../src/report/finding-ids.js";
import { CHECK_NAMES } from "../../src/report/report.js";

// Every `id: "area.name"` literal in src/ (ternaries included) is a finding id some code can emit.
function idsInSource(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      for (const [k, v] of idsInSource(p)) found.set(k, v);
      continue;
    }
    // The table itself is not a source of ids.
    if (!p.endsWith(".ts") || p.endsWith("finding-ids.ts")) continue;
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

describe("CIS references", () => {
  it("adds the recommendation that applies, once, and leaves findings that cite CIS or have none alone", () => {
    const f = { id: "protocol.tls10-accepted", severity: "high" as const, title: "t", evidence: "e", references: ["RFC 8996"] };
    expect(withCisReference(f).references).toEqual(["RFC 8996", CIS_REFERENCES.versions]);
    expect(withCisReference(withCisReference(f)).references).toHaveLength(2);
    const cited = { ...f, id: "settings.require-secure-transport-off", references: ["CIS Oracle MySQL Benchmark: ensure 'require_secure_transport' is set to 'ON'"] };
    expect(withCisReference(cited)).toBe(cited);
    const none = { ...f, id: "cert.expired" };
    expect(withCisReference(none)).toBe(none);
    expect(withCisReference({ id: "accounts.remote-without-x509", references: undefined }).references).toEqual([CIS_REFERENCES.x509]);
  });

  it("covers the recommendations the audit promises: versions, ciphers, transport, certificates, X509", () => {
    const ids = new Set(FINDING_IDS.map((d) => d.id));
    for (const id of ["protocol.tls10-accepted", "cipher.weak", "settings.require-secure-transport-off", "cert.auto-generated", "accounts.remote-without-x509"]) {
      expect(ids.has(id)).toBe(true);
      expect(withCisReference({ id, references: [] as string[] }).references!.some((r) => r.startsWith("CIS "))).toBe(true);
    }
  });
});
