import type { ChalkInstance } from "chalk";
import { makeColour } from "../report/colour.js";
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
  return {
    c,
    plain: c.level === 0,
    json: o.json === true,
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : text + "\n"),
  };
}

/** The fields every --json document starts with (shared/DESIGN.md). */
export function envelope(command: string, target: Pick<Target, "host" | "port">): Envelope {
  return { schemaVersion: SCHEMA_VERSION, tool: { ...TOOL }, target: { host: target.host, port: target.port }, command };
}

/** Writes one JSON document to stdout. */
export function printJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
}
