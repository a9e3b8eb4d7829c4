// A real terminal for tests: a private tmux server (its own socket, no config file), one window per command.
// What a person would see is read back with capture-pane; the window title with #{pane_title}.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireBinary } from "./require-binaries.js";

const run = promisify(execFile);

export interface PaneResult {
  /** The pane's text, history included, wrapped lines joined (capture-pane -p -J -S - -E -). */
  text: string;
  /** The same with attributes as SGR sequences (capture-pane -e). */
  styled: string;
  /** #{pane_title} after the command ran (set to BASELINE_TITLE before it started). */
  title: string;
  /** Lines scrolled off the top (#{history_size}); 0 when the output fitted and nothing scrolled or cleared. */
  historySize: number;
  /** The command's exit status. */
  exitCode: number;
}

export interface Tmux {
  /**
   * Runs argv in a new window (the size given to startTmux): prints MARKER on its own line, then runs argv with
   * `env` (variables mapped to undefined are unset), waits for it to end, and returns what the pane shows.
   */
  run(argv: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<PaneResult>;
  stop(): Promise<void>;
}

export const MARKER = "=== TOP OF SCREEN: nothing may clear, scroll or overwrite this line ===";
export const BASELINE_TITLE = "mta-baseline-title";

/** Starts a private tmux server; fails (never skips) without tmux, naming the package to install. */
export async function startTmux(size: { width: number; height: number } = { width: 200, height: 150 }): Promise<Tmux> {
  const bin = requireBinary("tmux", "tmux");
  const socket = `mta-${process.pid}-${randomBytes(4).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "mta-tmux-"));
  const tmux = async (...args: string[]): Promise<string> => (await run(bin, ["-L", socket, "-f", "/dev/null", ...args], { maxBuffer: 64 << 20 })).stdout;
  // A keeper session holds the server up; each command gets its own window.
  await tmux("new-session", "-d", "-s", "keeper", "-x", String(size.width), "-y", String(size.height), "sleep", "100000");
  await tmux("set-option", "-g", "history-limit", "10000");
  let n = 0;
  return {
    async run(argv, opts = {}) {
      const name = `w${++n}`;
      const statusFile = join(dir, `${name}.status`);
      const readyFile = join(dir, `${name}.ready`);
      const env = Object.entries(opts.env ?? {});
      const unset = env.filter(([, v]) => v === undefined).flatMap(([k]) => ["-u", k]);
      const set = env.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
      // The command waits for one Enter (not echoed), so the baseline title is in place before it writes anything;
      // afterwards the shell sleeps, so nothing but the command ever writes to the pane. The Enter goes only once
      // echo is off (the ready file): sent earlier, on a loaded machine, the terminal echoed it as an empty first line.
      const script = `stty -echo; : > ${q(readyFile)}; read go; printf '%s\n' "$MTA_MARKER"; env ${[...unset, ...set].map(q).join(" ")} "$@"; echo $? > ${q(statusFile)}; exec sleep 100000`;
      const pane = (
        await tmux("new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "keeper", "-n", name, "-e", `MTA_MARKER=${MARKER}`, "--", "sh", "-c", script, "sh", ...argv)
      ).trim();
      await tmux("select-pane", "-t", pane, "-T", BASELINE_TITLE);
      const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
      while (!existsSync(readyFile)) {
        if (Date.now() > deadline) throw new Error(`tmux: the window for ${argv.join(" ")} never became ready`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await tmux("send-keys", "-t", pane, "Enter");
      while (!existsSync(statusFile) || readFileSync(statusFile, "utf8").trim() === "") {
        if (Date.now() > deadline) {
          await tmux("kill-window", "-t", pane);
          throw new Error(`tmux: ${argv.join(" ")} did not end within ${opts.timeoutMs ?? 60_000} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const [text, styled, info] = await Promise.all([
        tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", pane),
        tmux("capture-pane", "-p", "-J", "-e", "-S", "-", "-E", "-", "-t", pane),
        tmux("display-message", "-p", "-t", pane, "#{pane_title}\t#{history_size}"),
      ]);
      const [title, history] = info.replace(/\n$/, "").split("\t");
      await tmux("kill-window", "-t", pane);
      return { text: trimEnd(text), styled: trimEnd(styled), title: title ?? "", historySize: Number(history), exitCode: Number(readFileSync(statusFile, "utf8").trim()) };
    },
    async stop() {
      await tmux("kill-server").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function trimEnd(s: string): string {
  return s.replace(/\n+$/, "\n");
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
