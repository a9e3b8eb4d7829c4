// TLS 1.2 key-exchange groups behind an ECDSA certificate. In TLS 1.2, supported_groups names both the ECDHE
// groups and the curves the client accepts for the server's ECDSA key (RFC 8422 §5.1.1): an offer that leaves out
// the key's curve is refused whatever the ECDHE group, so a scan that drops each found group from its next offer
// stops as soon as it drops the key's curve (found: behind a P-384 leaf x448 and secp521r1 were missed; behind
// P-256, 3 of 5). Real MariaDB servers with a P-384 and a P-256 leaf made here, judged against
// `openssl s_client -tls1_2 -groups G:<key's curve>`, group by group.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EC_GROUPS } from "../../src/tls/preference.js";
import { runCli } from "../support/cli.js";
import { startMariaDB, type MariaDB } from "../support/mariadb.js";
import { sClient } from "../support/openssl-client.js";
import { requireOpenssl } from "../support/require-binaries.js";

const run = promisify(execFile);

// Our registry names as `openssl s_client -groups` spells them, and as its "Server Temp Key" line does.
const OPENSSL_NAME: Record<string, string> = { x25519: "X25519", x448: "X448", secp256r1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const opensslName = (g: string): string => OPENSSL_NAME[g] ?? g;
const TEMP_KEY_NAME: Record<string, string> = { X25519: "x25519", X448: "x448", prime256v1: "secp256r1" };

interface Server {
  db: MariaDB;
  curve: "secp384r1" | "secp256r1";
}

/** The TLS 1.2 ECDHE groups the server uses, asked one at a time beside the key's curve, as s_client reports them. */
async function sClientGroups(s: Server): Promise<string[]> {
  const found = await Promise.all(
    EC_GROUPS.map(async (g) => {
      const offer = g === s.curve ? opensslName(g) : `${opensslName(g)}:${opensslName(s.curve)}`;
      const r = await sClient("127.0.0.1", s.db.port, ["-tls1_2", "-groups", offer]);
      // "Server Temp Key: X448, 448 bits" or "Server Temp Key: ECDH, secp384r1, 384 bits"
      const key = /Server Temp Key: (?:ECDH, )?([^,\s]+)/.exec(r.output)?.[1];
      return key !== undefined && (TEMP_KEY_NAME[key] ?? key) === g ? g : undefined;
    }),
  );
  return found.filter((g): g is string => g !== undefined);
}

async function ourGroups(s: Server, engine: string): Promise<string[] | undefined> {
  const r = await runCli(["ciphers", `127.0.0.1:${s.db.port}`, "--json", "--engine", engine, "--timeout", "5"], { timeoutMs: 120_000 });
  expect(r.stderr, r.stderr).toBe("");
  const json = JSON.parse(r.stdout) as { protocols: { version: string; groups?: string[]; suites: { openssl?: string }[] }[] };
  const v12 = json.protocols.find((p) => p.version === "TLSv1.2")!;
  // Every TLS 1.2 suite the server accepts authenticates with its ECDSA key.
  expect(v12.suites.length).toBeGreaterThan(0);
  expect(v12.suites.every((x) => /ECDSA/.test(x.openssl ?? ""))).toBe(true);
  return v12.groups;
}

describe("TLS 1.2 groups behind an ECDSA certificate (real MariaDB, checked against openssl s_client)", () => {
  const servers: Server[] = [];
  let dir: string;

  beforeAll(async () => {
    const openssl = requireOpenssl();
    dir = mkdtempSync(join(tmpdir(), "mta-ecdsa-groups-"));
    const make = async (curve: "P-384" | "P-256"): Promise<{ cert: string; key: string }> => {
      const key = join(dir, `${curve}.key`);
      const cert = join(dir, `${curve}.pem`);
      await run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"]);
      return { cert, key };
    };
    const [p384, p256] = await Promise.all([make("P-384"), make("P-256")]);
    const start = (name: string, c: { cert: string; key: string }): Promise<MariaDB> =>
      // The harness's own ECDSA certificate set first, then ours: extraArgs come last, so these win.
      startMariaDB({ name, tls: { cert: "ecdsa" }, extraArgs: [`--ssl-cert=${c.cert}`, `--ssl-key=${c.key}`] });
    const [a, b] = await Promise.all([start("ecdsa-p384", p384), start("ecdsa-p256", p256)]);
    servers.push({ db: a, curve: "secp384r1" }, { db: b, curve: "secp256r1" });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.db.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("behind a P-384 key: the groups s_client sees the server use, x448 and secp521r1 among them, with both engines", async () => {
    const s = servers[0]!;
    const expected = await sClientGroups(s);
    // What the bug missed, as s_client sees it: the server does use them.
    expect(expected).toEqual(expect.arrayContaining(["x448", "secp521r1", "secp384r1"]));
    for (const engine of ["node", "raw"]) expect((await ourGroups(s, engine))?.slice().sort(), engine).toEqual(expected.slice().sort());
  });

  it("behind a P-256 key: every group s_client sees the server use, with both engines", async () => {
    const s = servers[1]!;
    const expected = await sClientGroups(s);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    for (const engine of ["node", "raw"]) expect((await ourGroups(s, engine))?.slice().sort(), engine).toEqual(expected.slice().sort());
  });
});
