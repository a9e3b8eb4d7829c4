// Trust anchors are parsed only when a chain names them (x509/trust.ts TrustAnchors, x509/name-key.ts): the lookup
// by the issuer's name must find exactly what comparing every parsed anchor finds, whatever string types the names
// are spelled in.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireOpenssl } from "../support/require-binaries.js";
import { uniqueSystemRoots } from "../../src/tls/node-handshake.js";
import { certificateNameKey } from "../../src/x509/name-key.js";
import { pemToDerList } from "../../src/x509/pem.js";
import { loadAnchors, verifyChain } from "../../src/x509/trust.js";

const openssl = requireOpenssl();

describe("trust anchors looked up by name", () => {
  const pems = uniqueSystemRoots();
  const all = pems.flatMap(pemToDerList).map((d) => new X509Certificate(d));

  it("find, for every system root, exactly the roots that a comparison with every parsed root finds as its issuer", () => {
    const anchors = loadAnchors(pems);
    expect(all.length).toBeGreaterThan(50);
    expect(anchors.count).toBe(all.length);
    for (const root of all) {
      expect(anchors.has(root)).toBe(true);
      const want = all.filter((a) => a.subject === root.issuer).map((a) => a.fingerprint256);
      expect(anchors.issuersNamedBy(root).map((a) => a.fingerprint256), root.subject).toEqual(want);
    }
  });

  it("read every system root's subject from its DER, so a lookup parses only the roots of that name", () => {
    for (const root of all) expect(certificateNameKey(root.raw, "subject"), root.subject).toBeDefined();
  });

  it("skip a bundle entry that is no certificate, and read nothing from bytes that are not DER", () => {
    const anchors = loadAnchors([pems[0]! + "\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]);
    expect(anchors.count).toBe(1);
    for (const junk of [Buffer.alloc(0), Buffer.from("3082ffff", "hex"), Buffer.from("300a0201", "hex"), Buffer.from("hello")]) {
      expect(certificateNameKey(junk, "issuer")).toBeUndefined();
    }
  });

  describe("names spelled in different string types", () => {
    let dir: string;
    const ossl = (...args: string[]): string => execFileSync(openssl, args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    // One key, one name (with a non-ASCII letter), four encodings of it: OpenSSL's default choice, UTF8String,
    // BMPString and T61String.
    const MASKS = { default: "default", utf8: "utf8only", bmp: "MASK:0x800", t61: "MASK:0x4" } as const;
    const root = (m: keyof typeof MASKS): string => join(dir, `root-${m}.pem`);
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "mta-names-"));
      ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
      for (const [m, mask] of Object.entries(MASKS)) {
        writeFileSync(join(dir, `${m}.cnf`), `[req]\ndistinguished_name=dn\nstring_mask=${mask}\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n`);
        ossl("req", "-x509", "-new", "-key", "ca.key", "-utf8", "-subj", "/CN=Shared Root é/O=Acme", "-config", `${m}.cnf`, "-extensions", "ca", "-days", "30", "-out", root(m as keyof typeof MASKS));
      }
      // A leaf issued by the BMPString spelling of the root: its issuer name is that spelling's bytes.
      ossl("req", "-new", "-newkey", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-subj", "/CN=leaf.example", "-config", "default.cnf", "-out", "leaf.csr");
      ossl("x509", "-req", "-in", "leaf.csr", "-CA", root("bmp"), "-CAkey", "ca.key", "-set_serial", "7", "-days", "20", "-out", "leaf.pem");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("have one key where node:crypto spells them alike", () => {
      const certs = (Object.keys(MASKS) as (keyof typeof MASKS)[]).map((m) => new X509Certificate(readFileSync(root(m))));
      expect(new Set(certs.map((c) => c.raw.toString("hex"))).size).toBe(4);
      expect(new Set(certs.map((c) => c.subject)).size).toBe(1);
      expect(new Set(certs.map((c) => certificateNameKey(c.raw, "subject"))).size).toBe(1);
    });

    it("still lead a chain to its anchor when the anchor spells the issuer's name in another string type", () => {
      const leaf = new X509Certificate(readFileSync(join(dir, "leaf.pem")));
      for (const m of ["default", "utf8", "t61"] as const) {
        const anchors = loadAnchors([readFileSync(root(m), "utf8")]);
        expect(anchors.issuersNamedBy(leaf)).toHaveLength(1);
        expect(verifyChain([leaf], anchors, { anchorSource: "ssl-ca" })).toMatchObject({ verified: true, anchor: "CN=Shared Root é, O=Acme", anchorCount: 1 });
      }
    });
  });
});
