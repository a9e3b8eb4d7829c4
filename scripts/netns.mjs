// The bench's twin of test/support/netns.ts (plain JS: scripts cannot import the TypeScript harness): two network
// namespaces joined by a veth pair in 198.18.0.0/24 (RFC 2544's benchmarking range, never routed), the scanner
// at 198.18.0.1 and the server side holding any further addresses the caller asks for, so each endpoint can
// listen on the port its protocol is known by (nmap picks MySQL's STARTTLS by port 3306).
import { execFile, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SCANNER_ADDR = "198.18.0.1";
const NETNS_ETC = "/etc/netns";
let counter = 0;

// If this process dies before remove(), a detached shell removes what it made (as netns.ts does).
const WATCHDOG = `p=$1 n=$2 d=$3
while kill -0 "$p" 2>/dev/null; do [ -e "/run/netns/$n" ] || exit 0; sleep 1; done
ip netns del "$n" 2>/dev/null; rm -rf "$d"`;

function uniqueName(role) {
  // Unique per process (other runs may make namespaces at the same time); interface names stay under 15 chars.
  return `mtb${process.pid % 100000}${role}${counter++}`;
}

async function ip(args) {
  try {
    await run("ip", args);
  } catch (err) {
    throw new Error(`ip ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Whether namespaces can be made here, found by trying; the reason when not. */
export async function namespaceSupport() {
  const name = uniqueName("t");
  try {
    await run("ip", ["netns", "add", name]);
  } catch (err) {
    const why = err.code === "ENOENT" ? "the `ip` command (iproute2) is not installed" : (err.stderr ?? err.message).trim();
    return { ok: false, reason: `cannot create a network namespace (${why}); needs root or CAP_NET_ADMIN` };
  }
  await run("ip", ["netns", "del", name]).catch(() => undefined);
  return { ok: true };
}

async function createNetns(role) {
  const name = uniqueName(role);
  const etc = join(NETNS_ETC, name);
  mkdirSync(etc, { recursive: true });
  // A private resolver that answers nothing: no lookup inside ever reaches the machine's real one.
  writeFileSync(join(etc, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  let removed = false;
  const ns = {
    name,
    launcher: ["ip", "netns", "exec", name],
    async remove() {
      if (removed) return;
      removed = true;
      await run("ip", ["netns", "del", name]).catch(() => undefined);
      rmSync(etc, { recursive: true, force: true });
    },
  };
  try {
    await ip(["netns", "add", name]);
    spawn("/bin/sh", ["-c", WATCHDOG, "mtb-netns-watchdog", String(process.pid), name, etc], { detached: true, stdio: "ignore" }).unref();
    await ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    await ns.remove();
    throw err;
  }
  return ns;
}

/** Scanner and server namespaces on one veth pair; the server side gets every address in serverAddrs. */
export async function createNetnsPair(serverAddrs) {
  const scanner = await createNetns("c");
  let server;
  try {
    server = await createNetns("s");
    const vs = `${scanner.name}v`;
    const vd = `${server.name}v`;
    await ip(["-n", scanner.name, "link", "add", vs, "type", "veth", "peer", "name", vd, "netns", server.name]);
    await ip(["-n", scanner.name, "addr", "add", `${SCANNER_ADDR}/24`, "dev", vs]);
    for (const a of serverAddrs) await ip(["-n", server.name, "addr", "add", `${a}/24`, "dev", vd]);
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
      await server.remove();
      await scanner.remove();
    },
  };
}
