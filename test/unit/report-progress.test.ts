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

describe("what the progress line says", () => {
  it("names the target waited on longest, with its elapsed time, and forgets finished targets", () => {
    const s = fakeStream(true);
    let t = 0;
    const p = startProgress({ stream: s, now: () => t, onInterrupt: () => undefined });
    p.step("a:3306", "connecting");
    t = 500;
    p.step("b:3306", "connecting");
    t = 1500;
    p.step("b:3306", "scanning TLSv1.2");
    const last = () => s.text.split("\r\x1b[2K").at(-1)!;
    expect(last()).toContain("waiting on a:3306: connecting (1.5 s); 1 more running");
    p.done("a:3306");
    t = 2500;
    p.step("b:3306", "checking settings");
    // b started at 0.5 s: its elapsed time counts from its first step, not its latest.
    expect(last()).toContain("waiting on b:3306: checking settings (2.0 s)");
    expect(last()).not.toContain("a:3306");
    p.stop();
  });

  it("Ctrl-C clears the line, says interrupted, and ends the run; stop() removes the handler", () => {
    const s = fakeStream(true);
    let ended = 0;
    const before = process.listenerCount("SIGINT");
    const p = startProgress({ stream: s, onInterrupt: () => void ended++ });
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    p.update("waiting");
    process.emit("SIGINT");
    expect(ended).toBe(1);
    expect(s.text.endsWith("\r\x1b[2Kinterrupted\n")).toBe(true);
    expect(process.listenerCount("SIGINT")).toBe(before);
    const q = startProgress({ stream: fakeStream(false), onInterrupt: () => void ended++ });
    q.stop();
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  it("says interrupted without a terminal too, with no escape codes", () => {
    const s = fakeStream(false);
    let ended = 0;
    startProgress({ stream: s, onInterrupt: () => void ended++ });
    process.emit("SIGINT");
    expect(ended).toBe(1);
    expect(s.text).toBe("interrupted\n");
  });
});
