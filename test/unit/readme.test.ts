import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderFindingIdTable } from "../../src/report/finding-ids-markdown.js";
import { FINDING_IDS } from "../../src/checks/registry.js";
import { buildProgram } from "../../src/cli/main.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const ciRun = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");

describe("README agrees with the code", () => {
  it("documents every finding id, as generated (run `npm run build && node scripts/readme-ids.mjs`)", () => {
    const block = readme.slice(readme.indexOf("<!-- finding-ids:start -->") + "<!-- finding-ids:start -->".length, readme.indexOf("<!-- finding-ids:end -->"));
    expect(block.trim()).toBe(renderFindingIdTable(FINDING_IDS));
  });

  it("opens with `npm run demo`, and names the test command that .ci/run runs", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toMatch(/^npm ci && npm run demo\b/);
    expect(readme).toMatch(/`npm test`/);
    expect(ciRun).toMatch(/^npm test$/m);
  });

  it("reaches a first result in sixty lines: demo, install, the auditing account's GRANT per flavour, three recipes with the exit codes", () => {
    const first60 = readme.split("\n").slice(0, 60).join("\n");
    expect(first60).toContain("npm run demo");
    expect(first60).toMatch(/npx --yes \.\/mysql-tls-audit-[\d.]+\.tgz/);
    expect(first60).toMatch(/npm install -g \.\/mysql-tls-audit-[\d.]+\.tgz/);
    expect(first60).toMatch(/-- MariaDB[\s\S]*GRANT[\s\S]*-- MySQL[\s\S]*GRANT/);
    for (const recipe of ["# On call", "# CI gate", "# Fleet"]) expect(first60).toContain(recipe);
    for (const code of ["| 0 |", "| 1 |", "| 2 |", "| 3 |"]) expect(first60).toContain(code);
  });

  it("describes every subcommand", () => {
    for (const cmd of ["probe", "ciphers", "cert", "settings", "accounts", "audit"]) expect(readme).toMatch(new RegExp(`^### .*\\b${cmd}\\b`, "m"));
  });

  it("mentions every option that --help lists, for every command", () => {
    const program = buildProgram({ exitCode: 0 });
    const missing = program.commands.flatMap((c) => c.options.filter((o) => o.long && !readme.includes(o.long)).map((o) => `${c.name()} ${o.long}`));
    expect(missing).toEqual([]);
  });
});
