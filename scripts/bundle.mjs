// The CLI as `bin/mysql-tls-audit.js` runs it: tsc's dist/ linked into a few CommonJS files in dist/bundle/ by
// rolldown (`npm run build` runs tsc, then this), each with V8's code cache beside it (src/cli/code-cache.ts).
// Start-up is most of a short run's CPU: Node's module loader reading and linking some 130 files, and commander,
// chalk and cli-table3, cost about as much as Node itself (measured: `--version` 0.17 s, bundled 0.13 s, bare node
// 0.08 s; #13). CommonJS, because Node's CommonJS loader is lighter than its ES module loader (ciphers at ~0 ms used
// 0.78 s of CPU against 0.84 as ES modules, before any cache), and because Node 20 takes a code cache only there.
// mysql2 goes into a chunk of its own, which the first login loads (src/sql/login.ts imports it): one file instead of
// about 90 for Node's loader, 33 ms of CPU to load with its cache against 58 from node_modules (medians of 20). The
// other libraries a command loads lazily (node-forge, prom-client, yaml) stay outside, loaded by Node from
// node_modules only when needed. dist/ itself stays as tsc wrote it: the package's library entry (dist/index.js)
// and its types.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const OUT = at("dist/bundle");

const LAZY = ["node-forge", "prom-client", "yaml"];

// Chunks are named by their hash: without this, every build left its old chunks beside the new ones (398 files after
// a day of builds), and `npm pack` shipped them all.
rmSync(OUT, { recursive: true, force: true });

await build({
  input: {
    main: at("dist/cli/main.js"),
    // The bin runs these first, before the rest of the program loads (the password leaves the process title).
    "process-protection": at("dist/cli/process-protection.js"),
    "argv-secrets": at("dist/cli/argv-secrets.js"),
    // Installed by the bin and by the helper thread's entry before they load the rest.
    "code-cache": at("dist/cli/code-cache.js"),
    // The helper thread, started through node-probe-worker.js below.
    "probe-worker": at("dist/tls/node-probe-worker.js"),
  },
  platform: "node",
  external: (id) => id.startsWith("node:") || LAZY.some((p) => id === p || id.startsWith(`${p}/`)),
  // Strict, as the ES modules it is built from are.
  output: { dir: OUT, format: "cjs", strict: true, entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", sourcemap: true },
});

// No source map for the mysql2 chunk (1.4 MB of the package): its stack traces are mysql2's, not ours.
for (const name of readdirSync(OUT).filter((f) => /^mysql2-.*[.]js$/.test(f))) {
  rmSync(`${OUT}/${name}.map`);
  writeFileSync(`${OUT}/${name}`, readFileSync(`${OUT}/${name}`, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"));
}
// The package is "type": "module"; the bundle's .js files are CommonJS.
writeFileSync(`${OUT}/package.json`, `${JSON.stringify({ type: "commonjs" })}\n`);
// node-probe-pool.ts starts ./node-probe-worker.js beside itself: in dist/tls/ the worker, here its entry, which
// installs the code cache in the new thread first.
writeFileSync(
  `${OUT}/node-probe-worker.js`,
  `"use strict";\n// The helper thread's entry (scripts/bundle.mjs): the code cache first, then the worker.\nrequire("./code-cache.js").installCodeCache(__dirname);\nrequire("./probe-worker.js");\n`,
);
// The caches, but for the files that load before the hook is installed. In a process of its own: it changes V8's
// flags while it compiles.
const before = ["code-cache.js", "node-probe-worker.js", "process-protection.js", "argv-secrets.js"];
execFileSync(process.execPath, ["-e", `require(${JSON.stringify(`${OUT}/code-cache.js`)}).writeCodeCaches(${JSON.stringify(OUT)}, ${JSON.stringify(before)})`], { stdio: "inherit" });
