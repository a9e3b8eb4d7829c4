import { describe, expect, it } from "vitest";
import { AuditError } from "../../src/errors.js";
import { describeQueryFailure, privilegeFindings, quoteAccount } from "../../src/sql/privileges.js";

const refused = (errno: number, message: string) => new AuditError(errno === 1142 || errno === 1227 ? "privilege" : "server-error", message, { serverErrno: errno });

describe("describeQueryFailure", () => {
  it("names the narrowest privilege a 1227 lists, on *.*", () => {
    const p = describeQueryFailure(refused(1227, "Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation"), "replication channels", "SHOW ALL SLAVES STATUS", "audit@%", { privilege: "REPLICATION CLIENT", on: "*.*" });
    expect(p.missing).toEqual({ privilege: "SLAVE MONITOR", on: "*.*", grant: "GRANT SLAVE MONITOR ON *.* TO 'audit'@'%';" });
  });
  it("reads the table of a 1142 in MariaDB's and MySQL's wordings, falling back to the expected table", () => {
    const maria = describeQueryFailure(refused(1142, "SELECT command denied to user 'a'@'127.0.0.1' for table `mysql`.`global_priv`"), "accounts", "SELECT", "a@%", { privilege: "SELECT", on: "x.y" });
    expect(maria.missing!.grant).toBe("GRANT SELECT ON mysql.global_priv TO 'a'@'%';");
    const mysql = describeQueryFailure(refused(1142, "SELECT command denied to user 'a'@'localhost' for table 'user'"), "accounts", "SELECT", "a@localhost", { privilege: "SELECT", on: "mysql.user" });
    expect(mysql.missing!.grant).toBe("GRANT SELECT ON mysql.user TO 'a'@'localhost';");
  });
  it("leaves other errors without a GRANT, and they become query.failed findings", () => {
    const p = describeQueryFailure(refused(1146, "Table 'mysql.global_priv' doesn't exist"), "accounts", "SELECT 1", "a@%", { privilege: "SELECT", on: "mysql.global_priv" });
    expect(p.missing).toBeUndefined();
    expect(privilegeFindings([p])).toEqual([expect.objectContaining({ id: "query.failed", severity: "error" })]);
  });
  it("quotes accounts for SQL under any sql_mode (a backslash in a name: a backtick-quoted name)", () => {
    expect(quoteAccount("o'brien@10.0.0.%")).toBe("'o''brien'@'10.0.0.%'");
    expect(quoteAccount("user@host@x")).toBe("'user@host'@'x'");
    expect(quoteAccount("a\\b@%")).toBe("`a\\b`@'%'");
  });
  it("never copies SQL from a hostile server's message into the GRANT", () => {
    const table = describeQueryFailure(refused(1142, "SELECT command denied to user 'a'@'%' for table `mysql`.`user; DROP DATABASE prod; --`"), "accounts", "SELECT", "a@%", { privilege: "SELECT", on: "mysql.user" });
    expect(table.missing!.grant).toBe("GRANT SELECT ON mysql.user TO 'a'@'%';");
    const priv = describeQueryFailure(refused(1227, "Access denied; you need (at least one of) the SUPER, X ON *.* TO 'evil'@'%'; -- privilege(s) for this operation"), "replication channels", "SHOW", "a@%", { privilege: "REPLICATION CLIENT", on: "*.*" });
    expect(priv.missing!.grant).toBe("GRANT REPLICATION CLIENT ON *.* TO 'a'@'%';");
  });
  it("a login whose name holds a newline gets the exact GRANT in JSON and a note in text", () => {
    const p = describeQueryFailure(refused(1142, "SELECT command denied to user 'x'@'%' for table `mysql`.`user`"), "accounts", "SELECT", "a\nb@%", { privilege: "SELECT", on: "mysql.user" });
    expect(privilegeFindings([p])[0]).toMatchObject({ fix: "GRANT SELECT ON mysql.user TO 'a\nb'@'%';", fixControlCharacters: ["newline"] });
  });
});
