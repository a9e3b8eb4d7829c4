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
      "src/cli/main.ts": `import { a } from "../audit.js";\nimport { run } from "./run.js";\nexport interface State { code: number }\nexport const m = a + run;\n`,
      "src/cli/run.ts": `import type { State } from "./main.js";\nexport const run = 1;\nexport type S = State;\n`,
      "src/audit.ts": `import { judge } from "./checks/x.js";\nexport const a = judge();\n`,
      "src/checks/x.ts": `import type { Socket } from "node:net";\nexport function judge(): number { return 1; }\nexport type S = Socket;\n`,
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

  it("fails when the core imports the CLI (the src/audit.ts -> src/cli/ciphers.ts loop of #11)", async () => {
    const dir = tree({
      "src/cli/ciphers.ts": `export function planRun(): number { return 1; }\n`,
      "src/audit.ts": `import { planRun } from "./cli/ciphers.js";\nexport const a = planRun();\n`,
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
