import { EventEmitter } from "node:events";
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it, afterAll } from "vitest";
import { parseOptionFile, mergeGroups } from "../../src/sql/option-file.js";
import fc from "fast-check";
import { promptPassword, resolveCredentials, scrub, Secret, parseSslMode, type CredentialEnv } from "../../src/sql/credentials.js";
import { MASK_EVERYWHERE_MIN_LENGTH } from "../../src/sql/mask.js";
import { parseTarget } from "../../src/net/target.js";
import { AuditError } from "../../src/errors.js";

// Option files here hold test passwords: one folder for the whole file, removed at the end.
const TMP = mkdtempSync(join(tmpdir(), "mta-credentials-test-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "s3cr#t 'pw'";

function world(over: Partial<CredentialEnv> = {}, home = mkdtempSync(join(TMP, "home-"))): CredentialEnv & { warnings: string[] } {
  const warnings: string[] = [];
  return { env: {}, home, loginName: "osuser", prompt: async () => "typed", warn: (m) => warnings.push(m), warnings, ...over };
}

function cnf(text: string): string {
  const dir = mkdtempSync(join(TMP, "cnf-"));
  const p = join(dir, "my.cnf");
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

describe("parseOptionFile", () => {
  it("reads groups, quotes, escapes, comments and dash/underscore spellings as the mysql client does", () => {
    const g = parseOptionFile(`
# comment
; also a comment
[client]
user = alice
password = "p#ss\\tword"
ssl-mode=VERIFY_CA  # trailing comment
SSL_CA = /etc/ca.pem
skip-ssl
[mysql-tls-audit]
user='bob'
`);
    expect(Object.fromEntries(g.get("client")!)).toEqual({ user: "alice", password: "p#ss\tword", ssl_mode: "VERIFY_CA", ssl_ca: "/etc/ca.pem", skip_ssl: "" });
    expect(mergeGroups(g, ["client", "mysql-tls-audit"]).get("user")).toBe("bob");
  });
});

describe("readOptionFiles", () => {
  it("follows !include and !includedir (only *.cnf), later files overriding earlier ones", async () => {
    const dir = mkdtempSync(join(TMP, "inc-"));
    mkdirSync(join(dir, "conf.d"));
    writeFileSync(join(dir, "conf.d", "a.cnf"), "[client]\nuser=from-dir\n", { mode: 0o600 });
    writeFileSync(join(dir, "conf.d", "b.txt"), "[client]\nuser=ignored\n", { mode: 0o600 });
    writeFileSync(join(dir, "extra.cnf"), "[client]\npassword=from-include\n", { mode: 0o600 });
    const main = join(dir, "my.cnf");
    writeFileSync(main, `[client]\nuser=first\n!include ${join(dir, "extra.cnf")}\n!includedir ${join(dir, "conf.d")}\n`, { mode: 0o600 });
    const spec = await resolveCredentials({ target: parseTarget("h"), targetGiven: true, defaultsFile: main }, world());
    expect([spec.user, spec.password.reveal()]).toEqual(["from-dir", "from-include"]);
    expect(spec.optionFiles.map((n) => n.read)).toEqual([true, true, true]);
  });
});

describe("resolveCredentials", () => {
  const target = parseTarget("127.0.0.1:3307");

  it("takes the command line over the URL, the option file and MYSQL_PWD, and warns about a password on the command line", async () => {
    const w = world({ env: { MYSQL_PWD: "envpw" } });
    const file = cnf("[client]\nuser=fileuser\npassword=filepw\n");
    const spec = await resolveCredentials({ target: parseTarget("mysql://urluser:urlpw@h:1"), targetGiven: true, user: "cli", password: "clipw", defaultsFile: file }, w);
    expect(spec.user).toBe("cli");
    expect(spec.password.reveal()).toBe("clipw");
    expect(spec.passwordSource).toBe("command line");
    expect(w.warnings.join()).toMatch(/command line interface can be insecure/);
  });

  it("falls back URL > option file > MYSQL_PWD > empty", async () => {
    const file = cnf(`[client]\nuser=fileuser\npassword="${SECRET.replace(/"/g, '\\"')}"\nhost=db.example\nport=3310\nssl-mode=required\nssl-ca=/x/ca.pem\n`);
    const url = await resolveCredentials({ target: parseTarget("mysql://u:urlpw@h"), targetGiven: true, defaultsFile: file }, world({ env: { MYSQL_PWD: "e" } }));
    expect([url.user, url.password.reveal(), url.passwordSource]).toEqual(["u", "urlpw", "target URL"]);
    const fromFile = await resolveCredentials({ target: parseTarget(undefined), targetGiven: false, defaultsFile: file }, world({ env: { MYSQL_PWD: "e" } }));
    expect([fromFile.user, fromFile.password.reveal(), fromFile.passwordSource, fromFile.host, fromFile.port, fromFile.sslMode, fromFile.sslCa]).toEqual([
      "fileuser", SECRET, "option file", "db.example", 3310, "REQUIRED", "/x/ca.pem",
    ]);
    const env = await resolveCredentials({ target, targetGiven: true, noDefaults: true }, world({ env: { MYSQL_PWD: "e" } }));
    expect([env.user, env.password.reveal(), env.passwordSource, env.sslMode]).toEqual(["osuser", "e", "MYSQL_PWD", "PREFERRED"]);
    const none = await resolveCredentials({ target, targetGiven: true, noDefaults: true }, world());
    expect([none.password.reveal(), none.passwordSource]).toEqual(["", "none"]);
  });

  it("tells an --ssl-mode not given from an explicit PREFERRED, and reads the server key options as the mysql client does", async () => {
    const none = await resolveCredentials({ target, targetGiven: true, noDefaults: true }, world());
    expect([none.sslMode, none.sslModeGiven, none.serverPublicKeyPath, none.getServerPublicKey]).toEqual(["PREFERRED", false, undefined, undefined]);
    const cli = await resolveCredentials({ target, targetGiven: true, noDefaults: true, sslMode: "preferred", serverPublicKeyPath: "/k.pem", getServerPublicKey: true }, world());
    expect([cli.sslMode, cli.sslModeGiven, cli.serverPublicKeyPath, cli.getServerPublicKey]).toEqual(["PREFERRED", true, "/k.pem", true]);
    const file = cnf("[client]\nssl-mode=PREFERRED\nserver-public-key-path=/srv/key.pem\nget-server-public-key\n");
    const fromFile = await resolveCredentials({ target, targetGiven: true, defaultsFile: file }, world());
    expect([fromFile.sslModeGiven, fromFile.serverPublicKeyPath, fromFile.getServerPublicKey]).toEqual([true, "/srv/key.pem", true]);
    const off = await resolveCredentials({ target, targetGiven: true, defaultsFile: cnf("[client]\nget-server-public-key=0\n") }, world());
    expect([off.sslModeGiven, off.getServerPublicKey]).toEqual([false, undefined]);
  });

  it("reads ~/.my.cnf by default, the [mysql-tls-audit] group over [client], and ignores a world-writable file", async () => {
    const home = mkdtempSync(join(TMP, "home-"));
    writeFileSync(join(home, ".my.cnf"), "[client]\nuser=a\npassword=x\n[mysql-tls-audit]\nuser=b\n", { mode: 0o600 });
    const spec = await resolveCredentials({ target, targetGiven: true }, world({}, home));
    expect([spec.user, spec.password.reveal()]).toEqual(["b", "x"]);
    chmodSync(join(home, ".my.cnf"), 0o666);
    const w = world({}, home);
    const ignored = await resolveCredentials({ target, targetGiven: true }, w);
    expect(ignored.user).toBe("osuser");
    expect(w.warnings.join()).toMatch(/World-writable/);
  });

  it("prompts for -p without a value, and rejects a missing --defaults-file and a bad --ssl-mode as usage errors", async () => {
    const spec = await resolveCredentials({ target, targetGiven: true, password: true, noDefaults: true }, world());
    expect([spec.password.reveal(), spec.passwordSource]).toEqual(["typed", "prompt"]);
    await expect(resolveCredentials({ target, targetGiven: true, defaultsFile: "/nonexistent/my.cnf" }, world())).rejects.toMatchObject({ code: "usage" });
    await expect(resolveCredentials({ target, targetGiven: true, noDefaults: true, sslMode: "verify" }, world())).rejects.toMatchObject({ code: "usage" });
    await expect(resolveCredentials({ target, targetGiven: true, noDefaults: true, sslCert: "/c.pem" }, world())).rejects.toThrow(/go together/);
    expect(parseSslMode("verify_identity")).toBe("VERIFY_IDENTITY");
  });

  it("never shows the password in JSON, inspect or string form", async () => {
    const spec = await resolveCredentials({ target, targetGiven: true, password: SECRET, noDefaults: true }, world());
    expect(JSON.stringify(spec)).not.toContain(SECRET);
    expect(inspect(spec, { depth: 5 })).not.toContain(SECRET);
    expect(String(spec.password)).toBe("***");
    expect(scrub(`Access denied (pw ${SECRET})`, new Secret(SECRET))).toBe("Access denied (pw ***)");
  });
});

describe("scrub: masking never corrupts other text", () => {
  it("masks a realistic password wherever it appears, glued to other text too", () => {
    const pw = new Secret("S3cr3t-Pa55");
    expect(scrub("Access denied (S3cr3t-Pa55) -pS3cr3t-Pa55 x=S3cr3t-Pa55y", pw)).toBe("Access denied (***) -p*** x=***y");
  });
  it("leaves text alone for a short password: 'ql' in 'sphinxql: syntax error' used to become 'sphin***ql'", () => {
    expect(scrub("sphinxql: syntax error", new Secret("ql"))).toBe("sphinxql: syntax error");
    expect(scrub("Access denied for user 'root'@'localhost'", new Secret("root"))).toBe("Access denied for user 'root'@'localhost'");
    expect(scrub("any text", new Secret(""))).toBe("any text");
  });
  it("8 characters or more: never leaves the password in; shorter: never changes the text", () => {
    const alnum = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_"), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(alnum, fc.array(fc.oneof(alnum, fc.string({ maxLength: 5 })), { maxLength: 8 }), (pw, parts) => {
        const text = parts.join(pw.length % 2 ? pw : ` ${pw}`);
        const out = scrub(text, new Secret(pw));
        if (pw.length >= MASK_EVERYWHERE_MIN_LENGTH) expect(out.includes(pw)).toBe(false);
        else expect(out).toBe(text);
      }),
    );
  });
});

describe("promptPassword", () => {
  function fakeTty(isTTY: boolean) {
    const s = new EventEmitter() as unknown as NodeJS.ReadStream & { rawCalls: boolean[] };
    const calls: boolean[] = [];
    Object.assign(s, { isTTY, isRaw: false, rawCalls: calls, setRawMode: (b: boolean) => (calls.push(b), s), resume: () => s, pause: () => s });
    return s;
  }
  it("reads without echo in raw mode, handles backspace, and restores the terminal", async () => {
    const input = fakeTty(true);
    let echoed = "";
    const out = { write: (t: string) => ((echoed += t), true) } as unknown as NodeJS.WritableStream;
    const p = promptPassword("Enter password: ", input, out);
    input.emit("data", Buffer.from("hunter3"));
    input.emit("data", Buffer.from("\u007f2\r"));
    await expect(p).resolves.toBe("hunter2");
    expect(echoed).toBe("Enter password: \n");
    expect(input.rawCalls).toEqual([true, false]);
  });
  it("is a usage error when stdin is not a terminal", async () => {
    const err = await promptPassword("Enter password: ", fakeTty(false), process.stderr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).code).toBe("usage");
    expect((err as AuditError).message).toMatch(/not a terminal/);
  });
});
