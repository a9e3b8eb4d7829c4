// "The system roots" the probe verifies against (src/tls/node-handshake.ts): Node's bundle and the operating
// system's. When NODE_EXTRA_CA_CERTS is the system bundle, Node has read it into its default store at start, and
// the probe does not read it again (#13). Each case runs the CLI (bin/, the built bundle) in a child process with
// its own environment; a preload lists the files it reads.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertSet } from "../support/certs.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

interface Seen {
  verified: boolean;
  verifyError?: string;
  verifiedAgainst: string;
  readsBundle: boolean;
}

describe("the probe's system roots (needs `npm run build`)", () => {
  let certs: CertSet;
  let server: FakeMysql;
  let dir: string;
  let preload: string;

  beforeAll(async () => {
    certs = await makeCerts();
    // A self-signed leaf, which no system trusts: the verdict must not change with the environment.
    server = await startFakeMysql({ tls: { cert: certs.leaves["self-signed"].cert, key: certs.leaves["self-signed"].key } });
    dir = mkdtempSync(path.join(os.tmpdir(), "mta-roots-"));
    preload = path.join(dir, "reads.cjs");
    writeFileSync(
      preload,
      `const fs = require("node:fs"); const read = fs.readFileSync; const seen = new Set();
       fs.readFileSync = function (f, ...rest) { seen.add(String(f)); return read.call(this, f, ...rest); };
       process.on("exit", () => process.stderr.write("READS " + JSON.stringify([...seen]) + "\\n"));`,
    );
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function probe(extraCaCerts: string | undefined): Promise<Seen> {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    if (extraCaCerts !== undefined) env.NODE_EXTRA_CA_CERTS = extraCaCerts;
    const args = ["-r", preload, path.join(root, "bin/mysql-tls-audit.js"), "probe", `127.0.0.1:${server.port}`, "--json"];
    return new Promise((resolve, reject) => {
      execFile(process.execPath, args, { cwd: root, env }, (_err, stdout, stderr) => {
        const reads = stderr.split("\n").find((l) => l.startsWith("READS "));
        try {
          const tls = (JSON.parse(stdout) as { tls: Omit<Seen, "readsBundle"> }).tls;
          const files = JSON.parse(reads!.slice("READS ".length)) as string[];
          resolve({ verified: tls.verified, ...(tls.verifyError ? { verifyError: tls.verifyError } : {}), verifiedAgainst: tls.verifiedAgainst, readsBundle: files.includes(SYSTEM_BUNDLE) });
        } catch (e) {
          reject(new Error(`${String(e)}\n${stdout}\n${stderr}`));
        }
      });
    });
  }

  it("reads the system bundle when Node has not, and not again when NODE_EXTRA_CA_CERTS is that bundle; the verdict is the same", async () => {
    expect(existsSync(SYSTEM_BUNDLE), `${SYSTEM_BUNDLE} is missing: apt-get install -y ca-certificates`).toBe(true);
    const without = await probe(undefined);
    const same = await probe(SYSTEM_BUNDLE);
    expect(without.readsBundle).toBe(true);
    expect(same.readsBundle).toBe(false);
    expect(without).toMatchObject({ verified: false, verifiedAgainst: "system roots" });
    expect(same).toEqual({ ...without, readsBundle: false });
  });
});
