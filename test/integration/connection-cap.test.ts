// The cap on connections open to one server at once (the server's max_connections is shared with its real
// clients): counted by a proxy in front of a real MariaDB, whatever the timing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startCountingProxy, type CountingProxy } from "../support/counting-proxy.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";

describe("connections open to one server at once", () => {
  let db: MariaDB;
  let proxy: CountingProxy;

  beforeAll(async () => {
    db = await startPosture("legacy");
    proxy = await startCountingProxy({ host: db.host, port: db.port });
  });

  afterAll(async () => {
    await proxy?.stop();
    await db?.stop();
  });

  it("ciphers --concurrency 4: never more than 4 open, and the scan does use 4", async () => {
    proxy.reset();
    const r = await runCli(["ciphers", `127.0.0.1:${proxy.port}`, "--json", "--engine", "node", "--concurrency", "4"], { timeoutMs: 180_000 });
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout) as { connections: number; protocols: { suites: unknown[] }[] };
    expect(json.protocols.reduce((n, p) => n + p.suites.length, 0)).toBe(91);
    expect(proxy.accepted).toBeGreaterThanOrEqual(json.connections);
    expect(proxy.maxOpen).toBeLessThanOrEqual(4);
    expect(proxy.maxOpen).toBe(4);
  });

  it("ciphers by default: at most 16 open at once", async () => {
    proxy.reset();
    const r = await runCli(["ciphers", `127.0.0.1:${proxy.port}`, "--json", "--engine", "node"], { timeoutMs: 180_000 });
    expect(r.stderr).toBe("");
    expect(proxy.accepted).toBeGreaterThan(16);
    expect(proxy.maxOpen).toBeLessThanOrEqual(16);
  });

  it("the audit with a login, --max-connections 6: the probe, the certificate, the login and the scan together stay within 6", async () => {
    proxy.reset();
    const r = await runCli(["audit", `127.0.0.1:${proxy.port}`, "--json", "--quiet", "--max-connections", "6", "--user", db.admin.user], {
      env: { MYSQL_PWD: db.admin.password },
      timeoutMs: 180_000,
    });
    expect([0, 1], r.stderr).toContain(r.code);
    const doc = JSON.parse(r.stdout) as { targets: { checks: { name: string; status: string }[] }[] };
    // Every check ran, so the cap held while all of them were open at once.
    for (const c of ["ciphers", "certificate", "settings", "accounts"]) expect(doc.targets[0]!.checks.find((x) => x.name === c)?.status, c).toBe("completed");
    expect(proxy.maxOpen).toBeLessThanOrEqual(6);
    expect(proxy.maxOpen).toBeGreaterThanOrEqual(5);
  });

  it("the audit with a login, --max-connections 3: probe, certificate, scan, login and reset login share 3, and it still finds everything", async () => {
    proxy.reset();
    // A budget of 4 on loopback (which has none by default): the node:tls engine, and the budget runs out, so the
    // reset logins run too, inside the same cap.
    const r = await runCli(["audit", `127.0.0.1:${proxy.port}`, "--json", "--quiet", "--max-connections", "3", "--max-aborted", "4", "--user", db.admin.user], {
      env: { MYSQL_PWD: db.admin.password },
      timeoutMs: 240_000,
    });
    expect([0, 1], r.stderr).toContain(r.code);
    const doc = JSON.parse(r.stdout) as { targets: { checks: { name: string; status: string }[]; details: { ciphers: { protocols: { suites: unknown[] }[]; budget: { resets: number } } } }[] };
    const t = doc.targets[0]!;
    for (const c of ["connectivity", "protocols", "ciphers", "certificate", "settings", "accounts"]) expect(t.checks.find((x) => x.name === c)?.status, c).toBe("completed");
    expect(t.details.ciphers.protocols.reduce((n, p) => n + p.suites.length, 0)).toBe(91);
    expect(t.details.ciphers.budget.resets).toBeGreaterThanOrEqual(1);
    expect(proxy.maxOpen).toBeLessThanOrEqual(3);
    expect(proxy.maxOpen).toBe(3);
  });
});
