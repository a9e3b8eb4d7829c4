// The certificate reader loads node-forge's ASN.1 reader, not the whole of node-forge (its index pulls in TLS,
// RSA, the ciphers, PKCS#12...): asserted on what Node loaded, in a child process over the build (needs
// `npm run build`).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertSet } from "../support/certs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The node-forge files a child process loaded after reading this PEM's certificate with the built reader. */
function forgeFilesLoadedReading(pemFile: string): { files: string[]; subject: string } {
  const script = `
    const { pathToFileURL } = require("node:url");
    const fs = require("node:fs");
    const dist = (p) => pathToFileURL(require("node:path").join(${JSON.stringify(path.join(root, "dist"))}, p)).href;
    Promise.all([import(dist("x509/certificate.js")), import(dist("x509/pem.js"))]).then(([c, p]) => {
      const facts = c.readCertificate(p.pemToDerList(fs.readFileSync(${JSON.stringify(pemFile)}, "utf8"))[0]);
      const files = Object.keys(require.cache).map((k) => (k.match(/node_modules[\\\\/]node-forge[\\\\/](.*)$/) || [])[1]).filter(Boolean);
      process.stdout.write(JSON.stringify({ files, subject: facts.subject }));
    });`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: root, encoding: "utf8" })) as { files: string[]; subject: string };
}

describe("the certificate reader's share of node-forge", () => {
  let certs: CertSet;
  beforeAll(async () => {
    certs = await makeCerts();
  });

  it("reads a certificate with node-forge's ASN.1 module alone, never its index (TLS, RSA, ciphers)", () => {
    const { files, subject } = forgeFilesLoadedReading(certs.leaves.rsa.cert);
    expect(subject).toContain(certs.leaves.rsa.commonName);
    expect(files.map((f) => f.replace(/\\/g, "/"))).toContain("lib/asn1.js");
    for (const heavy of ["lib/index.js", "lib/tls.js", "lib/pki.js", "lib/rsa.js", "lib/x509.js", "lib/aes.js"]) {
      expect(files.map((f) => f.replace(/\\/g, "/")), `loaded ${heavy}`).not.toContain(heavy);
    }
  });
});
