// A real Prometheus (the Debian package) scrapes `serve` in front of real MariaDB postures; the series are read
// back through Prometheus' HTTP API and compared with the truth: the certificate files the servers serve
// (`openssl x509 -enddate`) and what the `ciphers` command finds. Prometheus runs on a free loopback port with its
// own data folder and only our config (none of the targets in /etc), and is stopped by PID.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { startExporter, type RunningExporter } from "../support/exporter.js";
import { freePort } from "../support/ports.js";
import { runCli } from "../support/cli.js";
import { requireBinary, requireOpenssl } from "../support/require-binaries.js";

let modern: MariaDB;
let legacy: MariaDB;
let exporter: RunningExporter;
let prom: ChildProcess | undefined;
let promUrl = "";
let dir = "";

const promLog: string[] = [];

beforeAll(async () => {
  const prometheus = requireBinary("prometheus", "prometheus");
  [modern, legacy] = await Promise.all([startPosture("modern"), startPosture("legacy")]);
  dir = mkdtempSync(join(tmpdir(), "mta-prometheus-"));
  writeFileSync(join(dir, "exporter.yml"), "modules:\n  full:\n    checks: [protocols, ciphers, certificate]\n    cache: 600\n");
  exporter = await startExporter({ config: join(dir, "exporter.yml") });
  const targets = [`127.0.0.1:${modern.port}`, `127.0.0.1:${legacy.port}`];
  const job = (name: string, module: string, interval: string): string =>
    [
      `  - job_name: ${name}`,
      `    metrics_path: /probe`,
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${interval}`,
      `    params: { module: [${module}] }`,
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
      `    relabel_configs:`,
      `      - { source_labels: [__address__], target_label: __param_target }`,
      `      - { source_labels: [__param_target], target_label: instance }`,
      `      - { target_label: __address__, replacement: "127.0.0.1:${exporter.port}" }`,
    ].join("\n");
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      job("mysql-tls", "default", "1s"),
      job("mysql-tls-full", "full", "5s"),
      "  - job_name: exporter",
      "    scrape_interval: 1s",
      `    static_configs: [{ targets: ["127.0.0.1:${exporter.port}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    prometheus,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  prom.stderr!.on("data", (d: Buffer) => promLog.push(d.toString()));
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true, 60_000, "Prometheus to be ready");
}, 180_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const gone = new Promise((r) => prom!.once("exit", r));
    prom.kill("SIGTERM");
    const t = setTimeout(() => prom!.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(t);
  }
  await exporter?.stop();
  await Promise.all([modern?.stop(), legacy?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function waitFor(ok: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; prometheus log: ${promLog.join("").slice(-2000)}`);
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(q: string): Promise<Series[]> {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const doc = (await r.json()) as { status: string; data: { result: Series[] } };
  expect(doc.status).toBe("success");
  return doc.data.result;
}

/** Waits until the query returns at least `n` series, and returns them. */
async function series(q: string, n = 1): Promise<Series[]> {
  let last: Series[] = [];
  await waitFor(async () => (last = await query(q)).length >= n, 60_000, `${q} to return ${n} series`);
  return last;
}

function enddates(pemFile: string): number[] {
  const openssl = requireOpenssl();
  const pems = readFileSync(pemFile, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return pems.map((pem) => {
    const out = execFileSync(openssl, ["x509", "-enddate", "-noout"], { input: pem, encoding: "utf8" });
    return Math.floor(Date.parse(out.replace(/^notAfter=/, "").trim()) / 1000);
  });
}

async function ciphersTruth(db: MariaDB): Promise<string[]> {
  const r = await runCli(["ciphers", `127.0.0.1:${db.port}`, "--json"]);
  return (JSON.parse(r.stdout).protocols as { version: string; accepted: boolean | null }[]).filter((p) => p.accepted === true).map((p) => p.version).sort();
}

describe("a real Prometheus scraping serve", () => {
  it("certificate expiry in Prometheus equals openssl x509 -enddate of the files the servers serve", async () => {
    for (const db of [modern, legacy]) {
      const instance = `127.0.0.1:${db.port}`;
      const chain = enddates(db.certs!.leaves.rsa.chain);
      const [leafEnd] = enddates(db.certs!.leaves.rsa.cert);
      const earliest = await series(`probe_ssl_earliest_cert_expiry{job="mysql-tls",instance="${instance}"}`);
      expect(Number(earliest[0]!.value[1])).toBe(Math.min(...chain));
      const leaf = await series(`ssl_cert_not_after{job="mysql-tls",instance="${instance}",cn="localhost"}`);
      expect(Number(leaf[0]!.value[1])).toBe(leafEnd);
      expect(leaf[0]!.metric.issuer_cn).toMatch(/Intermediate/);
      expect(leaf[0]!.metric.dnsnames).toContain(",localhost,");
    }
  });

  it("accepted protocol versions in Prometheus equal what the ciphers command finds (default and full module)", async () => {
    for (const db of [modern, legacy]) {
      const instance = `127.0.0.1:${db.port}`;
      const truth = await ciphersTruth(db);
      for (const job of ["mysql-tls", "mysql-tls-full"]) {
        const accepted = await series(`mysql_tls_protocol_accepted{job="${job}",instance="${instance}"} == 1`, truth.length);
        // The default module's ladder uses node:tls, which has no SSL 3.0; neither server accepts it anyway.
        expect(accepted.map((s) => s.metric.version).sort(), `${job} ${instance}`).toEqual(truth);
      }
      const up = await series(`probe_success{job="mysql-tls",instance="${instance}"}`);
      expect(up[0]!.value[1]).toBe("1");
    }
    const weak = await series(`mysql_tls_weak_suites{job="mysql-tls-full",instance="127.0.0.1:${legacy.port}"} + mysql_tls_insecure_suites{job="mysql-tls-full",instance="127.0.0.1:${legacy.port}"}`);
    expect(Number(weak[0]!.value[1])).toBeGreaterThan(0);
  });

  it("the exporter's own /metrics is scraped too, and the shipped alert for TLS 1.0/1.1 matches the legacy server only", async () => {
    const probes = await series(`sum(mysql_tls_exporter_probes_total{job="exporter"})`);
    expect(Number(probes[0]!.value[1])).toBeGreaterThan(0);
    const rule = /expr: (mysql_tls_protocol_accepted.*)/.exec(readFileSync(new URL("../../examples/alerts.yml", import.meta.url), "utf8"))![1]!;
    const firing = await series(rule.replace("mysql_tls_protocol_accepted{", `mysql_tls_protocol_accepted{job="mysql-tls",`), 2);
    expect([...new Set(firing.map((s) => s.metric.instance))]).toEqual([`127.0.0.1:${legacy.port}`]);
    expect(firing.map((s) => s.metric.version).sort()).toEqual(["TLSv1", "TLSv1.1"]);
  });
});
