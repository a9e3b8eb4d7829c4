#!/usr/bin/env node
// `npm run demo`: start a throwaway MariaDB on loopback with a deliberately weak TLS posture, audit it with the
// built CLI, show the report, and stop the server. Plain JS, so it runs without vitest or a TypeScript build of test/.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AS_ROOT, SMALL_SERVER_FLAGS, freePort, which } from "./local-mariadb.mjs";
import mysql from "mysql2/promise";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, "bin", "mysql-tls-audit.js");

function need(name) {
  const p = which(name);
  if (!p) throw new Error(`${name} is not installed; the demo needs MariaDB (apt-get install -y mariadb-server) and openssl`);
  return p;
}

const say = (msg) => process.stderr.write(`demo: ${msg}\n`);

async function main() {
  const mariadbd = need("mariadbd");
  const installDb = need("mariadb-install-db");
  const openssl = need("openssl");
  if (!existsSync(join(root, "dist", "bundle", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm run demo does)");

  const dir = mkdtempSync(join(tmpdir(), "mysql-tls-audit-demo-"));
  let child;
  const cleanup = () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    say("creating a throwaway data directory");
    execFileSync(installDb, ["--no-defaults", `--datadir=${join(dir, "data")}`, ...AS_ROOT, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", ...SMALL_SERVER_FLAGS], { stdio: "ignore" });

    say("making a self-signed certificate that expires in 10 days (1024-bit RSA, SHA-1)");
    execFileSync(openssl, ["req", "-x509", "-newkey", "rsa:1024", "-sha1", "-nodes", "-days", "10", "-subj", "/CN=demo-db.example.internal", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });

    const port = await freePort();
    const socket = join(dir, "mysqld.sock");
    say(`starting mariadbd on 127.0.0.1:${port} with TLS 1.0-1.3, ALL:@SECLEVEL=0 ciphers, require_secure_transport OFF`);
    child = spawn(mariadbd, [
      "--no-defaults", ...AS_ROOT, `--datadir=${join(dir, "data")}`, `--socket=${socket}`, `--pid-file=${join(dir, "mysqld.pid")}`,
      `--log-error=${join(dir, "error.log")}`, `--port=${port}`, "--bind-address=127.0.0.1", "--skip-name-resolve", ...SMALL_SERVER_FLAGS,
      "--performance-schema=OFF", `--ssl-cert=${join(dir, "cert.pem")}`, `--ssl-key=${join(dir, "key.pem")}`, `--ssl-ca=${join(dir, "cert.pem")}`,
      "--tls-version=TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3", "--ssl-cipher=ALL:@SECLEVEL=0", "--require-secure-transport=OFF",
    ], { stdio: "ignore" });

    const conn = await waitForServer(socket, () => child.exitCode !== null, join(dir, "error.log"));
    const auditorPassword = randomBytes(18).toString("base64url");
    try {
      // An application account that may log in from anywhere without TLS: the classic finding.
      await conn.query("CREATE USER 'app'@'%' IDENTIFIED BY ? REQUIRE NONE", [randomBytes(18).toString("base64url")]);
      await conn.query("GRANT SELECT ON *.* TO 'app'@'%'");
      // The auditor: read-only, enough for settings and accounts.
      await conn.query("CREATE USER 'auditor'@'127.0.0.1' IDENTIFIED BY ?", [auditorPassword]);
      await conn.query("GRANT SELECT, PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'auditor'@'127.0.0.1'");
    } finally {
      await conn.end();
    }

    say(`auditing 127.0.0.1:${port} as auditor (password passed in MYSQL_PWD, never printed)\n`);
    const args = [cli, `127.0.0.1:${port}`, "-u", "auditor", ...process.argv.slice(2)];
    const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, MYSQL_PWD: auditorPassword } });
    process.stderr.write("\n");
    say(`the audit exited with ${r.status} (0 pass, 1 policy violations, 2 bad input, 3 could not audit)`);
  } finally {
    say("stopping the server and removing its files");
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    cleanup();
  }
}

async function waitForServer(socket, exited, errorLog) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited()) throw new Error(`mariadbd exited during start:\n${existsSync(errorLog) ? readFileSync(errorLog, "utf8").split("\n").slice(-15).join("\n") : ""}`);
    if (existsSync(socket)) {
      try {
        return await mysql.createConnection({ socketPath: socket, user: "root" });
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
    if (Date.now() > deadline) throw new Error("mariadbd did not accept connections within 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err) => {
  process.stderr.write(`demo: ${err.message}\n`);
  process.exitCode = 1;
});
