import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { preflight, unmistakablyTarget } from "../../src/cli/argv.js";
import { AuditError } from "../../src/errors.js";
import { editDistance, nearest } from "../../src/policy/nearest.js";

const program = buildProgram({ exitCode: 0 });
const pre = (...args: string[]) => preflight(["node", "bin", ...args], program).slice(2);
function refused(...args: string[]): AuditError {
  try {
    pre(...args);
  } catch (err) {
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).exitCode).toBe(2);
    return err as AuditError;
  }
  throw new Error(`expected ${args.join(" ")} to be refused`);
}

describe("the command line before commander reads it", () => {
  it("leaves ordinary command lines alone", () => {
    expect(pre("probe", "--json", "db1:3306")).toEqual(["probe", "--json", "db1:3306"]);
    expect(pre("-h", "127.0.0.1", "-P", "13340")).toEqual(["-h", "127.0.0.1", "-P", "13340"]);
    expect(pre("db1", "db2.example.com")).toEqual(["db1", "db2.example.com"]);
    expect(pre("-u", "auditor", "-pS3cret", "host:1")).toEqual(["-u", "auditor", "-pS3cret", "host:1"]);
    // The value of an option that takes one is not a command: `-u cert` is the user "cert".
    expect(pre("-u", "cert", "db1")).toEqual(["-u", "cert", "db1"]);
  });

  it("moves the command word first when options came before it", () => {
    expect(pre("--json", "probe", "db1:3306")).toEqual(["probe", "--json", "db1:3306"]);
    expect(pre("--connect-timeout", "2", "cert", "x:1")).toEqual(["cert", "--connect-timeout", "2", "x:1"]);
  });

  it("refuses a misspelt command with a suggestion, but not a host name", () => {
    expect(refused("prbe", "host").message).toBe('unknown command "prbe" (did you mean probe?); a host by that name is written with its port (prbe:3306)');
    expect(refused("--json", "setings").message).toMatch(/did you mean settings\?/);
    expect(refused("acounts", "db1").message).toMatch(/did you mean accounts\?/);
    // Words with a dot, colon or '@' are hosts; words far from every command are hosts too.
    expect(pre("prbe.example.com")).toEqual(["prbe.example.com"]);
    expect(pre("prbe:3306")).toEqual(["prbe:3306"]);
    expect(pre("dbhost")).toEqual(["dbhost"]);
    expect(pre("certsrv")).toEqual(["certsrv"]);
  });

  it("refuses -p VALUE with a space on every command, without echoing the value", () => {
    for (const args of [
      ["-u", "auditor", "-p", "Aud1t-pass", "host"],
      ["settings", "-u", "auditor", "-p", "Aud1t-pass", "host"],
      ["accounts", "--password", "Aud1t-pass"],
      ["-p", "Aud1t.pass", "db1:3306"],
    ]) {
      const e = refused(...args);
      expect(e.message).not.toMatch(/Aud1t/);
      expect(e.message).toMatch(/takes no separate value/);
    }
  });

  it("takes the word after a bare -p as the target when it can only be one, and then -p prompts", () => {
    expect(pre("settings", "-u", "a", "-p", "db1:3306")).toEqual(["settings", "-u", "a", "db1:3306", "-p"]);
    expect(pre("-p", "mysql://a@db1")).toEqual(["mysql://a@db1", "-p"]);
    expect(pre("-u", "a", "-p", "--json", "db1")).toEqual(["-u", "a", "-p", "--json", "db1"]);
    expect(unmistakablyTarget("db.example.com")).toBe(false);
    expect(unmistakablyTarget("10.0.0.1")).toBe(true);
  });

  it("refuses -p on commands that do not log in, without echoing the value", () => {
    for (const cmd of ["probe", "cert", "ciphers"]) {
      const e = refused(cmd, "-pS3cret", "host:1");
      expect(e.message).toBe(`${cmd} does not log in and takes no -p/--password (its value, if any, is not shown)`);
    }
  });
});

describe("nearest names", () => {
  it("counts typos, transpositions and names cut short", () => {
    expect(editDistance("prbe", "probe")).toBe(1);
    expect(editDistance("porbe", "probe")).toBe(1);
    expect(nearest("cert", ["protocols", "certificate"])).toBe("certificate");
    expect(nearest("xyzzy", ["probe", "cert"])).toBeUndefined();
    expect(nearest("TLS_AES_128_GCM_SHA265", ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"], Infinity)).toBe("TLS_AES_128_GCM_SHA256");
  });
});

describe("what can only be a target", () => {
  it.each([
    ["db1:3306", true],
    ["mysql://a@db1", true],
    ["[::1]:3306", true],
    ["::1", true],
    ["10.0.0.1", true],
    ["localhost", true],
    ["db.example.com", false],
    ["Aud1t:pass", false],
    ["pa.ss", false],
    ["hunter2", false],
  ])("%s: %s", (word, expected) => {
    expect(unmistakablyTarget(word)).toBe(expected);
  });
});
