import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REGISTRY, SUITES, suiteByCode, suiteByIana, suiteByOpenSSLName, suitesForVersion } from "../../src/tls/suites.js";
import { requireOpenssl } from "../support/require-binaries.js";

describe("cipher-suite registry", () => {
  it("has unique code points, IANA names and OpenSSL names", () => {
    expect(new Set(SUITES.map((s) => s.code)).size).toBe(SUITES.length);
    expect(new Set(SUITES.map((s) => s.iana)).size).toBe(SUITES.length);
    const names = SUITES.flatMap((s) => (s.openssl ? [s.openssl] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(SUITES.length).toBeGreaterThan(300);
  });

  it("looks suites up by code, OpenSSL name and IANA name", () => {
    expect(suiteByCode(0xc02f)).toMatchObject({ iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", openssl: "ECDHE-RSA-AES128-GCM-SHA256", protocol: "tls12", keyExchange: "ECDHE", authentication: "RSA", bits: 128, mac: "AEAD", rating: "recommended", ianaRecommended: "Y" });
    expect(suiteByOpenSSLName("RC4-MD5")).toMatchObject({ code: 0x0004, rating: "insecure", protocol: "ssl3+" });
    expect(suiteByOpenSSLName("EXP-RC4-MD5")).toMatchObject({ code: 0x0003, export: true, bits: 40, rating: "insecure" });
    expect(suiteByOpenSSLName("DES-CBC3-SHA")).toMatchObject({ code: 0x000a, rating: "weak", bits: 168 });
    expect(suiteByIana("TLS_AES_256_GCM_SHA384")).toMatchObject({ code: 0x1302, protocol: "tls13", rating: "recommended" });
    expect(suiteByIana("TLS_FALLBACK_SCSV")).toMatchObject({ code: 0x5600, scsv: true });
    expect(suiteByCode(0xffff)).toBeUndefined();
  });

  it("applies the rating rule written in the data file consistently", () => {
    expect(REGISTRY.sources).toHaveProperty("ratingRule");
    for (const s of SUITES.filter((x) => !x.scsv)) {
      const insecure = s.cipher === "NULL" || s.export || s.authentication === "anon" || /^(RC4|RC2-CBC|DES-CBC)$/.test(s.cipher!) || s.mac === "MD5";
      if (insecure) expect(s.rating, s.iana).toBe("insecure");
      else if (s.mac !== "AEAD" || !["DHE", "ECDHE", "DHE-PSK", "ECDHE-PSK", "any"].includes(s.keyExchange!)) expect(s.rating, s.iana).toBe("weak");
      else expect(["weak", "secure", "recommended"], s.iana).toContain(s.rating);
    }
    const mozilla = (REGISTRY.sources as { mozilla: { intermediate: string[] } }).mozilla.intermediate;
    expect(SUITES.filter((s) => s.rating === "recommended").map((s) => s.openssl).sort()).toEqual([...mozilla].sort());
  });

  it("splits suites by version", () => {
    const v13 = suitesForVersion("TLSv1.3");
    expect(v13.map((s) => s.code).sort()).toEqual([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
    const v10 = suitesForVersion("TLSv1");
    expect(v10.some((s) => s.code === 0xc02f)).toBe(false);
    expect(v10.some((s) => s.code === 0xc013)).toBe(true);
    expect(suitesForVersion("TLSv1.2").length).toBeGreaterThan(v10.length);
    expect(suitesForVersion("TLSv1.2").some((s) => s.scsv)).toBe(false);
  });

  it("knows every suite this machine's OpenSSL knows, under the same names", () => {
    const out = execFileSync(requireOpenssl(), ["ciphers", "-stdname", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], { encoding: "utf8" });
    for (const line of out.trim().split("\n")) {
      const m = /0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)/.exec(line);
      expect(m, line).not.toBeNull();
      const s = suiteByCode(Number.parseInt(m![1]! + m![2]!, 16));
      expect(s, line).toBeDefined();
      expect(s!.iana).toBe(m![3]);
      expect(s!.openssl).toBe(m![4]);
    }
  });
});
