import { createPrivateKey, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ed25519SignWithPassword } from "../../src/sql/ed25519-auth.js";

// A 32-byte password is exactly a standard Ed25519 seed, so node:crypto is the reference there.
function nodeSign(seed: Buffer, msg: Buffer): Buffer {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return sign(null, msg, createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
}

describe("ed25519SignWithPassword", () => {
  it("equals node:crypto's Ed25519 when the password is a 32-byte seed", () => {
    for (let i = 0; i < 3; i++) {
      const seed = Buffer.alloc(32, i + 7);
      const msg = Buffer.from(`scramble-${i}-`.padEnd(32, "x"));
      expect(ed25519SignWithPassword(seed, msg).toString("hex")).toBe(nodeSign(seed, msg).toString("hex"));
    }
  });
  it("signs with passwords of any length (MariaDB hashes the password itself)", () => {
    const sig = ed25519SignWithPassword(Buffer.from("short"), Buffer.alloc(32, 1));
    expect(sig).toHaveLength(64);
  });
});
