import { createServer } from "node:net";

/** A TCP port free on `host` (loopback only) right now: bind port 0, read it, close. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  if (!isLoopback(host)) return Promise.reject(new Error(`freePort: ${host} is not a loopback address`));
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("freePort: no port assigned"))));
    });
  });
}

/** True for 127.0.0.0/8 and ::1, the only addresses tests may talk to. */
export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host === "localhost";
}
