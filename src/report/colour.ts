import { backgroundColorNames, Chalk, foregroundColorNames, type ChalkInstance } from "chalk";
import type { Severity } from "./types.js";

/** The one colour seam: off when stdout is not a TTY, NO_COLOR is set, or --no-color/--json was given. */
export function makeColour(opts: { enabled?: boolean; stream?: NodeJS.WriteStream } = {}): ChalkInstance {
  const stream = opts.stream ?? process.stdout;
  const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0";
  const on = opts.enabled !== false && !noColorEnv && (forced || stream.isTTY === true);
  return new Chalk({ level: on ? 1 : 0 });
}

/**
 * The styles our text may use: foreground and background colours, bold, dim, italic and underline. Never
 * hidden (ESC[8m), inverse or reset: those are how a forged screen hides or blanks lines.
 */
const PALETTE = [...foregroundColorNames, ...backgroundColorNames, "bold", "dim", "italic", "underline"] as const;

/** Every SGR sequence (open and close) the palette emits; the only escape sequences the output writers let through. */
export const OUR_SGR: ReadonlySet<string> = (() => {
  const c = new Chalk({ level: 1 });
  const set = new Set<string>();
  // eslint-disable-next-line no-control-regex
  for (const style of PALETTE) for (const m of c[style]("x").matchAll(/\x1b\[[0-9;]*m/g)) set.add(m[0]);
  return set;
})();

/** Colours a severity word consistently everywhere. */
export function paintSeverity(c: ChalkInstance, s: Severity, text: string = s.toUpperCase()): string {
  switch (s) {
    case "critical":
      return c.bgRed.white.bold(text);
    case "high":
      return c.red.bold(text);
    case "medium":
      return c.yellow(text);
    case "low":
      return c.cyan(text);
    case "info":
      return c.gray(text);
    case "error":
      return c.magenta.bold(text);
  }
}

/** Colours a cipher/protocol rating. */
export function paintRating(c: ChalkInstance, rating: string, text: string = rating): string {
  switch (rating) {
    case "insecure":
      return c.red.bold(text);
    case "weak":
      return c.yellow(text);
    case "secure":
      return c.green(text);
    case "recommended":
      return c.green.bold(text);
    default:
      return text;
  }
}

/** Colours a yes/no judgement: good is green, bad is red, unknown is plain. */
export function paintVerdict(c: ChalkInstance, good: boolean | undefined, text: string): string {
  if (good === undefined) return text;
  return good ? c.green(text) : c.red(text);
}
