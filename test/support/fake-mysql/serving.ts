import { afterAll, beforeAll } from "vitest";
import { makeCerts } from "../certs.js";
import { startFakeMysql, type FakeMysql } from "./server.js";

/**
 * For a test file: a fake MySQL server with an RSA certificate that serves exactly these suites (OpenSSL names and
 * TLS 1.3 names, as its `ciphers` option takes them), started before the file's tests and stopped after them.
 */
export function fakeMysqlServing(suites: readonly string[]): { readonly target: { host: string; port: number } } {
  let server: FakeMysql | undefined;
  beforeAll(async () => {
    const certs = await makeCerts();
    server = await startFakeMysql({ tls: { cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key, ciphers: suites.join(":") } });
  });
  afterAll(() => server?.stop());
  return {
    get target() {
      if (!server) throw new Error("the fake server is not started yet (use it inside a test)");
      return { host: "127.0.0.1", port: server.port };
    },
  };
}
