#!/usr/bin/env node
// `npm run bench`: real MariaDB postures, our `ciphers` (the built CLI) beside `sslscan --starttls-mysql` and nmap's
// ssl-enum-ciphers against the same server: wall times, ratios, whether the accepted (version, suite) sets agree.
// Two sections (BENCH_SECTIONS=network,loopback by default):
// - network: where users are. Two network namespaces joined by a veth pair; the servers in one, the tools in the
//   other, each server reached directly (~0 ms) and through delay relays (scripts/delay-relay.mjs: this kernel has
//   no netem) adding BENCH_DELAYS one-way milliseconds (default 5,25: 10 and 50 ms round trips). The tools run
//   alternating (in balanced orders: each tool right after each other one equally often), at least BENCH_RUNS times
//   each, and a row whose rounds are short until it has run BENCH_ROW_SECONDS (up to BENCH_MAX_RUNS rounds);
//   medians, and each round's ratios. The markdown table goes to docs/bench.md and README.md.
// - loopback: the same tools on 127.0.0.1, where the server exempts us from max_connect_errors.
// BENCH_HOLD=1 sets up the network path, prints its endpoints and keeps it up until Ctrl-C (to measure changes).
// Plain JS on purpose: the test harness is TypeScript under test/, so the little of it needed here is ported.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { balancedOrders } from "./balanced-order.mjs";
import { median, roundRatios } from "./bench-stats.mjs";
import { AS_ROOT, SMALL_SERVER_FLAGS, freePort, which } from "./local-mariadb.mjs";
import { createNetnsPair, namespaceSupport } from "./netns.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "mysql-tls-audit.js");
const RELAY = join(ROOT, "scripts", "delay-relay.mjs");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// A network row whose rounds are short runs more of them: at ~0 ms one tool's run varies by a fifth from one run to
// the next on this machine (measured: ours over nmap's time, 50 rounds back to back, 0.70 to 1.45 round by round,
// and 0.78 to 1.17 as the ratio of the medians of five), so five runs cannot tell 0.95 from 1.05. Each row runs at
// least RUNS rounds, then more until its rounds have taken BENCH_ROW_SECONDS, up to BENCH_MAX_RUNS.
const ROW_SECONDS = Number(process.env.BENCH_ROW_SECONDS ?? 90);
const MAX_RUNS = Math.max(RUNS, Number(process.env.BENCH_MAX_RUNS ?? 25));
const DELAYS = (process.env.BENCH_DELAYS ?? "5,25").split(",").filter(Boolean).map(Number);
const SECTIONS = (process.env.BENCH_SECTIONS ?? "network,loopback").split(",");
const SUITES = JSON.parse(readFileSync(join(ROOT, "data", "cipher-suites.json"), "utf8")).suites;
const byCode = new Map(SUITES.map((s) => [Number.parseInt(s.code, 16), s]));
// The account the audit row logs in as (SELECT only); a throwaway password for a throwaway server.
const BENCH_USER = "bench";
const BENCH_PASSWORD = "bench-only-password";

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

/** mysql_native_password's stored form: "*" and SHA1(SHA1(password)) in upper-case hex. */
function nativeHash(pw) {
  const once = createHash("sha1").update(pw).digest();
  return `*${createHash("sha1").update(once).digest("hex").toUpperCase()}`;
}

/** mariadbd on host:port, optionally inside a namespace (launcher execs in place, so the pid is mariadbd's). */
async function startServer(name, posture, base, template, { host = "127.0.0.1", port, launcher = [] } = {}) {
  const dir = mkdtempSync(join(base, `${name}-`));
  const datadir = join(dir, "data");
  cpSync(template, datadir, { recursive: true });
  port ??= await freePort();
  const socket = join(dir, "sock");
  const argv = [
    which("mariadbd"), "--no-defaults", ...AS_ROOT, `--datadir=${datadir}`, `--socket=${socket}`, `--pid-file=${join(dir, "pid")}`, `--log-error=${join(dir, "err.log")}`,
    `--port=${port}`, `--bind-address=${host}`, ...SMALL_SERVER_FLAGS, "--performance-schema=OFF", "--skip-name-resolve",
    // Across the namespace path the server would count sslscan's and nmap's aborted handshakes and block the
    // scanner host after 100 (ours stay within --max-aborted): a high limit keeps every tool's runs comparable.
    "--max-connect-errors=1000000", "--max-connections=500",
    `--ssl-cert=${join(base, `${posture.cert}.pem`)}`, `--ssl-key=${join(base, `${posture.cert}.key`)}`, ...posture.args,
  ];
  const child = track(spawn(launcher[0] ?? argv[0], [...launcher.slice(1), ...(launcher.length ? argv : argv.slice(1))], { stdio: "ignore" }));
  const deadline = Date.now() + 60_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mariadbd ${name} did not start: ${readFileSync(join(dir, "err.log"), "utf8").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, host, port, stop: () => stopChild(child) };
}

// The servers and relays this run started: a bench stopped by SIGINT or SIGTERM stops them too (the namespaces'
// own watchdog removes the namespaces), instead of leaving them running.
const children = new Set();
function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function stopChild(child) {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once("exit", r), child.kill("SIGTERM"))));
}

/** A delay relay inside the server's namespace: listen on listen:3306, forward to upstream, delayMs each way. */
async function startRelay(launcher, delayMs, listen, upstream) {
  const child = track(spawn(launcher[0], [...launcher.slice(1), process.execPath, RELAY, String(delayMs), listen, "3306", upstream.host, String(upstream.port)], { stdio: ["ignore", "pipe", "inherit"] }));
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (c) => reject(new Error(`delay relay on ${listen} exited with ${c}`)));
  });
  return { stop: () => stopChild(child) };
}

const versionName = (v) => ({ "TLSv1.0": "TLSv1", SSLv3: "SSLv3", SSLv2: "SSLv2" })[v] ?? v;

/** Ours: the built CLI, timed, with peak RSS from /usr/bin/time when present. */
async function ours(host, port, extra = [], prefix = [], command = "ciphers") {
  const time = which("time") ?? (existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined);
  const args = [BIN, command, `${host}:${port}`, "--json", ...extra];
  const argv = [...prefix, ...(time ? [time, "-f", "RSS_KB=%M"] : []), process.execPath, ...args];
  const env = command === "audit" ? { ...process.env, MYSQL_PWD: BENCH_PASSWORD } : process.env;
  const r = await run(argv[0], argv.slice(1), { env });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`${command} against ${host}:${port} printed no JSON (exit ${r.code}): ${r.stderr.slice(-500)}`);
  }
  const protocols = command === "audit" ? json.targets?.[0]?.details?.ciphers?.protocols : json.protocols;
  const set = Array.isArray(protocols) ? protocols.flatMap((p) => p.suites.map((s) => `${p.version} ${s.iana}`)) : undefined;
  const groups = Array.isArray(protocols) ? protocols.filter((p) => p.groups).map((p) => `${p.version}: ${p.groups.join(" ")}`) : undefined;
  const aborted = json.abortedConnections ?? json.targets?.[0]?.abortedConnections;
  const failed = command === "audit" ? json.targets?.[0]?.checks?.filter((c) => c.status === "error").map((c) => `${c.name}: ${c.reason}`) : [];
  if (failed?.length) console.log(`bench: audit check errors: ${failed.join("; ")}`);
  return { ms: r.ms, set, groups, rssKb: Number(/RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN), aborted, connections: json.connections ?? json.targets?.[0]?.details?.ciphers?.connections, code: r.code };
}

async function sslscan(host, port, prefix = []) {
  const argv = [...prefix, which("sslscan"), "--starttls-mysql", "--no-colour", "--xml=-", `${host}:${port}`];
  const r = await run(argv[0], argv.slice(1));
  const set = [...r.stdout.matchAll(/<cipher status="[^"]+" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"/g)].map((m) => `${versionName(m[1])} ${byCode.get(Number.parseInt(m[2], 16))?.iana ?? m[2]}`);
  return { ms: r.ms, set };
}

/** nmap's ssl-enum-ciphers; on a port other than 3306 it needs -sV to learn that the port speaks MySQL. */
async function nmap(host, port, prefix = []) {
  const argv = [...prefix, which("nmap"), "-n", "-Pn", ...(port === 3306 ? [] : ["-sV"]), "--script", "ssl-enum-ciphers", "-p", String(port), host];
  const r = await run(argv[0], argv.slice(1));
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

async function testssl(host, port) {
  const bin = which("testssl.sh") ?? which("testssl");
  const r = await run(bin, ["--quiet", "--color", "0", "--starttls", "mysql", "-e", `${host}:${port}`], { timeout: 900_000 });
  return { ms: r.ms, set: undefined };
}

function compare(a, b) {
  const A = new Set(a);
  const B = new Set(b);
  const onlyA = [...A].filter((x) => !B.has(x));
  const onlyB = [...B].filter((x) => !A.has(x));
  return onlyA.length === 0 && onlyB.length === 0 ? "agree" : `differ (+${onlyA.length} ours only: ${onlyA.slice(0, 3).join(", ")}; +${onlyB.length} theirs only: ${onlyB.slice(0, 3).join(", ")})`;
}

// A pause between two runs: what one tool leaves behind (sslscan's and nmap's aborted connections, some 900 sockets in
// TIME_WAIT on the scanner's side) must not land on the next one.
const SETTLE_MS = 300;

/**
 * Runs every tool `runs` times, alternating, so a load spike hits all of them alike, in balanced orders
 * (balanced-order.mjs): each tool runs right after each other one equally often. Starting each round one tool later
 * (A B C D, B C D A, ...) did not do that: within a round a tool always followed the same one.
 */
async function alternate(tools, runs, { minSeconds = 0, maxRuns = runs } = {}) {
  const all = Object.fromEntries(tools.map(([name]) => [name, []]));
  const orders = balancedOrders(tools.length);
  const started = performance.now();
  for (let i = 0; i < runs || (i < maxRuns && performance.now() - started < minSeconds * 1000); i++) {
    for (const k of orders[i % orders.length]) {
      const [name, fn] = tools[k];
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      all[name].push(await fn());
    }
  }
  return Object.fromEntries(
    tools.map(([name]) => {
      const rs = all[name];
      return [name, { ...rs[rs.length - 1], ms: median(rs.map((r) => r.ms)), all: rs.map((r) => r.ms), rssKb: Math.max(...rs.map((r) => r.rssKb ?? NaN)), abortedMax: Math.max(...rs.map((r) => r.aborted ?? NaN)), setsStable: rs.every((r) => !r.set || compare(r.set, rs[0].set) === "agree") }];
    }),
  );
}

async function makeTemplate(base) {
  const template = join(base, "template");
  const setup = join(base, "setup.sql");
  // No passwordless root over TCP. A locked account on 127.0.0.1 so the server greets loopback clients at all
  // (with no account for the host, MariaDB answers the connect with ERR 1130 instead of a greeting), and a
  // SELECT-only account from anywhere for the network section's audit row. The bootstrap runs without grant tables
  // loaded, so CREATE USER is refused there: write the rows themselves.
  const bench = JSON.stringify({ access: 1, plugin: "mysql_native_password", authentication_string: nativeHash(BENCH_PASSWORD) });
  writeFileSync(
    setup,
    "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';\n" +
      `INSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('127.0.0.1', 'bench', '{"access":0,"account_locked":true}');\n` +
      `INSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('%', '${BENCH_USER}', '${bench}');\n`,
  );
  const inst = await run(which("mariadb-install-db"), ["--no-defaults", `--datadir=${template}`, ...AS_ROOT, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", `--tmpdir=${base}`, `--extra-file=${setup}`, ...SMALL_SERVER_FLAGS]);
  if (inst.code !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr.slice(-2000)}`);
  return template;
}

async function loopbackSection(base, template, names) {
  const servers = [];
  try {
    for (const n of names) servers.push(await startServer(n, POSTURES[n], base, template));
    const tools = (s) => [
      ["mysql-tls-audit", () => ours(s.host, s.port)],
      ["mysql-tls-audit --engine node", () => ours(s.host, s.port, ["--engine", "node"])],
      ["sslscan --starttls-mysql", () => sslscan(s.host, s.port)],
      ...(which("nmap") ? [["nmap -sV ssl-enum-ciphers", () => nmap(s.host, s.port)]] : []),
      ...(which("testssl.sh") || which("testssl") ? [["testssl.sh --starttls mysql", () => testssl(s.host, s.port)]] : []),
    ];
    console.log(`\n## loopback: node ${process.version}, ${RUNS} run(s) each, alternating, median wall time; our RSS is the peak of the whole CLI process\n`);
    for (const s of servers) {
      const ts = tools(s);
      const res = await alternate(ts, RUNS);
      const base = res["mysql-tls-audit"];
      console.log(`== ${s.name} (127.0.0.1:${s.port})`);
      for (const [name] of ts) {
        const r = res[name];
        const ratio = (r.ms / base.ms).toFixed(2);
        const agree = r.set ? `${r.set.length} suites, ${name === "mysql-tls-audit" ? "reference" : compare(base.set, r.set)}` : "set not parsed";
        const extra = name.startsWith("mysql-tls-audit") ? `, peak RSS ${(r.rssKb / 1024).toFixed(0)} MB, ${r.aborted} aborted of ${r.connections} connections` : "";
        console.log(`  ${name.padEnd(32)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  x${ratio.padEnd(5)} ${agree}${extra}`);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const TARGET_RATIO = { 0: 1.0, 5: 0.3, 25: 0.2 };
// The audit with a login, within this much of the scan alone (issue 13).
const AUDIT_TARGET = 1.2;

async function networkSection(base, template, names) {
  const support = await namespaceSupport();
  if (!support.ok) {
    console.log(`\n## network path: SKIPPED: ${support.reason}`);
    return undefined;
  }
  const delays = [0, ...DELAYS.filter((d) => d > 0)];
  // One address per (posture, delay): every endpoint listens on 3306, the port nmap knows as MySQL.
  const addr = (pi, di) => `198.18.0.${10 * (pi + 1) + di}`;
  const pair = await createNetnsPair({ serverAddrs: names.flatMap((_, pi) => delays.map((_, di) => addr(pi, di))) });
  const stops = [];
  const rows = [];
  try {
    for (const [pi, n] of names.entries()) {
      const srv = await startServer(`${n}-net`, POSTURES[n], base, template, { host: addr(pi, 0), port: 3306, launcher: pair.server.launcher });
      stops.push(srv.stop);
      for (const [di, d] of delays.entries()) if (d > 0) stops.push((await startRelay(pair.server.launcher, d, addr(pi, di), srv)).stop);
    }
    const pre = pair.scanner.launcher;
    if (process.env.BENCH_HOLD) {
      // For measuring while changing the code: the path stays up until this process gets SIGINT or SIGTERM.
      console.log(`bench: holding the network path; run tools with: ${pre.join(" ")} ...`);
      for (const [pi, n] of names.entries()) console.log(`  ${n}: ${delays.map((d, di) => `${addr(pi, di)}:3306 (${2 * d} ms)`).join(", ")}`);
      await new Promise((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      return undefined;
    }
    console.log(`\n## network path: two namespaces on a veth pair, one-way delays ${delays.join(", ")} ms (relay), node ${process.version}, at least ${RUNS} run(s) each (more, up to ${MAX_RUNS}, until a row has run ${ROW_SECONDS} s), alternating, medians\n`);
    for (const [pi, n] of names.entries()) {
      for (const [di, d] of delays.entries()) {
        const host = addr(pi, di);
        const tools = [
          ["ours", () => ours(host, 3306, [], pre)],
          ["audit", () => ours(host, 3306, ["--user", BENCH_USER, "--quiet"], pre, "audit")],
          ["nmap", () => nmap(host, 3306, pre)],
          ["sslscan", () => sslscan(host, 3306, pre)],
        ];
        const r = await alternate(tools, RUNS, { minSeconds: ROW_SECONDS, maxRuns: MAX_RUNS });
        const oursOverNmap = roundRatios(r.ours.all, r.nmap.all);
        const row = { posture: n, delay: d, rtt: 2 * d, oursOverNmap, ...r };
        rows.push(row);
        console.log(
          `${n.padEnd(7)} rtt ${String(2 * d).padStart(3)} ms: ours ${fmt(r.ours.ms)} (${r.ours.aborted} aborted of ${r.ours.connections}), audit ${fmt(r.audit.ms)}, nmap ${fmt(r.nmap.ms)}, sslscan ${fmt(r.sslscan.ms)}; ` +
            `ours/nmap ${(r.ours.ms / r.nmap.ms).toFixed(2)}, audit/ours ${(r.audit.ms / r.ours.ms).toFixed(2)}; sets: nmap ${compare(r.ours.set, r.nmap.set)}, sslscan ${compare(r.ours.set, r.sslscan.set)}`,
        );
        console.log(`         ${r.ours.all.length} rounds; round by round: ours/nmap ${spread(oursOverNmap)}, audit/ours ${spread(roundRatios(r.audit.all, r.ours.all))} (median, middle half)`);
        if (r.ours.groups) console.log(`         groups: ${r.ours.groups.join("; ")}`);
      }
    }
  } finally {
    for (const s of stops.reverse()) await s();
    await pair.remove();
  }
  return rows;
}

function fmt(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms).toLocaleString("en")} ms`;
}

/** "the same", or how theirs differs from ours; nmap offers no anonymous suites, which is said as such. */
function setNote(ours, theirs) {
  if (compare(ours, theirs) === "agree") return "the same";
  const T = new Set(theirs);
  const missing = ours.filter((x) => !T.has(x));
  const extra = theirs.filter((x) => !new Set(ours).has(x));
  if (extra.length === 0 && missing.every((x) => /_anon_/.test(x))) return `the same but the ${missing.length} anonymous suites it does not offer`;
  return compare(ours, theirs);
}

/** The audit's time over the scan's alone, against issue 13's target of 1.2 for the legacy posture. */
function auditNote(r) {
  const q = r.audit.ms / r.ours.ms;
  return r.posture === "legacy" ? `${q.toFixed(2)} (1.2 ${q <= AUDIT_TARGET ? "met" : "missed"})` : q.toFixed(2);
}

function spread(q) {
  return `${q.median.toFixed(2)} (${q.low.toFixed(2)}-${q.high.toFixed(2)})`;
}

function markdown(rows) {
  const lines = [
    "| posture | round trip | runs | ours (`ciphers`) | audit (with a login) | nmap ssl-enum-ciphers | sslscan | ours / nmap | round by round: median (middle half) | target | audit / ours | our aborted of connections | accepted sets |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const ratio = r.ours.ms / r.nmap.ms;
    const target = r.posture === "legacy" && TARGET_RATIO[r.delay] !== undefined ? `${TARGET_RATIO[r.delay].toFixed(1)} ${ratio <= TARGET_RATIO[r.delay] ? "met" : `missed by ${(ratio / TARGET_RATIO[r.delay]).toFixed(2)}x`}` : "";
    const sets = [`ours ${r.ours.set.length}`, `sslscan ${setNote(r.ours.set, r.sslscan.set)}`, `nmap ${setNote(r.ours.set, r.nmap.set)}`].join(", ");
    lines.push(
      `| ${r.posture} | ${r.delay === 0 ? "~0 ms (veth)" : `${r.rtt} ms`} | ${r.ours.all.length} | ${fmt(r.ours.ms)} | ${fmt(r.audit.ms)} | ${fmt(r.nmap.ms)} | ${fmt(r.sslscan.ms)} | ${ratio.toFixed(2)} | ${spread(r.oursOverNmap)} | ${target} | ${auditNote(r)} | ${r.ours.aborted} of ${r.ours.connections} | ${sets} |`,
    );
  }
  return lines.join("\n");
}

async function main() {
  if (!existsSync(join(ROOT, "dist", "bundle", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm run bench does)");
  for (const b of ["mariadbd", "mariadb-install-db", "openssl", "sslscan", "nmap"]) if (!which(b)) throw new Error(`${b} is not installed (apt-get install -y mariadb-server openssl sslscan nmap)`);
  const base = mkdtempSync(join(tmpdir(), "mta-bench-"));
  if (!process.env.BENCH_HOLD) {
    // (A holding run ends on these signals through its own handlers, then stops everything in its finally.)
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
      process.once(signal, async () => {
        console.error(`bench: ${signal}: stopping ${children.size} server(s) and relay(s)`);
        setTimeout(() => process.exit(code), 15_000).unref();
        // Each one gone before their directories go: a server still shutting down writes into its datadir.
        await Promise.all([...children].map(stopChild));
        try {
          rmSync(base, { recursive: true, force: true });
        } catch (err) {
          console.error(`bench: could not remove ${base}: ${err.message}`);
        }
        process.exit(code);
      });
    }
  }
  try {
    await makeCerts(base);
    const template = await makeTemplate(base);
    const names = (process.env.BENCH_POSTURES ?? "legacy,modern").split(",");
    if (SECTIONS.includes("network")) {
      const rows = await networkSection(base, template, names);
      if (rows) {
        const table = markdown(rows);
        console.log(`\n${table}\n`);
        if (process.env.BENCH_WRITE !== "0") writeDoc(table);
      }
    }
    if (SECTIONS.includes("loopback")) await loopbackSection(base, template, (process.env.BENCH_LOOPBACK_POSTURES ?? "legacy,modern,ecdsa").split(","));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

// The table goes to docs/bench.md and to README.md's Speed section, each between its markers: one measurement,
// quoted the same in both.
function writeDoc(table) {
  const block = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, node ${process.version}, at least ${RUNS} runs per tool in each row (more where a row's rounds are short: the runs column), medians:\n\n${table}`;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  for (const [file, name] of [
    [join(ROOT, "docs", "bench.md"), "bench:network"],
    [join(ROOT, "README.md"), "readme:speed"],
  ]) {
    const old = existsSync(file) ? readFileSync(file, "utf8") : "";
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const i = old.indexOf(start);
    const j = old.indexOf(end);
    writeFileSync(file, i >= 0 && j > i ? `${old.slice(0, i)}${start}\n${block}\n${end}${old.slice(j + end.length)}` : `${old}${old ? "\n" : ""}${start}\n${block}\n${end}\n`);
    console.log(`bench: table written to ${file}`);
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
});
