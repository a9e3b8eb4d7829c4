// The audit's run list is the registry: a check added to it runs after connectivity with the same context (its
// skip rule, its gather, its pure judge, its JSON section and text rows), is skipped by --skip, and a subcommand
// (`only`) runs just its checks. Against the protocol-faithful fake server (no MariaDB needed).
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { auditTarget } from "../../src/run/audit.js";
import { CHECKS } from "../../src/checks/registry.js";
import { defineCheck, needsTls } from "../../src/checks/check.js";
import { registerCheckCommand } from "../../src/cli/generic-command.js";

let server: FakeMysql;
beforeAll(async () => {
  server = await startFakeMysql({ greeting: "mysql-8.4" });
});
afterAll(async () => {
  await server.stop();
});

// Reads only what connectivity learned: no connection of its own.
const flavour = defineCheck<{ flavor: string }>({
  name: "flavour",
  title: "the server's flavour, as a finding",
  findingIds: [{ id: "flavour.seen", severity: "info", meaning: "The flavour the greeting showed." }],
  skip: needsTls,
  gather: async (ctx) => ({ flavor: ctx.handshake.server?.flavor ?? "unknown" }),
  judge: (f, policy) => [{ id: "flavour.seen", severity: "info", title: "flavour", evidence: `${f.flavor}, failing on ${policy.failOn}` }],
  json: (f) => ({ flavor: f.flavor }),
  text: (f) => [["Flavour (test check)", f.flavor]],
});

describe("a check in the registry is run by the audit", () => {
  const target = () => ({ host: server.host, port: server.port });

  it("after connectivity, with its section, rows and findings", async () => {
    const r = await auditTarget(target(), { maxAborted: 0, only: ["flavour"] }, [...CHECKS, flavour]);
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ["connectivity", "completed"],
      ["flavour", "completed"],
    ]);
    expect(r.details.flavour).toEqual({ flavor: "mysql" });
    expect(r.overview).toContainEqual(["Flavour (test check)", "mysql"]);
    expect(r.checks[1]!.findings.map((f) => [f.id, f.evidence])).toEqual([["flavour.seen", "mysql, failing on medium"]]);
  });

  it("is skipped by --skip, saying so", async () => {
    const r = await auditTarget(target(), { only: ["flavour"], skip: ["flavour"] }, [...CHECKS, flavour]);
    expect(r.checks.find((c) => c.name === "flavour")).toMatchObject({ status: "skipped", reason: "not run: --skip flavour" });
  });

  it("a check whose gather fails is an error with its reason, never a silent pass", async () => {
    const broken = { ...flavour, name: "broken", gather: async () => Promise.reject(new Error("no such fact")) };
    const r = await auditTarget(target(), { only: ["broken"] }, [...CHECKS, broken]);
    const c = r.checks.find((x) => x.name === "broken")!;
    expect([c.status, c.reason, c.findings.map((f) => f.id)]).toEqual(["error", "no such fact", ["audit.check-error"]]);
  });
});

describe("a registered check with a command of its own is a subcommand", () => {
  async function run(args: string[]): Promise<{ out: string; code: number }> {
    const state = { exitCode: 0 };
    const program = new Command().exitOverride();
    registerCheckCommand(program, state, "flavour", [...CHECKS, { ...flavour, command: "flavour" }]);
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(["node", "mysql-tls-audit", "flavour", `${server.host}:${server.port}`, "--timeout", "5", ...args]);
    } finally {
      spy.mockRestore();
    }
    return { out, code: state.exitCode };
  }

  it("--json: the envelope, its section, its checks and findings; the audit's exit rule", async () => {
    const { out, code } = await run(["--json"]);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(doc).toMatchObject({ command: "flavour", flavor: "mysql", checks: [{ name: "flavour", status: "completed" }], findings: [{ id: "flavour.seen", severity: "info" }] });
    expect(code).toBe(0);
  });

  it("text: its overview rows and findings; --fail-on applies", async () => {
    const { out, code } = await run(["--no-color", "--fail-on", "info"]);
    expect(out).toMatch(/Flavour \(test check\)\s+mysql/);
    expect(out).toContain("flavour.seen");
    expect(code).toBe(1);
  });
});
