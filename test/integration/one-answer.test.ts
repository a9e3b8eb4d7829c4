import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { runCli, type CliResult } from "../support/cli.js";
import { mysql84Model } from "../support/mysql-model.js";

// #11 "No TLS, three answers": on a server without CLIENT_SSL, probe said critical and exited 0, ciphers printed
// five "not determined" versions and exited 1, cert exited 3; on a port that sends garbage, ciphers exited 1 with
// six error findings where probe and cert exited 3. One rule now, whatever the command:
// - TLS not offered is one critical finding, tls.not-offered, said once, with the same evidence, and every
//   command exits by the --fail-on rule (1 under the default);
// - a target that is not MySQL is exit 3 from every command, and --json still prints one document that carries
//   the same error and the audit's audit.target-unreachable finding.
interface Doc {
  command?: string;
  error?: { code: string; step?: string; message: string };
  findings?: { id: string; severity: string; evidence: string }[];
  targets?: { error?: { code: string; step?: string; message: string }; checks: { name: string; status: string; reason?: string }[]; findings: { id: string; severity: string; evidence: string }[] }[];
}

const USER = { user: "auditor", password: "auditor-secret", plugin: "mysql_native_password" as const };
let noTls: FakeMysql;
let garbage: FakeMysql;

beforeAll(async () => {
  noTls = await startFakeMysql({ greeting: "mysql-8.4", behaviour: "no-ssl", users: [USER], onQuery: mysql84Model() });
  garbage = await startFakeMysql({ behaviour: "garbage", garbage: Buffer.from([0x9a, 0x01, 0xfe, 0x33, 0x00, 0x17, 0xee, 0x42]) });
});
afterAll(async () => {
  await Promise.all([noTls?.stop(), garbage?.stop()]);
});

// An explicit PREFERRED: without --ssl-mode a login to a server without TLS is not attempted at all (issue 10), which
// hostile-login.test.ts covers; here the login happens in clear text, as the user asked.
const LOGIN = ["-u", USER.user, "--no-defaults", "--ssl-mode", "PREFERRED"];
const ENV = { env: { MYSQL_PWD: USER.password } };

/** Every command, as a user would type it, with --json. */
function commands(target: string): [string, string[]][] {
  return [
    ["probe", ["probe", target, "--json", "--timeout", "2"]],
    ["cert", ["cert", target, "--json", "--timeout", "2"]],
    ["ciphers", ["ciphers", target, "--json", "--timeout", "2"]],
    ["settings", ["settings", target, "--json", "--timeout", "2", ...LOGIN]],
    ["accounts", ["accounts", target, "--json", "--timeout", "2", ...LOGIN]],
    ["audit", ["audit", target, "--json", "--timeout", "2"]],
    ["audit with a login", ["audit", target, "--json", "--timeout", "2", ...LOGIN]],
  ];
}

/** One JSON document on stdout, nothing before or after it. */
function oneDocument(r: CliResult): Doc {
  const text = r.stdout.trim();
  expect(text.startsWith("{") && text.endsWith("}")).toBe(true);
  return JSON.parse(text) as Doc;
}

const findingsOf = (d: Doc) => d.findings ?? d.targets!.flatMap((t) => t.findings);

describe("a server that does not offer TLS: one finding, one exit rule", () => {
  it.each(commands("TARGET"))("%s: tls.not-offered once, critical, same evidence as probe; exit 1", async (_name, args) => {
    const target = `127.0.0.1:${noTls.port}`;
    const r = await runCli(args.map((a) => (a === "TARGET" ? target : a)), args.includes("-u") ? ENV : {});
    const doc = oneDocument(r);
    const all = findingsOf(doc);
    // With a login, have_ssl = DISABLED says the same thing again: it is folded into the one finding.
    const notOffered = all.filter((f) => /not-offered|tls-disabled/.test(f.id));
    expect(notOffered.map((f) => [f.id, f.severity])).toEqual([["tls.not-offered", "critical"]]);
    const probe = oneDocument(await runCli(["probe", target, "--json", "--timeout", "2"]));
    expect(notOffered[0]!.evidence).toBe(probe.findings!.find((f) => f.id === "tls.not-offered")!.evidence);
    // No "could not tell whether it accepts TLSv1.x" or scan errors in place of the one finding.
    expect(all.filter((f) => f.id === "protocol.undetermined" || f.id.startsWith("scan."))).toEqual([]);
    expect(r.code).toBe(1);
  });

  it("--fail-on critical still fails, --fail-on is the same rule for probe as for the others", async () => {
    const target = `127.0.0.1:${noTls.port}`;
    for (const cmd of ["probe", "cert", "ciphers"]) {
      expect((await runCli([cmd, target, "--fail-on", "critical", "--timeout", "2"])).code).toBe(1);
    }
  });

  it("the text output of ciphers and cert says it once and lists no undetermined version", async () => {
    const target = `127.0.0.1:${noTls.port}`;
    for (const cmd of ["ciphers", "cert"]) {
      const r = await runCli([cmd, target, "--timeout", "2"]);
      expect(r.stdout).not.toContain("not determined");
      expect(r.stdout.match(/cannot encrypt connections at all/g)).toHaveLength(1);
      expect(r.stdout).toContain("does not offer TLS (no CLIENT_SSL in its greeting)");
      expect(r.code).toBe(1);
    }
  });
});

describe("a port that sends garbage: not MySQL, exit 3 from every command, one JSON document each", () => {
  it.each(commands("TARGET"))("%s: exit 3, the same error and finding as the audit", async (name, args) => {
    const target = `127.0.0.1:${garbage.port}`;
    const r = await runCli(args.map((a) => (a === "TARGET" ? target : a)), args.includes("-u") ? ENV : {});
    expect(r.code).toBe(3);
    const doc = oneDocument(r);
    const audit = oneDocument(await runCli(["audit", target, "--json", "--timeout", "2"]));
    const auditError = audit.targets![0]!.error!;
    expect(auditError.code).toBe("not-mysql");
    const error = name.startsWith("audit") ? doc.targets![0]!.error! : doc.error!;
    expect({ code: error.code, message: error.message, step: error.step }).toEqual(auditError);
    expect(findingsOf(doc).map((f) => [f.id, f.severity, f.evidence])).toEqual([["audit.target-unreachable", "error", auditError.message]]);
    // And one line on stderr, never a stack trace.
    expect(r.stderr.trim().split("\n").filter((l) => /\bat .*\.js:\d+/.test(l))).toEqual([]);
  });
});
