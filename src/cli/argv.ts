// The command line as a person types it, made safe before commander reads it: the command word found wherever it
// stands, a misspelt command refused with a suggestion, and a password never taken from a separate word.
import type { Command, Option } from "commander";
import { AuditError } from "../errors.js";
import { nearest } from "../policy/nearest.js";

const PASSWORD_FLAGS = ["-p", "--password"];

/** True for a word that can only be a target: mysql://, host:port, [ipv6](:port), an IPv6 or IPv4 address, or localhost. */
export function unmistakablyTarget(word: string): boolean {
  return (
    /^mysql:\/\//i.test(word) ||
    /^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(word) ||
    /^[a-z0-9._-]+:\d{1,5}$/i.test(word) ||
    /^[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$/i.test(word) ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(word) ||
    word.toLowerCase() === "localhost"
  );
}

/** True for a word that could be a host name rather than a command: it has a dot, colon, '@' or '/'. */
export function looksLikeHost(word: string): boolean {
  return /[.:@/[]/.test(word) || word.toLowerCase() === "localhost";
}

function findOption(program: Command, flag: string): Option | undefined {
  for (const c of [program, ...program.commands]) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

/**
 * Checks and reorders argv (node, script, ...args) before commander parses it:
 * - the command word is moved first when options came before it (`--json probe host`);
 * - a first word that is not a command, does not look like a host and is close to a command name is an error
 *   with a suggestion (`prbe host`), since the default command would audit it as a host;
 * - a bare -p followed by a separate word is refused unless that word is unmistakably the only target (then it
 *   is the target and -p prompts, as the mysql client does); the word is never echoed;
 * - -p on a command that does not log in is refused, without echoing a value.
 */
export function preflight(argv: readonly string[], program: Command): string[] {
  const head = argv.slice(0, 2);
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const scan = end >= 0 ? args.slice(0, end) : args;
  const operands: number[] = [];
  const bareP: number[] = [];
  const anyP: number[] = [];
  for (let i = 0; i < scan.length; i++) {
    const a = scan[i]!;
    if (a.startsWith("-") && a !== "-") {
      if (PASSWORD_FLAGS.includes(a)) {
        bareP.push(i);
        anyP.push(i);
        continue;
      }
      if (/^-p./.test(a) || a.startsWith("--password=")) {
        anyP.push(i);
        continue;
      }
      if (a.includes("=")) continue;
      // -uroot, -P3307: a short option with its value attached.
      if (/^-[^-]./.test(a)) continue;
      if (findOption(program, a)?.required) i++;
      continue;
    }
    operands.push(i);
  }
  const names = program.commands.map((c) => c.name());
  let command = "audit";
  let commandAt: number | undefined;
  const first = operands[0];
  if (first !== undefined) {
    const word = scan[first]!;
    if (names.includes(word) || word === "help") {
      command = word;
      commandAt = first;
      operands.shift();
    } else if (!looksLikeHost(word)) {
      const close = nearest(word, names, 2);
      if (close) throw new AuditError("usage", `unknown command "${word}" (did you mean ${close}?); a host by that name is written with its port (${word}:3306)`);
    }
  }
  if (commandAt !== undefined && commandAt > 0) {
    // `--json probe host`: options before the command word; check again with the command first.
    const moved = [...args];
    moved.splice(commandAt, 1);
    return preflight([...head, command, ...moved], program);
  }
  const cmd = program.commands.find((c) => c.name() === command);
  if (anyP.length && cmd && !cmd.options.some((o) => o.long === "--password")) {
    throw new AuditError("usage", `${command} does not log in and takes no -p/--password (its value, if any, is not shown)`);
  }
  const out = [...args];
  const p = bareP[bareP.length - 1];
  const next = p === undefined ? undefined : scan[p + 1];
  if (p !== undefined && next !== undefined && !next.startsWith("-")) {
    const others = operands.filter((i) => i !== p + 1);
    if (!unmistakablyTarget(next) || others.length > 0) {
      throw new AuditError(
        "usage",
        `${scan[p]} takes no separate value: the word after it was neither used nor shown; write -pVALUE or --password=VALUE, or ${scan[p]} alone to be prompted`,
      );
    }
    // `-p host:3306`: the word is the target and -p prompts, as the mysql client does; commander must not take it.
    out[p] = next;
    out[p + 1] = scan[p]!;
  }
  return [...head, ...out];
}
