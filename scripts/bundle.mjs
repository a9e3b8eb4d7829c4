// The CLI as `bin/mysql-tls-audit.js` runs it: tsc's dist/ linked into a few files in dist/bundle/ by rolldown
// (`npm run build` runs tsc, then this). Start-up is most of a short run's CPU: Node's module loader reading and
// linking some 130 files, and commander, chalk and cli-table3, cost about as much as Node itself (measured:
// `--version` 0.17 s, bundled 0.13 s, bare node 0.08 s; #13). The libraries a command loads lazily (mysql2,
// node-forge, prom-client, yaml) stay outside, loaded by Node from node_modules only when needed.
// dist/ itself stays as tsc wrote it: the package's library entry (dist/index.js) and its types.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));

const LAZY = ["mysql2", "node-forge", "prom-client", "yaml"];

// Chunks are named by their hash: without this, every build left its old chunks beside the new ones (398 files after
// a day of builds), and `npm pack` shipped them all.
rmSync(at("dist/bundle"), { recursive: true, force: true });

await build({
  input: {
    main: at("dist/cli/main.js"),
    // The bin runs these first, before the rest of the program loads (the password leaves the process title).
    "process-protection": at("dist/cli/process-protection.js"),
    "argv-secrets": at("dist/cli/argv-secrets.js"),
    // Started by node-probe-pool as new URL("./node-probe-worker.js", import.meta.url): the same name, beside it.
    "node-probe-worker": at("dist/tls/node-probe-worker.js"),
  },
  platform: "node",
  external: (id) => id.startsWith("node:") || LAZY.some((p) => id === p || id.startsWith(`${p}/`)),
  output: { dir: at("dist/bundle"), format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", sourcemap: true },
});
