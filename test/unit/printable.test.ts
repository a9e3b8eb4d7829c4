import fc from "fast-check";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { printable, terminalSafe } from "../../src/report/printable.js";
import { OUR_SGR, paintSeverity, paintVerdict } from "../../src/report/colour.js";
import { renderTable } from "../../src/report/table.js";
import { renderFindings } from "../../src/report/findings-text.js";
import { startProgress } from "../../src/report/progress.js";
import { AuditError } from "../../src/errors.js";
import { jsonText } from "../../src/cli/output.js";

// Everything a terminal acts on besides "\n": C0 (ESC, CR, BS, BEL, ...), DEL, C1 (U+009B CSI, U+009D OSC, ...),
// bidi controls, line and paragraph separators.
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ESC_SEQ = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

// Strings built from the pieces of real attacks, so the properties meet ESC[8m, OSC and CSI often.
const hostileUnit = fc.oneof(
  fc.constantFrom("\x1b", "[", "]", "0", "2", "8", "31", ";", "m", "J", "H", "A", "\x07", "\r", "\n", "\t", "\b", "\x7f", "\x9b", "\x9d", "\x85", "\u202e", "\u2066", "\u200f", "\u061c", "\u2028", "PASS: 0 findings", "a"),
  fc.constantFrom(...OUR_SGR),
  fc.string({ unit: "binary", maxLength: 3 }),
);
const hostile = fc.array(hostileUnit, { maxLength: 40 }).map((a) => a.join(""));

describe("printable", () => {
  it("escapes control characters a hostile server could use to rewrite the terminal", () => {
    expect(printable("8.0.1\x1b[2J\x1b]0;owned\x07\r\nfake line")).toBe("8.0.1\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x0afake line");
  });
  it("escapes C1 controls (8-bit CSI and OSC), DEL and bidi controls, which used to pass", () => {
    expect(printable("a\u009b2Jb\u009d0;t\u0007c\u007f")).toBe("a\\x9b2Jb\\x9d0;t\\x07c\\x7f");
    expect(printable("user\u202Egnp.exe \u2066x\u2069 \u200e\u200f\u061c")).toBe("user\\u202egnp.exe \\u2066x\\u2069 \\u200e\\u200f\\u061c");
    expect(printable("line\u2028sep\u2029")).toBe("line\\u2028sep\\u2029");
  });
  it("keeps our own colour and, when asked, our own newlines; never conceal or any other SGR", () => {
    expect(printable("\x1b[31mred\x1b[39m", { keepColour: true })).toBe("\x1b[31mred\x1b[39m");
    expect(printable("a\nb\tc", { keepNewlines: true })).toBe("a\nb\\x09c");
    // ESC[8m hid every line after it, even with --no-color; inverse, blink and reset are no part of our palette.
    for (const seq of ["\x1b[8m", "\x1b[7m", "\x1b[5m", "\x1b[0m", "\x1b[31;8m", "\x1b[m", "\x1b[38;5;1m"]) {
      expect(printable(`x${seq}y`, { keepColour: true })).toBe(`x\\x1b${seq.slice(1)}y`);
    }
    // Without keepColour (server text) even our palette's sequences are escaped: red on red hides text too.
    expect(printable("\x1b[41m\x1b[31mhidden")).toBe("\\x1b[41m\\x1b[31mhidden");
  });
  it("derives the palette from the styles our renderers use", () => {
    const c = new Chalk({ level: 1 });
    for (const s of [paintSeverity(c, "critical"), paintSeverity(c, "info"), paintVerdict(c, true, "ok"), c.bold("b"), c.gray("g")]) {
      for (const m of s.matchAll(ESC_SEQ)) expect(OUR_SGR.has(m[0]), JSON.stringify(m[0])).toBe(true);
    }
    expect(OUR_SGR.has("\x1b[8m")).toBe(false);
    expect(OUR_SGR.has("\x1b[7m")).toBe(false);
    expect(OUR_SGR.has("\x1b[0m")).toBe(false);
  });
  it("is applied to table cells, findings and one-line errors", () => {
    expect(renderTable([], [["Server version", "5.7\x1b[2J"]], { plain: true })).toBe("Server version  5.7\\x1b[2J");
    expect(renderTable([], [["Server version", "5.7\x1b[8m\u009b2J"]], { plain: false })).not.toMatch(/\x1b\[8m|\u009b/); // eslint-disable-line no-control-regex
    expect(new AuditError("server-error", "Host blocked\nnext", { target: "db:3306", step: "greeting" }).oneLine()).toBe("db:3306: greeting: Host blocked\\x0anext");
    const f = renderFindings([{ id: "x.y", severity: "high", title: "t\x1b]0;pwned\x07", evidence: "e\rPASS: 0 findings\u202e", fix: "ALTER USER 'a\x1b[8m'@'%';" }], new Chalk({ level: 1 }));
    expect(ACTIVE.test(f.replace(ESC_SEQ, ""))).toBe(false);
    for (const m of f.matchAll(ESC_SEQ)) expect(OUR_SGR.has(m[0])).toBe(true);
  });
  it("makes the progress line inert: our own line controls only", () => {
    let written = "";
    const stream = { isTTY: true, columns: 200, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const p = startProgress({ stream });
    p.update("db\x1b]0;pwned\x07\x1b[2J");
    p.log("\u009b1A\rPASS: 0 findings");
    p.stop();
    const ours = written.split("\r\x1b[2K").join("");
    expect(ACTIVE.test(ours.replace(/\n/g, ""))).toBe(false);
    expect(ours).toContain("db\\x1b]0;pwned\\x07\\x1b[2J");
    expect(ours).toContain("\\x9b1A\\x0dPASS: 0 findings");
  });
});

describe("terminalSafe, the last step before stdout and stderr", () => {
  it("leaves no active character, and no ESC at all without colour", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = terminalSafe(s, { colour: false });
        expect(out.includes("\x1b")).toBe(false);
        expect(ACTIVE.test(out)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
  it("with colour, every ESC starts one of our palette's SGR sequences", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = terminalSafe(s, { colour: true });
        expect(ACTIVE.test(out.replace(ESC_SEQ, (m) => (OUR_SGR.has(m) ? "" : m)))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
  it("is idempotent, and the identity on text that is already safe", () => {
    fc.assert(
      fc.property(hostile, fc.boolean(), (s, colour) => {
        const once = terminalSafe(s, { colour });
        expect(terminalSafe(once, { colour })).toBe(once);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (s) => {
        fc.pre(!ACTIVE.test(s));
        expect(terminalSafe(s, { colour: false })).toBe(s);
      }),
    );
  });
  it("keeps what printable escaped from the server readable: our colour around escaped server text survives", () => {
    const c = new Chalk({ level: 1 });
    const line = c.red(`Could not audit db: ${printable("8.0\x1b[8m\x1b]0;pwned\x07")}`);
    expect(terminalSafe(line, { colour: true })).toBe(line);
    expect(terminalSafe(line, { colour: false })).toBe(line.replace(/\x1b/g, "\\x1b")); // eslint-disable-line no-control-regex
  });
});

describe("jsonText", () => {
  it("writes C1, DEL, bidi and line separators as \\u escapes: the same JSON value, inert on a terminal", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const text = jsonText({ version: s, [s]: 1 });
        expect(ACTIVE.test(text.replace(/\n/g, ""))).toBe(false);
        expect(JSON.parse(text)).toEqual({ version: s, [s]: 1 });
      }),
      { numRuns: 1000 },
    );
  });
});
