import { readFileSync } from "node:fs";
import tls from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type CertKind, type CertSet } from "../support/certs.js";
import { buildChainFacts, type ChainFacts } from "../../src/x509/chain.js";
import { loadAnchors } from "../../src/x509/trust.js";
import { pemToDerList } from "../../src/x509/pem.js";
import { checkCertificate, certificateNotGathered, reloadStatement } from "../../src/checks/certificate/judge.js";

let certs: CertSet;
beforeAll(async () => {
  certs = await makeCerts();
});

const DAY = 86_400_000;
const ders = (file: string) => pemToDerList(readFileSync(file, "utf8"));

function factsFor(kind: CertKind, opts: { systemRoots?: boolean; host?: string } = {}): ChainFacts {
  const leaf = certs.leaves[kind];
  return buildChainFacts(ders(leaf.chain), {
    anchors: loadAnchors(opts.systemRoots ? [...tls.rootCertificates] : [readFileSync(leaf.trustAnchor, "utf8")]),
    anchorSource: opts.systemRoots ? "system" : "ssl-ca",
    ...(opts.systemRoots ? {} : { anchorFile: leaf.trustAnchor }),
    hostName: opts.host ?? "localhost",
    source: "certificate-message",
  });
}
const ids = (f: ChainFacts, o = {}) => checkCertificate(f, o).map((x) => x.id).sort();

describe("each diagnosis fires on its certificate and nowhere else (with --ssl-ca)", () => {
  it.each([
    ["rsa", []],
    ["ecdsa", []],
    ["ed25519", []],
    ["expired", ["cert.expired"]],
    ["self-signed", ["cert.self-signed"]],
    ["weak", ["cert.rsa-weak-key", "cert.weak-signature"]],
    ["missing-intermediate", ["cert.missing-intermediate"]],
    ["wrong-name", ["cert.hostname-mismatch"]],
    ["auto-generated", ["cert.auto-generated"]],
  ] as [CertKind, string[]][])("%s -> %j", (kind, expected) => {
    expect(ids(factsFor(kind))).toEqual(expected);
  });
});

describe("trust includes time (#11), said once", () => {
  const judgedAt = (chainFile: string, anchorFile: string, now?: Date) =>
    buildChainFacts(ders(chainFile), {
      anchors: loadAnchors([readFileSync(anchorFile, "utf8")]),
      anchorSource: "ssl-ca",
      anchorFile,
      hostName: "localhost",
      source: "certificate-message",
      ...(now ? { now } : {}),
    });
  it("an expired or not-yet-valid leaf is cert.expired / cert.not-yet-valid with trust not verified, not also cert.untrusted", () => {
    const f = factsFor("expired");
    expect(f.trust).toMatchObject({ verified: false, errorCode: "expired" });
    expect(ids(f)).toEqual(["cert.expired"]);
    const early = judgedAt(certs.notYetValid.chain, certs.caBundle);
    expect(early.trust.verified).toBe(false);
    expect(ids(early)).toEqual(["cert.not-yet-valid"]);
  });
  it("an anchor out of date, which the server did not send, makes the chain untrusted", () => {
    const later = judgedAt(certs.leaves.rsa.chain, certs.leaves.rsa.trustAnchor, new Date(Date.now() + 4000 * DAY));
    expect(ids(later)).toEqual(["cert.expired", "cert.expired", "cert.untrusted"]);
  });
  it("a pinned self-signed certificate that expired is still called pinned (low) beside cert.expired", () => {
    const leaf = certs.leaves["self-signed"];
    const later = judgedAt(leaf.chain, leaf.trustAnchor, new Date(Date.now() + 4000 * DAY));
    expect(checkCertificate(later).map((x) => [x.id, x.severity])).toEqual([["cert.expired", "critical"], ["cert.self-signed", "low"]]);
  });
});

describe("against the system roots", () => {
  it("a private CA is untrusted, not a missing intermediate (no AIA to say one exists)", () => {
    expect(ids(factsFor("rsa", { systemRoots: true }))).toEqual(["cert.untrusted"]);
    expect(ids(factsFor("missing-intermediate", { systemRoots: true }))).toEqual(["cert.untrusted"]);
  });
  it("a self-signed leaf is one finding, high, not also 'untrusted'", () => {
    const f = checkCertificate(factsFor("self-signed", { systemRoots: true }));
    expect(f.map((x) => [x.id, x.severity])).toEqual([["cert.self-signed", "high"]]);
    expect(checkCertificate(factsFor("self-signed")).map((x) => x.severity)).toEqual(["low"]);
  });
  it("the auto-generated chain is one finding that carries the trust and name verdicts", () => {
    const [f, ...rest] = checkCertificate(factsFor("auto-generated", { systemRoots: true }));
    expect(rest).toEqual([]);
    expect(f!.id).toBe("cert.auto-generated");
    expect(f!.evidence).toContain("MySQL_Server_8.4.3_Auto_Generated_Server_Certificate");
    expect(f!.evidence).toMatch(/does not verify against the system roots/);
    expect(f!.evidence).toMatch(/cannot match/);
  });
  it("an AIA caIssuers URL makes an unknown issuer a missing intermediate", () => {
    const f = factsFor("missing-intermediate", { systemRoots: true });
    f.certificates[0]!.caIssuers = ["http://ca.example/intermediate.crt"];
    const out = checkCertificate(f);
    expect(out.map((x) => x.id)).toEqual(["cert.missing-intermediate"]);
    expect(out[0]!.evidence).toContain("http://ca.example/intermediate.crt");
  });
});

describe("server text in a multi-line fix", () => {
  it("the issuer a hostile server names cannot add lines to the fix (newlines in it are escaped; ours are kept)", () => {
    const f = factsFor("missing-intermediate");
    f.trust = { ...f.trust, stoppedAt: { ...f.trust.stoppedAt!, issuer: "CN=x\nPASS: 0 findings\x1b[8m" } };
    const fix = checkCertificate(f).find((x) => x.id === "cert.missing-intermediate")!.fix!;
    expect(fix).toContain("CN=x\\x0aPASS: 0 findings\\x1b[8m");
    expect(fix.split("\n").some((l) => l.startsWith("PASS"))).toBe(false);
    expect(fix.split("\n").length).toBeGreaterThan(1);
  });
});

describe("dates", () => {
  it("warns within --warn-days, high within a week, on the certificate concerned only", () => {
    const f = factsFor("rsa");
    const notAfter = new Date(f.certificates[0]!.notAfter).getTime();
    const at = (days: number) => checkCertificate(f, { now: new Date(notAfter - days * DAY) });
    expect(at(10).map((x) => [x.id, x.severity])).toEqual([["cert.expiring-soon", "medium"]]);
    expect(at(10)[0]!.evidence).toContain("leaf #1 (CN=localhost)");
    expect(at(3)[0]!.severity).toBe("high");
    expect(at(40)).toEqual([]);
    expect(checkCertificate(f, { now: new Date(notAfter - 40 * DAY), warnDays: 60 }).map((x) => x.id)).toEqual(["cert.expiring-soon"]);
  });
  it("flags a certificate that is not valid yet, and an expired intermediate", () => {
    const f = factsFor("rsa");
    const before = new Date(new Date(f.certificates[0]!.notBefore).getTime() - DAY);
    // The intermediate was made moments before the leaf, so a day earlier neither is valid yet.
    expect(checkCertificate(f, { now: before }).map((x) => x.title)).toEqual([
      "The leaf certificate is not valid yet",
      "The intermediate certificate is not valid yet",
    ]);
    f.certificates[1]!.notAfter = new Date(Date.now() - DAY).toISOString();
    const expired = checkCertificate(f);
    expect(expired.map((x) => x.id)).toEqual(["cert.expired"]);
    expect(expired[0]!.title).toContain("intermediate");
  });
});

describe("other rules on plain facts", () => {
  it("MD5 is critical, SHA-1 high; a root's own SHA-1 self-signature is not flagged", () => {
    const f = factsFor("rsa");
    f.certificates[0]!.signatureHash = "md5";
    f.certificates[0]!.signatureAlgorithm = "md5WithRSAEncryption";
    expect(checkCertificate(f).map((x) => [x.id, x.severity])).toEqual([["cert.weak-signature", "critical"]]);
    const root = buildChainFacts(ders(certs.leaves.rsa.chain).concat(ders(certs.ca.cert)), {
      anchors: loadAnchors([readFileSync(certs.caBundle, "utf8")]),
      anchorSource: "ssl-ca",
      hostName: "localhost",
      source: "certificate-message",
    });
    root.certificates[2]!.signatureHash = "sha1";
    expect(checkCertificate(root)).toEqual([]);
  });
  it("a leaf with CA:TRUE, a wrong order, and a CN-only match", () => {
    const f = factsFor("rsa");
    f.certificates[0]!.isCA = true;
    f.order = { inOrder: false, issuerPath: [0, 2, 1], unrelated: [], issues: ["#3 is the issuer of #1 but was sent in position 3, not 2"] };
    expect(ids(f)).toEqual(["cert.leaf-is-ca", "cert.wrong-order"]);
    f.orderAsSent = false; // Node's reconstruction says nothing about the order sent
    expect(ids(f)).toEqual(["cert.leaf-is-ca"]);
    const cn = factsFor("rsa");
    cn.hostname = { ...cn.hostname, usedCommonName: true, matchedBy: "CN:localhost" };
    expect(ids(cn)).toEqual(["cert.hostname-cn-only"]);
  });
  it("every finding carries evidence, a fix with the my.cnf lines, and references", () => {
    for (const kind of ["expired", "weak", "missing-intermediate", "wrong-name", "auto-generated", "self-signed"] as CertKind[]) {
      for (const f of checkCertificate(factsFor(kind), { serverVersion: "10.11.19-MariaDB" })) {
        expect(f.evidence.length).toBeGreaterThan(20);
        expect(f.fix).toMatch(/ssl_cert=/);
        expect(f.fix).toMatch(/FLUSH SSL/);
        expect(f.references?.length).toBeGreaterThan(0);
      }
    }
  });
  it("names the reload statement per flavour and version", () => {
    expect(reloadStatement("8.4.3")).toMatch(/ALTER INSTANCE RELOAD TLS/);
    expect(reloadStatement("8.0.15")).toMatch(/restart/);
    expect(reloadStatement("5.7.44-log")).toMatch(/restart/);
    expect(reloadStatement("5.5.5-10.11.6-MariaDB")).toMatch(/FLUSH SSL/);
  });
  it("says so when the chain could not be read", () => {
    expect(certificateNotGathered("timed out")).toEqual([expect.objectContaining({ id: "cert.not-gathered", severity: "error", evidence: "timed out" })]);
  });
});
