import { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import type { RunState } from "./main.js";
import { writeErr } from "./output.js";

export const DEFAULT_LISTEN = "127.0.0.1:9641";

/** Parses HOST:PORT or [IPv6]:PORT for --listen. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AuditError("usage", `--listen "${value}" is not HOST:PORT (e.g. 127.0.0.1:9641, 0.0.0.0:9641, [::1]:9641)`);
  return { host: (m[1] ?? m[2])!, port };
}

/** `serve`: the multi-target Prometheus exporter (blackbox_exporter's /probe?target=&module= pattern). */
export function registerServe(program: Command, state: RunState): void {
  program
    .command("serve")
    .description("run a Prometheus exporter: GET /probe?target=host:port&module=NAME audits a target, /metrics is the exporter's own health")
    .addOption(new Option("--listen <host:port>", "address to listen on (port 0: any free port, printed at start)").default(DEFAULT_LISTEN))
    .addOption(new Option("--config <file>", "YAML module file (modules: checks, timeouts, cache, max_aborted, policy, credentials); without it only the lock-out-safe default module"))
    .action(async (o: { listen: string; config?: string }) => {
      const listen = parseListen(o.listen);
      // Loaded here so the other commands never pay for yaml and prom-client.
      const { builtinConfig, loadExporterConfig } = await import("../serve/config.js");
      const { createExporter } = await import("../serve/server.js");
      const config = o.config ? loadExporterConfig(o.config) : builtinConfig();
      const exporter = createExporter({ config, log: (line) => writeErr(line) });
      const at = await exporter.listen(listen.host, listen.port);
      const shown = at.host.includes(":") ? `[${at.host}]` : at.host;
      writeErr(`mysql-tls-audit serve: listening on http://${shown}:${at.port} (modules: ${[...config.modules.keys()].join(", ")})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          void exporter.close().then(resolve);
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      state.exitCode = 0;
    });
}
