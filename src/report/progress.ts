import { printable } from "./printable.js";

/** A progress line on stderr; it draws only when stderr is a terminal and the user did not ask for quiet. */
export interface Progress {
  /** Sets what the run waits on now, for one target (a fleet runs several at once). */
  step(label: string, text: string): void;
  /** The target is finished: it is no longer waited on. */
  done(label: string): void;
  /** Sets the text after the spinner, for a run of one thing (no target label). */
  update(text: string): void;
  /** Prints a line that stays (e.g. a finished target), above the spinner. */
  log(text: string): void;
  /** Clears the line and stops the timer and the Ctrl-C handler: call it before the report is printed. */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR = "\r\x1b[2K";

interface Options {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** What Ctrl-C does after the line is cleared and "interrupted" written (default: exit 130); tests replace it. */
  onInterrupt?: () => void;
  /** The clock, in milliseconds (tests replace it). */
  now?: () => number;
}

/**
 * Starts the progress line. It names what the run waits on (the target whose current step has run longest) with
 * its elapsed time, and how many other targets are running. Ctrl-C clears it, writes "interrupted" and exits 130;
 * that holds without a terminal too, so a piped run ends the same way.
 */
export function startProgress(opts: Options = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const draws = opts.quiet !== true && stream.isTTY === true;
  const active = new Map<string, { text: string; since: number }>();
  let single: { text: string; since: number } | undefined;
  let frame = 0;
  let stopped = false;
  let drawn = false;

  const line = (): string => {
    const entries = [...active.entries()].sort((a, b) => a[1].since - b[1].since);
    const secs = (since: number): string => `${((now() - since) / 1000).toFixed(1)} s`;
    if (entries.length > 0) {
      const [label, cur] = entries[0]!;
      const more = entries.length > 1 ? `; ${entries.length - 1} more running` : "";
      return `waiting on ${label}: ${cur.text} (${secs(cur.since)})${more}`;
    }
    return single ? `${single.text} (${secs(single.since)})` : "";
  };
  const draw = (): void => {
    if (!draws || stopped) return;
    const text = line();
    if (text === "") return;
    const width = Math.max(20, (stream.columns || 80) - 3);
    // Our own line controls around text made inert: a target name or server text cannot move the cursor.
    stream.write(`${CLEAR}${FRAMES[frame++ % FRAMES.length]} ${[...printable(text)].slice(0, width).join("")}`);
    drawn = true;
  };
  const timer = draws ? setInterval(draw, 100) : undefined;
  // The spinner must never keep the process alive on its own.
  timer?.unref();

  const interrupt = (): void => {
    stop();
    stream.write("interrupted\n");
    (opts.onInterrupt ?? (() => process.exit(130)))();
  };
  process.once("SIGINT", interrupt);

  function stop(): void {
    if (stopped) return;
    stopped = true;
    if (timer) clearInterval(timer);
    process.removeListener("SIGINT", interrupt);
    if (drawn) stream.write(CLEAR);
  }

  return {
    step(label, text) {
      if (stopped) return;
      const cur = active.get(label);
      // Elapsed time counts from the target's first step: how long the run has waited on it.
      active.set(label, { text, since: cur ? cur.since : now() });
      draw();
    },
    done(label) {
      active.delete(label);
      draw();
    },
    update(text) {
      if (stopped) return;
      single = { text, since: single ? single.since : now() };
      draw();
    },
    log(text) {
      if (stopped || !draws) return;
      stream.write(`${CLEAR}${printable(text)}\n`);
      draw();
    },
    stop,
  };
}
