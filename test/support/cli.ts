import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Throws unless the build the bin runs (dist/bundle/) is there. */
export function requireBuild(): void {
  if (!existsSync(new URL("../../dist/bundle/main.js", import.meta.url))) {
    throw new Error("dist/bundle/ is missing: run `npm run build` first (npm test does it)");
  }
}

/** Runs the built CLI as a user would (node bin/mysql-tls-audit.js ...), with colour off unless asked. */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; prefix?: string[] } = {}): Promise<CliResult> {
  requireBuild();
  const t0 = Date.now();
  const [cmd, ...pre] = opts.prefix ?? [];
  const child = spawn(cmd ?? process.execPath, [...pre, ...(cmd ? [process.execPath] : []), BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  // A CLI that exits without reading its stdin closes the pipe first: our write then fails with EPIPE, which is the
  // child's business (its exit code and output are what the test judges), not an uncaught error of the test run.
  child.stdin.on("error", () => undefined);
  child.stdin.end(opts.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Asserts the shape every user-facing failure must have: one line, no stack frames. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split("\n");
  return lines.length === 1 && !/\n\s+at /.test(stderr) && !/Unhandled|TypeError|ReferenceError/.test(stderr);
}

/**
 * The subcommands of the built CLI that audit a target, read from its --help (so a matrix grows as commands land;
 * serve listens and merge reads files, so they are not among them), and whether each takes a login.
 */
export async function targetSubcommands(): Promise<Array<{ name: string; logsIn: boolean }>> {
  const help = await runCli(["--help"]);
  const names = [...help.stdout.matchAll(/^\s{2}([a-z][a-z-]+)\b/gm)].map((m) => m[1]!).filter((n) => n !== "help");
  const out: Array<{ name: string; logsIn: boolean }> = [];
  for (const name of names) {
    const h = await runCli([name, "--help"]);
    if (!/^Usage: \S+ \S+ .*\[targets?\b/m.test(h.stdout)) continue;
    out.push({ name, logsIn: /--user\b/.test(h.stdout) && /--password\b/.test(h.stdout) });
  }
  return out;
}
