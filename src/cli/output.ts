import type { ChalkInstance } from "chalk";
import { makeColour } from "../report/colour.js";
import { ACTIVE_BEYOND_C0, terminalSafe } from "../report/printable.js";
import { SCHEMA_VERSION, type Envelope } from "../report/types.js";
import { TOOL } from "../version.js";
import type { Target } from "../net/target.js";
import type { CommonOptions } from "./options.js";

/** Where a command writes: colour and plainness decided once, from the options and the terminal. */
export interface Output {
  c: ChalkInstance;
  plain: boolean;
  json: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** Builds the Output for a command's options. */
export function makeOutput(o: Pick<CommonOptions, "json" | "color">): Output {
  const c = makeColour({ enabled: o.color !== false && !o.json });
  const colour = c.level > 0;
  return {
    c,
    plain: !colour,
    json: o.json === true,
    out: (text) => writeOut(text, { colour }),
    err: (text) => writeErr(text, { colour }),
  };
}

// The run's own passwords (argv, MYSQL_PWD), masked in everything written: a hostile server may echo one back
// inside text that reaches a report (an ERR greeting, a query error). main.ts sets it once per run.
let maskSecrets: (text: string) => string = (text) => text;

/** Sets the masking every writer applies (main.ts: the passwords of this run's argv and MYSQL_PWD). */
export function setSecretMask(mask: (text: string) => string): void {
  maskSecrets = mask;
}

/**
 * The writers every byte for the terminal goes through (commander's too, see main.ts): one line or more, ended by
 * "\n", passed through terminalSafe, so only "\n" and, with colour on, our palette's SGR sequences survive.
 */
export function writeOut(text: string, opts: { colour?: boolean } = {}): void {
  process.stdout.write(lineOf(terminalSafe(maskSecrets(text), { colour: opts.colour === true })));
}

/** As writeOut, for stderr; without colour unless asked. */
export function writeErr(text: string, opts: { colour?: boolean } = {}): void {
  process.stderr.write(lineOf(terminalSafe(maskSecrets(text), { colour: opts.colour === true })));
}

function lineOf(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}

/**
 * JSON.stringify escapes C0 controls (ESC becomes \u001b) but leaves DEL, the C1 controls, the bidi controls and
 * U+2028/U+2029 raw; written as \uXXXX escapes they mean the same JSON value and a terminal shows them inertly.
 */
export function jsonText(doc: unknown): string {
  return jsonEscaped(JSON.stringify(doc, null, 2));
}

/** One JSON document on one line (NDJSON), escaped as jsonText escapes. */
export function jsonLine(doc: unknown): string {
  return jsonEscaped(JSON.stringify(doc));
}

function jsonEscaped(json: string): string {
  return json.replace(ACTIVE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const ACTIVE_IN_JSON = new RegExp(`[${ACTIVE_BEYOND_C0}]`, "g");

/** The fields every --json document starts with (shared/DESIGN.md). */
export function envelope(command: string, target: Pick<Target, "host" | "port">): Envelope {
  return { schemaVersion: SCHEMA_VERSION, tool: { ...TOOL }, target: { host: target.host, port: target.port }, command };
}

/** Writes one JSON document to stdout. */
export function printJson(doc: unknown): void {
  writeOut(jsonText(doc));
}
