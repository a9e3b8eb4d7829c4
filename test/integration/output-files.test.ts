// Files the tool writes (--junit, --pem) against what someone else may have put at the path: a symlink to a file
// the user can write, a dangling link, a FIFO, a directory, a directory the user cannot write. Judged by the file
// system afterwards (targets untouched, nothing created, no temporary files), not by what the tool printed.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { isOneLineError, runCli } from "../support/cli.js";

let db: MariaDB;
let dir: string;
const at = () => `127.0.0.1:${db.port}`;

beforeAll(async () => {
  db = await startPosture("modern");
  dir = mkdtempSync(join(tmpdir(), "mta-output-files-"));
  chmodSync(dir, 0o755);
});

afterAll(async () => {
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The two file options, each with the quickest command that writes it. */
const OPTIONS: [string, (file: string) => string[]][] = [
  ["--junit", (file) => [at(), "--skip", "protocols,ciphers", "--ssl-ca", db.certs!.caBundle, "--junit", file, "--timeout", "5"]],
  ["--pem", (file) => ["cert", at(), "--ssl-ca", db.certs!.caBundle, "--pem", file, "--timeout", "5"]],
];

function fresh(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  chmodSync(d, 0o755);
  return d;
}

describe.each(OPTIONS)("%s", (option, argsFor) => {
  const slug = option.slice(2);

  /** Runs the command writing `file` and expects it refused: exit 2, one line "cannot write <option> <file>: <why>". */
  async function expectRefused(file: string, why: string, timeoutMs?: number): Promise<void> {
    const r = await runCli(argsFor(file), timeoutMs ? { timeoutMs } : {});
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`cannot write ${option} ${file}: ${why}`);
  }

  it("refuses a symlink to a file: the link stays a link and its target is untouched", async () => {
    const d = fresh(`${slug}-symlink`);
    const target = join(d, "precious.txt");
    writeFileSync(target, "do not overwrite\n");
    const link = join(d, "out");
    symlinkSync(target, link);
    await expectRefused(link, "it is a symbolic link");
    expect(readFileSync(target, "utf8")).toBe("do not overwrite\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readdirSync(d).sort()).toEqual(["out", "precious.txt"]);
  });

  it("refuses a dangling symlink and does not create its target", async () => {
    const d = fresh(`${slug}-dangling`);
    const target = join(d, "created-by-attacker-choice");
    const link = join(d, "out");
    symlinkSync(target, link);
    await expectRefused(link, "it is a symbolic link");
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(d)).toEqual(["out"]);
  });

  it("refuses a FIFO without blocking on it: the run ends on its own and nothing is written into the pipe", async () => {
    const d = fresh(`${slug}-fifo`);
    const fifo = join(d, "out");
    execFileSync("mkfifo", [fifo]);
    // Killed after 30 s if it blocks (before the fix it blocked forever in open()); code null means it was killed.
    await expectRefused(fifo, "it is a FIFO (named pipe); give a file name, or - for standard output", 30_000);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    // A writer that had opened the pipe would have left data (or would still hold it open): nothing is there.
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      let got = -1;
      try {
        got = readSync(fd, Buffer.alloc(16));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
        got = 0;
      }
      expect(got).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readdirSync(d)).toEqual(["out"]);
  });

  it("refuses a directory", async () => {
    const d = fresh(`${slug}-dir`);
    mkdirSync(join(d, "out"));
    await expectRefused(join(d, "out"), "it is a directory");
    expect(readdirSync(join(d, "out"))).toEqual([]);
  });

  it("a directory the user cannot write, or that does not exist: one line in words, exit 2, before any probe", async () => {
    const d = fresh(`${slug}-readonly`);
    chmodSync(d, 0o555);
    // root writes anywhere: run the CLI as nobody then (the worktree and the certificates are world-readable).
    const asUser = process.getuid?.() === 0 ? { prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] } : {};
    const args = argsFor(join(d, "out"));
    args.splice(args.indexOf("--ssl-ca"), 2);
    const r = await runCli(args, asUser);
    expect(r.stderr).toBe(`mysql-tls-audit: cannot write ${option} ${join(d, "out")}: permission denied\n`);
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual([]);
    const missing = join(dir, "no-such-dir", "out");
    const m = await runCli(argsFor(missing));
    expect(m.stderr).toBe(`mysql-tls-audit: cannot write ${option} ${missing}: no such directory\n`);
    expect(m.code).toBe(2);
  });

  it("writes the whole file with the user's umask, leaves no temporary file, and a replaced file keeps its mode", async () => {
    const d = fresh(`${slug}-ok`);
    const out = join(d, "out");
    const umask027 = { prefix: ["sh", "-c", 'umask 027 && exec "$@"', "sh"] };
    const r = await runCli(argsFor(out), umask027);
    expect(r.code, r.stderr).not.toBe(2);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(["out"]);
    const text = readFileSync(out, "utf8");
    if (option === "--junit") {
      expect(XMLValidator.validate(text)).toBe(true);
      const suites = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(text).testsuites.testsuite;
      expect(suites.name).toBe(at());
    } else {
      expect(text).toBe(readFileSync(db.certs!.leaves.rsa.chain, "utf8"));
      const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
      expect(pems.join("")).toBe(text);
      expect(pems.map((p) => new X509Certificate(p).subject)).toEqual(["CN=localhost", "CN=mysql-tls-audit Test Intermediate CA"]);
    }
    // Replacing: a file the user made private stays private, and the new content replaces the old whole.
    writeFileSync(out, "old content that is longer than nothing\n".repeat(1000));
    chmodSync(out, 0o600);
    const again = await runCli(argsFor(out));
    expect(again.code, again.stderr).not.toBe(2);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, "utf8")).not.toContain("old content");
    expect(readdirSync(d)).toEqual(["out"]);
  });
});
