import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, type MariaDB } from "../support/mariadb.js";
import { runCli } from "../support/cli.js";
import { sClient } from "../support/openssl-client.js";

// Real MariaDB servers for two wrong answers of #11:
// - "Configured is not accepted": only TLS 1.3 names in ssl_cipher with tls_version=TLSv1.2,TLSv1.3 refuses every
//   TLS 1.2 suite; the audit with a login reported the protocols right but never said that a configured version
//   accepts nothing, and the settings table called tls_version "TLS protocols the server accepts".
// - "Rarely" where it is "never": REQUIRE CIPHER 'DES-CBC3-SHA' on a server whose scan found no 3DES suite was
//   "can rarely log in" (low); no connection can negotiate it, so the account can never log in.
const TLS13_ONLY = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
let tls13Names: MariaDB;
let modern: MariaDB;

beforeAll(async () => {
  [tls13Names, modern] = await Promise.all([
    startMariaDB({ name: "tls13-names", tls: { cert: "rsa", tlsVersion: "TLSv1.2,TLSv1.3", cipher: TLS13_ONLY } }),
    startMariaDB({ name: "no-3des", tls: { cert: "rsa", tlsVersion: "TLSv1.2,TLSv1.3" } }),
  ]);
  await modern.query("CREATE USER 'legacy_app'@'%' IDENTIFIED BY 'Legacy-app-pw-1' REQUIRE CIPHER 'DES-CBC3-SHA'");
});
afterAll(async () => {
  await Promise.all([tls13Names?.stop(), modern?.stop()]);
});

interface Finding {
  id: string;
  severity: string;
  title: string;
  evidence: string;
  check: string;
}
interface AuditDoc {
  targets: { findings: Finding[]; details: { protocols?: { version: string; accepted: boolean | null }[]; settings?: { settings: { name: string; meaning: string; value?: string }[] } } }[];
}

async function auditWithLogin(db: MariaDB): Promise<{ doc: AuditDoc; code: number | null; text: string }> {
  const args = ["audit", `${db.host}:${db.port}`, "-u", db.admin.user, "--no-defaults", "--ssl-ca", db.certs!.caBundle];
  const env = { env: { MYSQL_PWD: db.admin.password } };
  const r = await runCli([...args, "--json"], env);
  expect(r.stderr).toBe("");
  const text = await runCli(["settings", `${db.host}:${db.port}`, "-u", db.admin.user, "--no-defaults", "--ssl-ca", db.certs!.caBundle], { env: { ...env.env, COLUMNS: "250" } });
  return { doc: JSON.parse(r.stdout) as AuditDoc, code: r.code, text: text.stdout };
}

describe("configured is not accepted (MariaDB, TLS 1.3 names only in ssl_cipher, tls_version=TLSv1.2,TLSv1.3)", () => {
  it("the handshakes refuse TLS 1.2; the audit says that the configured TLSv1.2 accepts nothing, and why", async () => {
    expect((await tls13Names.query<{ v: string }>("SELECT @@tls_version AS v"))[0]!.v).toBe("TLSv1.2,TLSv1.3");
    const { doc } = await auditWithLogin(tls13Names);
    const t = doc.targets[0]!;
    const accepted = Object.fromEntries((t.details.protocols ?? []).map((p) => [p.version, p.accepted]));
    expect(accepted).toMatchObject({ "TLSv1.2": false, "TLSv1.3": true });
    const f = t.findings.filter((x) => x.id === "settings.configured-version-refused");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "low", check: "settings", title: "tls_version allows TLSv1.2, but the server accepts no TLSv1.2 handshake" });
    expect(f[0]!.evidence).toContain("tls_version = TLSv1.2,TLSv1.3; the handshakes: ");
    expect(f[0]!.evidence).toContain("TLSv1.2 refused, TLSv1.3 accepted");
    expect(f[0]!.evidence).toContain(`ssl_cipher = ${TLS13_ONLY} names TLS 1.3 suites only, so TLSv1.2 has no suite to offer`);
    expect(t.findings.map((x) => x.id)).not.toContain("settings.unconfigured-version-accepted");
  });

  it("the settings table no longer calls tls_version what the server accepts", async () => {
    const { doc, text } = await auditWithLogin(tls13Names);
    const row = doc.targets[0]!.details.settings!.settings.find((r) => r.name === "tls_version")!;
    expect(row.meaning).toMatch(/^TLS versions the server is configured to allow/);
    expect(text).not.toContain("TLS protocols the server accepts");
    expect(text).toMatch(/tls_version\s.*TLSv1\.2,TLSv1\.3.*configured to allow/);
  });

  it("a server whose configuration and handshakes agree gets neither finding (the control)", async () => {
    const { doc } = await auditWithLogin(modern);
    const ids = doc.targets[0]!.findings.map((x) => x.id);
    expect(ids).not.toContain("settings.configured-version-refused");
    expect(ids).not.toContain("settings.unconfigured-version-accepted");
  });
});

describe("REQUIRE CIPHER 'DES-CBC3-SHA' on a server that accepts no 3DES suite", () => {
  it("the audit with a login says the account can never log in (medium), from the scan's accepted suites", async () => {
    const { doc } = await auditWithLogin(modern);
    const t = doc.targets[0]!;
    const suites = JSON.stringify(t.details);
    expect(suites).not.toContain("DES-CBC3-SHA\",\"code"); // the scan found no 3DES suite
    const f = t.findings.filter((x) => x.id === "accounts.unsatisfiable-require-cipher" && x.title.startsWith("legacy_app@%"));
    expect(f.map((x) => [x.severity, x.title])).toEqual([["medium", "legacy_app@% can never log in: no connection to this server can negotiate DES-CBC3-SHA"]]);
    expect(f[0]!.evidence).toMatch(/the scan's handshakes found the server accepting TLSv1\.2, TLSv1\.3 with \d+ suite name\(s\), none of them DES-CBC3-SHA/);
  });

  it("and indeed it cannot: openssl s_client offering only DES-CBC3-SHA gets no handshake, ECDHE-RSA-AES128-GCM-SHA256 does", async () => {
    // The reference client at security level 0 (which allows 3DES): the server's answer settles "never".
    const des = await sClient(modern.host, modern.port, ["-tls1_2", "-cipher", "DES-CBC3-SHA:@SECLEVEL=0"]);
    expect(des.cipher, des.output).toBeUndefined();
    const control = await sClient(modern.host, modern.port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    expect(control.cipher, control.output).toBe("ECDHE-RSA-AES128-GCM-SHA256");
  });
});
