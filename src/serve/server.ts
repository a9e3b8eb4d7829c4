// The multi-target exporter, in blackbox_exporter's pattern: GET /probe?target=host:port&module=NAME audits that
// target and answers in the text exposition format; /metrics is the exporter's own health (prom-client).
import http from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { AuditError, toAuditError } from "../errors.js";
import { parseTarget, type Target } from "../net/target.js";
import { printable } from "../report/printable.js";
import { gradeOf, renderPrometheus, renderUnanswered } from "../report/prometheus.js";
import type { TargetReport } from "../report/report.js";
import { TOOL } from "../version.js";
import type { ExporterConfig, ExporterModule } from "./config.js";
import { runModule, targetKey, type RunOptions, type TargetLedger } from "./run-module.js";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** Taken off the scrape timeout Prometheus sends, so the answer arrives before Prometheus gives up (blackbox's default). */
export const TIMEOUT_OFFSET_S = 0.5;
/** Used when a scrape names no timeout (Prometheus always does; curl does not). */
export const DEFAULT_SCRAPE_TIMEOUT_S = 120;

export interface ExporterOptions {
  config: ExporterConfig;
  /** Tests shorten the clock or script the version ladder. */
  run?: Partial<Pick<RunOptions, "now" | "rangeProber">>;
  log?: (line: string) => void;
}

export interface Exporter {
  server: http.Server;
  /** The exporter's own registry (/metrics). */
  registry: Registry;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

/** Builds the exporter's HTTP server (not yet listening). */
export function createExporter(opts: ExporterOptions): Exporter {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const probes = new Counter({ name: "mysql_tls_exporter_probes_total", help: "Scrapes of /probe answered, by module and result (success, failure, timeout)", labelNames: ["module", "result"], registers: [registry] });
  const badRequests = new Counter({ name: "mysql_tls_exporter_bad_requests_total", help: "Requests to /probe refused with HTTP 400 (bad target or module)", registers: [registry] });
  const shared = new Counter({ name: "mysql_tls_exporter_shared_runs_total", help: "Scrapes that joined an audit of the same target and module already running instead of starting another", registers: [registry] });
  const inFlight = new Gauge({ name: "mysql_tls_exporter_runs_in_flight", help: "Audits running now", registers: [registry] });
  const duration = new Histogram({
    name: "mysql_tls_exporter_probe_duration_seconds",
    help: "Duration of the audits run for /probe, by module",
    labelNames: ["module"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const aborted = new Counter({ name: "mysql_tls_exporter_aborted_connections_total", help: "Handshakes the exporter's audits left aborted on servers (they count toward max_connect_errors, except on loopback)", labelNames: ["module"], registers: [registry] });
  new Gauge({ name: "mysql_tls_exporter_modules", help: "Modules in the loaded configuration", registers: [registry] }).set(opts.config.modules.size);
  new Gauge({ name: "mysql_tls_exporter_build_info", help: "The exporter's version (value 1)", labelNames: ["version"], registers: [registry] }).set({ version: TOOL.version }, 1);

  const ledgers = new Map<string, TargetLedger>();
  const running = new Map<string, Promise<TargetReport>>();
  // Log lines carry a target from the URL and error text from servers: made inert before they reach a terminal.
  const log = (line: string): void => opts.log?.(printable(line));

  // Concurrent scrapes of one target with one module share one run: a second audit would cost the server twice.
  function sharedRun(target: Target, module: ExporterModule, timeoutS: number): Promise<TargetReport> {
    const key = `${module.name}|${targetKey(target)}`;
    const pending = running.get(key);
    if (pending) {
      shared.inc();
      return pending;
    }
    const lkey = targetKey(target);
    let ledger = ledgers.get(lkey);
    if (!ledger) ledgers.set(lkey, (ledger = { spent: 0, enumerations: new Map() }));
    const capMs = (s: number): number => Math.max(100, Math.min(s, timeoutS) * 1000);
    inFlight.inc();
    const end = duration.startTimer({ module: module.name });
    const p = runModule(target, module, ledger, {
      connectTimeoutMs: capMs(module.connectTimeout),
      readTimeoutMs: capMs(module.timeout),
      ...(opts.run?.now ? { now: opts.run.now } : {}),
      ...(opts.run?.rangeProber ? { rangeProber: opts.run.rangeProber } : {}),
    })
      .then((r) => {
        aborted.inc({ module: module.name }, r.abortedConnections);
        return r;
      })
      .finally(() => {
        end();
        inFlight.dec();
        running.delete(key);
      });
    running.set(key, p);
    return p;
  }

  async function handleProbe(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const bad = (why: string): void => {
      badRequests.inc();
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" }).end(`${printable(why)}\n`);
    };
    const rawTarget = url.searchParams.get("target");
    if (!rawTarget) return bad("missing the target parameter: /probe?target=host:port&module=NAME");
    const moduleName = url.searchParams.get("module") ?? "default";
    const module = opts.config.modules.get(moduleName);
    if (!module) return bad(`unknown module "${moduleName}" (modules: ${[...opts.config.modules.keys()].join(", ")})`);
    let target: Target;
    try {
      target = parseTarget(rawTarget);
    } catch (err) {
      return bad(toAuditError(err).message);
    }
    if (target.user !== undefined || target.password !== undefined) return bad("a target carries no user or password: put credentials in the module (credentials: user, password_file or password_env)");
    const timeoutS = scrapeTimeout(req.headers["x-prometheus-scrape-timeout-seconds"]);
    if (timeoutS === undefined) return bad(`X-Prometheus-Scrape-Timeout-Seconds "${String(req.headers["x-prometheus-scrape-timeout-seconds"])}" is not a number of seconds`);

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutS * 1000)));
    let body: string;
    try {
      const outcome = await Promise.race([sharedRun(target, module, timeoutS), deadline]);
      if (outcome === "timeout") {
        // The run goes on (its result warms the caches); this scrape reports failure now, as blackbox does.
        probes.inc({ module: module.name, result: "timeout" });
        log(`probe ${targetKey(target)} module ${module.name}: no answer within the scrape timeout of ${timeoutS} s`);
        body = renderUnanswered(performance.now() - started);
      } else {
        probes.inc({ module: module.name, result: outcome.audited ? "success" : "failure" });
        const grade = gradeOf(outcome);
        body = renderPrometheus([{ report: outcome, failOn: module.policy.failOn, ...(grade ? { grade } : {}) }]);
      }
    } finally {
      clearTimeout(timer);
    }
    res.writeHead(200, { "Content-Type": CONTENT_TYPE }).end(body);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://exporter.invalid");
    const done = (p: Promise<void>): void => {
      p.catch((err: unknown) => {
        const e = toAuditError(err);
        log(`internal error on ${url.pathname}: ${e.message}`);
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`${printable(e.message)}\n`);
        else res.end();
      });
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("only GET is supported\n");
      return;
    }
    if (url.pathname === "/probe") return done(handleProbe(url, req, res));
    if (url.pathname === "/metrics") {
      return done(
        registry.metrics().then((text) => {
          res.writeHead(200, { "Content-Type": registry.contentType }).end(text);
        }),
      );
    }
    if (url.pathname === "/" || url.pathname === "") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(landingPage(opts.config));
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found: use /probe?target=host:port&module=NAME or /metrics\n");
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    registry,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => reject(new AuditError("usage", `cannot listen on ${host}:${port}: ${err.code ?? err.message}`));
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          const a = server.address();
          resolve({ host, port: typeof a === "object" && a ? a.port : port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The scrape's own timeout, less the offset; the default when the header is absent; undefined when it is garbage. */
export function scrapeTimeout(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return DEFAULT_SCRAPE_TIMEOUT_S;
  const v = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(v) || v <= 0) return undefined;
  return Math.max(0.1, Math.min(v, 3600) - TIMEOUT_OFFSET_S);
}

function landingPage(config: ExporterConfig): string {
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const mods = [...config.modules.values()].map((m) => `<li>${esc(m.name)}: ${esc(m.checks.join(", "))}</li>`).join("");
  return `<!doctype html><title>${TOOL.name} exporter</title><h1>${TOOL.name} ${esc(TOOL.version)}</h1><p><a href="/metrics">/metrics</a> · /probe?target=host:port&amp;module=NAME</p><p>Modules (${esc(config.source)}):</p><ul>${mods}</ul>\n`;
}
