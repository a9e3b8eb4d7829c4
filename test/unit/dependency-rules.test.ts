import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The layering rules of .dependency-cruiser.cjs, run on tiny trees made here: each rule must fail on its own
// violation (a rule that cannot fail guards nothing) and pass on the same tree without it.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const config = path.join(root, ".dependency-cruiser.cjs");
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "depcruise-"));
  dirs.push(dir);
  const all: Record<string, string> = {
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: [] }, include: ["src"] }),
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function cruise(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, "src", "--config", config, "--output-type", "err"], { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe("dependency rules (.dependency-cruiser.cjs)", () => {
  it("passes a tree that keeps the layers, including a cycle of type-only imports", async () => {
    const dir = tree({
      "src/cli/main.ts": `import { a } from "../run/audit.js";\nimport { run } from "./run.js";\nexport interface State { code: number }\nexport const m = a + run;\n`,
      "src/cli/run.ts": `import type { State } from "./main.js";\nexport const run = 1;\nexport type S = State;\n`,
      "src/run/audit.ts": `import { x } from "../checks/registry.js";\nexport const a = x.judge(await x.gather());\n`,
      "src/checks/registry.ts": `import { x } from "./x/index.js";\nexport { x };\n`,
      // A check's index.ts (its gather) calls a gatherer; its judge names the gatherer's fact type only.
      "src/checks/x/index.ts": `import { login } from "../../sql/login.js";\nimport { judge } from "./judge.js";\nexport const x = { gather: login, judge };\n`,
      "src/checks/x/judge.ts": `import type { Socket } from "node:net";\nimport type { Facts } from "../../sql/login.js";\nexport function judge(f: Facts): number { return f; }\nexport type S = Socket;\n`,
      "src/sql/login.ts": `import { connect } from "../net/connect.js";\nexport type Facts = number;\nexport async function login(): Promise<Facts> { return connect(); }\n`,
      "src/net/connect.ts": `import { parse } from "../protocol/handshake.js";\nexport function connect(): number { return parse(); }\n`,
      "src/protocol/handshake.ts": `export function parse(): number { return 1; }\n`,
    });
    const r = await cruise(dir);
    expect(r.out).toContain("no dependency violations");
    expect(r.code).toBe(0);
  });

  it("fails on an import cycle", async () => {
    const dir = tree({
      "src/report/a.ts": `import { b } from "./b.js";\nexport const a = () => b;\n`,
      "src/report/b.ts": `import { a } from "./a.js";\nexport const b = () => a;\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("no-circular");
  });

  it("fails when the core imports the CLI (the old src/audit.ts -> src/cli/ciphers.ts loop of #11)", async () => {
    const dir = tree({
      "src/cli/ciphers.ts": `export function planRun(): number { return 1; }\n`,
      "src/run/audit.ts": `import { planRun } from "../cli/ciphers.js";\nexport const a = planRun();\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("core-not-cli");
  });

  it("fails when wire code imports a report, the connection layer or SQL", async () => {
    const dir = tree({
      "src/report/types.ts": `export const SEV = 1;\n`,
      "src/protocol/handshake.ts": `import { SEV } from "../report/types.js";\nexport const h = SEV;\n`,
      "src/net/connect.ts": `export const c = 1;\n`,
      "src/x509/der.ts": `import { c } from "../net/connect.js";\nexport const d = c;\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/wire-is-pure: src\/protocol\/handshake\.ts/);
    expect(r.out).toMatch(/wire-is-pure: src\/x509\/der\.ts/);
  });

  it("fails when a layer imports one above it: checks -> run, a gatherer -> checks, net -> a gatherer", async () => {
    const dir = tree({
      "src/run/audit.ts": `export const a = 1;\n`,
      "src/checks/x/index.ts": `import { a } from "../../run/audit.js";\nexport const x = a;\n`,
      "src/checks/registry.ts": `export const CHECKS = [];\n`,
      "src/sql/settings.ts": `import { CHECKS } from "../checks/registry.js";\nexport const s = CHECKS;\n`,
      "src/tls/enumerate.ts": `export const e = 1;\n`,
      "src/net/probe.ts": `import { e } from "../tls/enumerate.js";\nexport const p = e;\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/run-is-above-checks: src\/checks\/x\/index\.ts → src\/run\/audit\.ts/);
    expect(r.out).toMatch(/checks-are-above-gatherers: src\/sql\/settings\.ts → src\/checks\/registry\.ts/);
    expect(r.out).toMatch(/net-is-below-gatherers: src\/net\/probe\.ts → src\/tls\/enumerate\.ts/);
  });

  it("fails when a report or the policy's rules call a gatherer", async () => {
    const dir = tree({
      "src/sql/accounts.ts": `export async function gatherAccounts(): Promise<number> { return 1; }\n`,
      "src/report/grade.ts": `import { gatherAccounts } from "../sql/accounts.js";\nexport const g = gatherAccounts;\n`,
      "src/policy/apply.ts": `import fs from "node:fs";\nexport const p = fs.readFileSync;\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/pure-code-does-no-io: src\/report\/grade\.ts → src\/sql\/accounts\.ts/);
    expect(r.out).toMatch(/pure-code-does-no-io: src\/policy\/apply\.ts → (node:)?fs/);
  });

  it("fails when a check's judge (not its index.ts gather) calls a gatherer", async () => {
    const dir = tree({
      "src/sql/settings.ts": `export async function gatherSettings(): Promise<number> { return 1; }\n`,
      "src/checks/settings/judge.ts": `import { gatherSettings } from "../../sql/settings.js";\nexport const j = gatherSettings;\n`,
      "src/checks/settings/index.ts": `import { gatherSettings } from "../../sql/settings.js";\nimport { j } from "./judge.js";\nexport const s = [gatherSettings, j];\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/checks-do-no-io: src\/checks\/settings\/judge\.ts → src\/sql\/settings\.ts/);
    expect(r.out).not.toMatch(/checks-do-no-io: src\/checks\/settings\/index\.ts/);
  });

  it("fails when a check does I/O (a socket module, or the login)", async () => {
    const dir = tree({
      "src/sql/login.ts": `export async function login(): Promise<number> { return 1; }\n`,
      "src/checks/a.ts": `import net from "node:net";\nexport const a = () => net.connect(1);\n`,
      "src/checks/b.ts": `import { login } from "../sql/login.js";\nexport const b = login;\n`,
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/checks-do-no-io: src\/checks\/a\.ts → (node:)?net/);
    expect(r.out).toMatch(/checks-do-no-io: src\/checks\/b\.ts → src\/sql\/login\.ts/);
  });

  it("fails when code other than net/connection.ts opens a socket, or when net/ imports a TLS engine", async () => {
    const ok = {
      "src/net/connection.ts": `import net from "node:net";\nexport const c = () => net.connect(1);\n`,
      "src/sql/login.ts": `import net from "node:net";\nimport tls from "node:tls";\nexport const l = () => [net.connect(1), tls.connect(1)];\n`,
      "src/tls/node-handshake.ts": `import tls from "node:tls";\nimport type net from "node:net";\nexport const h = (s: net.Socket) => tls.connect({ socket: s });\n`,
    };
    const clean = await cruise(tree(ok));
    expect(clean.out).toContain("no dependency violations");
    const r = await cruise(
      tree({
        ...ok,
        "src/x509/fetch-chain.ts": `import net from "node:net";\nexport const f = () => net.connect(1);\n`,
        "src/tls/raw-probe.ts": `import tls from "node:tls";\nexport const r = () => tls.connect(1);\n`,
        "src/net/engine.ts": `import { h } from "../tls/node-handshake.js";\nexport const e = h;\n`,
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/one-connection-layer: src\/x509\/fetch-chain\.ts → (node:)?net/);
    expect(r.out).toMatch(/tls-sockets-in-engines: src\/tls\/raw-probe\.ts → (node:)?tls/);
    expect(r.out).toMatch(/net-takes-tls-as-a-step: src\/net\/engine\.ts → src\/tls\/node-handshake\.ts/);
  });
});
