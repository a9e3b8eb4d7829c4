import { describe, expect, it } from "vitest";
import { detectFlavor } from "../../src/protocol/flavor.js";
import { parseGreeting, type HandshakeV10 } from "../../src/protocol/handshake.js";
import { CLIENT } from "../../src/protocol/capabilities.js";
import { greetingV10 } from "../support/bytes.js";

function g(version: string, mariadb = false, plugin = "caching_sha2_password"): HandshakeV10 {
  const caps = mariadb ? 0xdfffffff & ~CLIENT.LONG_PASSWORD : 0xdfffffff;
  return parseGreeting(greetingV10({ version, capabilities: caps, plugin })) as HandshakeV10;
}

describe("detectFlavor", () => {
  it.each([
    ["8.4.3", false, "mysql", "8.4.3"],
    ["5.7.44-log", false, "mysql", "5.7.44"],
    ["8.0.36-0ubuntu0.22.04.1", false, "mysql", "8.0.36"],
    ["8.0.36-28", false, "percona", "8.0.36"],
    ["5.7.44-48-log", false, "percona", "5.7.44"],
    ["5.5.5-10.11.6-MariaDB-0+deb12u1", true, "mariadb", "10.11.6"],
    ["11.4.2-MariaDB", true, "mariadb", "11.4.2"],
    ["11.4.2-MariaDB-log", false, "mariadb", "11.4.2"],
  ])("%s → %s %s", (version, mariadb, flavor, number) => {
    const f = detectFlavor(g(version, mariadb));
    expect(f.flavor).toBe(flavor);
    expect(f.version).toBe(number);
    expect(f.evidence.length).toBeGreaterThan(0);
  });

  it("names the 5.5.5- prefix as evidence", () => {
    expect(detectFlavor(g("5.5.5-10.11.6-MariaDB", true)).evidence[0]).toMatch(/5\.5\.5-/);
  });
});

// #11: Sphinx's SphinxQL (searchd 2.2.11, `listen = ...:mysql41`) was reported as "mariadb 2.2.11": CLIENT_MYSQL
// is clear, but none of MariaDB's extended capabilities is set. These are the bytes it sent (captured from
// Debian's sphinxsearch 2.2.11-8), after the 4-byte packet header.
const SPHINX_GREETING = Buffer.from(
  "0a322e322e31312d696436342d72656c656173652028393561653961362900010000000102030405060708000882210200000000000000000000000000000102030405060708090a0b0c00",
  "hex",
);

describe("detectFlavor: neither MySQL nor MariaDB", () => {
  it("calls Sphinx's greeting 'other', with the evidence", () => {
    const f = detectFlavor(parseGreeting(SPHINX_GREETING) as HandshakeV10);
    expect(f.flavor).toBe("other");
    expect(f.version).toBe("2.2.11");
    expect(f.evidence.join("; ")).toMatch(/CLIENT_MYSQL \(CLIENT_LONG_PASSWORD\) capability clear.*no MariaDB extended capability/);
    expect(f.evidence.join("; ")).toMatch(/predates MySQL 4\.1, yet the greeting has CLIENT_PROTOCOL_41/);
  });

  it("CLIENT_MYSQL clear without extended capabilities is 'other' whatever the version says", () => {
    const bytes = greetingV10({ version: "8.0.36", capabilities: 0xdfffffff & ~CLIENT.LONG_PASSWORD, plugin: "mysql_native_password", mariadbExt: 0 });
    expect(detectFlavor(parseGreeting(bytes) as HandshakeV10).flavor).toBe("other");
  });

  it("CLIENT_MYSQL clear with extended capabilities set is still MariaDB, named or not", () => {
    const bytes = greetingV10({ version: "10.6.4", capabilities: 0xdfffffff & ~CLIENT.LONG_PASSWORD, plugin: "mysql_native_password", mariadbExt: 0x1d });
    const f = detectFlavor(parseGreeting(bytes) as HandshakeV10);
    expect(f.flavor).toBe("mariadb");
    expect(f.evidence).toContain("CLIENT_MYSQL capability clear, MariaDB extended capabilities present");
  });

  it("an old version with CLIENT_PROTOCOL_41 and CLIENT_MYSQL set is 'other' too (MySQL 4.1 introduced the 4.1 protocol)", () => {
    const bytes = greetingV10({ version: "2.0.1-custom", capabilities: 0xdfffffff, plugin: "mysql_native_password" });
    expect(detectFlavor(parseGreeting(bytes) as HandshakeV10).flavor).toBe("other");
  });
});
