// The audit's run list is the registry: a check added to it runs after connectivity with the same context (its
// skip rule, its gather, its pure judge, its JSON section and text rows), is skipped by --skip, and a subcommand
// (`only`) runs just its checks. Against the protocol-faithful fake server (no MariaDB needed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { auditTarget } from "../../src/run/audit.js";
import { CHECKS } from "../../src/checks/registry.js";
import { defineCheck, needsTls } from "../../src/checks/check.js";

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
