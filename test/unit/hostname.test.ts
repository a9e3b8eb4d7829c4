import { X509Certificate } from "node:crypto";
import net from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { formatIp } from "../../src/x509/extensions.js";
import { ipBytes, matchHostname, type PresentedIdentity } from "../../src/x509/hostname.js";
import { readCertificate } from "../../src/x509/certificate.js";
import { pemToDerList } from "../../src/x509/pem.js";
import { requireOpenssl } from "../support/require-binaries.js";

const id = (dns: string[], ip: string[] = [], cn?: string): PresentedIdentity => ({
  subjectAltNames: { dns, ip },
  subjectAttributes: cn === undefined ? [] : [{ type: "CN", oid: "2.5.4.3", value: cn }],
});

describe("RFC 6125 DNS names", () => {
  it.each([
    [["db.example.com"], "db.example.com", true],
    [["DB.Example.COM"], "db.example.com", true],
    [["db.example.com."], "db.example.com", true],
    [["db.example.com"], "DB.EXAMPLE.COM.", true],
    [["db.example.com"], "db2.example.com", false],
    [["*.example.com"], "db.example.com", true],
    [["*.example.com"], "example.com", false], // the wildcard covers exactly one label
    [["*.example.com"], "a.b.example.com", false], // ...never two
    [["*.example.com"], ".example.com", false],
    [["db*.example.com"], "db1.example.com", false], // partial wildcards are not honoured
    [["*db.example.com"], "xdb.example.com", false],
    [["d*b.example.com"], "dxb.example.com", false],
    [["db.*.example.com"], "db.x.example.com", false], // only the left-most label
    [["*.com"], "example.com", false], // two labels after the wildcard at least
    [["*"], "localhost", false],
    [["localhost"], "localhost", true],
    [["xn--bcher-kva.example"], "bücher.example", true], // IDN: compared as A-labels
  ])("%j vs %s -> %s", (dns, host, matched) => {
    expect(matchHostname(id(dns), host).matched).toBe(matched);
  });

  it("consults the CN only when there is no DNS SAN at all, and says so", () => {
    const viaCn = matchHostname(id([], [], "db.example.com"), "db.example.com");
    expect(viaCn).toMatchObject({ matched: true, usedCommonName: true, matchedBy: "CN:db.example.com" });
    expect(viaCn.note).toMatch(/no DNS SAN/);
    // A DNS SAN present: the CN is ignored even when it alone would match.
    const ignored = matchHostname(id(["other.example.com"], [], "db.example.com"), "db.example.com");
    expect(ignored).toMatchObject({ matched: false, usedCommonName: false, presented: ["DNS:other.example.com"] });
    // IP SANs only: still no DNS SAN, so the CN counts for a DNS name.
    expect(matchHostname(id([], ["10.0.0.1"], "db"), "db").matched).toBe(true);
    expect(matchHostname(id([], [], "MySQL_Server_8.4.3_Auto_Generated_Server_Certificate"), "localhost").matched).toBe(false);
  });
});

describe("RFC 6125 IP addresses", () => {
  it("matches IP addresses only against IP SANs, comparing bytes", () => {
    expect(matchHostname(id([], ["127.0.0.1"]), "127.0.0.1")).toMatchObject({ matched: true, kind: "ip", matchedBy: "IP:127.0.0.1" });
    expect(matchHostname(id([], ["::1"]), "0:0:0:0:0:0:0:1").matched).toBe(true);
    expect(matchHostname(id([], ["::1"]), "[::1]").matched).toBe(true);
    expect(matchHostname(id([], ["2001:db8::1"]), "2001:DB8:0:0::1").matched).toBe(true);
    expect(matchHostname(id([], ["127.0.0.1"]), "127.0.0.2").matched).toBe(false);
    const dnsOnly = matchHostname(id(["127.0.0.1"], [], "127.0.0.1"), "127.0.0.1");
    expect(dnsOnly.matched).toBe(false); // neither a DNS SAN nor the CN may stand for an IP address
    expect(dnsOnly.note).toMatch(/no IP address SAN/);
  });

  it("parses IPv6 forms, embedded IPv4 included", () => {
    expect(ipBytes("::ffff:1.2.3.4")!.toString("hex")).toBe("00000000000000000000ffff01020304");
    expect(ipBytes("1::")!.toString("hex")).toBe("00010000000000000000000000000000");
    expect(ipBytes("db.example.com")).toBeUndefined();
  });
});

describe("agrees with OpenSSL's X509_check_host / check_ip (strict wildcard flags)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mta-host-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = requireOpenssl();
  const make = (name: string, subj: string, san?: string) => {
    const key = join(dir, `${name}.key`);
    const crt = join(dir, `${name}.crt`);
    execFileSync(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    execFileSync(openssl, ["req", "-x509", "-new", "-key", key, "-subj", subj, "-days", "2", "-out", crt, ...(san ? ["-addext", `subjectAltName=${san}`] : [])], {
      env: { ...process.env, OPENSSL_CONF: "/dev/null" },
    });
    const pem = readFileSync(crt);
    return { facts: readCertificate(pemToDerList(pem.toString())[0]!), x: new X509Certificate(pem) };
  };
  const certs = [
    make("wild", "/CN=ignored.example.com", "DNS:*.example.com,DNS:db.example.org,IP:127.0.0.1,IP:::1"),
    make("cn", "/CN=db.example.net"),
    make("partial", "/CN=x", "DNS:db*.example.com"),
  ];
  const hosts = ["db.example.com", "a.b.example.com", "example.com", "db.example.org", "ignored.example.com", "db.example.net", "db1.example.com", "127.0.0.1", "::1", "10.1.1.1"];
  it("on every host", () => {
    for (const { facts, x } of certs) {
      for (const h of hosts) {
        const node = net.isIP(h) ? x.checkIP(h) !== undefined : x.checkHost(h, { partialWildcards: false, multiLabelWildcards: false }) !== undefined;
        expect({ cert: facts.subject, h, matched: matchHostname(facts, h).matched }).toEqual({ cert: facts.subject, h, matched: node });
      }
    }
  });
});

describe("IP SAN text form (property)", () => {
  it("formatIp and ipBytes round-trip every 4- and 16-byte address, in RFC 5952 form", () => {
    // Few distinct values per group, so runs of zeros (the :: cases) are common.
    const group = fc.constantFrom(0, 0, 0, 1, 0xff, 0xffff, 0x0db8);
    const v6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => {
      const b = Buffer.alloc(16);
      gs.forEach((g, i) => b.writeUInt16BE(g, i * 2));
      return b;
    });
    const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.oneof(v4, v6), (b) => {
        const text = formatIp(b);
        expect(net.isIP(text)).toBe(b.length === 4 ? 4 : 6);
        expect(ipBytes(text)!.equals(b)).toBe(true);
        if (b.length === 16) {
          expect(text).toBe(text.toLowerCase());
          expect(text.split("::").length).toBeLessThanOrEqual(2);
          expect(text).not.toMatch(/(^|:)0[0-9a-f]/); // no leading zeros in a group
        }
      }),
      { seed: 6125, numRuns: 2000 },
    );
  });
});
