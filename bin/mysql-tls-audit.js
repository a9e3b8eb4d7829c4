#!/usr/bin/env node
// The npx entry point: the program is dist/bundle/, CommonJS built from src/ (tsc, then scripts/bundle.mjs).
// CommonJS itself (bin/package.json), so that Node starts no ES module loader for it (#13).
// First of all, before the rest of the program loads: the password leaves the process title (/proc/PID/cmdline,
// ps) and core dumps are turned off, so a crash cannot write the password to disk.
"use strict";
const path = require("node:path");
const { disableCoreDumps, hidePasswordFromProcessList } = require("../dist/bundle/process-protection.js");
const { maskEchoes } = require("../dist/bundle/argv-secrets.js");

hidePasswordFromProcessList();
disableCoreDumps();
// A reader that goes away (`| head`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
// The rest compiles from V8's code cache the build stored beside it (src/cli/code-cache.ts).
require("../dist/bundle/code-cache.js").installCodeCache(path.join(__dirname, "..", "dist", "bundle"));
const { main } = require("../dist/bundle/main.js");

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() turns every error it knows into a line and an exit code; reaching here is a bug. Printable ASCII
    // only, and no password of the command line.
    const msg = maskEchoes(String(err && err.message ? err.message : err), process.argv).replace(/[^\x20-\x7e]/g, "?");
    process.stderr.write(`mysql-tls-audit: internal error: ${msg}\n`);
    process.exitCode = 3;
  },
);
