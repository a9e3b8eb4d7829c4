// Network namespaces for tests that need a real (non-loopback) network path: MySQL's host cache exempts
// loopback, so the lock-out guard can only be shown between two namespaces, and a connect timeout or an
// unreachable host can only be shown without sending traffic off this machine inside one of our own.
//
// Every namespace gets its own /etc/netns/<name>/resolv.conf pointing at 127.0.0.1 (nothing listens there), so
// a name lookup inside it can never reach the machine's real resolver.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** RFC 2544 benchmarking range: never routed on the Internet, and only ever configured inside our namespaces. */
export const SCANNER_ADDR = "198.18.0.1";
export const SERVER_ADDR = "198.18.0.2";
/** The name the server's namespace resolves the scanner's address to (and back). */
export const SCANNER_HOSTNAME = "scanner.mta.test";
/** In an isolated namespace: an address whose packets are silently dropped (a connect timeout). */
export const BLACKHOLE_ADDR = "198.18.1.2";
/** In an isolated namespace: an address behind an `unreachable` route (EHOSTUNREACH at once). */
export const UNREACHABLE_ADDR = "198.18.2.2";

const NETNS_ETC = "/etc/netns";
let counter = 0;

/** A namespace this process created; remove() deletes it and its /etc/netns directory, and is idempotent. */
export interface Netns {
  name: string;
  /** argv prefix that runs a command inside the namespace (ip netns exec execs in place: same pid). */
  launcher: string[];
  /** Runs a command inside the namespace and returns its stdout; rejects with stderr on failure. */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<string>;
  remove(): Promise<void>;
}

/** Two namespaces joined by a veth pair: the scanner at SCANNER_ADDR, the server at SERVER_ADDR. */
export interface NetnsPair {
  scanner: Netns;
  server: Netns;
  scannerAddr: string;
  serverAddr: string;
  remove(): Promise<void>;
}

/** Whether this process can create network namespaces, found by trying; the reason when it cannot. */
export async function namespaceSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const name = uniqueName("try");
  try {
    await run("ip", ["netns", "add", name]);
  } catch (err) {
    const e = err as { stderr?: string; code?: string; message: string };
    const why = e.code === "ENOENT" ? "the `ip` command (iproute2) is not installed" : (e.stderr ?? e.message).trim();
    return { ok: false, reason: `cannot create a network namespace (${why}); needs root or CAP_NET_ADMIN` };
  }
  await run("ip", ["netns", "del", name]).catch(() => undefined);
  return { ok: true };
}

function uniqueName(role: string): string {
  // Names also prefix interface names, which Linux limits to 15 characters.
  return `mta${process.pid % 100000}${role}${counter++}`;
}

async function ip(args: string[]): Promise<void> {
  try {
    await run("ip", args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

// If this process dies before remove() (a SIGKILLed vitest worker), a detached shell removes what it made.
const WATCHDOG = `p=$1 n=$2 d=$3
while kill -0 "$p" 2>/dev/null; do [ -e "/run/netns/$n" ] || exit 0; sleep 1; done
ip netns del "$n" 2>/dev/null; rm -rf "$d"`;

/** Creates one namespace with loopback up, a private resolv.conf, and optional /etc/hosts lines. */
export async function createNetns(role: string, hosts: string[] = []): Promise<Netns> {
  const name = uniqueName(role);
  const etc = join(NETNS_ETC, name);
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  writeFileSync(join(etc, "hosts"), ["127.0.0.1 localhost", "::1 localhost", ...hosts, ""].join("\n"));
  let removed = false;
  const ns: Netns = {
    name,
    launcher: ["ip", "netns", "exec", name],
    async exec(argv, opts = {}) {
      try {
        const { stdout } = await run("ip", ["netns", "exec", name, ...argv], { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 });
        return stdout;
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`in netns ${name}: ${argv.join(" ")} failed: ${(e.stderr || e.message).trim()}`);
      }
    },
    async remove() {
      if (removed) return;
      removed = true;
      await run("ip", ["netns", "del", name]).catch(() => undefined);
      rmSync(etc, { recursive: true, force: true });
    },
  };
  try {
    await ip(["netns", "add", name]);
    spawn("/bin/sh", ["-c", WATCHDOG, "mta-netns-watchdog", String(process.pid), name, etc], { detached: true, stdio: "ignore" }).unref();
    await ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}

/**
 * Two namespaces joined by a veth pair. The server's namespace resolves the scanner's address to
 * SCANNER_HOSTNAME and back, as MySQL's host cache needs before it counts a client's errors.
 */
export async function createNetnsPair(): Promise<NetnsPair> {
  const scanner = await createNetns("c");
  let server: Netns | undefined;
  try {
    server = await createNetns("s", [`${SCANNER_ADDR} ${SCANNER_HOSTNAME}`]);
    const vs = `${scanner.name}v`;
    const vd = `${server.name}v`;
    // Created inside the scanner namespace, so nothing is ever left in the root namespace.
    await ip(["-n", scanner.name, "link", "add", vs, "type", "veth", "peer", "name", vd, "netns", server.name]);
    await ip(["-n", scanner.name, "addr", "add", `${SCANNER_ADDR}/30`, "dev", vs]);
    await ip(["-n", server.name, "addr", "add", `${SERVER_ADDR}/30`, "dev", vd]);
    await ip(["-n", scanner.name, "link", "set", vs, "up"]);
    await ip(["-n", server.name, "link", "set", vd, "up"]);
  } catch (err) {
    await server?.remove();
    await scanner.remove();
    throw err;
  }
  const srv = server;
  return {
    scanner,
    server: srv,
    scannerAddr: SCANNER_ADDR,
    serverAddr: SERVER_ADDR,
    async remove() {
      // Deleting either namespace deletes both ends of the veth pair.
      await srv.remove();
      await scanner.remove();
    },
  };
}

/**
 * One namespace for failure modes of the network itself: BLACKHOLE_ADDR drops SYNs (connect timeout),
 * UNREACHABLE_ADDR has an `unreachable` route (EHOSTUNREACH), and names do not resolve (resolver on a closed port).
 */
export async function createFaultNetns(): Promise<Netns> {
  const ns = await createNetns("f");
  try {
    // A veth pair whose far end has no address, and a permanent neighbour entry with a MAC nobody owns: SYNs to
    // BLACKHOLE_ADDR leave at once and are dropped by the far end, so only the connect timeout can end the wait.
    const a = `${ns.name}a`;
    const b = `${ns.name}b`;
    await ip(["-n", ns.name, "link", "add", a, "type", "veth", "peer", "name", b]);
    await ip(["-n", ns.name, "addr", "add", "198.18.1.1/24", "dev", a]);
    await ip(["-n", ns.name, "link", "set", a, "up"]);
    await ip(["-n", ns.name, "link", "set", b, "up"]);
    await ip(["-n", ns.name, "neigh", "add", BLACKHOLE_ADDR, "lladdr", "02:00:5e:00:53:01", "dev", a, "nud", "permanent"]);
    await ip(["-n", ns.name, "route", "add", "unreachable", "198.18.2.0/24"]);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}
