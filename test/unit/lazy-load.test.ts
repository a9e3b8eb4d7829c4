// Start-up loads what the command needs, not every library (#13): `--version` and a subcommand's --help must not
// load yaml (the policy loader), prom-client (serve), mysql2 (logins) or node-forge (the certificate reader); the
// ciphers command, which reports no certificate, never loads node-forge, while probe and cert do. Asserted on behaviour, not time: a child
// process runs the CLI's main() as the bin does (dist/bundle/) and lists the packages Node loaded: from node_modules
// (CommonJS packages land in require.cache even when imported from ESM; yaml is required lazily by the policy
// loader), or, for mysql2, which the bundle links into a chunk of its own, that chunk.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCerts } from "../support/certs.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function packagesLoaded(args: string[], thenRequire?: string): Promise<string[]> {
  const script = `
    const { pathToFileURL } = require("node:url");
    import(pathToFileURL(${JSON.stringify(path.join(root, "dist/bundle/main.js"))}).href).then(async (m) => {
      await m.main(["node", "mysql-tls-audit", ...${JSON.stringify(args)}]);
      ${thenRequire ? `require(${JSON.stringify(thenRequire)});` : ""}
      const names = Object.keys(require.cache).map((k) => (k.match(/node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/) || k.match(/dist[\\\\/]bundle[\\\\/](mysql2)-[^\\\\/]+[.]js$/) || [])[1]).filter(Boolean);
      process.stderr.write("LOADED " + JSON.stringify([...new Set(names)]) + "\\n");
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: root }, (err, _stdout, stderr) => {
      const line = stderr.split("\n").find((l) => l.startsWith("LOADED "));
      if (!line) return reject(new Error(`no module list: ${String(err)} ${stderr}`));
      resolve(JSON.parse(line.slice("LOADED ".length)) as string[]);
    });
  });
}

describe("start-up loads only what the command needs (needs `npm run build`)", () => {
  it("the listing sees a lazily loaded package: a YAML policy loads yaml (an empty shard: no connection)", async () => {
    const loaded = await packagesLoaded(["audit", "--policy", path.join(root, "fixtures/policy.example.yaml"), "--shard", "1/2"]);
    expect(loaded).toContain("yaml");
  });

  it("the listing sees the bundle's mysql2 chunk once it is loaded (the login loads it, on the helper thread)", async () => {
    const chunk = readdirSync(path.join(root, "dist/bundle")).find((f) => /^mysql2-.*[.]js$/.test(f));
    expect(chunk, "no mysql2 chunk in dist/bundle").toBeDefined();
    expect(await packagesLoaded(["--version"])).not.toContain("mysql2");
    expect(await packagesLoaded(["--version"], path.join(root, "dist/bundle", chunk!))).toContain("mysql2");
  });

  it.each([["--version"], ["ciphers", "--help"], ["audit", "--help"]])("%s loads neither yaml, prom-client, mysql2 nor node-forge", async (...args) => {
    const loaded = await packagesLoaded(args);
    for (const heavy of ["yaml", "prom-client", "mysql2", "node-forge"]) expect(loaded, `${args.join(" ")} loaded ${heavy}`).not.toContain(heavy);
  });

  describe("against a server with TLS", () => {
    let server: FakeMysql;
    beforeAll(async () => {
      const certs = await makeCerts();
      server = await startFakeMysql({ tls: { cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key } });
    });
    afterAll(() => server?.stop());

    it("probe and cert read the certificate (node-forge loads); ciphers does not", async () => {
      const target = ["127.0.0.1", "-P", String(server.port), "--json"];
      expect(await packagesLoaded(["probe", ...target])).toContain("node-forge");
      expect(await packagesLoaded(["cert", ...target])).toContain("node-forge");
      const ciphers = await packagesLoaded(["ciphers", ...target, "--no-groups"]);
      for (const heavy of ["node-forge", "mysql2"]) expect(ciphers, `ciphers loaded ${heavy}`).not.toContain(heavy);
    });
  });
});
