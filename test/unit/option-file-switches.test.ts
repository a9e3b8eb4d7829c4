// The mysql client's option-file switches and values, as every command reads them (issue 12, item 8).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GLOBAL_OPTION_FILES, optionFilePort, optionFilesFor, optionIsOn, parseOptionFile, readClientOptions } from "../../src/sql/option-file.js";
import { resolveTargets } from "../../src/cli/connection-options.js";
import { fileErrorText } from "../../src/file-error-text.js";

const dir = mkdtempSync(join(tmpdir(), "option-switches-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const values = (text: string) => parseOptionFile(text).get("client")!;

describe("which files", () => {
  it("global files, then --defaults-extra-file, then ~/.my.cnf; --defaults-file only itself; --no-defaults none", () => {
    expect(optionFilesFor({}, "/home/u").map((f) => f.path)).toEqual([...GLOBAL_OPTION_FILES, "/home/u/.my.cnf"]);
    expect(optionFilesFor({ defaultsExtraFile: "x.cnf" }, "/home/u")).toEqual([
      ...GLOBAL_OPTION_FILES.map((p) => ({ path: p, required: false })),
      { path: "x.cnf", required: true },
      { path: "/home/u/.my.cnf", required: false },
    ]);
    expect(optionFilesFor({ defaultsFile: "only.cnf", defaultsExtraFile: "x.cnf" }, "/home/u")).toEqual([{ path: "only.cnf", required: true }]);
    expect(optionFilesFor({ noDefaults: true, defaultsFile: "only.cnf" }, "/home/u")).toEqual([]);
  });

  it("merges [client] and [mysql-tls-audit], the tool's group winning", () => {
    const f = join(dir, "a.cnf");
    writeFileSync(f, "[client]\nhost=a\nport=1\n[mysql]\nhost=ignored\n[mysql-tls-audit]\nport=2\n", { mode: 0o600 });
    const o = readClientOptions({ defaultsFile: f }, dir);
    expect(Object.fromEntries(o.values)).toEqual({ host: "a", port: "2" });
  });
});

describe("values", () => {
  it("booleans as my.cnf writes them, the skip- and loose- prefixes included", () => {
    expect(optionIsOn(values("[client]\nssl-verify-server-cert\n"), "ssl_verify_server_cert")).toBe(true);
    expect(optionIsOn(values("[client]\nssl_verify_server_cert=ON\n"), "ssl_verify_server_cert")).toBe(true);
    expect(optionIsOn(values("[client]\nssl-verify-server-cert=0\n"), "ssl_verify_server_cert")).toBe(false);
    expect(optionIsOn(values("[client]\nskip-ssl-verify-server-cert\n"), "ssl_verify_server_cert")).toBe(false);
    expect(optionIsOn(values("[client]\nloose-ssl-verify-server-cert=TRUE\n"), "ssl_verify_server_cert")).toBe(true);
    expect(optionIsOn(values("[client]\nhost=x\n"), "ssl_verify_server_cert")).toBeUndefined();
  });

  it("a port that is not one is an error naming the option file", () => {
    expect(optionFilePort(values("[client]\nport=3307\n"))).toBe(3307);
    expect(() => optionFilePort(values("[client]\nport=99999\n"))).toThrow(/option file: port "99999" is not a port number/);
  });
});

describe("targets as the mysql client picks the server", () => {
  const cnf = (text: string) => ({ values: values(text), notes: [] });
  it("argument or --host, else the files' host, else localhost; the port named, else --port, else the files', else 3306", () => {
    expect(resolveTargets([], {}, cnf("[client]\n"))).toEqual([{ host: "localhost", port: 3306 }]);
    expect(resolveTargets([], {}, cnf("[client]\nhost=db1\nport=3307\n"))).toEqual([{ host: "db1", port: 3307 }]);
    expect(resolveTargets([], { host: "db2" }, cnf("[client]\nhost=db1\nport=3307\n"))).toEqual([{ host: "db2", port: 3307 }]);
    expect(resolveTargets([], { host: "db2", port: 3310 }, cnf("[client]\nhost=db1\nport=3307\n"))).toEqual([{ host: "db2", port: 3310 }]);
    expect(resolveTargets(["db3", "db4:1"], { port: 3310 }, cnf("[client]\nhost=db1\n"))).toEqual([
      { host: "db3", port: 3310 },
      { host: "db4", port: 1 },
    ]);
    expect(() => resolveTargets(["db3"], { host: "db2" }, cnf("[client]\n"))).toThrow(/named twice/);
    expect(() => resolveTargets([], { host: "a b" }, cnf("[client]\n"))).toThrow(/^--host: invalid target/);
  });
});

describe("file errors in words", () => {
  it.each([
    ["EACCES", "permission denied"],
    ["ENOENT", "no such file or directory"],
    ["EISDIR", "is a directory"],
    ["EROFS", "read-only file system"],
    ["ENOSPC", "no space left on the device"],
  ])("%s", (code, words) => {
    expect(fileErrorText(Object.assign(new Error(`${code}: x, open '/f'`), { code }))).toBe(words);
  });
  it("keeps the text of an unknown error without its code", () => {
    expect(fileErrorText(Object.assign(new Error("EWEIRD: something odd, open '/f'"), { code: "EWEIRD" }))).toBe("something odd");
  });
});
