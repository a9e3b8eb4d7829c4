// Issue 12, item 6 and 7: the mistakes people make on the command line, each run through the built CLI.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOneLineError, runCli } from "../support/cli.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { freePort } from "../support/ports.js";

const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));
const SECRET = "Aud1t-pass";

let db: MariaDB;
let dir: string;
let home: string;
// A TCP listener that only counts connections: what a mistake must never reach.
let trap: Server;
let trapPort: number;
let trapped = 0;
const at = () => `${db.host}:${db.port}`;
// No option file of the machine's user may change where these runs go.
const env = () => ({ HOME: home, MYSQL_PWD: undefined });

interface AuditDoc {
  target: { host: string; port: number };
  targets: { checks: { name: string; status: string; reason?: string }[]; findings: { id: string; severity: string; title: string; check: string }[] }[];
  summary: { verdict: string; failOn: string; failing: number; incomplete: number };
}

beforeAll(async () => {
  db = await startPosture("modern");
  dir = mkdtempSync(join(tmpdir(), "cli-mistakes-"));
  home = join(dir, "home");
  mkdirSync(home);
  trap = createServer((s) => {
    trapped++;
    s.destroy();
  });
  trapPort = await freePort();
  await new Promise<void>((r) => trap.listen(trapPort, "127.0.0.1", r));
});
afterAll(async () => {
  await db?.stop();
  trap?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the mysql client's habits", () => {
  it("-h HOST -P PORT audits that server, on every command, and never prints the help", async () => {
    const hp = ["-h", db.host, "-P", String(db.port)];
    const audit = await runCli([...hp, "--json", "--skip", "protocols,ciphers", "--ssl-ca", db.certs!.caBundle], { env: env() });
    const doc = JSON.parse(audit.stdout) as AuditDoc;
    expect(doc.target).toEqual({ host: db.host, port: db.port });
    expect(audit.stdout).not.toContain("Usage:");
    for (const cmd of ["probe", "cert", "ciphers"]) {
      const r = await runCli([cmd, "--host", db.host, "--port", String(db.port), "--json"], { env: env() });
      expect(r.code, `${cmd}: ${r.stderr}`).not.toBe(2);
      expect((JSON.parse(r.stdout) as AuditDoc).target, cmd).toEqual({ host: db.host, port: db.port });
    }
    for (const cmd of ["settings", "accounts"]) {
      const r = await runCli([cmd, ...hp, "-u", db.admin.user, "--ssl-mode", "verify_identity", "--ssl-ca", db.certs!.caBundle, "--json"], { env: { ...env(), MYSQL_PWD: db.admin.password } });
      expect(r.code, `${cmd}: ${r.stderr}`).not.toBe(2);
      const d = JSON.parse(r.stdout) as AuditDoc & { login: { sslMode: string; identityVerified: boolean } };
      expect(d.target, cmd).toEqual({ host: db.host, port: db.port });
      expect(d.login).toMatchObject({ sslMode: "VERIFY_IDENTITY", identityVerified: true });
    }
  });

  it("-h without a value is an error, not the help; --help is the help", async () => {
    const r = await runCli(["-h"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--host/);
    const help = await runCli(["probe", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/-h, --host <name>/);
    expect(help.stdout).toMatch(/-P, --port <port>/);
  });

  it("a target argument and --host together are refused: the server is named twice", async () => {
    const r = await runCli(["probe", `127.0.0.1:${trapPort}`, "-h", "127.0.0.1"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/named twice/);
  });

  it("--port is the port of a target that names none", async () => {
    const r = await runCli(["probe", db.host, "--port", String(db.port), "--json"], { env: env() });
    expect((JSON.parse(r.stdout) as AuditDoc).target).toEqual({ host: db.host, port: db.port });
  });
});

describe("an unknown subcommand", () => {
  it("is an error with a suggestion, exit 2, and connects nowhere", async () => {
    const before = trapped;
    for (const [word, meant] of [
      ["prbe", "probe"],
      ["setings", "settings"],
      ["cipher", "ciphers"],
      ["acounts", "accounts"],
    ]) {
      const r = await runCli([word!, `127.0.0.1:${trapPort}`], { env: env() });
      expect(r.code, word).toBe(2);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toContain(`unknown command "${word}" (did you mean ${meant}?)`);
    }
    expect(trapped).toBe(before);
  });

  it("options before the command word still reach that command", async () => {
    const r = await runCli(["--json", "probe", at()], { env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: "probe", target: { host: db.host, port: db.port } });
  });
});

describe("-p VALUE with a space", () => {
  it("is refused on every command with one line that never shows the value, before any connection", async () => {
    const before = trapped;
    const target = `127.0.0.1:${trapPort}`;
    for (const args of [
      ["-u", "auditor", "-p", SECRET, target],
      ["audit", "-u", "auditor", "-p", SECRET, target],
      ["settings", "-u", "auditor", "-p", SECRET, target],
      ["accounts", "--password", SECRET, target],
      ["probe", "-p", SECRET, target],
      ["cert", `-p${SECRET}`, target],
      ["ciphers", `--password=${SECRET}`, target],
    ]) {
      const r = await runCli(args, { env: env() });
      expect(r.code, args.join(" ")).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
    expect(trapped).toBe(before);
  });

  it("a bare -p before a word that can only be the target prompts (and, without a terminal, says so)", async () => {
    const r = await runCli(["settings", "-u", "auditor", "-p", at()], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/prompts for the password, but stdin is not a terminal/);
  });
});

describe("values in any case, and short names", () => {
  it("--fail-on takes any case and never; --ssl-mode any case", async () => {
    // Without --ssl-ca the modern posture's chain is not trusted: a finding above medium.
    const base = [at(), "--skip", "protocols,ciphers", "--json"];
    const high = await runCli([...base, "--fail-on", "HIGH"], { env: env() });
    expect(high.code).toBe(1);
    expect((JSON.parse(high.stdout) as AuditDoc).summary.failOn).toBe("high");
    const never = await runCli([...base, "--fail-on", "Never"], { env: env() });
    expect(never.code).toBe(0);
    expect((JSON.parse(never.stdout) as AuditDoc).summary).toMatchObject({ verdict: "pass", failOn: "never" });
    const cert = await runCli(["cert", at(), "--fail-on", "NEVER"], { env: env() });
    expect(cert.code).toBe(0);
    const mode = await runCli(["settings", at(), "-u", db.admin.user, "--ssl-mode", "Required", "--json"], { env: { ...env(), MYSQL_PWD: db.admin.password } });
    expect(mode.code).not.toBe(2);
    expect(JSON.parse(mode.stdout).login.sslMode).toBe("REQUIRED");
  });

  it("--skip takes each check's short and long name", async () => {
    const r = await runCli([at(), "--skip", "cert,Versions,cipher,repl", "--json"], { env: env() });
    const checks = Object.fromEntries((JSON.parse(r.stdout) as AuditDoc).targets[0]!.checks.map((c) => [c.name, c.status]));
    expect(checks).toMatchObject({ protocols: "skipped", ciphers: "skipped", certificate: "skipped", replication: "skipped" });
    const bad = await runCli([at(), "--skip", "cert,sttings"], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mysql-tls-audit: --skip: unknown check "sttings" \(did you mean settings\?\)/);
  });
});

describe("every value error names its option", () => {
  it.each([
    [["--timeout", "soon"], "--timeout"],
    [["--connect-timeout", "0"], "--connect-timeout"],
    [["--concurrency", "many"], "--concurrency"],
    [["--max-aborted", "-1"], "--max-aborted"],
    [["-P", "99999"], "--port"],
    [["--port", "x"], "--port"],
    [["--fail-on", "severe"], "--fail-on"],
    [["--ssl-mode", "verify"], "--ssl-mode"],
    [["--skip", ""], "--skip"],
    [["cert", "--warn-days", "soon"], "--warn-days"],
    [["ciphers", "--engine", "fast"], "--engine"],
  ])("%j", async (args, option) => {
    const r = await runCli([...args, `127.0.0.1:${trapPort}`], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(option);
  });
});

describe("files", () => {
  it("'-' is stdout for --junit (instead of the text report) and stdin for --targets", async () => {
    const r = await runCli(["--targets", "-", "--junit", "-", "--skip", "protocols,ciphers"], { env: env(), input: `# one server\n${at()}\n` });
    expect(r.stdout.startsWith("<?xml")).toBe(true);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    expect(r.stdout).toContain(`name="${at()}"`);
    expect(r.stderr).toMatch(/^FAIL /);
    const both = await runCli([at(), "--junit", "-", "--json"], { env: env() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--junit - and --json both want stdout/);
  });

  it("file errors are words and name their option", async () => {
    const missing = join(dir, "no-such-dir", "x.xml");
    const cases: [string[], RegExp][] = [
      [["--junit", missing], /cannot write --junit .*: no such directory/],
      [["--junit", dir], /cannot write --junit .*: it is a directory/],
      [["--policy", join(dir, "nope.yaml")], /--policy .*: cannot read: no such file or directory/],
      [["--ssl-ca", dir], /--ssl-ca .*: cannot read: is a directory/],
      [["--targets", join(dir, "nope.txt")], /--targets .*no such file or directory/],
      [["--defaults-file", join(dir, "nope.cnf")], /nope\.cnf: no such file or directory/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, `127.0.0.1:${trapPort}`], { env: env() });
      expect(r.code, args.join(" ")).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/E[A-Z]{3,}/);
    }
  });
});

/** Runs the CLI with its stdout piped into a reader that exits at once (`| true`), as `| head` does when done. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env(), NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout", () => {
  it("ends the run quietly, with the run's own exit code", async () => {
    const help = await runIntoClosedPipe(["--help"]);
    expect(help).toEqual({ code: 0, stderr: "" });
    const json = await runIntoClosedPipe([at(), "--json", "--skip", "protocols,ciphers"]);
    expect(json.stderr).toBe("");
    // The modern posture without --ssl-ca: the untrusted chain fails the default gate, pipe or no pipe.
    expect(json.code).toBe(1);
    const text = await runIntoClosedPipe([at(), "--skip", "protocols,ciphers"]);
    expect(text.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe("the gate counts what it could not check", () => {
  it("a wrong password is one error, and fails the run (exit 3) at every --fail-on level", async () => {
    const url = `mysql://${db.admin.user}:wrongpw@${at()}`;
    for (const failOn of ["critical", "never"]) {
      const r = await runCli([url, "--fail-on", failOn, "--ssl-ca", db.certs!.caBundle, "--json"], { env: env() });
      expect(r.code, failOn).toBe(3);
      const doc = JSON.parse(r.stdout) as AuditDoc;
      expect(doc.summary).toMatchObject({ verdict: "fail", incomplete: 1 });
      const errors = doc.targets[0]!.findings.filter((f) => f.severity === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]!.title).toBe("The login failed, so settings, accounts, replication could not run");
      const checks = Object.fromEntries(doc.targets[0]!.checks.map((c) => [c.name, c.status]));
      expect(checks).toMatchObject({ settings: "error", accounts: "error", replication: "error" });
      const reasons = doc.targets[0]!.checks.filter((c) => c.status === "error").map((c) => c.reason);
      expect(reasons[0]).toMatch(/^the login failed: Access denied/);
      expect(reasons.slice(1)).toEqual(["the login failed (see settings)", "the login failed (see settings)"]);
      expect(r.stdout).not.toContain("wrongpw");
    }
    const text = await runCli([url, "--fail-on", "critical", "--ssl-ca", db.certs!.caBundle], { env: env() });
    expect(text.code).toBe(3);
    expect(text.stdout.split("\n")[0]).toMatch(/^FAIL /);
    expect(text.stdout.match(/\[audit\.check-error\]/g)).toHaveLength(1);
  });

  it("the policy's allowIncompleteChecks lets a check that could not run through", async () => {
    const policy = join(dir, "allow.yaml");
    writeFileSync(policy, "allowIncompleteChecks: true\nfailOn: critical\n");
    const r = await runCli([`mysql://${db.admin.user}:wrongpw@${at()}`, "--policy", policy, "--ssl-ca", db.certs!.caBundle, "--json"], { env: env() });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as AuditDoc).summary).toMatchObject({ verdict: "pass", incomplete: 0 });
  });

  it("a subcommand follows the same rule: settings with a wrong password exits 3", async () => {
    const r = await runCli(["settings", `mysql://${db.admin.user}:wrongpw@${at()}`, "--fail-on", "never"], { env: env() });
    expect(r.code).toBe(3);
    expect(isOneLineError(r.stderr)).toBe(true);
  });
});
