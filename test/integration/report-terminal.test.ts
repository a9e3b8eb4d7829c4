import { execFileSync } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuild } from "../support/cli.js";
import { startPosture, type MariaDB } from "../support/mariadb.js";

// What a person sees, in a real terminal: tmux at 80 columns runs the built CLI; capture-pane reads the screen.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));
const SOCKET = `mta-report-${process.pid}`;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

function requireTmux(): void {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
  } catch {
    throw new Error("tmux is not installed: apt-get install -y tmux");
  }
}

let session = 0;
/** A fresh 80-column shell in our own tmux server, with env set for it (not typed, so never on the screen). */
function newShell(env: Record<string, string> = {}): string {
  const name = `s${++session}`;
  const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "100", ...envArgs, "bash --norc --noprofile");
  tmux("send-keys", "-t", name, `cd ${ROOT} && PS1='$ ' && unset COLUMNS && clear`, "Enter");
  return name;
}

/** The screen, wrapped lines joined back (-J), so a line the terminal had to wrap shows as longer than 80. */
function screen(name: string): string {
  return tmux("capture-pane", "-p", "-J", "-S", "-", "-t", name);
}

async function waitFor(name: string, test: (s: string) => boolean, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = screen(name);
    if (test(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; the screen was:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let runs = 0;
/**
 * Runs the CLI in the shell and waits for its exit code; returns the screen lines between the command and the exit
 * line. Each run's exit line is its own (EXIT3=...): a run in a shell that ran one before must not take the last
 * run's exit line, still on the screen until `clear` has run, for its own.
 */
async function run(name: string, args: string, envPrefix = ""): Promise<{ lines: string[]; code: number; raw: string }> {
  const mark = `EXIT${++runs}`;
  const exitLine = new RegExp(`^${mark}=(\\d+)$`, "m");
  tmux("send-keys", "-t", name, `clear; ${envPrefix}node ${BIN} ${args}; echo ${mark}=$?`, "Enter");
  const raw = await waitFor(name, (s) => exitLine.test(s));
  const all = raw.split("\n");
  const end = all.findIndex((l) => exitLine.test(l));
  let start = end - 1;
  while (start >= 0 && !all[start]!.includes(BIN)) start--;
  return { lines: all.slice(start + 1, end), code: Number(exitLine.exec(raw)![1]), raw };
}

// A server that accepts and never says a word: the audit waits on it, which is what the progress line must name.
let silent: Server;
const held: Socket[] = [];
let db: MariaDB;
beforeAll(async () => {
  requireTmux();
  requireBuild();
  silent = createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  db = await startPosture("legacy");
  await db.query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-demo-pass' REQUIRE NONE");
});
afterAll(async () => {
  try {
    tmux("kill-server");
  } catch {
    // no server left
  }
  for (const s of held) s.destroy();
  silent?.close();
  await db?.stop();
});
const silentPort = () => (silent.address() as { port: number }).port;

describe("the audit in a real terminal (tmux, 80 columns)", () => {
  it("the legacy posture with a login: at most 50 lines, none wider than 80, verdict and grade first; COLUMNS does not beat the terminal", async () => {
    const sh = newShell({ MYSQL_PWD: db.admin.password });
    // COLUMNS=200 in the environment: the terminal's own 80 columns win.
    const r = await run(sh, `127.0.0.1:${db.port} -u ${db.admin.user} --ssl-ca ${db.certs!.caBundle}`, "COLUMNS=200 ");
    expect(r.code).toBe(1);
    const text = r.lines.join("\n").trimEnd();
    const lines = text.split("\n");
    expect(lines.length, text).toBeLessThanOrEqual(50);
    expect(lines.filter((l) => [...l].length > 80), text).toEqual([]);
    expect(lines[0]).toMatch(/^FAIL 127\.0\.0\.1:\d+, grade F: 1 critical, /);
    expect(text).toContain("Fix plan");
    expect(text).toContain("    [mariadbd]");
    // Each condition once; the anonymous suites, TLS 1.0 and the server-preference finding each on one entry.
    expect(text.match(/\[cipher\.no-server-preference\]/g)).toHaveLength(1);
    expect(text).not.toContain("settings.legacy-tls-version");
    expect(text.match(/^    ssl_cipher=/gm)).toHaveLength(1);
    expect(text).not.toMatch(SPINNER);
    expect(text).not.toContain(db.admin.password);
    // Without --ssl-ca the chain is untrusted too: one more finding and one more step, still one screen.
    const bare = await run(sh, `127.0.0.1:${db.port} -u ${db.admin.user}`);
    const bareLines = bare.lines.join("\n").trimEnd().split("\n");
    expect(bareLines.length, bare.lines.join("\n")).toBeLessThanOrEqual(50);
    expect(bareLines.filter((l) => [...l].length > 80)).toEqual([]);
    expect(bare.lines.join("\n")).toContain("[cert.untrusted]");
  });

  it("progress names the target it waits on, with elapsed time, the right one in a fleet, and is gone when the report starts", async () => {
    const sh = newShell();
    tmux("send-keys", "-t", sh, `clear; node ${BIN} 127.0.0.1:${db.port} 127.0.0.1:${silentPort()} --timeout 4; echo EXIT=$?`, "Enter");
    // The fast target finishes first; from then on the line must name the silent one, never the finished one.
    const during = await waitFor(sh, (s) => s.includes(`✓ 127.0.0.1:${db.port} (1/2)`) && new RegExp(`waiting on 127\\.0\\.0\\.1:${silentPort()}: \\S.* \\(\\d+\\.\\d s\\)`).test(s));
    const spinnerLine = during.split("\n").find((l) => SPINNER.test(l))!;
    expect(spinnerLine).toContain(`127.0.0.1:${silentPort()}`);
    expect(spinnerLine).not.toContain(`127.0.0.1:${db.port}:`);
    const done = await waitFor(sh, (s) => /^EXIT=\d+$/m.test(s));
    expect(done).not.toMatch(SPINNER);
    expect(done).not.toContain("waiting on");
    expect(done).toMatch(/^EXIT=3$/m);
  });

  it("ciphers: the progress line is gone when the report starts", async () => {
    const sh = newShell();
    const r = await run(sh, `ciphers 127.0.0.1:${db.port}`);
    expect(r.code).toBe(1);
    expect(r.raw).not.toMatch(SPINNER);
    expect(r.raw).not.toContain("waiting on");
    expect(r.lines.filter((l) => [...l].length > 80)).toEqual([]);
  });

  it("Ctrl-C ends the run with one word and exit 130, the spinner cleared", async () => {
    const sh = newShell();
    tmux("send-keys", "-t", sh, `clear; node ${BIN} 127.0.0.1:${silentPort()} --timeout 30; echo EXIT=$?`, "Enter");
    await waitFor(sh, (s) => s.includes(`waiting on 127.0.0.1:${silentPort()}`));
    tmux("send-keys", "-t", sh, "C-c");
    const after = await waitFor(sh, (s) => /^EXIT=\d+$/m.test(s), 10_000);
    const lines = after.split("\n").filter((l) => l.trim() !== "");
    const exit = lines.findIndex((l) => /^EXIT=/.test(l));
    expect(lines[exit]).toBe("EXIT=130");
    expect(lines[exit - 1]).toBe("interrupted");
    expect(after).not.toMatch(SPINNER);
    expect(after).not.toContain("waiting on");
  });
});
