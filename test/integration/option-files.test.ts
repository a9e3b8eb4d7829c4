// Issue 12, item 8: option files as the mysql client reads them, the same for every command, against a real
// MariaDB, with a temporary HOME holding .my.cnf.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOneLineError, runCli } from "../support/cli.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";
import { freePort } from "../support/ports.js";

let db: MariaDB;
let dir: string;
let closed: number;
const COMMANDS = ["audit", "probe", "cert", "ciphers", "settings", "accounts"];

/** A HOME whose .my.cnf holds the given text (mode 0600, as the mysql client wants it). */
function homeWith(name: string, cnf: string): string {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, ".my.cnf"), cnf, { mode: 0o600 });
  return home;
}

const fullClient = () =>
  `[client]\nhost=${db.host}\nport=${db.port}\nuser=${db.admin.user}\npassword="${db.admin.password}"\nssl-ca=${db.certs!.caBundle}\nssl-verify-server-cert\n`;

// Skipping the cipher scan keeps the audit quick; it is not what these tests are about.
const quick = (cmd: string) => (cmd === "audit" ? ["--skip", "protocols,ciphers"] : cmd === "ciphers" ? ["--no-groups"] : []);

beforeAll(async () => {
  db = await startPosture("modern");
  dir = mkdtempSync(join(tmpdir(), "option-files-"));
  closed = await freePort();
});
afterAll(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("[client] in ~/.my.cnf, for every command", () => {
  it("host and port choose the server of every command", async () => {
    const home = homeWith("full", fullClient());
    for (const cmd of COMMANDS) {
      const r = await runCli([cmd, "--json", ...quick(cmd)], { env: { HOME: home, MYSQL_PWD: undefined } });
      expect(r.code, `${cmd}: ${r.stderr}`).not.toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(doc.target, cmd).toEqual({ host: db.host, port: db.port });
      expect(r.stdout + r.stderr).not.toContain(db.admin.password);
    }
  });

  it("user and password log the audit in; ssl-ca verifies the chain in the audit, probe and cert", async () => {
    const home = homeWith("full", fullClient());
    const audit = JSON.parse((await runCli(["--json", ...quick("audit")], { env: { HOME: home, MYSQL_PWD: undefined } })).stdout);
    const checks = Object.fromEntries(audit.targets[0].checks.map((c: { name: string; status: string }) => [c.name, c.status]));
    expect(checks).toMatchObject({ certificate: "completed", settings: "completed", accounts: "completed", replication: "completed" });
    const ids = audit.targets[0].findings.map((f: { id: string }) => f.id);
    expect(ids).not.toContain("cert.untrusted");
    expect(audit.targets[0].details.certificate.trust).toMatchObject({ verified: true, anchorSource: "ssl-ca" });
    const probe = JSON.parse((await runCli(["probe", "--json"], { env: { HOME: home } })).stdout);
    expect(probe.tls).toMatchObject({ verified: true });
    const cert = JSON.parse((await runCli(["cert", "--json"], { env: { HOME: home } })).stdout);
    expect(cert.trust).toMatchObject({ verified: true });
  });

  it("ssl-verify-server-cert means VERIFY_IDENTITY for the login, and refuses a server the CA does not vouch for", async () => {
    const home = homeWith("full", fullClient());
    const ok = JSON.parse((await runCli(["settings", "--json"], { env: { HOME: home, MYSQL_PWD: undefined } })).stdout);
    expect(ok.login).toMatchObject({ sslMode: "VERIFY_IDENTITY", chainVerified: true, identityVerified: true, passwordSource: "option file" });
    // The same switch without ssl-ca: the system roots do not know the test CA, so the login must not happen.
    const noCa = homeWith("no-ca", `[client]\nhost=${db.host}\nport=${db.port}\nuser=${db.admin.user}\npassword="${db.admin.password}"\nssl-verify-server-cert=1\n`);
    const refused = await runCli(["settings"], { env: { HOME: noCa, MYSQL_PWD: undefined } });
    expect(refused.code).toBe(3);
    expect(isOneLineError(refused.stderr), refused.stderr).toBe(true);
    expect(refused.stderr).toMatch(/VERIFY_IDENTITY/);
    // ssl-verify-server-cert=0 is off, as in the mysql client.
    const off = homeWith("off", `[client]\nhost=${db.host}\nport=${db.port}\nuser=${db.admin.user}\npassword="${db.admin.password}"\nssl-verify-server-cert=0\n`);
    expect(JSON.parse((await runCli(["settings", "--json"], { env: { HOME: off } })).stdout).login.sslMode).toBe("PREFERRED");
  });

  it("[mysql-tls-audit] overrides [client]; the command line overrides both", async () => {
    const home = homeWith("groups", `[client]\nhost=${db.host}\nport=${closed}\n[mysql-tls-audit]\nport=${db.port}\n`);
    const r = JSON.parse((await runCli(["probe", "--json"], { env: { HOME: home } })).stdout);
    expect(r.target.port).toBe(db.port);
    const cli = await runCli(["probe", "-P", String(closed), "--connect-timeout", "2"], { env: { HOME: home } });
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain(`${db.host}:${closed}`);
    const arg = await runCli(["probe", `${db.host}:${closed}`, "--connect-timeout", "2"], { env: { HOME: home } });
    expect(arg.stderr).toContain(`${db.host}:${closed}`);
    // A target that names no port takes the option file's, as `mysql -h host` does.
    const hostOnly = JSON.parse((await runCli(["probe", db.host, "--json"], { env: { HOME: home } })).stdout);
    expect(hostOnly.target).toEqual({ host: db.host, port: db.port });
  });

  it("--no-defaults reads none; --defaults-file reads only that file; --defaults-extra-file adds one before ~/.my.cnf", async () => {
    const home = homeWith("full", fullClient());
    const none = await runCli(["probe", "--no-defaults", "--connect-timeout", "2"], { env: { HOME: home } });
    expect(none.stderr).toContain("localhost:3306");
    const only = join(dir, "only.cnf");
    writeFileSync(only, `[client]\nhost=${db.host}\nport=${closed}\n`, { mode: 0o600 });
    const onlyRun = await runCli(["probe", "--defaults-file", only, "--connect-timeout", "2"], { env: { HOME: home } });
    expect(onlyRun.stderr).toContain(`${db.host}:${closed}`);
    // The extra file comes before ~/.my.cnf, so ~/.my.cnf's port wins over it, and the extra file's user is used.
    const extra = join(dir, "extra.cnf");
    writeFileSync(extra, `[client]\nport=${closed}\n[mysql-tls-audit]\nuser=nobody-from-extra\n`, { mode: 0o600 });
    const portOnly = homeWith("port-only", `[client]\nhost=${db.host}\nport=${db.port}\n`);
    const withExtra = await runCli(["settings", "--defaults-extra-file", extra, "--json"], { env: { HOME: portOnly, MYSQL_PWD: "not-the-password" } });
    expect(withExtra.code).toBe(3);
    expect(withExtra.stderr).toContain(`${db.host}:${db.port}`);
    expect(withExtra.stderr).toContain("nobody-from-extra");
    const missing = await runCli(["probe", "--defaults-extra-file", join(dir, "nope.cnf")], { env: { HOME: home } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.cnf: no such file or directory/);
  });

  it("a world-writable ~/.my.cnf is ignored with the mysql client's warning", async () => {
    const home = homeWith("writable", `[client]\nhost=${db.host}\nport=${closed}\n`);
    const { chmodSync } = await import("node:fs");
    chmodSync(join(home, ".my.cnf"), 0o666);
    const r = await runCli(["probe", "--connect-timeout", "2"], { env: { HOME: home } });
    expect(r.stderr).toMatch(/World-writable config file '.*\.my\.cnf' is ignored/);
    expect(r.stderr).toContain("localhost:3306");
  });
});
