// A TCP proxy that counts the connections open through it at once: a server-side count of how many connections a
// client holds to one server, never inferred from timing.
import net from "node:net";

export interface CountingProxy {
  host: "127.0.0.1";
  port: number;
  /** Connections open now, the most open at once since start or reset(), and all accepted. */
  readonly open: number;
  readonly maxOpen: number;
  readonly accepted: number;
  reset(): void;
  stop(): Promise<void>;
}

/** Listens on a free loopback port and forwards every connection to upstream, counting them. */
export async function startCountingProxy(upstream: { host: string; port: number }): Promise<CountingProxy> {
  let open = 0;
  let maxOpen = 0;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    const up = net.connect(upstream);
    sockets.add(client).add(up);
    // 'data' listeners, not pipe(): a pipe stops reading its source once the destination ends, and a socket that is
    // not read never sees its peer's FIN, so it would count as open for ever.
    client.on("data", (d) => up.write(d));
    up.on("data", (d) => client.write(d));
    client.on("end", () => up.end());
    up.on("end", () => client.end());
    // Open from accept until either side ends it (the server after a refused login, the client after a refused
    // ClientHello): a client that connects again only after that never holds more than its cap.
    let counted = true;
    const ended = (): void => {
      if (!counted) return;
      counted = false;
      open--;
    };
    client.once("end", ended);
    up.once("end", ended);
    client.once("close", () => {
      ended();
      sockets.delete(client);
      up.destroy();
    });
    up.once("close", () => {
      ended();
      sockets.delete(up);
      client.end();
    });
    client.on("error", () => up.destroy());
    up.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: "127.0.0.1",
    port,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get accepted() {
      return accepted;
    },
    reset() {
      maxOpen = open;
      accepted = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
