import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { maskArg } from "./argv-secrets.js";

/**
 * Hides a password given on the command line from the process list, as the mysql client does by overwriting
 * its argv: the process title (what /proc/PID/cmdline and ps show) becomes the command line with every password
 * replaced by ***. On Linux and macOS Node writes the title over the original argv memory. The password is
 * visible from exec until this runs (the first statement of bin/mysql-tls-audit.js, tens of milliseconds), the
 * same window the mysql client has; MYSQL_PWD or an option file avoids the command line altogether.
 */
export function hidePasswordFromProcessList(argv0: string = process.argv0, argv: readonly string[] = process.argv, execArgv: readonly string[] = process.execArgv): boolean {
  const args = argv.slice(1);
  if (!args.some((a) => maskArg(a) !== a)) return false;
  try {
    process.title = [argv0, ...execArgv, ...args.map(maskArg)].join(" ");
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns core dumps off for this process when they are on (a core holds the password): Node has no setrlimit, so
 * util-linux's prlimit sets soft and hard RLIMIT_CORE to 0 on our own PID. Spawned only when the soft limit is not
 * already 0 (the usual default, ~7 ms when it runs); silently skipped where /proc or prlimit is missing.
 */
export function disableCoreDumps(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max core file size"));
    // Only this process could raise a soft limit of 0 again, and it never does.
    if ((line ?? "").trim().split(/\s+/)[4] === "0") return true;
    const r = spawnSync("prlimit", [`--pid=${process.pid}`, "--core=0:0"], { stdio: "ignore", timeout: 2000 });
    return r.status === 0;
  } catch {
    return false;
  }
}
