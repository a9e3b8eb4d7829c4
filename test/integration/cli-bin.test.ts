import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_JSON_SCHEMA } from "../../src/checks/registry.js";
import { runCli, isOneLineError } from "../support/cli.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { freePort } from "../support/ports.js";

const run = promisify(execFile);
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(AUDIT_JSON_SCHEMA);
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (n) => n === "testsuite" || n === "testcase" });

let modern: MariaDB, selfSigned: MariaDB, hardened: MariaDB;
// Mozilla "intermediate" for TLS 1.2 (TLS 1.3 keeps its defaults, all on the list), TLS 1.2+ only, clear text refused.
const INTERMEDIATE = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
let dir: string;
let closed: number;
const at = (s: MariaDB) => `${s.host}:${s.port}`;

beforeAll(async () => {
  [modern, selfSigned, hardened] = await Promise.all([
    startPosture("modern"),
    startPosture("self-signed"),
    startPosture("modern", { name: "hardened", tls: { cert: "rsa", tlsVersion: "TLSv1.2,TLSv1.3", cipher: INTERMEDIATE } }),
  ]);
  dir = mkdtempSync(join(tmpdir(), "cli-bin-"));
  closed = await freePort();
});
afterAll(async () => {
  await Promise.all([modern, selfSigned, hardened].filter(Boolean).map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

interface AuditJson {
  schemaVersion: number;
  targets: { label: string; audited: boolean; checks: { name: string; status: string; reason?: string }[]; findings: { id: string; severity: string; check: string }[] }[];
  summary: { verdict: string; failing: number; bySeverity: Record<string, number> };
}

describe("the built CLI: the default command", () => {
  it("exit 1 on a finding at or above the failing severity; --json is one schema-valid document on stdout", async () => {
    const r = await runCli([at(selfSigned), "--json", "--ssl-ca", selfSigned.certs!.caBundle]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(doc.targets[0]!.findings.filter((f) => f.check === "certificate").map((f) => f.id)).toEqual(["cert.self-signed"]);
    expect(doc.summary.verdict).toBe("fail");
  });

  it("exit 0 with the default policy on a server configured to Mozilla intermediate", async () => {
    const r = await runCli([at(hardened), "--ssl-ca", hardened.certs!.caBundle, "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.targets[0]!.findings.map((f) => [f.id, f.severity])).toEqual([["profile.mozilla", "info"]]);
    expect(doc.summary).toMatchObject({ verdict: "pass", failing: 0 });
    const text = await runCli([at(hardened), "--ssl-ca", hardened.certs!.caBundle]);
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")[0]).toBe(`PASS ${at(hardened)}, grade A: 0 critical, 0 high, 0 medium, 0 low, 1 info`);
    expect(text.stdout.replace(/\s+/g, " ")).toContain('meet the Mozilla "intermediate" profile');
  });

  it("exit 0 when nothing reaches --fail-on; the text report starts with the verdict line", async () => {
    const r = await runCli([at(selfSigned), "--ssl-ca", selfSigned.certs!.caBundle, "--fail-on", "critical"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^PASS ${at(selfSigned).replace(/\./g, "\\.")}, grade [A-F]: 0 critical, \\d+ high, \\d+ medium, \\d+ low, \\d+ info`));
    expect(r.stdout).toContain("[cert.self-signed]");
    // Piped stderr: no spinner, no escape codes.
    expect(r.stderr).toBe("");
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it("the policy's failOn decides, and --fail-on overrides it", async () => {
    const p = join(dir, "lenient.yaml");
    writeFileSync(p, "failOn: critical\n");
    expect((await runCli([at(selfSigned), "--ssl-ca", selfSigned.certs!.caBundle, "--policy", p, "--quiet"])).code).toBe(0);
    expect((await runCli([at(selfSigned), "--ssl-ca", selfSigned.certs!.caBundle, "--policy", p, "--fail-on", "high", "--quiet"])).code).toBe(1);
    const ignoring = join(dir, "ignore.json");
    writeFileSync(ignoring, JSON.stringify({ ignore: ["cert.self-signed"], failOn: "high" }));
    const r = await runCli([at(selfSigned), "--ssl-ca", selfSigned.certs!.caBundle, "--policy", ignoring, "--json"]);
    const doc = JSON.parse(r.stdout) as AuditJson & { targets: { ignoredFindings: number }[] };
    expect(doc.targets[0]!.findings.map((f) => f.id)).not.toContain("cert.self-signed");
    expect(doc.targets[0]!.ignoredFindings).toBe(1);
    const policy = (doc as unknown as { policy: { source: string; effective: { failOn: string; ignore: string[]; minTlsVersion: string } } }).policy;
    expect(policy).toMatchObject({ source: ignoring, effective: { failOn: "high", ignore: ["cert.self-signed"], minTlsVersion: "TLSv1.2" } });
  });

  it("exit 2 for bad input, as one line naming the problem", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "minTlsVersion: TLSv1.4\n");
    const emptyList = join(dir, "empty.txt");
    writeFileSync(emptyList, "# nothing yet\n\n");
    const badList = join(dir, "bad.txt");
    writeFileSync(badList, "127.0.0.1:3306\ndb:0 # typo\n");
    const cases: [string[], RegExp][] = [
      [[at(modern), "--policy", bad], /policy file .*bad\.yaml: minTlsVersion: "TLSv1\.4" is not one of/],
      [[at(modern), "--policy", join(dir, "nope.yaml")], /--policy .*nope\.yaml: cannot read: no such file or directory/],
      [[at(modern), "--fail-on", "severe"], /--fail-on "severe" is not one of critical, high, medium, low, info, never/],
      [["127.0.0.1:99999"], /port 99999 is out of range/],
      [[at(modern), "--targets", join(dir, "missing.txt")], /--targets .*missing\.txt: cannot read: no such file or directory/],
      [[at(modern), "--concurrency", "0"], /--concurrency "0" is not a positive whole number/],
      [[at(modern), "--skip", "ciphr"], /--skip: unknown check "ciphr" \(did you mean cipher\?\); the checks are protocols \(protocol\), ciphers \(cipher\), certificate \(cert\), settings \(setting\), accounts \(account\), replication \(repl\)/],
      [["--targets", emptyList], /--targets .*empty\.txt lists no target/],
      [["--targets", badList], /bad\.txt:2: invalid target "db:0"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
    }
    // commander's own parse errors add its "(run with --help for usage)" hint.
    const unknown = await runCli([at(modern), "--no-such-option"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n")[0]).toBe("mysql-tls-audit: unknown option '--no-such-option'");
  });

  it("exit 3 when a target cannot be audited; the others are still reported", async () => {
    const r = await runCli([`127.0.0.1:${closed}`, at(selfSigned), "--ssl-ca", selfSigned.certs!.caBundle, "--json"]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(validate(doc), ajv.errorsText(validate.errors)).toBe(true);
    expect(doc.targets.map((t) => [t.label, t.audited])).toEqual([
      [`127.0.0.1:${closed}`, false],
      [at(selfSigned), true],
    ]);
    expect(r.stderr).toBe(`127.0.0.1:${closed}: connection refused (nothing listens on that port)\n`);
  });

  it("--targets reads one target per line with comments; --junit writes XML a JUnit parser accepts", async () => {
    const list = join(dir, "targets.txt");
    writeFileSync(list, `# production replicas\n${at(selfSigned)}   # self-signed\n\n127.0.0.1:${closed}\n  ${at(selfSigned)}\n`);
    const junit = join(dir, "audit.xml");
    const r = await runCli(["--targets", list, "--junit", junit, "--ssl-ca", selfSigned.certs!.caBundle, "--concurrency", "2"]);
    expect(r.code).toBe(3);
    expect(r.stdout.split("\n")[0]).toMatch(/^FAIL 3 targets: /);
    expect(r.stdout).toMatch(/Target\s+Result/);
    const text = readFileSync(junit, "utf8");
    expect(XMLValidator.validate(text)).toBe(true);
    const suites = xml.parse(text).testsuites.testsuite as { name: string; tests: string; failures: string; errors: string; skipped: string; testcase: { name: string; failure?: unknown; error?: unknown; skipped?: unknown }[] }[];
    expect(suites.map((s) => s.name)).toEqual([at(selfSigned), `127.0.0.1:${closed}`, at(selfSigned)]);
    for (const s of suites) {
      expect(s.testcase.map((c) => c.name)).toEqual(["connectivity", "protocols", "ciphers", "certificate", "settings", "accounts", "replication"]);
      expect(Number(s.tests)).toBe(7);
    }
    const dead = suites[1]!;
    expect(dead).toMatchObject({ errors: "1", skipped: "6", failures: "0" });
    const live = suites[0]!;
    expect(live.testcase.find((c) => c.name === "certificate")!.failure).toBeDefined();
    expect(live.testcase.find((c) => c.name === "settings")!.skipped).toBeDefined();
  });

  it("logs in with -u and MYSQL_PWD for settings and accounts, and never prints the password", async () => {
    const r = await runCli([at(modern), "-u", modern.admin.user, "--json"], { env: { MYSQL_PWD: modern.admin.password } });
    const doc = JSON.parse(r.stdout) as AuditJson;
    const checks = Object.fromEntries(doc.targets[0]!.checks.map((c) => [c.name, c.status]));
    expect(checks).toMatchObject({ settings: "completed", accounts: "completed", replication: "completed" });
    expect(r.stdout + r.stderr).not.toContain(modern.admin.password);
  });

  it("--skip leaves checks out, saying so", async () => {
    const r = await runCli([at(selfSigned), "--skip", "protocols,ciphers", "--json", "--ssl-ca", selfSigned.certs!.caBundle]);
    const doc = JSON.parse(r.stdout) as AuditJson & { targets: { checks: { name: string; status: string; reason?: string }[] }[] };
    const checks = Object.fromEntries(doc.targets[0]!.checks.map((c) => [c.name, [c.status, c.reason]]));
    expect(checks.protocols).toEqual(["skipped", "not run: --skip protocols"]);
    expect(checks.ciphers).toEqual(["skipped", "not run: --skip ciphers"]);
    expect(checks.certificate![0]).toBe("completed");
    expect(doc.targets[0]!.findings.map((f) => f.id)).toEqual(["cert.self-signed"]);
  });

  it("--host-name is the name the certificate is checked against", async () => {
    const args = [at(modern), "--ssl-ca", modern.certs!.caBundle, "--skip", "protocols,ciphers", "--json"];
    const ids = async (extra: string[]) => (JSON.parse((await runCli([...args, ...extra])).stdout) as AuditJson).targets[0]!.findings.map((f) => f.id);
    expect(await ids([])).toEqual([]);
    expect(await ids(["--host-name", "db.example.invalid"])).toEqual(["cert.hostname-mismatch"]);
  });

  it("--max-aborted reaches the cipher scan: a budget of 0 costs no aborted connection and says what it left out", async () => {
    const r = await runCli([at(selfSigned), "--max-aborted", "0", "--json", "--skip", "certificate"]);
    const doc = JSON.parse(r.stdout) as AuditJson & { targets: { details: { ciphers: { abortedConnections: number; budget: { limit: number; stopped: boolean } } } }[] };
    expect(doc.targets[0]!.details.ciphers).toMatchObject({ abortedConnections: 0, budget: { limit: 0, stopped: true } });
    expect((doc.targets[0] as unknown as { abortedConnections: number }).abortedConnections).toBe(0);
    expect(doc.targets[0]!.findings.map((f) => f.id)).toContain("scan.budget-exhausted");
    // What the budget left unscanned was not checked: like any check that could not run, it fails the run with 3.
    expect(r.code).toBe(3);
  });

  it("logs in with a [client] password from ~/.my.cnf, as the mysql client does; without one it does not try", async () => {
    const home = join(dir, "home");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".my.cnf"), `[client]\nuser=${modern.admin.user}\npassword=${modern.admin.password}\n`, { mode: 0o600 });
    const status = async (env: Record<string, string>) => {
      const r = await runCli([at(modern), "--json", "--skip", "protocols,ciphers"], { env: { MYSQL_PWD: undefined, ...env } });
      expect(r.stdout + r.stderr).not.toContain(modern.admin.password);
      return (JSON.parse(r.stdout) as AuditJson).targets[0]!.checks.find((c) => c.name === "accounts")!.status;
    };
    expect(await status({ HOME: home })).toBe("completed");
    const empty = join(dir, "empty-home");
    mkdirSync(empty, { recursive: true });
    expect(await status({ HOME: empty })).toBe("skipped");
  });

    it("--help lists the audit's options and the exit codes", async () => {
    const r = await runCli(["audit", "--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--json", "--junit <file>", "--fail-on <severity>", "--policy <file>", "--targets <file>", "--concurrency <n>", "--quiet", "--user <name>"]) expect(r.stdout).toContain(o);
    const top = await runCli(["--help"]);
    expect(top.stdout).toContain("Exit codes: 0 nothing at or above --fail-on, 1 policy violations, 2 usage or bad input, 3 a target or a check could not be audited.");
  });
});

describe("the packed tarball", () => {
  it("runs with npx from an empty folder", async () => {
    const packDir = mkdtempSync(join(tmpdir(), "pack-"));
    const empty = join(packDir, "empty");
    mkdirSync(empty);
    try {
      // dist/ is already built (npm test builds first); prepack's rebuild would rewrite dist/ under the other test
      // files that spawn the CLI at the same time, so the scripts are skipped here.
      await run("npm", ["pack", "--ignore-scripts", "--pack-destination", packDir], { cwd: process.cwd(), timeout: 180_000 });
      const tgz = readdirSync(packDir).find((f) => f.endsWith(".tgz"))!;
      expect(tgz).toMatch(/^mysql-tls-audit-\d+\.\d+\.\d+\.tgz$/);
      // npx takes a tarball only as a relative path (./x.tgz, ../x.tgz); an absolute one it tries to execute.
      const { stdout } = await run("npx", ["--yes", `../${tgz}`, "--help"], { cwd: empty, timeout: 180_000 });
      expect(stdout).toContain("Usage: mysql-tls-audit");
      expect(stdout).toContain("audit [options] [targets...]");
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(packDir, { recursive: true, force: true });
    }
  }, 300_000);
});
