// Network namespaces for a real (non-loopback) network path, made only on this machine: the one implementation the
// bench (plain JS) and the test harness (test/support/netns.ts, which adds its fixed addresses and fault namespace)
// both use. MySQL's host cache exempts loopback, so the lock-out guard can only be shown, and a remote scan only be
// measured, between two namespaces joined by a veth pair in 198.18.0.0/15 (RFC 2544's benchmarking range, never
// routed, configured only inside these namespaces).
//
// Every namespace gets its own /etc/netns/<name>/resolv.conf pointing at 127.0.0.1 (nothing listens there), so a
// name lookup inside it can never reach the machine's real resolver.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The scanner's address on every pair. */
export const SCANNER_ADDR = "198.18.0.1";

const NETNS_ETC = "/etc/netns";
let counter = 0;

// If this process dies before remove() (a SIGKILLed vitest worker, an interrupted bench), a detached shell removes
// what it made.
const WATCHDOG = `p=$1 n=$2 d=$3
while kill -0 "$p" 2>/dev/null; do [ -e "/run/netns/$n" ] || exit 0; sleep 1; done
ip netns del "$n" 2>/dev/null; rm -rf "$d"`;

function uniqueName(role) {
  // Unique per process (other runs may make namespaces at the same time); names also prefix interface names,
  // which Linux limits to 15 characters.
  return `mta${process.pid % 100000}${role}${counter++}`;
}

/** Runs `ip ARGS`; rejects with its stderr. */
export async function ip(args) {
  try {
    await run("ip", args);
  } catch (err) {
    throw new Error(`ip ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Whether this process can create network namespaces, found by trying; the reason when it cannot. */
export async function namespaceSupport() {
  const name = uniqueName("try");
  try {
    await run("ip", ["netns", "add", name]);
  } catch (err) {
    const why = err.code === "ENOENT" ? "the `ip` command (iproute2) is not installed" : (err.stderr ?? err.message).trim();
    return { ok: false, reason: `cannot create a network namespace (${why}); needs root or CAP_NET_ADMIN` };
  }
  await run("ip", ["netns", "del", name]).catch(() => undefined);
  return { ok: true };
}

/** Creates one namespace with loopback up, a private resolv.conf, and optional /etc/hosts lines. */
export async function createNetns(role, hosts = []) {
  const name = uniqueName(role);
  const etc = join(NETNS_ETC, name);
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  writeFileSync(join(etc, "hosts"), ["127.0.0.1 localhost", "::1 localhost", ...hosts, ""].join("\n"));
  let removed = false;
  const ns = {
    name,
    launcher: ["ip", "netns", "exec", name],
    async exec(argv, opts = {}) {
      try {
        const { stdout } = await run("ip", ["netns", "exec", name, ...argv], { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 });
        return stdout;
      } catch (err) {
        throw new Error(`in netns ${name}: ${argv.join(" ")} failed: ${(err.stderr || err.message).trim()}`);
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
 * Scanner and server namespaces joined by a veth pair: the scanner at SCANNER_ADDR, the server side holding every
 * address in serverAddrs (so each endpoint can listen on the port its protocol is known by), all with prefixLength;
 * serverHosts are /etc/hosts lines for the server's namespace.
 */
export async function createNetnsPair({ serverAddrs, prefixLength = 24, serverHosts = [] }) {
  const scanner = await createNetns("c");
  let server;
  try {
    server = await createNetns("s", serverHosts);
    const vs = `${scanner.name}v`;
    const vd = `${server.name}v`;
    // Created inside the scanner namespace, so nothing is ever left in the root namespace.
    await ip(["-n", scanner.name, "link", "add", vs, "type", "veth", "peer", "name", vd, "netns", server.name]);
    await ip(["-n", scanner.name, "addr", "add", `${SCANNER_ADDR}/${prefixLength}`, "dev", vs]);
    for (const a of serverAddrs) await ip(["-n", server.name, "addr", "add", `${a}/${prefixLength}`, "dev", vd]);
    await ip(["-n", scanner.name, "link", "set", vs, "up"]);
    await ip(["-n", server.name, "link", "set", vd, "up"]);
  } catch (err) {
    await server?.remove();
    await scanner.remove();
    throw err;
  }
  return {
    scanner,
    server,
    async remove() {
      // Deleting either namespace deletes both ends of the veth pair.
      await server.remove();
      await scanner.remove();
    },
  };
}
