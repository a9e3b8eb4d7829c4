#!/usr/bin/env node
// The npx entry point: everything lives in dist/, built from src/.
import { main } from "../dist/cli/main.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() turns every error it knows into a line and an exit code; reaching here is a bug.
    process.stderr.write(`mysql-tls-audit: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);
