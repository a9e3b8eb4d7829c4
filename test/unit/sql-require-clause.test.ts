import { describe, expect, it } from "vitest";
import { clauseFrom, formatRequire, parseShowCreateUser, requireTypeFrom } from "../../src/sql/require-clause.js";

describe("requireTypeFrom", () => {
  it("maps MariaDB's integer ssl_type (0..3) and MySQL's enum, NULL and absent as NONE", () => {
    expect(["0", "1", "2", "3"].map(requireTypeFrom)).toEqual(["NONE", "SSL", "X509", "SPECIFIED"]);
    expect(["", "ANY", "X509", "SPECIFIED"].map(requireTypeFrom)).toEqual(["NONE", "SSL", "X509", "SPECIFIED"]);
    expect(requireTypeFrom(null)).toBe("NONE");
    expect(requireTypeFrom(undefined)).toBe("NONE");
  });
  it("keeps issuer/subject/cipher only for SPECIFIED, and drops empty strings", () => {
    expect(clauseFrom("3", "/CN=ca", "", "AES128-SHA")).toEqual({ type: "SPECIFIED", issuer: "/CN=ca", cipher: "AES128-SHA" });
    expect(clauseFrom("1", "", "", "")).toEqual({ type: "SSL" });
  });
});

describe("parseShowCreateUser", () => {
  it("reads MariaDB's form, which omits AND between options and prints nothing for REQUIRE NONE", () => {
    const m = parseShowCreateUser(
      "CREATE USER `c1`@`%` IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3' REQUIRE ISSUER '/CN=x' SUBJECT '/CN=y' CIPHER 'ECDHE-RSA-AES256-GCM-SHA384'",
    );
    expect(m.require).toEqual({ type: "SPECIFIED", issuer: "/CN=x", subject: "/CN=y", cipher: "ECDHE-RSA-AES256-GCM-SHA384" });
    expect(parseShowCreateUser("CREATE USER `a`@`h` IDENTIFIED BY PASSWORD '*20C9'").require).toEqual({ type: "NONE" });
    expect(parseShowCreateUser("CREATE USER `a`@`h` IDENTIFIED VIA ed25519 USING 'x' REQUIRE X509 ACCOUNT LOCK")).toEqual({ require: { type: "X509" }, plugin: "ed25519", locked: true });
  });
  it("reads MySQL's form with AND, IDENTIFIED WITH and the trailing options", () => {
    const m = parseShowCreateUser(
      "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x''REQUIRE SSL' REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=It''s CA' PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT",
    );
    expect(m).toEqual({ require: { type: "SPECIFIED", subject: "/CN=app", issuer: "/CN=It's CA" }, plugin: "caching_sha2_password", locked: false });
    expect(parseShowCreateUser("CREATE USER `r`@`%` IDENTIFIED WITH 'mysql_native_password' REQUIRE NONE ACCOUNT LOCK").require).toEqual({ type: "NONE" });
    // MySQL 8's "PASSWORD REQUIRE CURRENT DEFAULT" is not a TLS clause (found by the MySQL 8.4 model).
    expect(
      parseShowCreateUser("CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x' REQUIRE X509 PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD REQUIRE CURRENT DEFAULT").require,
    ).toEqual({ type: "X509" });
  });
  it("reads MariaDB's IDENTIFIED VIA a USING 'invalid' OR b (Debian's root) as alternatives", () => {
    expect(parseShowCreateUser("CREATE USER `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket")).toEqual({
      require: { type: "NONE" },
      plugin: "mysql_native_password",
      passwordInvalid: true,
      alternativePlugins: ["unix_socket"],
    });
  });
  it("round-trips formatRequire", () => {
    for (const c of [
      { type: "NONE" as const },
      { type: "SSL" as const },
      { type: "X509" as const },
      { type: "SPECIFIED" as const, issuer: "/O=a'b/CN=c", cipher: "TLS_AES_256_GCM_SHA384" },
    ]) {
      expect(parseShowCreateUser(`CREATE USER \`u\`@\`h\` ${formatRequire(c)}`).require).toEqual(c);
    }
  });
});
