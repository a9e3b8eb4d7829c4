import { describe, expect, it } from "vitest";
import { compareOpenssl, judgeTlsLibrary, OPENSSL_END_OF_LIFE, parseTlsLibrary } from "../../src/sql/tls-library.js";

const at = (d: string) => new Date(`${d}T12:00:00Z`);

describe("parseTlsLibrary", () => {
  it("parses what MariaDB and MySQL print", () => {
    expect(parseTlsLibrary("OpenSSL 3.0.17 1 Jul 2025")).toMatchObject({ name: "OpenSSL", version: "3.0.17", branch: "3.0" });
    expect(parseTlsLibrary("OpenSSL 1.1.1k  FIPS 25 Mar 2021")).toMatchObject({ name: "OpenSSL", version: "1.1.1k", branch: "1.1.1" });
    expect(parseTlsLibrary("wolfSSL 5.6.4")).toMatchObject({ name: "wolfSSL", version: "5.6.4", branch: "5.6" });
    expect(parseTlsLibrary("YaSSL 2.4.4")).toMatchObject({ name: "yaSSL", version: "2.4.4" });
    expect(parseTlsLibrary("something else").name).toBe("unknown");
  });
});

describe("judgeTlsLibrary", () => {
  it("judges end of life by the branch table (1.0.2 and 1.1.1 EOL; 3.0 LTS until 2026-09-07)", () => {
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 1.1.1w 11 Sep 2023"), at("2024-01-01")).pastEndOfLife).toBe(true);
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 1.0.2u 20 Dec 2019"), at("2024-01-01")).pastEndOfLife).toBe(true);
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 3.0.13 30 Jan 2024"), at("2026-09-07")).pastEndOfLife).toBe(false);
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 3.0.13 30 Jan 2024"), at("2026-09-08")).pastEndOfLife).toBe(true);
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 3.5.1 1 Jul 2025"), at("2026-11-24"))).toMatchObject({ pastEndOfLife: false, endOfLife: "2030-04-08" });
    expect(OPENSSL_END_OF_LIFE["3.0"]).toEqual({ eol: "2026-09-07", lts: true });
  });
  it("finds TLS CVEs by version range (Heartbleed in 1.0.1f, not in 1.0.1g)", () => {
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 1.0.1f 6 Jan 2014"), at("2014-03-01")).cves.map((c) => c.cve)).toContain("CVE-2014-0160");
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 1.0.1g 7 Apr 2014"), at("2014-05-01")).cves.map((c) => c.cve)).not.toContain("CVE-2014-0160");
    expect(judgeTlsLibrary(parseTlsLibrary("OpenSSL 3.0.5 5 Jul 2022"), at("2022-08-01")).cves.map((c) => c.cve)).toContain("CVE-2022-3602");
    expect(compareOpenssl("1.0.1f", "1.0.1g")).toBeLessThan(0);
    expect(compareOpenssl("1.1.1", "1.1.0z")).toBeGreaterThan(0);
  });
  it("calls yaSSL and wolfSSL before 5.0 obsolete", () => {
    expect(judgeTlsLibrary(parseTlsLibrary("YaSSL 2.4.4"), at("2024-01-01")).obsolete).toMatch(/yaSSL/);
    expect(judgeTlsLibrary(parseTlsLibrary("wolfSSL 4.8.1"), at("2024-01-01")).obsolete).toMatch(/5\.0/);
    expect(judgeTlsLibrary(parseTlsLibrary("wolfSSL 5.6.4"), at("2024-01-01")).obsolete).toBeUndefined();
  });
});
