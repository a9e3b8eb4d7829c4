import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_IDS } from "../../src/report/finding-ids.js";
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
    if (!p.endsWith(".ts")) continue;
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
