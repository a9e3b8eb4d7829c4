// `openssl s_server` as a plain TLS backend behind the fake MySQL greeting: it serves the suites Debian's
// OpenSSL has (at security level 0), so the raw engine and node:tls can be checked against a second TLS stack.
import { spawn, type ChildProcess } from "node:child_process";
import { startFakeMysql, type FakeMysql } from "./fake-mysql/server.js";
import type { FakeMysqlOptions } from "./fake-mysql/options.js";
import { freePort } from "./ports.js";
import { requireOpenssl } from "./require-binaries.js";

export interface OpenSslServerOptions {
  /** PEM file paths. */
  cert: string;
  key: string;
  /** Extra chain certificates to send (PEM file). */
  chain?: string;
  /** OpenSSL cipher string for TLS <= 1.2 (default "ALL:COMPLEMENTOFALL:@SECLEVEL=0"). */
  cipher?: string;
  /** TLS 1.3 suites (OpenSSL's default when absent). */
  ciphersuites?: string;
  /** e.g. "TLSv1"; Debian's openssl.cnf otherwise sets TLS 1.2 as the floor. */
  minProtocol?: string;
  maxProtocol?: string;
  /** More s_server arguments, e.g. ["-dhparam", file] or ["-no_tls1_3"]. */
  extraArgs?: string[];
  startTimeoutMs?: number;
}

/** A running `openssl s_server` started by this process. */
export interface OpenSslServer {
  host: "127.0.0.1";
  port: number;
  pid: number;
  /** What s_server printed so far (stdout and stderr). */
  output(): string;
  /** Stops exactly this process; idempotent. */
  stop(): Promise<void>;
}

/** Starts `openssl s_server` on a free loopback port and waits until it accepts. */
export async function startOpenSslServer(opts: OpenSslServerOptions): Promise<OpenSslServer> {
  const port = await freePort();
  const args = [
    "s_server",
    "-accept", `127.0.0.1:${port}`,
    "-cert", opts.cert,
    "-key", opts.key,
    ...(opts.chain ? ["-cert_chain", opts.chain] : []),
    "-cipher", opts.cipher ?? "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
    ...(opts.ciphersuites ? ["-ciphersuites", opts.ciphersuites] : []),
    ...(opts.minProtocol ? ["-min_protocol", opts.minProtocol] : []),
    ...(opts.maxProtocol ? ["-max_protocol", opts.maxProtocol] : []),
    // Without -naccept s_server serves connections one after another until killed. No -quiet: it would hide
    // the ACCEPT line that says the socket listens.
    ...(opts.extraArgs ?? []),
  ];
  // stdin is a pipe nobody writes to: s_server reads console commands from it.
  const child = spawn(requireOpenssl(), args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 256 * 1024) out = out.slice(-128 * 1024); // it logs every session; keep the tail
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  await waitUntilListening(child, port, () => out, opts.startTimeoutMs ?? 10_000);
  let stopped: Promise<void> | undefined;
  return {
    host: "127.0.0.1",
    port,
    pid: child.pid!,
    output: () => out,
    stop: () => (stopped ??= stopChild(child)),
  };
}

function waitUntilListening(child: ChildProcess, port: number, out: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`openssl s_server did not listen on ${port} within ${timeoutMs} ms: ${out().trim()}`));
    }, timeoutMs);
    const check = (): void => {
      // s_server prints ACCEPT once its socket listens.
      if (/ACCEPT/.test(out())) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl s_server exited (${code}) before listening: ${out().trim()}`));
    });
    check();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** s_server behind the fake server's MySQL greeting: a MySQL-protocol target whose TLS is OpenSSL's. */
export interface OpenSslMysql {
  host: "127.0.0.1";
  port: number;
  backend: OpenSslServer;
  front: FakeMysql;
  stop(): Promise<void>;
}

/** Starts s_server and a fake MySQL server that hands every connection to it after the SSLRequest. */
export async function startOpenSslBehindMysql(opts: OpenSslServerOptions, front: Omit<FakeMysqlOptions, "tlsBackend" | "tls"> = {}): Promise<OpenSslMysql> {
  const backend = await startOpenSslServer(opts);
  let fake: FakeMysql;
  try {
    fake = await startFakeMysql({ ...front, tlsBackend: { host: backend.host, port: backend.port } });
  } catch (err) {
    await backend.stop();
    throw err;
  }
  return {
    host: fake.host,
    port: fake.port,
    backend,
    front: fake,
    stop: async () => {
      await fake.stop();
      await backend.stop();
    },
  };
}
