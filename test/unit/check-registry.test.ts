// Adding a check is adding a module and one registry line: everything else (the --skip names and their help, the
// subcommands, the JSON schema's enums, the README's finding-id table) follows the registry. A fake check in a test
// registry shows each derivation picks it up; the real registry shows the CLI and the docs use the derivations.
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { ALL_CHECKS, AUDIT_JSON_SCHEMA, CHECK_NAMES, CHECKS, COMMANDS, FINDING_IDS, commandsOf, findingIdsOf, jsonSchemaOf, skipHelpOf, skipNamesOf } from "../../src/checks/registry.js";
import { defineCheck, type CheckInfo } from "../../src/checks/check.js";
import { renderFindingIdTable } from "../../src/report/finding-ids-markdown.js";
import { checkList } from "../../src/cli/audit.js";
import { buildProgram } from "../../src/cli/main.js";

const fake = defineCheck<{ weak: boolean }>({
  name: "compression",
  title: "whether the server offers protocol compression on TLS connections",
  aliases: ["zlib"],
  command: "compression",
  findingIds: [{ id: "compression.offered", severity: "low", meaning: "The server offers compression inside TLS (CRIME-like length leaks)." }],
  skip: () => undefined,
  gather: async () => ({ weak: true }),
  judge: (f) => (f.weak ? [{ id: "compression.offered", severity: "low", title: "compression", evidence: "CLIENT_COMPRESS" }] : []),
  json: (f) => ({ compression: f.weak }),
  text: (f) => [["Compression", f.weak ? "offered" : "no"]],
});
const registry: readonly CheckInfo[] = [...ALL_CHECKS, fake];

function auditDoc(checkName: string, findingId: string): Record<string, unknown> {
  const finding = { id: findingId, severity: "low", title: "t", evidence: "e", check: checkName };
  return {
    schemaVersion: 1,
    tool: { name: "mysql-tls-audit", version: "0" },
    target: { host: "db", port: 3306 },
    command: "audit",
    targets: [{ target: { host: "db", port: 3306 }, audited: true, checks: [{ name: checkName, status: "completed" }], findings: [finding], abortedConnections: 0 }],
    summary: { bySeverity: { critical: 0, high: 0, medium: 0, low: 1, info: 0, error: 0 }, verdict: "fail" },
  };
}

describe("a check added to the registry", () => {
  it("is a --skip name, by its long and short name, and in --skip's help", () => {
    expect(skipNamesOf(registry).get("zlib")).toBe("compression");
    expect(checkList("ZLIB,protocols", registry)).toEqual(["compression", "protocols"]);
    expect(skipHelpOf(registry)).toContain("compression (zlib)");
    // Not without its registry line.
    expect(() => checkList("zlib")).toThrow(/unknown check "zlib"/);
  });

  it("is a subcommand running its checks", () => {
    expect(commandsOf(registry).get("compression")).toEqual(["compression"]);
    expect(commandsOf(ALL_CHECKS).has("compression")).toBe(false);
  });

  it("is in the JSON schema's enums of check names and finding ids", () => {
    const compile = (schema: object) => new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(compile(jsonSchemaOf(registry))(auditDoc("compression", "compression.offered"))).toBe(true);
    // The real registry's schema refuses both the unknown check and the undocumented id.
    const real = compile(AUDIT_JSON_SCHEMA);
    expect(real(auditDoc("compression", "protocol.tls10-accepted"))).toBe(false);
    expect(real(auditDoc("protocols", "compression.offered"))).toBe(false);
    expect(real(auditDoc("protocols", "protocol.tls10-accepted"))).toBe(true);
  });

  it("is in the README's finding-id table, under its check", () => {
    expect(findingIdsOf(registry).at(-1)).toEqual({ id: "compression.offered", check: "compression", severity: "low", meaning: fake.findingIds[0]!.meaning });
    expect(renderFindingIdTable(findingIdsOf(registry))).toContain("| `compression.offered` | compression | low |");
  });
});

describe("the real registry feeds the CLI and the docs", () => {
  it("runs connectivity first, then its checks in table order", () => {
    expect(CHECK_NAMES).toEqual(["connectivity", ...CHECKS.map((c) => c.name)]);
    expect(FINDING_IDS).toEqual(findingIdsOf(ALL_CHECKS));
  });

  it("the audit's --skip help lists every check but connectivity, by the registry's names", () => {
    const audit = buildProgram({ exitCode: 0 }, ["node", "mysql-tls-audit"]).commands.find((c) => c.name() === "audit")!;
    const skip = audit.options.find((o) => o.long === "--skip")!;
    for (const c of CHECKS) expect(skip.description).toContain(c.aliases?.length ? `${c.name} (${c.aliases[0]})` : c.name);
    expect(skip.description).not.toContain("connectivity");
  });

  it("every registry command is a CLI subcommand, and the check modules name no command the CLI lacks", () => {
    const names = buildProgram({ exitCode: 0 }, ["node", "mysql-tls-audit"]).commands.map((c) => c.name());
    for (const cmd of COMMANDS.keys()) expect(names).toContain(cmd);
    expect([...COMMANDS]).toEqual([
      ["probe", ["connectivity"]],
      ["ciphers", ["protocols", "ciphers"]],
      ["cert", ["certificate"]],
      ["settings", ["settings", "replication"]],
      ["accounts", ["accounts"]],
    ]);
  });
});
