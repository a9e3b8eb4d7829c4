import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderFindingIdTable } from "../../src/report/finding-ids-markdown.js";
import { buildProgram } from "../../src/cli/main.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const ciRun = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");

describe("README agrees with the code", () => {
  it("documents every finding id, as generated (run `npm run build && node scripts/readme-ids.mjs`)", () => {
    const block = readme.slice(readme.indexOf("<!-- finding-ids:start -->") + "<!-- finding-ids:start -->".length, readme.indexOf("<!-- finding-ids:end -->"));
    expect(block.trim()).toBe(renderFindingIdTable());
  });

  it("opens with the tool command and the test command that .ci/run runs", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toMatch(/mysql-tls-audit(\.js)? db\.example\.com:3306/);
    expect(firstBlock).toMatch(/^npm test\b/m);
    expect(ciRun).toMatch(/^npm test$/m);
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
