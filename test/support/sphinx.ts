// Sphinx's searchd with a SphinxQL listener (`listen = host:port:mysql41`): a real server that speaks the MySQL
// wire protocol but is neither MySQL nor MariaDB. One real-time index, so no indexer run is needed; everything
// lives in a temporary directory; stopped by the PID of the process this module started.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { requireSearchd } from "./require-binaries.js";

export interface Sphinx {
  host: "127.0.0.1";
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts searchd in the foreground on a free loopback port and waits until it accepts. */
export async function startSphinx(): Promise<Sphinx> {
  const searchd = requireSearchd();
  const dir = mkdtempSync(join(tmpdir(), "mta-sphinx-"));
  const port = await freePort();
  const config = join(dir, "sphinx.conf");
  writeFileSync(
    config,
    `index rt
{
  type = rt
  path = ${dir}/rt
  rt_field = title
  rt_attr_uint = gid
}
searchd
{
  listen = 127.0.0.1:${port}:mysql41
  log = ${dir}/searchd.log
  query_log = ${dir}/query.log
  pid_file = ${dir}/searchd.pid
  binlog_path =
  workers = threads
}
`,
  );
  // --console: stay in the foreground, so the PID we hold is the daemon's and stopping it is exact.
  const child: ChildProcess = spawn(searchd, ["--config", config, "--console"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-16_384)));
  child.stderr!.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-16_384)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`searchd did not start on 127.0.0.1:${port}: ${out.trim().split("\n").slice(-5).join(" | ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: "127.0.0.1", port, pid: child.pid!, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
