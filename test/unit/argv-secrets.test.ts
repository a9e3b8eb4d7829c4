import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskArg, maskEchoes } from "../../src/cli/argv-secrets.js";
import { hidePasswordFromProcessList } from "../../src/cli/process-protection.js";

const PW = "S3cr3t-Pa55";

describe("maskArg", () => {
  it("masks the password of every form the CLI accepts", () => {
    expect(maskArg(`-p${PW}`)).toBe("-p***");
    expect(maskArg(`-qp${PW}`)).toBe("-qp***");
    expect(maskArg(`--password=${PW}`)).toBe("--password=***");
    expect(maskArg(`mysql://root:${PW}@db.example:3306`)).toBe("mysql://root:***@db.example:3306");
    expect(maskArg(`mysql://root:p@ss/w:rd@db`)).toBe("mysql://root:***@db");
    expect(maskArg("-pql")).toBe("-p***");
    // Misspelt, commander rejects it and echoes it whole.
    expect(maskArg(`--pasword=${PW}`)).toBe("--pasword=***");
    expect(maskArg(`--passwd=${PW}`)).toBe("--passwd=***");
  });
  it("leaves arguments without a password alone", () => {
    for (const a of ["-p", "--password", "--password=", "-u", "-uroot", "--port=3306", "db.example:3306", "mysql://root@db", "mysql://db:3306", "--json", "probe", "-q"]) {
      expect(maskArg(a)).toBe(a);
    }
  });
  it("never returns the password, whatever it holds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 30 }), (pw) => {
        expect(maskArg(`-p${pw}`)).toBe("-p***");
        expect(maskArg(`--password=${pw}`)).toBe("--password=***");
        expect(maskArg(`mysql://u:${pw}@db.example:3306`)).toBe("mysql://u:***@db.example:3306");
      }),
    );
  });
});

describe("maskEchoes", () => {
  it("masks commander's echo of a rejected argument, a short password included, and nothing else", () => {
    const argv = ["node", "bin", "probe", "-pql", "db"];
    expect(maskEchoes("error: unknown option '-pql'", argv)).toBe("error: unknown option '-p***'");
    // The short password alone is not masked in other text: "sphinxql" stays whole.
    expect(maskEchoes("sphinxql: syntax error", argv)).toBe("sphinxql: syntax error");
    const long = ["node", "bin", "probe", `--password=${PW}`, `mysql://u:${encodeURIComponent("p@ss word!")}@db`];
    expect(maskEchoes(`unknown option '--password=${PW}' (value ${PW})`, long)).toBe("unknown option '--password=***' (value ***)");
    expect(maskEchoes("bad target mysql://u:p%40ss%20word!@db and p@ss word!", long)).toBe("bad target mysql://u:***@db and ***");
  });
});

describe("the process title", () => {
  it("is rewritten only when an argument carries a password, with the password masked", () => {
    const before = process.title;
    try {
      expect(hidePasswordFromProcessList("node", ["/usr/bin/node", "bin/mysql-tls-audit.js", "probe", "db"], [])).toBe(false);
      expect(process.title).toBe(before);
      expect(hidePasswordFromProcessList("node", ["/usr/bin/node", "bin/mysql-tls-audit.js", "settings", "db", `-p${PW}`], [])).toBe(true);
      expect(process.title).toBe("node bin/mysql-tls-audit.js settings db -p***");
    } finally {
      process.title = before;
    }
  });
});

// Every write to the terminal goes through one sanitizer: output.ts's writers (writeOut/writeErr, Output.out/err,
// commander's output), or terminalSafe on the same line. A new raw process.stdout.write fails here.
describe("the writers", () => {
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
    });
  }
  it("no process.stdout/stderr.write or console.* outside src/cli/output.ts bypasses terminalSafe", () => {
    const offenders: string[] = [];
    for (const f of files("src")) {
      if (f === join("src", "cli", "output.ts")) continue;
      readFileSync(f, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/process\.(stdout|stderr)\.write\(|\bconsole\.\w+\(/.test(line) && !/terminalSafe\(/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
  it("the progress line interpolates only escaped text between its own line controls", () => {
    const writes = readFileSync("src/report/progress.ts", "utf8").split("\n").filter((l) => /\.write\(/.test(l));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) for (const m of w.matchAll(/\$\{([^}]*)\}/g)) expect(m[1], w).toMatch(/^printable\(|^\[\.\.\.printable\(|^FRAMES\[|^CLEAR$/);
  });
});
