import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireOpenssl } from "./require-binaries.js";

const run = promisify(execFile);

/** The server certificates the factory makes; each names a posture of the same name in mariadb.ts. */
export type CertKind =
  | "rsa"
  | "ecdsa"
  | "ed25519"
  | "expired"
  | "self-signed"
  | "weak"
  | "missing-intermediate"
  | "wrong-name"
  | "auto-generated";

export const CERT_KINDS: readonly CertKind[] = [
  "rsa",
  "ecdsa",
  "ed25519",
  "expired",
  "self-signed",
  "weak",
  "missing-intermediate",
  "wrong-name",
  "auto-generated",
];

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Leaf extends KeyPair {
  /** What the server serves: the leaf, then the intermediate when the kind has one in its chain. */
  chain: string;
  /** The CA file a client passes to verify this leaf (--ssl-ca): the root, the auto-generated CA, or itself. */
  trustAnchor: string;
  commonName: string;
}

/** Absolute paths of every generated file. */
export interface CertSet {
  dir: string;
  ca: KeyPair;
  intermediate: KeyPair;
  /** The root only: what a client passes as --ssl-ca for the leaves signed by the intermediate. */
  caBundle: string;
  /** Root then intermediate: the server's own --ssl-ca, so it can verify client certificates. */
  serverCaBundle: string;
  /** The CA of the `auto-generated` kind, mimicking MySQL's ca.pem. */
  autoCa: KeyPair;
  leaves: Record<CertKind, Leaf>;
  /** CN=audit-client, signed by the intermediate, for REQUIRE X509 / ISSUER / SUBJECT accounts. */
  client: KeyPair;
  /** A localhost leaf signed by the intermediate whose notBefore is 30 days ahead (chain: leaf, intermediate). */
  notYetValid: Leaf;
}

export const ROOT_CN = "mysql-tls-audit Test Root CA";
export const INTERMEDIATE_CN = "mysql-tls-audit Test Intermediate CA";
export const CLIENT_CN = "audit-client";
export const WRONG_NAME = "db.example.invalid";
export const AUTO_CA_CN = "MySQL_Server_8.4.3_Auto_Generated_CA_Certificate";
export const AUTO_LEAF_CN = "MySQL_Server_8.4.3_Auto_Generated_Server_Certificate";

// Our own config so the distribution's openssl.cnf (which adds CA:TRUE to `req -x509`) never leaks in.
const REQ_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
`;

const EXTENSIONS = `[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_rsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1
[server_sig]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1
[server_self]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost,IP:127.0.0.1
[server_wrong_name]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:${WRONG_NAME}
[auto_ca]
basicConstraints = critical,CA:TRUE
[auto_leaf]
basicConstraints = CA:FALSE
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

// OpenSSL 3.0 has no `x509 -not_before/-not_after` (3.4+) and `-days -1` yields notAfter < notBefore, so the
// expired leaf goes through `openssl ca`, whose -startdate/-enddate take any past dates.
function caConfig(dir: string): string {
  return `[ca]
default_ca = past
[past]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[any]
commonName = supplied
[server_rsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1
`;
}

type KeySpec = "rsa2048" | "rsa1024" | "p256" | "ed25519";

let cached: Promise<CertSet> | undefined;
let cachedDir: string | undefined;

/** Generates (once per process) the CA, intermediate, every server leaf and a client certificate. */
export function makeCerts(): Promise<CertSet> {
  cached ??= generate().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function generate(): Promise<CertSet> {
  const openssl = requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), "mta-certs-"));
  cachedDir = dir;
  // vitest ends workers with SIGTERM, which skips "exit" handlers: a detached shell removes the dir after us.
  spawn("/bin/sh", ["-c", 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; rm -rf "$2"', "mta-watchdog", String(process.pid), dir], {
    detached: true,
    stdio: "ignore",
  }).unref();
  const p = (name: string) => join(dir, name);
  writeFileSync(p("req.cnf"), REQ_CONFIG);
  writeFileSync(p("ext.cnf"), EXTENSIONS);

  const ossl = async (args: string[]) => {
    try {
      await run(openssl, args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: p("req.cnf") } });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
    }
  };
  const genkey = (name: string, spec: KeySpec) => {
    const algo: Record<KeySpec, string[]> = {
      rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
      rsa1024: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
      p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      ed25519: ["-algorithm", "ED25519"],
    };
    return ossl(["genpkey", ...algo[spec], "-out", p(`${name}.key`)]);
  };
  const csr = (name: string, cn: string) =>
    ossl(["req", "-new", "-config", p("req.cnf"), "-key", p(`${name}.key`), "-subj", `/CN=${cn}`, "-out", p(`${name}.csr`)]);
  const serial = () => `0x${randomBytes(8).toString("hex")}`;
  // Ed25519 has a fixed digest; passing -sha256 makes OpenSSL refuse to sign.
  const sign = (name: string, issuer: string | "self", section: string, opts: { digest?: string; days?: number } = {}) =>
    ossl([
      "x509",
      "-req",
      "-in",
      p(`${name}.csr`),
      ...(issuer === "self" ? ["-signkey", p(`${name}.key`)] : ["-CA", p(`${issuer}.crt`), "-CAkey", p(`${issuer}.key`)]),
      "-set_serial",
      serial(),
      "-days",
      String(opts.days ?? 825),
      ...(opts.digest === "none" ? [] : [`-${opts.digest ?? "sha256"}`]),
      "-extfile",
      p("ext.cnf"),
      "-extensions",
      section,
      "-out",
      p(`${name}.crt`),
    ]);
  const make = async (name: string, spec: KeySpec, cn: string, issuer: string | "self", section: string, opts?: { digest?: string; days?: number }) => {
    await genkey(name, spec);
    await csr(name, cn);
    await sign(name, issuer, section, opts);
  };

  // Keys are the slow part; make the two CAs first, then everything they sign in parallel.
  await Promise.all([
    make("ca", "rsa2048", ROOT_CN, "self", "ca", { days: 3650 }),
    make("auto-ca", "rsa2048", AUTO_CA_CN, "self", "auto_ca", { days: 3650 }),
  ]);
  await make("intermediate", "rsa2048", INTERMEDIATE_CN, "ca", "intermediate", { days: 3650 });

  // A leaf with any validity window, signed by the intermediate through `openssl ca` (one CA dir per leaf).
  const dated = async (name: string, from: Date, to: Date) => {
    await genkey(name, "rsa2048");
    await csr(name, "localhost");
    const caDir = p(`${name}-ca`);
    mkdirSync(caDir);
    writeFileSync(join(caDir, "index.txt"), "");
    writeFileSync(join(caDir, "serial"), `${randomBytes(8).toString("hex")}\n`);
    writeFileSync(join(caDir, "ca.cnf"), caConfig(caDir));
    await ossl([
      "ca", "-batch", "-notext", "-config", join(caDir, "ca.cnf"),
      "-cert", p("intermediate.crt"), "-keyfile", p("intermediate.key"),
      "-in", p(`${name}.csr`), "-out", p(`${name}.crt`), "-extensions", "server_rsa",
      "-startdate", asn1Time(from), "-enddate", asn1Time(to),
    ]);
  };
  const day = 86_400_000;

  await Promise.all([
    make("rsa", "rsa2048", "localhost", "intermediate", "server_rsa"),
    make("ecdsa", "p256", "localhost", "intermediate", "server_sig"),
    make("ed25519", "ed25519", "localhost", "intermediate", "server_sig", { digest: "none" }),
    dated("expired", new Date(Date.now() - 400 * day), new Date(Date.now() - 30 * day)),
    dated("not-yet-valid", new Date(Date.now() + 30 * day), new Date(Date.now() + 400 * day)),
    make("self-signed", "rsa2048", "localhost", "self", "server_self"),
    make("weak", "rsa1024", "localhost", "intermediate", "server_rsa", { digest: "sha1" }),
    make("wrong-name", "rsa2048", WRONG_NAME, "intermediate", "server_wrong_name"),
    make("auto-leaf", "rsa2048", AUTO_LEAF_CN, "auto-ca", "auto_leaf", { days: 3650 }),
    make("client", "rsa2048", CLIENT_CN, "intermediate", "client"),
  ]);

  const pem = (name: string) => readFileSync(p(`${name}.crt`), "utf8");
  const bundle = (file: string, names: string[]) => {
    writeFileSync(p(file), names.map(pem).join(""));
    return p(file);
  };
  const pair = (name: string): KeyPair => ({ cert: p(`${name}.crt`), key: p(`${name}.key`) });
  const caBundle = bundle("ca-bundle.pem", ["ca"]);
  const withIntermediate = (name: string, cn: string): Leaf => ({
    ...pair(name),
    chain: bundle(`${name}.chain.pem`, [name, "intermediate"]),
    trustAnchor: caBundle,
    commonName: cn,
  });
  const alone = (name: string, cn: string, trustAnchor: string): Leaf => ({
    ...pair(name),
    chain: bundle(`${name}.chain.pem`, [name]),
    trustAnchor,
    commonName: cn,
  });

  return {
    dir,
    ca: pair("ca"),
    intermediate: pair("intermediate"),
    caBundle,
    serverCaBundle: bundle("server-ca-bundle.pem", ["ca", "intermediate"]),
    autoCa: pair("auto-ca"),
    client: pair("client"),
    notYetValid: withIntermediate("not-yet-valid", "localhost"),
    leaves: {
      rsa: withIntermediate("rsa", "localhost"),
      ecdsa: withIntermediate("ecdsa", "localhost"),
      ed25519: withIntermediate("ed25519", "localhost"),
      expired: withIntermediate("expired", "localhost"),
      "self-signed": alone("self-signed", "localhost", p("self-signed.crt")),
      weak: withIntermediate("weak", "localhost"),
      // The same leaf as `rsa`, served without the intermediate a client needs to reach the root.
      "missing-intermediate": {
        ...pair("rsa"),
        chain: bundle("missing-intermediate.chain.pem", ["rsa"]),
        trustAnchor: caBundle,
        commonName: "localhost",
      },
      "wrong-name": withIntermediate("wrong-name", WRONG_NAME),
      // MySQL serves only server-cert.pem and keeps the CA in ca.pem: a one-certificate chain.
      "auto-generated": alone("auto-leaf", AUTO_LEAF_CN, p("auto-ca.crt")),
    },
  };
}

/** GeneralizedTime as `openssl ca -startdate/-enddate` accepts it: YYYYMMDDHHMMSSZ. */
function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}

process.on("exit", () => {
  if (cachedDir) rmSync(cachedDir, { recursive: true, force: true });
});
