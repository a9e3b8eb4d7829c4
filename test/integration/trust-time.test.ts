import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertSet, type Leaf } from "../support/certs.js";
import { startOpenSslBehindMysql, type OpenSslMysql } from "../support/openssl-server.js";
import { requireOpenssl } from "../support/require-binaries.js";
import { runCli } from "../support/cli.js";

// #11 "Trust ignores time": `cert --ssl-ca ROOT` said "Trust verified" beside a critical cert.expired, while
// `probe` said CERT_HAS_EXPIRED and `openssl verify` error 10. Trust includes validity; probe, cert and
// `openssl verify` agree. Certificates are made at test time, served by openssl s_server behind the fake greeting.
// s_server never answers the closing login, so each command waits out --timeout: kept short.
const T = ["--timeout", "2"];
const openssl = requireOpenssl();
let certs: CertSet;
const servers = new Map<string, OpenSslMysql>();

const cases = [
  { name: "expired", leaf: (c: CertSet) => c.leaves.expired, code: 10, openssl: "certificate has expired", node: "CERT_HAS_EXPIRED", finding: "cert.expired" },
  { name: "not-yet-valid", leaf: (c: CertSet) => c.notYetValid, code: 9, openssl: "certificate is not yet valid", node: "CERT_NOT_YET_VALID", finding: "cert.not-yet-valid" },
] as const;

beforeAll(async () => {
  certs = await makeCerts();
  for (const c of cases) {
    const leaf = c.leaf(certs);
    servers.set(c.name, await startOpenSslBehindMysql({ cert: leaf.cert, key: leaf.key, chain: certs.intermediate.cert }, { version: "8.4.3" }));
  }
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

function opensslVerify(leaf: Leaf): { ok: boolean; out: string } {
  try {
    const out = execFileSync(openssl, ["verify", "-CAfile", certs.caBundle, "-untrusted", certs.intermediate.cert, leaf.cert], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, out };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe.each(cases)("a chain whose leaf is $name", (c) => {
  it(`openssl verify, probe and cert agree: not verified (OpenSSL error ${c.code})`, async () => {
    const srv = servers.get(c.name)!;
    const target = `${srv.host}:${srv.port}`;
    const ref = opensslVerify(c.leaf(certs));
    expect(ref.ok).toBe(false);
    expect(ref.out).toContain(`error ${c.code} at 0 depth lookup: ${c.openssl}`);

    const probe = await runCli(["probe", target, "--json", "--ssl-ca", certs.caBundle, ...T]);
    const p = JSON.parse(probe.stdout) as { tls: { verified: boolean; verifyError?: string } };
    expect(p.tls).toMatchObject({ verified: false, verifyError: c.node });

    const cert = await runCli(["cert", target, "--json", "--ssl-ca", certs.caBundle, ...T]);
    expect(cert.stderr).toBe("");
    const j = JSON.parse(cert.stdout) as {
      trust: { verified: boolean; pathVerified: boolean; errorCode: string; error: string };
      handshakeVerification: { authorized: boolean; error?: string };
      findings: { id: string; severity: string }[];
    };
    expect(j.trust).toMatchObject({ verified: false, pathVerified: true, errorCode: c.name });
    expect(j.trust.error).toContain(c.openssl);
    // Our verdict and OpenSSL's in the same handshake are one verdict.
    expect(j.handshakeVerification).toEqual({ authorized: false, error: c.node });
    // Said once: the date finding, not also "untrusted".
    expect(j.findings.map((f) => f.id)).toEqual([c.finding]);
    expect(cert.code).toBe(1);

    const text = await runCli(["cert", target, "--ssl-ca", certs.caBundle, ...T]);
    const trustLine = text.stdout.split("\n").find((l) => /^\s*Trust\b/.test(l))!;
    expect(trustLine).toContain(`NOT verified: ${c.openssl}`);
  });
});

it("a valid chain from the same CA verifies everywhere (the control)", async () => {
  const srv = await startOpenSslBehindMysql({ cert: certs.leaves.rsa.cert, key: certs.leaves.rsa.key, chain: certs.intermediate.cert }, { version: "8.4.3" });
  try {
    expect(opensslVerify(certs.leaves.rsa).ok).toBe(true);
    const cert = JSON.parse((await runCli(["cert", `${srv.host}:${srv.port}`, "--json", "--ssl-ca", certs.caBundle, ...T])).stdout) as { trust: { verified: boolean }; findings: unknown[] };
    expect(cert.trust.verified).toBe(true);
    expect(cert.findings).toEqual([]);
    const probe = JSON.parse((await runCli(["probe", `${srv.host}:${srv.port}`, "--json", "--ssl-ca", certs.caBundle, ...T])).stdout) as { tls: { verified: boolean } };
    expect(probe.tls.verified).toBe(true);
  } finally {
    await srv.stop();
  }
});
