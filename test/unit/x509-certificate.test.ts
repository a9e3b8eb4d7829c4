import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertSet } from "../support/certs.js";
import { requireOpenssl } from "../support/require-binaries.js";
import { readCertificate } from "../../src/x509/certificate.js";
import { pemToDerList, derToPem } from "../../src/x509/pem.js";
import { formatIp } from "../../src/x509/extensions.js";

const openssl = requireOpenssl();
const x509 = (file: string, ...args: string[]): string => execFileSync(openssl, ["x509", "-in", file, "-noout", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const read = (file: string) => readCertificate(pemToDerList(readFileSync(file, "utf8"))[0]!);

/** What `openssl x509` says about a file, in the shape of our facts. */
function opensslFacts(file: string) {
  const line = (out: string, key: string) => out.split("\n").find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);
  const out = x509(file, "-subject", "-issuer", "-serial", "-dates", "-fingerprint", "-sha256", "-nameopt", "oneline,-space_eq");
  const san = x509(file, "-ext", "subjectAltName");
  const names = san.split("\n").slice(1).join(" ").trim();
  const entries = names ? names.split(/,\s*/) : [];
  const text = x509(file, "-text");
  return {
    subject: line(out, "subject"),
    issuer: line(out, "issuer"),
    serialNumber: line(out, "serial"),
    notBefore: new Date(line(out, "notBefore")).toISOString(),
    notAfter: new Date(line(out, "notAfter")).toISOString(),
    sha256Fingerprint: line(out, "sha256 Fingerprint"),
    dns: entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4)),
    ip: entries.filter((e) => e.startsWith("IP Address:")).map((e) => e.slice("IP Address:".length)),
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text)![1],
    // openssl prints no size for Ed25519 keys; 256 is the key length it has by definition.
    publicKeyBits: /ED25519 Public-Key/.test(text) ? 256 : Number(/Public-Key: \((\d+) bit\)/.exec(text)?.[1] ?? 0),
    curve: /ASN1 OID: (\S+)/.exec(text)?.[1],
    ca: /CA:TRUE/.test(text),
  };
}

let certs: CertSet;
let dir: string;
beforeAll(async () => {
  certs = await makeCerts();
  dir = mkdtempSync(join(tmpdir(), "mta-x509-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readCertificate agrees with openssl x509", () => {
  const files = (): [string, string][] => [
    ["root", certs.ca.cert],
    ["intermediate", certs.intermediate.cert],
    ["auto CA", certs.autoCa.cert],
    ...Object.entries(certs.leaves).map(([k, l]): [string, string] => [k, l.cert]),
  ];
  it("for every certificate the factory makes", () => {
    for (const [kind, file] of files()) {
      const ours = read(file);
      const ref = opensslFacts(file);
      expect({ kind, ...pick(ours) }).toEqual({
        kind,
        subject: ref.subject,
        issuer: ref.issuer,
        serialNumber: ref.serialNumber,
        notBefore: ref.notBefore,
        notAfter: ref.notAfter,
        sha256Fingerprint: ref.sha256Fingerprint,
        dns: ref.dns,
        ip: ref.ip,
        signatureAlgorithm: ref.signatureAlgorithm,
        bits: ref.publicKeyBits,
        curve: ref.curve,
        isCA: ref.ca,
      });
    }
  });
});

function pick(c: ReturnType<typeof readCertificate>) {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    sha256Fingerprint: c.sha256Fingerprint,
    dns: c.subjectAltNames.dns,
    ip: c.subjectAltNames.ip,
    signatureAlgorithm: c.signatureAlgorithm,
    bits: c.publicKey.bits,
    curve: c.publicKey.curve,
    isCA: c.isCA,
  };
}

describe("key types", () => {
  it("reads RSA, EC P-256, Ed25519 and the 1024-bit SHA-1 leaf", () => {
    expect(read(certs.leaves.rsa.cert).publicKey).toEqual({ type: "RSA", bits: 2048 });
    expect(read(certs.leaves.ecdsa.cert).publicKey).toEqual({ type: "EC", bits: 256, curve: "prime256v1" });
    expect(read(certs.leaves.ecdsa.cert).signatureAlgorithm).toBe("sha256WithRSAEncryption"); // signed by the RSA intermediate
    expect(read(certs.leaves.ed25519.cert).publicKey).toEqual({ type: "Ed25519", bits: 256 });
    const weak = read(certs.leaves.weak.cert);
    expect(weak.publicKey).toEqual({ type: "RSA", bits: 1024 });
    expect(weak.signatureAlgorithm).toBe("sha1WithRSAEncryption");
    expect(weak.signatureHash).toBe("sha1");
  });

  it("reads EC P-384 and Ed448 self-signed certificates, and their ECDSA/EdDSA signatures", () => {
    const make = (name: string, keyArgs: string[], extra: string[] = []) => {
      const key = join(dir, `${name}.key`);
      const crt = join(dir, `${name}.crt`);
      execFileSync(openssl, ["genpkey", ...keyArgs, "-out", key]);
      execFileSync(openssl, ["req", "-x509", "-new", "-key", key, "-subj", `/CN=${name}`, "-days", "2", "-out", crt, ...extra], {
        env: { ...process.env, OPENSSL_CONF: "/dev/null" },
      });
      return read(crt);
    };
    const p384 = make("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha384"]);
    expect(p384.publicKey).toEqual({ type: "EC", bits: 384, curve: "secp384r1" });
    expect(p384.signatureAlgorithm).toBe("ecdsa-with-SHA384");
    expect(p384.selfSigned).toBe(true);
    const ed448 = make("ed448", ["-algorithm", "ED448"]);
    expect(ed448.publicKey).toEqual({ type: "Ed448", bits: 456 });
    expect(ed448.signatureAlgorithm).toBe("ED448");
    const ed = read(certs.leaves.ed25519.cert);
    expect(ed.selfSigned).toBe(false);
  });
});

describe("extensions", () => {
  it("decodes basicConstraints, keyUsage, extendedKeyUsage and key identifiers", () => {
    const inter = read(certs.intermediate.cert);
    expect(inter.basicConstraints).toEqual({ ca: true, pathLen: 0, critical: true });
    expect(inter.keyUsage).toEqual(["keyCertSign", "cRLSign"]);
    const leaf = read(certs.leaves.rsa.cert);
    expect(leaf.basicConstraints).toEqual({ ca: false, critical: true });
    expect(leaf.keyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(leaf.extendedKeyUsage).toEqual(["serverAuth"]);
    expect(leaf.authorityKeyId).toBe(inter.subjectKeyId);
    expect(read(certs.client.cert).extendedKeyUsage).toEqual(["clientAuth"]);
  });

  it("marks self-signed certificates, and only those", () => {
    expect(read(certs.ca.cert).selfSigned).toBe(true);
    expect(read(certs.leaves["self-signed"].cert).selfSigned).toBe(true);
    expect(read(certs.intermediate.cert).selfSigned).toBe(false);
    expect(read(certs.leaves.rsa.cert).selfSigned).toBe(false);
  });

  it("reads names with quoting, multi-valued RDNs, IPv6 and e-mail SANs as openssl prints them", () => {
    const key = join(dir, "names.key");
    const crt = join(dir, "names.crt");
    execFileSync(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    execFileSync(
      openssl,
      ["req", "-x509", "-new", "-key", key, "-subj", "/C=US/O=Acme, Inc./OU=DB+CN=db1.example.com/CN=x", "-days", "2", "-out", crt,
        "-addext", "subjectAltName=DNS:*.example.com,IP:::1,IP:10.0.0.1,IP:2001:db8::5,email:a@b.c"],
      { env: { ...process.env, OPENSSL_CONF: "/dev/null" } },
    );
    const c = read(crt);
    expect(c.subject).toBe(opensslFacts(crt).subject);
    expect(c.subject).toBe('C=US, O="Acme, Inc.", OU=DB + CN=db1.example.com, CN=x');
    expect(c.subjectAttributes.map((a) => a.type)).toEqual(["C", "O", "OU", "CN", "CN"]);
    expect(c.subjectAltNames).toEqual({ dns: ["*.example.com"], ip: ["::1", "10.0.0.1", "2001:db8::5"], other: ["email:a@b.c"] });
  });

  it("formats IPv6 per RFC 5952", () => {
    const v6 = (s: string) => Buffer.from(s.replace(/:/g, ""), "hex");
    expect(formatIp(v6("2001:0db8:0000:0000:0001:0000:0000:0001"))).toBe("2001:db8::1:0:0:1");
    expect(formatIp(v6("0000:0000:0000:0000:0000:0000:0000:0000"))).toBe("::");
    expect(formatIp(v6("2001:0db8:0000:0001:0001:0001:0001:0001"))).toBe("2001:db8:0:1:1:1:1:1");
  });
});

describe("pem", () => {
  it("round-trips a bundle in file order", () => {
    const bundle = readFileSync(certs.leaves.rsa.chain, "utf8");
    const ders = pemToDerList(bundle);
    expect(ders).toHaveLength(2);
    expect(ders.map(derToPem).join("")).toBe(bundle);
  });
  it("reads a file openssl re-encodes identically", () => {
    const out = join(dir, "re.pem");
    writeFileSync(out, derToPem(pemToDerList(readFileSync(certs.leaves.ecdsa.cert, "utf8"))[0]!));
    expect(x509(out, "-fingerprint", "-sha256")).toBe(x509(certs.leaves.ecdsa.cert, "-fingerprint", "-sha256"));
  });
});
