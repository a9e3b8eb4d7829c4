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
