// Types of scripts/netns.mjs for the TypeScript test harness (test/support/netns.ts).

/** A namespace this process created; remove() deletes it and its /etc/netns directory, and is idempotent. */
export interface Netns {
  name: string;
  /** argv prefix that runs a command inside the namespace (ip netns exec execs in place: same pid). */
  launcher: string[];
  /** Runs a command inside the namespace and returns its stdout; rejects with stderr on failure. */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<string>;
  remove(): Promise<void>;
}

export declare const SCANNER_ADDR: string;
export declare function ip(args: string[]): Promise<void>;
export declare function namespaceSupport(): Promise<{ ok: true } | { ok: false; reason: string }>;
export declare function createNetns(role: string, hosts?: string[]): Promise<Netns>;
export declare function createNetnsPair(o: { serverAddrs: string[]; prefixLength?: number; serverHosts?: string[] }): Promise<{ scanner: Netns; server: Netns; remove(): Promise<void> }>;
