#!/usr/bin/env node
// `npm run bench`: starts real MariaDB postures on loopback, runs our `ciphers` (the built CLI) beside
// `sslscan --starttls-mysql` and nmap's ssl-enum-ciphers (and testssl.sh when installed) against the same server,
// and prints wall times, the ratio, whether the accepted (version, suite) sets agree, and our peak RSS.
// Plain JS on purpose: the test harness is TypeScript under test/, so the little of it needed here is ported.
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AS_ROOT, SMALL_SERVER_FLAGS, freePort, which } from "./local-mariadb.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "mysql-tls-audit.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SUITES = JSON.parse(readFileSync(join(ROOT, "data", "cipher-suites.json"), "utf8")).suites;
const byCode = new Map(SUITES.map((s) => [Number.parseInt(s.code, 16), s]));

const POSTURES = {
  legacy: { cert: "rsa", args: ["--tls-version=TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3", "--ssl-cipher=ALL:@SECLEVEL=0"] },
  modern: { cert: "rsa", args: ["--tls-version=TLSv1.2,TLSv1.3", "--require-secure-transport=ON"] },
  ecdsa: { cert: "ec", args: [] },
};

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: opts.timeout ?? 300_000, ...opts }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, stdout, stderr, code: err ? (err.code ?? 1) : 0 });
    });
  });
}

async function makeCerts(dir) {
  const openssl = which("openssl");
  await run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "rsa.key"), "-out", join(dir, "rsa.pem"), "-days", "2", "-subj", "/CN=localhost"]);
  await run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "ec.key"), "-out", join(dir, "ec.pem"), "-days", "2", "-subj", "/CN=localhost"]);
}


async function startServer(name, posture, base, template) {
  const dir = mkdtempSync(join(base, `${name}-`));
  const datadir = join(dir, "data");
  cpSync(template, datadir, { recursive: true });
  const port = await freePort();
  const socket = join(dir, "sock");
  const child = spawn(which("mariadbd"), [
    "--no-defaults", ...AS_ROOT, `--datadir=${datadir}`, `--socket=${socket}`, `--pid-file=${join(dir, "pid")}`, `--log-error=${join(dir, "err.log")}`,
    `--port=${port}`, "--bind-address=127.0.0.1", ...SMALL_SERVER_FLAGS, "--performance-schema=OFF", "--skip-name-resolve",
    `--ssl-cert=${join(base, `${posture.cert}.pem`)}`, `--ssl-key=${join(base, `${posture.cert}.key`)}`, ...posture.args,
  ], { stdio: "ignore" });
  const deadline = Date.now() + 30_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mariadbd ${name} did not start: ${readFileSync(join(dir, "err.log"), "utf8").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once("exit", r), child.kill("SIGTERM")))) };
}

const versionName = (v) => ({ "TLSv1.0": "TLSv1", SSLv3: "SSLv3", SSLv2: "SSLv2" })[v] ?? v;

/** Ours: the built CLI, timed, with peak RSS from /usr/bin/time when present. */
async function ours(port, extra = []) {
  const time = which("time") ?? (existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined);
  const args = [BIN, "ciphers", `127.0.0.1:${port}`, "--json", ...extra];
  const r = time ? await run(time, ["-f", "RSS_KB=%M", process.execPath, ...args]) : await run(process.execPath, args);
  const json = JSON.parse(r.stdout);
  const set = json.protocols.flatMap((p) => p.suites.map((s) => `${p.version} ${s.iana}`));
  return { ms: r.ms, set, rssKb: Number(/RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN), aborted: json.abortedConnections, connections: json.connections };
}

async function sslscan(port) {
  const r = await run(which("sslscan"), ["--starttls-mysql", "--no-colour", "--xml=-", `127.0.0.1:${port}`]);
  const set = [...r.stdout.matchAll(/<cipher status="[^"]+" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"/g)].map((m) => `${versionName(m[1])} ${byCode.get(Number.parseInt(m[2], 16))?.iana ?? m[2]}`);
  return { ms: r.ms, set };
}

async function nmap(port) {
  const r = await run(which("nmap"), ["-Pn", "-sV", "--script", "ssl-enum-ciphers", "-p", String(port), "127.0.0.1"]);
  const set = [];
  let version;
  for (const line of r.stdout.split("\n")) {
    const v = /^\|\s+(SSLv3|TLSv1\.[0-3]):\s*$/.exec(line);
    if (v) version = versionName(v[1]);
    const c = /^\|\s+(TLS_[A-Z0-9_]+)\b/.exec(line);
    // nmap still prints TLS 1.3 suites with their draft names (TLS_AKE_WITH_AES_128_GCM_SHA256).
    if (c && version) set.push(`${version} ${c[1].replace(/^TLS_AKE_WITH_/, "TLS_")}`);
  }
  return { ms: r.ms, set };
}

async function testssl(port) {
  const bin = which("testssl.sh") ?? which("testssl");
  const r = await run(bin, ["--quiet", "--color", "0", "--starttls", "mysql", "-e", `127.0.0.1:${port}`], { timeout: 900_000 });
  return { ms: r.ms, set: undefined };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function compare(a, b) {
  const A = new Set(a);
  const B = new Set(b);
  const onlyA = [...A].filter((x) => !B.has(x));
  const onlyB = [...B].filter((x) => !A.has(x));
  return onlyA.length === 0 && onlyB.length === 0 ? "agree" : `differ (+${onlyA.length} ours only: ${onlyA.slice(0, 3).join(", ")}; +${onlyB.length} theirs only: ${onlyB.slice(0, 3).join(", ")})`;
}

async function timed(fn, runs) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fn());
  return { ...results[results.length - 1], ms: median(results.map((r) => r.ms)), rssKb: Math.max(...results.map((r) => r.rssKb ?? NaN)) };
}

async function main() {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm run bench does)");
  for (const b of ["mariadbd", "mariadb-install-db", "openssl", "sslscan"]) if (!which(b)) throw new Error(`${b} is not installed`);
  const base = mkdtempSync(join(tmpdir(), "mta-bench-"));
  const servers = [];
  try {
    await makeCerts(base);
    const template = join(base, "template");
    const setup = join(base, "setup.sql");
    // No passwordless root over TCP; a locked account on 127.0.0.1 so the server greets loopback clients at all
    // (with no account for the host, MariaDB answers the connect with ERR 1130 instead of a greeting). The bootstrap
    // runs without grant tables loaded, so CREATE USER is refused there: write the row itself.
    writeFileSync(setup, `DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';\nINSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('127.0.0.1', 'bench', '{"access":0,"account_locked":true}');\n`);
    const inst = await run(which("mariadb-install-db"), ["--no-defaults", `--datadir=${template}`, ...AS_ROOT, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", `--extra-file=${setup}`, ...SMALL_SERVER_FLAGS]);
    if (inst.code !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr.slice(-2000)}`);
    const names = (process.env.BENCH_POSTURES ?? "legacy,modern,ecdsa").split(",");
    for (const n of names) servers.push(await startServer(n, POSTURES[n], base, template));
    const tools = [
      ["mysql-tls-audit", (p) => ours(p)],
      ["mysql-tls-audit --engine node", (p) => ours(p, ["--engine", "node"])],
      ["sslscan --starttls-mysql", sslscan],
      ...(which("nmap") ? [["nmap -sV ssl-enum-ciphers", nmap]] : []),
      ...(which("testssl.sh") || which("testssl") ? [["testssl.sh --starttls mysql", testssl]] : []),
    ];
    console.log(`node ${process.version}, ${RUNS} run(s) each, median wall time; our RSS is the peak of the whole CLI process\n`);
    for (const s of servers) {
      const res = {};
      for (const [name, fn] of tools) res[name] = await timed(() => fn(s.port), name.startsWith("testssl") ? 1 : RUNS);
      const base = res["mysql-tls-audit"];
      console.log(`== ${s.name} (127.0.0.1:${s.port})`);
      for (const [name] of tools) {
        const r = res[name];
        const ratio = (r.ms / base.ms).toFixed(2);
        const agree = r.set ? `${r.set.length} suites, ${name === "mysql-tls-audit" ? "reference" : compare(base.set, r.set)}` : "set not parsed";
        const extra = name.startsWith("mysql-tls-audit") ? `, peak RSS ${(r.rssKb / 1024).toFixed(0)} MB, ${r.aborted} aborted of ${r.connections} connections` : "";
        console.log(`  ${name.padEnd(32)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  x${ratio.padEnd(5)} ${agree}${extra}`);
      }
      const ss = res["sslscan --starttls-mysql"];
      console.log(`  => sslscan takes ${(ss.ms / base.ms).toFixed(2)}x our time; sets ${compare(base.set, ss.set)}\n`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
});
