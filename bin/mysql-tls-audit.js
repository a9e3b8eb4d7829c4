#!/usr/bin/env node
// The npx entry point: the program is dist/bundle/, built from src/ (tsc, then scripts/bundle.mjs).
// First of all, before the rest of the program loads: the password leaves the process title (/proc/PID/cmdline,
// ps) and core dumps are turned off, so a crash cannot write the password to disk.
import { disableCoreDumps, hidePasswordFromProcessList } from "../dist/bundle/process-protection.js";
import { maskEchoes } from "../dist/bundle/argv-secrets.js";

hidePasswordFromProcessList();
disableCoreDumps();
// A reader that goes away (`| head`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import("../dist/bundle/main.js");

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
