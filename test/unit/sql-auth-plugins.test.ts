// When the password itself may go to the server, and how: the decision table of issue 10 (credentials never
// exposed by default), and the RSA encryption the RSA plugins use (checked against the fake server's decryption).
import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { encryptPassword, passwordRelease, sha2Scramble, type AuthTransport, type PasswordPlugin, type ReleaseRules } from "../../src/sql/auth-plugins.js";
import { checkSha2Scramble, decryptRsaPassword } from "../support/fake-mysql/auth.js";
import type { SslMode } from "../../src/sql/credentials.js";

const rules = (sslMode: SslMode, sslModeGiven: boolean, extra: Partial<ReleaseRules> = {}): ReleaseRules => ({ sslMode, sslModeGiven, getServerPublicKey: false, ...extra });
const action = (plugin: PasswordPlugin, t: AuthTransport, r: ReleaseRules) => {
  const x = passwordRelease(plugin, t, r);
  return x.action === "send-in-tls" ? `send${x.exposed ? " (exposed)" : ""}` : x.action;
};
const PLUGINS: PasswordPlugin[] = ["caching_sha2_password", "sha256_password", "mysql_clear_password"];

describe("passwordRelease", () => {
  it("inside verified TLS the password goes, whatever the plugin", () => {
    for (const p of PLUGINS) for (const m of ["VERIFY_CA", "VERIFY_IDENTITY"] as const) expect(action(p, "verified-tls", rules(m, true))).toBe("send");
  });

  it("inside unverified TLS: refused without --ssl-mode; an explicit REQUIRED or PREFERRED sends it, marked exposed", () => {
    for (const p of PLUGINS) {
      expect(action(p, "unverified-tls", rules("PREFERRED", false))).toBe("refuse");
      expect(action(p, "unverified-tls", rules("REQUIRED", true))).toBe("send (exposed)");
      expect(action(p, "unverified-tls", rules("PREFERRED", true))).toBe("send (exposed)");
      // A key of the user's cannot help inside TLS: the server reads the password in clear there.
      expect(action(p, "unverified-tls", rules("PREFERRED", false, { serverPublicKey: "k", getServerPublicKey: true }))).toBe("refuse");
    }
    const r = passwordRelease("caching_sha2_password", "unverified-tls", rules("PREFERRED", false));
    expect(r.action === "refuse" && r.message).toMatch(/--ssl-ca FILE and --ssl-mode VERIFY_IDENTITY \(or VERIFY_CA\), or accept the risk with an explicit --ssl-mode REQUIRED$/);
  });

  it("over clear text: the user's key, else the server's only when asked, else error 2061; never mysql_clear_password", () => {
    for (const p of ["caching_sha2_password", "sha256_password"] as const) {
      expect(action(p, "clear", rules("DISABLED", true))).toBe("refuse");
      expect(action(p, "clear", rules("DISABLED", true, { serverPublicKey: "k" }))).toBe("encrypt-to-own-key");
      expect(action(p, "clear", rules("PREFERRED", true, { serverPublicKey: "k", getServerPublicKey: true }))).toBe("encrypt-to-own-key");
      expect(action(p, "clear", rules("PREFERRED", true, { getServerPublicKey: true }))).toBe("request-server-key");
      const r = passwordRelease(p, "clear", rules("DISABLED", true));
      expect(r.action === "refuse" && r.message).toMatch(new RegExp(`^Authentication plugin '${p}' reported error: Authentication requires secure connection`));
    }
    expect(action("mysql_clear_password", "clear", rules("DISABLED", true, { serverPublicKey: "k", getServerPublicKey: true }))).toBe("refuse");
  });
});

describe("the RSA and scramble answers", () => {
  it("encryptPassword is what a MySQL server decrypts, and sha2Scramble what it checks", () => {
    const k = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    const nonce = Buffer.from("0123456789abcdefghij");
    expect(decryptRsaPassword(encryptPassword("pä55 word", nonce, k.publicKey), nonce, k.privateKey)).toBe("pä55 word");
    expect(checkSha2Scramble("pä55 word", nonce, sha2Scramble("pä55 word", nonce))).toBe(true);
    expect(sha2Scramble("", nonce)).toEqual(Buffer.alloc(0));
  });
});
