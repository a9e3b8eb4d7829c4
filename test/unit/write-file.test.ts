import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { checkOutputFile, writeOutputFile } from "../../src/cli/write-file.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "mta-write-file-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("writeOutputFile", () => {
  it("replaces the file by rename, never in place: a hard link to the old file keeps the old content", () => {
    const out = join(dir, "report.xml");
    fs.writeFileSync(out, "old");
    fs.linkSync(out, join(dir, "other-name"));
    writeOutputFile("--junit", out, "new");
    expect(fs.readFileSync(out, "utf8")).toBe("new");
    expect(fs.readFileSync(join(dir, "other-name"), "utf8")).toBe("old");
    expect(fs.readdirSync(dir).sort()).toEqual(["other-name", "report.xml"]);
  });

  it("creates a new file 0666 & ~umask", () => {
    const old = process.umask(0o077);
    try {
      writeOutputFile("--pem", join(dir, "a.pem"), "x");
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(join(dir, "a.pem")).mode & 0o777).toBe(0o600);
    process.umask(0o002);
    try {
      writeOutputFile("--pem", join(dir, "b.pem"), "x");
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(join(dir, "b.pem")).mode & 0o777).toBe(0o664);
  });

  it("a write that fails leaves the old file as it was and no temporary file, and says why in words", () => {
    const out = join(dir, "report.xml");
    fs.writeFileSync(out, "old");
    vi.spyOn(fs, "fsyncSync").mockImplementation(() => {
      throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    });
    expect(() => writeOutputFile("--junit", out, "new")).toThrow(`cannot write --junit ${out}: input/output error`);
    expect(fs.readFileSync(out, "utf8")).toBe("old");
    expect(fs.readdirSync(dir)).toEqual(["report.xml"]);
  });

  it("- is standard output", () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    writeOutputFile("--pem", "-", "pem text");
    expect(write).toHaveBeenCalledWith("pem text\n");
    expect(fs.existsSync("-")).toBe(false);
  });

  it("refuses a symlink even to a file it could write, and a FIFO, without opening them", () => {
    fs.writeFileSync(join(dir, "target"), "keep");
    fs.symlinkSync(join(dir, "target"), join(dir, "link"));
    expect(() => writeOutputFile("--junit", join(dir, "link"), "x")).toThrow(/: it is a symbolic link; links are not followed: give the real path$/);
    expect(() => checkOutputFile("--junit", join(dir, "link"))).toThrow(/it is a symbolic link/);
    expect(fs.readFileSync(join(dir, "target"), "utf8")).toBe("keep");
    fs.mkdirSync(join(dir, "sub"));
    expect(() => writeOutputFile("--pem", join(dir, "sub"), "x")).toThrow(/: it is a directory$/);
    expect(fs.readdirSync(dir).sort()).toEqual(["link", "sub", "target"]);
  });

  it("checkOutputFile creates nothing at the path and leaves no temporary file", () => {
    checkOutputFile("--junit", join(dir, "later.xml"));
    checkOutputFile("--junit", "-");
    expect(() => checkOutputFile("--junit", "")).toThrow("--junit needs a file name (or - for standard output)");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
