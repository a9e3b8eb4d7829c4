import { describe, expect, it } from "vitest";
import { startProgress } from "../../src/report/progress.js";

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 60, text: "", write(chunk: string) {
    s.text += chunk;
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe("the progress line", () => {
  it("draws on a terminal and clears its line when stopped", () => {
    const s = fakeStream(true);
    const p = startProgress({ stream: s });
    p.update("127.0.0.1:3306: ciphers");
    p.log("✓ 127.0.0.1:3306 (1/2)");
    p.stop();
    expect(s.text).toContain("127.0.0.1:3306: ciphers");
    expect(s.text).toContain("✓ 127.0.0.1:3306 (1/2)\n");
    expect(s.text.endsWith("\r\x1b[2K")).toBe(true);
    const after = s.text.length;
    p.update("late");
    expect(s.text.length).toBe(after);
  });

  it("prints nothing when the stream is not a terminal (piped) or with --quiet", () => {
    for (const [tty, quiet] of [[false, false], [true, true]] as const) {
      const s = fakeStream(tty);
      const p = startProgress({ stream: s, quiet });
      p.update("working");
      p.log("done");
      p.stop();
      expect(s.text).toBe("");
    }
  });

  it("cuts a long line to the terminal's width", () => {
    const s = fakeStream(true);
    const p = startProgress({ stream: s });
    p.update("x".repeat(500));
    p.stop();
    expect(s.text).not.toContain("x".repeat(58));
    expect(s.text).toContain("x".repeat(57));
  });
});
