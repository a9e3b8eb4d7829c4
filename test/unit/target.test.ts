import { describe, expect, it } from "vitest";
import { parseTarget, formatTarget } from "../../src/net/target.js";
import { AuditError } from "../../src/errors.js";

describe("parseTarget", () => {
  it.each([
    [undefined, { host: "localhost", port: 3306 }],
    ["", { host: "localhost", port: 3306 }],
    ["db1", { host: "db1", port: 3306 }],
    ["db1.example.com:3307", { host: "db1.example.com", port: 3307 }],
    ["127.0.0.1:33060", { host: "127.0.0.1", port: 33060 }],
    ["[::1]:3307", { host: "::1", port: 3307 }],
    ["[fe80::1%eth0]", { host: "fe80::1%eth0", port: 3306 }],
    ["::1", { host: "::1", port: 3306 }],
    ["mysql://db1", { host: "db1", port: 3306 }],
    ["mysql://admin@db1:3310", { host: "db1", port: 3310, user: "admin" }],
    ["mysql://admin:p%40ss@[::1]:3310/mysql", { host: "::1", port: 3310, user: "admin", password: "p@ss" }],
  ])("%s", (raw, expected) => {
    expect(parseTarget(raw)).toEqual(expected);
  });

  it.each(["db1:", "db1:0", "db1:65536", "db1:abc", "http://db1", "[::1", "[::1]x", "db 1", "user@db1", "300.1.1.1", "[zz]:1"])(
    "rejects %s as a usage error",
    (raw) => {
      expect(() => parseTarget(raw)).toThrow(AuditError);
      try {
        parseTarget(raw);
      } catch (err) {
        expect((err as AuditError).exitCode).toBe(2);
      }
    },
  );

  it("never repeats a password in its error", () => {
    try {
      parseTarget("mysql://u:Sekr1t@bad host");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain("Sekr1t");
    }
  });

  it("formats IPv6 in brackets", () => {
    expect(formatTarget({ host: "::1", port: 3306 })).toBe("[::1]:3306");
  });
});
