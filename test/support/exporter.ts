// Starts `mysql-tls-audit serve` as a user would (the built CLI), on a free loopback port, stopped by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { requireBinary } from "./require-binaries.js";

const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));

export interface RunningExporter {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawns `serve --listen 127.0.0.1:0 [--config file]` (optionally through a launcher prefix) and waits for its port. */
export async function startExporter(opts: { config?: string; prefix?: string[]; listenHost?: string; env?: Record<string, string> } = {}): Promise<RunningExporter> {
  const [cmd, ...pre] = opts.prefix ?? [];
  const args = [BIN, "serve", "--listen", `${opts.listenHost ?? "127.0.0.1"}:0`, ...(opts.config ? ["--config", opts.config] : [])];
  const child = spawn(cmd ?? process.execPath, [...pre, ...(cmd ? [process.execPath] : []), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });
  let err = "";
  child.stdout!.resume();
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 20 s: ${err}`)), 20_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on http:\/\/[^\s]+:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
  const host = opts.listenHost ?? "127.0.0.1";
  return {
    url: `http://${host}:${port}`,
    port,
    pid: child.pid!,
    child,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** What `promtool check metrics` says of an exposition text: "" when it has nothing to object to. */
export async function promtoolCheckMetrics(text: string): Promise<string> {
  const p = spawn(requireBinary("promtool", "prometheus"), ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
  let said = "";
  p.stdout!.on("data", (d: Buffer) => (said += d.toString()));
  p.stderr!.on("data", (d: Buffer) => (said += d.toString()));
  p.stdin!.end(text);
  const code = await new Promise((resolve) => p.on("close", resolve));
  return code === 0 ? said : `exit ${String(code)}: ${said}`;
}
