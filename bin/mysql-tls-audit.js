#!/usr/bin/env node
// The npx entry point: everything lives in dist/, built from src/.
// First of all, before the rest of the program loads: the password leaves the process title (/proc/PID/cmdline,
// ps) and core dumps are turned off, so a crash cannot write the password to disk.
import { disableCoreDumps, hidePasswordFromProcessList } from "../dist/cli/process-protection.js";

hidePasswordFromProcessList();
disableCoreDumps();
const { main } = await import("../dist/cli/main.js");

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() turns every error it knows into a line and an exit code; reaching here is a bug. Printable ASCII only.
    const msg = String(err && err.message ? err.message : err).replace(/[^\x20-\x7e]/g, "?");
    process.stderr.write(`mysql-tls-audit: internal error: ${msg}\n`);
    process.exitCode = 3;
  },
);
