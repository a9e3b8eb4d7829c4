// `serve` in front of real MariaDB postures, asked over HTTP as Prometheus asks: the answers are checked against
// what the servers really are (their certificate files, their tls_version), and bad requests get one-line 400s.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { promtoolCheckMetrics, startExporter, type RunningExporter } from "../support/exporter.js";
import { requireOpenssl } from "../support/require-binaries.js";

let modern: MariaDB;
let legacy: MariaDB;
let off: MariaDB;
let exporter: RunningExporter;
let dir: string;

beforeAll(async () => {
  [modern, legacy, off] = await Promise.all([startPosture("modern"), startPosture("legacy"), startPosture("off")]);
  dir = mkdtempSync(join(tmpdir(), "mta-exporter-"));
  writeFileSync(join(dir, "pw"), `${modern.admin.password}\n`);
  writeFileSync(
    join(dir, "exporter.yml"),
    [
      "modules:",
      "  full:",
      "    checks: [protocols, ciphers, certificate]",
      "    cache: 600",
      "  login:",
      "    checks: [protocols, certificate, settings, accounts]",
      "    credentials:",
      `      user: ${modern.admin.user}`,
      "      password_file: pw",
      "",
    ].join("\n"),
  );
  exporter = await startExporter({ config: join(dir, "exporter.yml") });
}, 120_000);

afterAll(async () => {
  await exporter?.stop();
  await Promise.all([modern?.stop(), legacy?.stop(), off?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function probe(target: string, module?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string }> {
  const r = await fetch(`${exporter.url}/probe?target=${encodeURIComponent(target)}${module ? `&module=${module}` : ""}`, { headers });
  return { status: r.status, text: await r.text(), type: r.headers.get("content-type") ?? "" };
}

/** Samples of the exposition text as [name, labels, value]. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function accepted(text: string): string[] {
  return samples(text)
    .filter((s) => s.name === "mysql_tls_protocol_accepted" && s.value === 1)
    .map((s) => s.labels.version!)
    .sort();
}

function enddate(certFile: string): number {
  const out = execFileSync(requireOpenssl(), ["x509", "-enddate", "-noout", "-in", certFile], { encoding: "utf8" });
  return Math.floor(Date.parse(out.replace(/^notAfter=/, "").trim()) / 1000);
}

describe("serve: /probe against real MariaDB postures", () => {
  it("the default module on a modern server: certificate expiry from the served file, TLS 1.2 and 1.3 only, text format", async () => {
    const r = await probe(`127.0.0.1:${modern.port}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(r.text, "probe_success")).toBe(1);
    expect(value(r.text, "mysql_tls_offered")).toBe(1);
    expect(value(r.text, "probe_ssl_earliest_cert_expiry")).toBeLessThanOrEqual(enddate(modern.certs!.leaves.rsa.cert));
    expect(value(r.text, "ssl_cert_not_after", { cn: "localhost" })).toBe(enddate(modern.certs!.leaves.rsa.cert));
    expect(accepted(r.text)).toEqual(["TLSv1.2", "TLSv1.3"]);
    expect(value(r.text, "mysql_tls_protocol_accepted", { version: "TLSv1" })).toBe(0);
    expect(value(r.text, "probe_tls_version_info", { version: "TLS 1.3" })).toBe(1);
    // One HELP and TYPE per family, before its samples.
    for (const m of new Set(samples(r.text).map((s) => s.name))) {
      expect(r.text).toContain(`# HELP ${m} `);
      expect(r.text).toContain(`# TYPE ${m} gauge`);
    }
    expect(await promtoolCheckMetrics(r.text)).toBe("");
    // No cipher enumeration in the default module.
    expect(value(r.text, "mysql_tls_weak_suites")).toBeUndefined();
  });

  it("the default module on a legacy server: all four versions, and the TLS 1.0 finding", async () => {
    const r = await probe(`127.0.0.1:${legacy.port}`);
    expect(accepted(r.text)).toEqual(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    expect(value(r.text, "mysql_tls_findings", { severity: "high" })).toBeGreaterThanOrEqual(1);
    expect(value(r.text, "mysql_tls_verdict_pass")).toBe(0);
  });

  it("a server without TLS: offered 0, no certificate series, probe_success 1 (it was audited)", async () => {
    const r = await probe(`127.0.0.1:${off.port}`);
    expect(value(r.text, "probe_success")).toBe(1);
    expect(value(r.text, "mysql_tls_offered")).toBe(0);
    expect(value(r.text, "ssl_cert_not_after")).toBeUndefined();
    expect(value(r.text, "mysql_tls_findings", { severity: "critical" })).toBeGreaterThanOrEqual(1);
  });

  it("a dead port: probe_success 0, HTTP 200 (as blackbox_exporter)", async () => {
    const { freePort } = await import("../support/ports.js");
    const r = await probe(`127.0.0.1:${await freePort()}`);
    expect(r.status).toBe(200);
    expect(value(r.text, "probe_success")).toBe(0);
  });

  it("the full module enumerates suites; its protocols equal what the ciphers command finds", async () => {
    const { runCli } = await import("../support/cli.js");
    const c = await runCli(["ciphers", `127.0.0.1:${legacy.port}`, "--json"]);
    const truth = (JSON.parse(c.stdout).protocols as { version: string; accepted: boolean | null }[]).filter((p) => p.accepted === true && p.version !== "SSLv3").map((p) => p.version).sort();
    const r = await probe(`127.0.0.1:${legacy.port}`, "full");
    expect(accepted(r.text)).toEqual(truth);
    const d = await probe(`127.0.0.1:${legacy.port}`);
    expect(accepted(d.text)).toEqual(truth);
    expect(await promtoolCheckMetrics(r.text)).toBe("");
    expect((value(r.text, "mysql_tls_weak_suites") ?? 0) + (value(r.text, "mysql_tls_insecure_suites") ?? 0)).toBeGreaterThan(0);
  });

  it("concurrent scrapes of one target share one run", async () => {
    const before = await (await fetch(`${exporter.url}/metrics`)).text();
    const shared0 = value(before, "mysql_tls_exporter_shared_runs_total") ?? 0;
    const rs = await Promise.all(Array.from({ length: 5 }, () => probe(`127.0.0.1:${modern.port}`, "full")));
    for (const r of rs) expect(value(r.text, "probe_success")).toBe(1);
    const after = await (await fetch(`${exporter.url}/metrics`)).text();
    expect((value(after, "mysql_tls_exporter_shared_runs_total") ?? 0) - shared0).toBe(4);
    expect(value(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // Every family of the exporter's own is documented in the README with its HELP text.
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const [, name, help] of after.matchAll(/^# HELP (mysql_tls_exporter_\w+) (.*)$/gm)) {
      expect(readme, name).toMatch(new RegExp(`\\| \`${name}\`[^|]*\\| ${help!.replace(/[()]/g, "\\$&")}`));
    }
  });

  it("a module with credentials from a password file reads require_secure_transport and the clear-text accounts", async () => {
    const r = await probe(`127.0.0.1:${modern.port}`, "login");
    expect(value(r.text, "mysql_tls_require_secure_transport")).toBe(1);
    expect(value(r.text, "mysql_tls_cleartext_accounts")).toBe(0);
    expect(value(r.text, "mysql_tls_check_success", { check: "settings" })).toBe(1);
    expect(r.text).not.toContain(modern.admin.password);
  });

  it("bad requests: HTTP 400 with one line; a scrape timeout is respected", async () => {
    for (const [q, re] of [
      ["target=", /missing the target/],
      ["target=db:99999", /invalid target/],
      [`target=127.0.0.1:${modern.port}&module=nope`, /unknown module "nope" \(modules: .*default/],
      [`target=${encodeURIComponent(`mysql://root:secret@127.0.0.1:${modern.port}`)}`, /no user or password/],
    ] as const) {
      const r = await fetch(`${exporter.url}/probe?${q}`);
      const text = await r.text();
      expect(r.status, q).toBe(400);
      expect(text.trim().split("\n"), q).toHaveLength(1);
      expect(text, q).toMatch(re);
      expect(text).not.toContain("secret");
    }
    const bad = await probe(`127.0.0.1:${modern.port}`, undefined, { "X-Prometheus-Scrape-Timeout-Seconds": "soon" });
    expect(bad.status).toBe(400);
    // A silent port (accepts, never greets): the answer comes by the scrape's deadline with probe_success 0.
    const net = await import("node:net");
    const silent = net.createServer(() => undefined);
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", () => res()));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const r = await probe(`127.0.0.1:${port}`, undefined, { "X-Prometheus-Scrape-Timeout-Seconds": "2" });
    const ms = Date.now() - t0;
    silent.close();
    expect(value(r.text, "probe_success")).toBe(0);
    expect(ms).toBeLessThan(4000);
  });
});
