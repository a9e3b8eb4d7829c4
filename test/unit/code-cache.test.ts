// The bundle's V8 code cache (src/cli/code-cache.ts, #13): the build's caches are taken by this Node, and a cache is
// used only for the exact source it was made from. Each case runs in a child process, as the bin does, through the
// built dist/bundle/code-cache.js (needs `npm run build`); judged by what the loaded code does, and by the hook's
// own account of each file.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bundle = path.join(root, "dist/bundle");
const hook = path.join(bundle, "code-cache.js");

/** Runs `body` in a child Node (CommonJS); `result(x)` there is what this returns. */
function child(body: string): Promise<unknown> {
  const script = `const cc = require(${JSON.stringify(hook)});\nconst result = (x) => process.stderr.write("RESULT " + JSON.stringify(x) + "\\n");\n${body}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: root }, (err, _stdout, stderr) => {
      const line = stderr.split("\n").find((l) => l.startsWith("RESULT "));
      if (err || !line) return reject(new Error(`${String(err)}\n${stderr}`));
      resolve(JSON.parse(line.slice("RESULT ".length)));
    });
  });
}

describe("the bundle's code cache (needs `npm run build`)", () => {
  it("a command compiles the bundle from the build's caches: none refused by this Node", async () => {
    const out = (await child(`
      cc.installCodeCache(${JSON.stringify(bundle)});
      require(${JSON.stringify(path.join(bundle, "main.js"))}).main(["node", "mysql-tls-audit", "ciphers", "--help"]).then(() => result(cc.codeCacheStats()));`)) as { used: string[]; rejected: string[]; compiled: string[] };
    expect(out.used).toContain("main.js");
    expect(out.rejected).toEqual([]);
    // Loaded before the hook by the bin, and by main.js here: no cache is built for it.
    expect(out.compiled).toEqual(["argv-secrets.js"]);
  });

  describe("in a directory of its own", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "mta-code-cache-"));
      await writeFile(path.join(dir, "a.js"), `"use strict"; module.exports = () => "first";\n`);
      await writeFile(path.join(dir, "b.js"), `"use strict"; module.exports = require("./a.js")() + "+b";\n`);
      // As the build does: in a process of its own.
      expect(await child(`result(cc.writeCodeCaches(${JSON.stringify(dir)}, []));`)).toEqual(["a.js", "b.js"]);
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    const load = (): Promise<unknown> =>
      child(`
        cc.installCodeCache(${JSON.stringify(dir)});
        const value = require(${JSON.stringify(path.join(dir, "b.js"))});
        result({ value, ...cc.codeCacheStats() });`);

    it("unchanged files run from their caches", async () => {
      expect(await load()).toEqual({ value: "first+b", used: ["b.js", "a.js"], rejected: [], compiled: [] });
    });

    it("a file changed after the build runs as it is now, even at the same length (V8 checks only the length)", async () => {
      const a = path.join(dir, "a.js");
      const changed = (await readFile(a, "utf8")).replace("first", "other");
      await writeFile(a, changed);
      expect(await load()).toEqual({ value: "other+b", used: ["b.js"], rejected: [], compiled: ["a.js"] });
    });

    it("a damaged cache is refused and the file compiled as usual; a missing one is not needed", async () => {
      const cache = path.join(dir, "a.js.v8cache");
      const data = await readFile(cache);
      data.fill(0x41, 32);
      await writeFile(cache, data);
      await rm(path.join(dir, "b.js.v8cache"));
      expect(await load()).toEqual({ value: "first+b", used: [], rejected: ["a.js"], compiled: ["b.js"] });
    });

    it("a file below the directory is left to Node", async () => {
      const out = (await child(`
        cc.installCodeCache(${JSON.stringify(path.dirname(dir))});
        const value = require(${JSON.stringify(path.join(dir, "b.js"))});
        result({ value, ...cc.codeCacheStats() });`)) as Record<string, unknown>;
      expect(out).toEqual({ value: "first+b", used: [], rejected: [], compiled: [] });
    });
  });
});
