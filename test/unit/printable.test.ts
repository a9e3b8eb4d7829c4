import { describe, expect, it } from "vitest";
import { printable } from "../../src/report/printable.js";
import { renderTable } from "../../src/report/table.js";
import { AuditError } from "../../src/errors.js";

describe("printable", () => {
  it("escapes control characters a hostile server could use to rewrite the terminal", () => {
    expect(printable("8.0.1\x1b[2J\x1b]0;owned\x07\r\nfake line")).toBe("8.0.1\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x0afake line");
  });
  it("keeps our own colour and, when asked, our own newlines", () => {
    expect(printable("\x1b[31mred\x1b[39m", { keepColour: true })).toBe("\x1b[31mred\x1b[39m");
    expect(printable("a\nb\tc", { keepNewlines: true })).toBe("a\nb\\x09c");
  });
  it("is applied to table cells and one-line errors", () => {
    expect(renderTable([], [["Server version", "5.7\x1b[2J"]], { plain: true })).toBe("Server version  5.7\\x1b[2J");
    expect(new AuditError("server-error", "Host blocked\nnext", { target: "db:3306", step: "greeting" }).oneLine()).toBe("db:3306: greeting: Host blocked\\x0anext");
  });
});
