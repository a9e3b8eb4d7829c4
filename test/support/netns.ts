// Network namespaces for tests that need a real (non-loopback) network path: MySQL's host cache exempts
// loopback, so the lock-out guard can only be shown between two namespaces, and a connect timeout or an
// unreachable host can only be shown without sending traffic off this machine inside one of our own. The
// namespaces themselves are made by scripts/netns.mjs, which the bench uses too.
import { createNetns, createNetnsPair as createPair, ip, SCANNER_ADDR, type Netns } from "../../scripts/netns.mjs";

export { createNetns, namespaceSupport, SCANNER_ADDR, type Netns } from "../../scripts/netns.mjs";

export const SERVER_ADDR = "198.18.0.2";
/** The name the server's namespace resolves the scanner's address to (and back). */
export const SCANNER_HOSTNAME = "scanner.mta.test";
/** In an isolated namespace: an address whose packets are silently dropped (a connect timeout). */
export const BLACKHOLE_ADDR = "198.18.1.2";
/** In an isolated namespace: an address behind an `unreachable` route (EHOSTUNREACH at once). */
export const UNREACHABLE_ADDR = "198.18.2.2";

/** Two namespaces joined by a veth pair: the scanner at SCANNER_ADDR, the server at SERVER_ADDR. */
export interface NetnsPair {
  scanner: Netns;
  server: Netns;
  scannerAddr: string;
  serverAddr: string;
  remove(): Promise<void>;
}

/**
 * Two namespaces joined by a veth pair. The server's namespace resolves the scanner's address to
 * SCANNER_HOSTNAME and back, as MySQL's host cache needs before it counts a client's errors.
 */
export async function createNetnsPair(): Promise<NetnsPair> {
  const pair = await createPair({ serverAddrs: [SERVER_ADDR], prefixLength: 30, serverHosts: [`${SCANNER_ADDR} ${SCANNER_HOSTNAME}`] });
  return { ...pair, scannerAddr: SCANNER_ADDR, serverAddr: SERVER_ADDR };
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
