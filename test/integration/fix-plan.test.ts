import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { auditFleet } from "../../src/run/fleet.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { findingsOf, type TargetReport } from "../../src/report/report.js";
import { Secret } from "../../src/sql/credentials.js";
import { makeCerts } from "../support/certs.js";
import { POSTURES, startMariaDB, type MariaDB, type PostureName, type ServerOptions } from "../support/mariadb.js";

// The fix plan's option-file block, applied for real: each posture is audited, then a fresh server is started with
// the posture's own TLS settings in its option file followed by the plan's block (appended, as the plan says), and
// audited again. The server must start, and every finding the block addresses must be gone.
const started: MariaDB[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function start(opts: ServerOptions): Promise<MariaDB> {
  const s = await startMariaDB(opts);
  started.push(s);
  // The classic weak spot, as in audit.test.ts: an application account reachable from anywhere without TLS.
  await s.query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-demo-pass' REQUIRE NONE");
  return s;
}

async function audit(s: MariaDB): Promise<TargetReport> {
  const ca = (await makeCerts()).caBundle;
  const report = await auditFleet([{ host: s.host, port: s.port }], {
    ca: readFileSync(ca, "utf8"),
    caLabel: ca,
    login: { host: s.host, port: s.port, user: s.admin.user, password: new Secret(s.admin.password), passwordSource: "command line", sslMode: "PREFERRED", optionFiles: [] },
    policy: DEFAULT_POLICY,
  });
  return report.targets[0]!;
}

/** The posture's TLS settings as option-file lines (what its my.cnf would say), and its options without them. */
async function asOptionFile(p: PostureName): Promise<{ base: ServerOptions; lines: string[] }> {
  const o = POSTURES[p];
  if (!o.tls) return { base: o, lines: [] };
  const certs = await makeCerts();
  const leaf = certs.leaves[o.tls.cert];
  const lines = [
    `ssl_cert=${leaf.chain}`,
    `ssl_key=${leaf.key}`,
    `ssl_ca=${certs.serverCaBundle}`,
    ...(o.tls.tlsVersion ? [`tls_version=${o.tls.tlsVersion}`] : []),
    ...(o.tls.cipher ? [`ssl_cipher=${o.tls.cipher}`] : []),
  ];
  // No TLS flags on the command line (they would override the file): the file says it all.
  return { base: { ...o, tls: false }, lines };
}

const ids = (t: TargetReport) => [...new Set(findingsOf(t).map((f) => f.id))].sort();

describe("the fix plan's option-file block on real MariaDB", () => {
  const postures: PostureName[] = ["legacy", "weak", "off", "ecdsa", "self-signed"];
  for (const posture of postures) {
    it(`${posture}: the server starts with the block appended, and the findings it addresses are gone`, async () => {
      const { base, lines } = await asOptionFile(posture);
      const before = await start({ ...base, name: `${posture}-before`, optionFile: ["[mariadbd]", ...lines, ""].join("\n") });
      const t = await audit(before);
      await before.stop();
      const plan = t.fixPlan!;
      expect(plan.optionFile, `${posture} has findings an option file fixes: ${ids(t).join(", ")}`).toBeDefined();
      const block = plan.optionFile!;
      // MariaDB 10.11: its own section, TLS 1.3 suites inside ssl_cipher, and never tls_ciphersuites.
      expect(block.section).toBe("mariadbd");
      expect(block.lines.some((l) => l.startsWith("tls_ciphersuites"))).toBe(false);
      const cipherLine = block.lines.find((l) => l.startsWith("ssl_cipher="));
      if (cipherLine) expect(cipherLine).toMatch(/TLS_AES_128_GCM_SHA256/);
      expect(block.addresses.every((id) => ids(t).includes(id))).toBe(true);

      // The plan's placeholders for files are the user's to fill in (a new certificate where the plan says so); here,
      // the harness's RSA 2048 certificate.
      const certs = await makeCerts();
      const planLines = block.lines.map((l) => l.replace("/etc/mysql/tls/server-cert.pem", certs.leaves.rsa.chain).replace("/etc/mysql/tls/server-key.pem", certs.leaves.rsa.key));
      const file = ["[mariadbd]", ...lines, "", `[${block.section}]`, ...planLines, ""].join("\n");
      const after = await start({ ...base, name: `${posture}-after`, optionFile: file });
      const [vars] = await after.query<{ v: string; c: string }>("SELECT @@tls_version AS v, @@ssl_cipher AS c");
      if (block.lines.some((l) => l.startsWith("tls_version="))) expect(vars!.v).toBe("TLSv1.2,TLSv1.3");
      if (cipherLine) expect(vars!.c).toBe(cipherLine.slice("ssl_cipher=".length));

      const fixed = await audit(after);
      expect(fixed.audited).toBe(true);
      const left = ids(fixed).filter((id) => block.addresses.includes(id));
      expect(left, `still there after the block:\n${file}`).toEqual([]);
      // The block takes nothing away that was right: TLS 1.3 still works, and nothing new is wrong with the protocols.
      const accepted = ((fixed.details.ciphers as { protocols: { version: string; accepted: boolean | null }[] }).protocols ?? []).filter((p) => p.accepted).map((p) => p.version);
      expect(accepted).toEqual(["TLSv1.2", "TLSv1.3"]);
      // (The TLS library's age is not the block's doing: the audit of the server without TLS did not report it, the one with TLS does.)
      expect(ids(fixed).filter((id) => !ids(t).includes(id) && /^(protocol|cipher|tls|settings\.tls)/.test(id) && !id.startsWith("settings.tls-library-"))).toEqual([]);
      expect("ABCDF".indexOf(fixed.grade!)).toBeLessThanOrEqual("ABCDF".indexOf(t.grade!));
      await after.stop();
    }, 120_000);
  }

  it("the block MariaDB would refuse is not what the plan writes: tls_ciphersuites stops 10.11 from starting", async () => {
    const { base, lines } = await asOptionFile("modern");
    await expect(start({ ...base, name: "ciphersuites", optionFile: ["[mariadbd]", ...lines, "tls_ciphersuites=TLS_AES_128_GCM_SHA256", ""].join("\n"), startTimeoutMs: 20_000 })).rejects.toThrow(/unknown variable 'tls[-_]ciphersuites/);
  }, 60_000);
});
