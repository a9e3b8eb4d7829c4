import { printable } from "./printable.js";

/** A progress line on stderr; a no-op unless stderr is a terminal and the user did not ask for quiet. */
export interface Progress {
  /** Sets the text after the spinner. */
  update(text: string): void;
  /** Prints a line that stays (e.g. a finished target), above the spinner. */
  log(text: string): void;
  /** Clears the line and stops the timer. */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Starts a spinner on stream when it is a TTY and quiet is off; otherwise returns a progress that prints nothing. */
export function startProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || stream.isTTY !== true) return { update() {}, log() {}, stop() {} };
  let text = "";
  let frame = 0;
  let stopped = false;
  const draw = (): void => {
    const width = Math.max(20, (stream.columns || 80) - 3);
    // Our own line controls around text made inert: a target name or server text cannot move the cursor.
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${printable(text).slice(0, width)}`);
  };
  const timer = setInterval(draw, 100);
  // The spinner must never keep the process alive on its own.
  timer.unref();
  return {
    update(t) {
      if (stopped) return;
      text = t;
      draw();
    },
    log(t) {
      if (stopped) return;
      stream.write(`\r\x1b[2K${printable(t)}\n`);
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write("\r\x1b[2K");
    },
  };
}
