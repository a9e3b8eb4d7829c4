import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMariaDB, startPosture, POSTURES, type MariaDB, type PostureName } from "../support/mariadb.js";
import { makeCerts, type CertKind, type CertSet } from "../support/certs.js";
import { requireOpenssl } from "../support/require-binaries.js";
import { runCli, isOneLineError } from "../support/cli.js";

interface ChainEntry {
  subject: string;
  issuer: string;
  serialNumber: string;
  subjectAltNames: { dns: string[]; ip: string[] };
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  publicKey: { type: string; bits: number; curve?: string };
  signatureAlgorithm: string;
  sha256Fingerprint: string;
  selfSigned: boolean;
  isCA: boolean;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage: string[];
  extendedKeyUsage: string[];
}
interface CertJson {
  schemaVersion: number;
  command: string;
  target: { host: string; port: number };
  source: string;
  orderAsSent: boolean;
  protocol: string;
  chain: ChainEntry[];
  trust: { verified: boolean; error?: string };
  handshakeVerification: { authorized: boolean; error?: string };
  hostname: { matched: boolean; matchedBy?: string };
  findings: { id: string; severity: string; evidence: string; fix?: string }[];
}

const openssl = requireOpenssl();
const CERT_POSTURES = ["modern", "ecdsa", "ed25519", "expired", "self-signed", "weak", "missing-intermediate", "wrong-name", "auto-generated"] as const;
type CertPosture = (typeof CERT_POSTURES)[number];

let certs: CertSet;
let dir: string;
const servers = new Map<string, MariaDB>();
const server = (name: string): MariaDB => servers.get(name)!;
const kindOf = (p: CertPosture): CertKind => (POSTURES[p as PostureName].tls as { cert: CertKind }).cert;

beforeAll(async () => {
  certs = await makeCerts();
  dir = mkdtempSync(join(tmpdir(), "mta-cert-it-"));
  // leaf, root, intermediate: the order a hand-made chain file often has
  const wrongOrder = join(dir, "wrong-order.pem");
  writeFileSync(wrongOrder, [certs.leaves.rsa.cert, certs.ca.cert, certs.intermediate.cert].map((f) => readFileSync(f, "utf8")).join(""));
  // Measured: with ssl_cert holding only the leaf, mariadbd's OpenSSL completes the chain from ssl_ca, and the
  // harness's server ssl_ca holds the intermediate. Only a server ssl_ca without it really omits the intermediate.
  const overrides: Partial<Record<CertPosture, string[]>> = { "missing-intermediate": [`--ssl-ca=${certs.caBundle}`] };
  const started = await Promise.all([
    ...CERT_POSTURES.map(async (p) => [p, await startPosture(p, overrides[p] ? { extraArgs: overrides[p] } : {})] as const),
    (async () => ["auto-chain", await startPosture("missing-intermediate")] as const)(),
    (async () => ["wrong-order", await startMariaDB({ name: "wrong-order", tls: { cert: "rsa" }, extraArgs: [`--ssl-cert=${wrongOrder}`] })] as const)(),
    (async () => ["tls13-only", await startMariaDB({ name: "tls13-only", tls: { cert: "rsa", tlsVersion: "TLSv1.3" } })] as const)(),
    (async () => ["off", await startPosture("off")] as const)(),
    (async () => ["ipv6", await startMariaDB({ name: "ipv6", tls: { cert: "rsa" }, bindAddress: "::1" })] as const)(),
  ]);
  for (const [name, db] of started) servers.set(name, db);
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function certJson(db: MariaDB, args: string[] = []): Promise<CertJson & { exitCode: number | null }> {
  const r = await runCli(["cert", `${db.host}:${db.port}`, "--json", ...args]);
  expect(r.stderr).toBe("");
  return { ...(JSON.parse(r.stdout) as CertJson), exitCode: r.code };
}

/** What openssl x509 says about one certificate file, in our field names. */
function opensslView(file: string) {
  const out = execFileSync(
    openssl,
    ["x509", "-in", file, "-noout", "-subject", "-issuer", "-serial", "-dates", "-fingerprint", "-sha256", "-nameopt", "oneline,-space_eq", "-ext", "subjectAltName"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const line = (key: string) => out.split("\n").find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);
  const sanLine = out.split("\n").findIndex((l) => l.startsWith("X509v3 Subject Alternative Name"));
  const entries = sanLine >= 0 ? out.split("\n")[sanLine + 1]!.trim().split(/,\s*/) : [];
  const text = execFileSync(openssl, ["x509", "-in", file, "-noout", "-text"], { encoding: "utf8" });
  return {
    subject: line("subject"),
    issuer: line("issuer"),
    serialNumber: line("serial"),
    notBefore: new Date(line("notBefore")).toISOString(),
    notAfter: new Date(line("notAfter")).toISOString(),
    sha256Fingerprint: line("sha256 Fingerprint"),
    subjectAltNames: {
      dns: entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4)),
      ip: entries.filter((e) => e.startsWith("IP Address:")).map((e) => e.slice(11)),
    },
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text)![1],
    isCA: /CA:TRUE/.test(text),
  };
}

/** The files behind what each posture serves, in order (measured: OpenSSL appends the server's ssl_ca to a lone leaf). */
function servedFiles(p: CertPosture): string[] {
  const leaf = certs.leaves[kindOf(p)];
  if (p === "auto-generated") return [leaf.cert, certs.autoCa.cert];
  if (p === "self-signed" || p === "missing-intermediate") return [leaf.cert];
  return [leaf.cert, certs.intermediate.cert];
}

describe("cert against every certificate kind of the harness", () => {
  const expected: Record<CertPosture, string[]> = {
    modern: [],
    ecdsa: [],
    ed25519: [],
    expired: ["cert.expired"],
    "self-signed": ["cert.self-signed"],
    weak: ["cert.rsa-weak-key", "cert.weak-signature"],
    "missing-intermediate": ["cert.missing-intermediate"],
    "wrong-name": ["cert.hostname-mismatch"],
    "auto-generated": ["cert.auto-generated"],
  };

  it.each(CERT_POSTURES)("%s: every field agrees with openssl x509, and only its own diagnoses fire", async (p) => {
    const db = server(p);
    const j = await certJson(db, ["--ssl-ca", certs.leaves[kindOf(p)].trustAnchor]);
    expect(j).toMatchObject({ schemaVersion: 1, command: "cert", target: { host: db.host, port: db.port }, source: "certificate-message", orderAsSent: true, protocol: "TLSv1.2" });
    const files = servedFiles(p);
    expect(j.chain).toHaveLength(files.length);
    files.forEach((file, i) => {
      const ours = j.chain[i]!;
      const ref = opensslView(file);
      expect({
        subject: ours.subject,
        issuer: ours.issuer,
        serialNumber: ours.serialNumber,
        notBefore: ours.notBefore,
        notAfter: ours.notAfter,
        sha256Fingerprint: ours.sha256Fingerprint,
        subjectAltNames: { dns: ours.subjectAltNames.dns, ip: ours.subjectAltNames.ip },
        signatureAlgorithm: ours.signatureAlgorithm,
        isCA: ours.isCA,
      }).toEqual(ref);
      expect(ours.daysLeft).toBe(Math.floor((Date.parse(ref.notAfter) - Date.now()) / 86_400_000));
    });
    expect(j.findings.map((f) => f.id).sort()).toEqual(expected[p]);
    // Our own path building agrees with OpenSSL's verification in the same handshake (which also judges dates).
    const openSslSays: Partial<Record<CertPosture, string>> = { expired: "CERT_HAS_EXPIRED", "missing-intermediate": "UNABLE_TO_VERIFY_LEAF_SIGNATURE" };
    expect(j.handshakeVerification).toEqual(openSslSays[p] ? { authorized: false, error: openSslSays[p] } : { authorized: true });
    // Trust includes dates (#11): the expired leaf does not verify, as OpenSSL says in the same handshake.
    expect(j.trust.verified).toBe(p !== "missing-intermediate" && p !== "expired");
    for (const f of j.findings) expect(f.fix).toMatch(/ssl_cert=[\s\S]*FLUSH SSL/);
  });

  it("reads each key type and signature", async () => {
    const leafOf = async (p: CertPosture) => (await certJson(server(p), ["--ssl-ca", certs.leaves[kindOf(p)].trustAnchor])).chain[0]!;
    expect((await leafOf("modern")).publicKey).toEqual({ type: "RSA", bits: 2048 });
    expect((await leafOf("ecdsa")).publicKey).toEqual({ type: "EC", bits: 256, curve: "prime256v1" });
    expect((await leafOf("ed25519")).publicKey).toEqual({ type: "Ed25519", bits: 256 });
    const weak = await leafOf("weak");
    expect([weak.publicKey, weak.signatureAlgorithm]).toEqual([{ type: "RSA", bits: 1024 }, "sha1WithRSAEncryption"]);
    const self = await leafOf("self-signed");
    expect([self.selfSigned, self.isCA, self.basicConstraints?.ca, self.extendedKeyUsage]).toEqual([true, false, false, ["serverAuth"]]);
  });

  it("exit codes: 0 when clean, 1 on a failing finding, and the one-line fallbacks", async () => {
    expect((await certJson(server("modern"), ["--ssl-ca", certs.caBundle])).exitCode).toBe(0);
    expect((await certJson(server("expired"), ["--ssl-ca", certs.caBundle])).exitCode).toBe(1);
    // self-signed but pinned through --ssl-ca: low, below the default failing severity
    const pinned = await certJson(server("self-signed"), ["--ssl-ca", certs.leaves["self-signed"].cert]);
    expect([pinned.exitCode, pinned.findings[0]!.severity]).toEqual([0, "low"]);
  });
});

describe("cert: trust, names, order", () => {
  it("a private CA is untrusted against the system roots; a self-signed leaf is then high", async () => {
    const j = await certJson(server("modern"));
    expect(j.trust.verified).toBe(false);
    expect(j.findings.map((f) => f.id)).toEqual(["cert.untrusted"]);
    const s = await certJson(server("self-signed"));
    expect(s.findings.map((f) => [f.id, f.severity])).toEqual([["cert.self-signed", "high"]]);
  });

  it("--host-name overrides the name checked", async () => {
    const wrong = server("wrong-name");
    const ok = await certJson(wrong, ["--ssl-ca", certs.caBundle, "--host-name", "db.example.invalid"]);
    expect([ok.hostname.matched, ok.hostname.matchedBy, ok.findings]).toEqual([true, "DNS:db.example.invalid", []]);
    const byName = await certJson(server("modern"), ["--ssl-ca", certs.caBundle, "--host-name", "localhost"]);
    expect(byName.hostname.matchedBy).toBe("DNS:localhost");
    const other = await certJson(server("modern"), ["--ssl-ca", certs.caBundle, "--host-name", "db.example.com"]);
    expect(other.findings.map((f) => f.id)).toEqual(["cert.hostname-mismatch"]);
  });

  it("the chain as sent, in the order sent: a wrong order is seen, and --pem writes it byte for byte", async () => {
    const j = await certJson(server("wrong-order"), ["--ssl-ca", certs.caBundle]);
    expect(j.chain.map((c) => c.subject)).toEqual(["CN=localhost", "CN=mysql-tls-audit Test Root CA", "CN=mysql-tls-audit Test Intermediate CA"]);
    expect(j.findings.map((f) => f.id)).toEqual(["cert.wrong-order"]);
    const pem = join(dir, "served.pem");
    const r = await runCli(["cert", `${server("modern").host}:${server("modern").port}`, "--ssl-ca", certs.caBundle, "--pem", pem]);
    expect(r.code).toBe(0);
    expect(readFileSync(pem, "utf8")).toBe(readFileSync(certs.leaves.rsa.chain, "utf8"));
    const out = await runCli(["cert", `${server("missing-intermediate").host}:${server("missing-intermediate").port}`, "--pem", "-", "--no-color"]);
    expect(out.stdout.startsWith(readFileSync(certs.leaves["missing-intermediate"].chain, "utf8"))).toBe(true);
  });

  it("a lone leaf in ssl_cert is completed from the server's ssl_ca (OpenSSL's auto chain), so nothing is missing", async () => {
    const j = await certJson(server("auto-chain"), ["--ssl-ca", certs.caBundle]);
    expect(j.chain.map((c) => c.subject)).toEqual(["CN=localhost", "CN=mysql-tls-audit Test Intermediate CA", "CN=mysql-tls-audit Test Root CA"]);
    expect(j.findings).toEqual([]);
  });

  it("a TLS 1.3-only server: the chain through Node, with the order marked as not the server's", async () => {
    const j = await certJson(server("tls13-only"), ["--ssl-ca", certs.caBundle]);
    expect([j.source, j.orderAsSent, j.protocol]).toEqual(["peer-certificate", false, "TLSv1.3"]);
    expect(j.chain[0]!.sha256Fingerprint).toBe(opensslView(certs.leaves.rsa.cert).sha256Fingerprint);
    expect(j.findings).toEqual([]);
  });

  it("an IPv6 target is matched only against IP SANs (the leaf lists 127.0.0.1, not ::1)", async () => {
    const r = await runCli(["cert", `[::1]:${server("ipv6").port}`, "--json", "--ssl-ca", certs.caBundle]);
    const j = JSON.parse(r.stdout) as CertJson;
    expect(j.target.host).toBe("::1");
    expect(j.findings.map((f) => f.id)).toEqual(["cert.hostname-mismatch"]);
    expect(j.findings[0]!.evidence).toContain("::1 is not among the IP address SANs");
  });

  it("every probe connection ends with a refused login, not an aborted handshake", async () => {
    const db = server("ecdsa");
    const status = async (name: string) => Number((await db.query<{ Value: string }>(`SHOW GLOBAL STATUS LIKE '${name}'`))[0]!.Value);
    const before = await status("Access_denied_errors");
    await certJson(db, ["--ssl-ca", certs.caBundle]);
    // Connectivity first (as every command, #11), then the chain: two connections, both ended by a refused login.
    expect(await status("Access_denied_errors")).toBe(before + 2);
  });

  it("the table names the fields and the verdicts", async () => {
    const r = await runCli(["cert", `${server("weak").host}:${server("weak").port}`, "--ssl-ca", certs.caBundle], { env: { COLUMNS: "200" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/RSA 1024\s+sha1WithRSAEncryption/);
    expect(r.stdout).toContain("Trust      verified against --ssl-ca");
    expect(r.stdout).toContain("[cert.weak-signature]");
    expect(r.stdout).toContain(opensslView(certs.leaves.weak.cert).sha256Fingerprint);
  });

  it("no TLS, nothing listening, bad options: one line and the documented exit code", async () => {
    // No TLS is a finding (critical, exit 1 under the default --fail-on), as in probe and the audit (#11).
    const off = await runCli(["cert", `${server("off").host}:${server("off").port}`]);
    expect([off.code, off.stderr]).toEqual([1, ""]);
    expect(off.stdout).toContain("does not offer TLS");
    expect(off.stdout).toContain("[tls.not-offered]");
    const closed = await runCli(["cert", "127.0.0.1:1"]);
    expect([closed.code, isOneLineError(closed.stderr)]).toEqual([3, true]);
    const usage = await runCli(["cert", "127.0.0.1:1", "--warn-days", "soon"]);
    expect(usage.code).toBe(2);
    const both = await runCli(["cert", "127.0.0.1:1", "--json", "--pem", "-"]);
    expect([both.code, both.stdout]).toEqual([2, ""]);
  });
});
