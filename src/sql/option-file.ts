import fs from "node:fs";
import path from "node:path";
import { AuditError } from "../errors.js";
import { fileErrorText } from "../file-error-text.js";
import { portNumber } from "../net/target.js";

/** Options by group, as the mysql client reads my.cnf: keys normalised to lower case with '_' for '-'. */
export type OptionGroups = Map<string, Map<string, string>>;

/** One file that was read, or skipped and why (never its contents). */
export interface OptionFileNote {
  path: string;
  read: boolean;
  reason?: string;
}

/** Parses my.cnf text: [group], key=value, bare key, '#'/';' comments, quotes and the mysql escape sequences. */
export function parseOptionFile(text: string, into: OptionGroups = new Map(), onInclude?: (directive: "include" | "includedir", arg: string) => void): OptionGroups {
  let group: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const inc = /^!(include|includedir)\s+(.+)$/.exec(line);
    if (inc) {
      onInclude?.(inc[1] as "include" | "includedir", inc[2]!.trim());
      continue;
    }
    const g = /^\[([^\]]+)\]/.exec(line);
    if (g) {
      const name = g[1]!.trim().toLowerCase();
      group = into.get(name);
      if (!group) into.set(name, (group = new Map()));
      continue;
    }
    if (!group) continue; // options before any group are ignored by the mysql client too
    const eq = line.indexOf("=");
    const key = normaliseKey(eq >= 0 ? line.slice(0, eq) : stripComment(line));
    if (key === "") continue;
    group.set(key, eq >= 0 ? parseValue(line.slice(eq + 1)) : "");
  }
  return into;
}

/** "ssl-ca", "ssl_ca", "SSL-CA" and "loose-ssl-ca" are one option to the mysql client. */
export function normaliseKey(k: string): string {
  return k.trim().toLowerCase().replace(/-/g, "_").replace(/^loose_/, "");
}

function stripComment(s: string): string {
  const i = s.indexOf("#");
  return i >= 0 ? s.slice(0, i) : s;
}

// As my_load_defaults: a quoted value ends at its closing quote; an unquoted one at an unquoted '#'.
function parseValue(rawValue: string): string {
  const v = rawValue.trim();
  const q = v[0];
  if (q === '"' || q === "'") {
    let out = "";
    for (let i = 1; i < v.length; i++) {
      const ch = v[i]!;
      if (ch === q) return out;
      if (ch === "\\" && i + 1 < v.length) {
        out += unescape(v[++i]!);
        continue;
      }
      out += ch;
    }
    return out; // no closing quote: take the rest, as the client does
  }
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === "#") break;
    if (ch === "\\" && i + 1 < v.length) {
      out += unescape(v[++i]!);
      continue;
    }
    out += ch;
  }
  return out.trimEnd();
}

function unescape(ch: string): string {
  switch (ch) {
    case "n":
      return "\n";
    case "t":
      return "\t";
    case "r":
      return "\r";
    case "b":
      return "\b";
    case "s":
      return " ";
    case "\\":
      return "\\";
    default:
      return "\\" + ch;
  }
}

/** Reads option files in order (later overrides earlier), following !include and !includedir. */
export function readOptionFiles(files: { path: string; required: boolean }[], warn: (msg: string) => void = () => {}): { groups: OptionGroups; notes: OptionFileNote[] } {
  const groups: OptionGroups = new Map();
  const notes: OptionFileNote[] = [];
  const seen = new Set<string>();
  const readOne = (file: string, required: boolean, depth: number): void => {
    const abs = path.resolve(file);
    if (seen.has(abs) || depth > 10) return;
    seen.add(abs);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      if (required) throw new AuditError("usage", `cannot read option file ${file}: ${fileErrorText(err)}`);
      notes.push({ path: abs, read: false, reason: fileErrorText(err) });
      return;
    }
    // The mysql client ignores a world-writable option file, since anyone could plant credentials in it.
    if ((st.mode & 0o002) !== 0) {
      warn(`Warning: World-writable config file '${abs}' is ignored.`);
      notes.push({ path: abs, read: false, reason: "world-writable" });
      return;
    }
    let text: string;
    try {
      text = fs.readFileSync(abs, "utf8");
    } catch (err) {
      if (required) throw new AuditError("usage", `cannot read option file ${file}: ${fileErrorText(err)}`);
      notes.push({ path: abs, read: false, reason: fileErrorText(err) });
      return;
    }
    notes.push({ path: abs, read: true });
    parseOptionFile(text, groups, (directive, arg) => {
      const target = path.resolve(path.dirname(abs), arg);
      if (directive === "include") readOne(target, false, depth + 1);
      else {
        let entries: string[] = [];
        try {
          entries = fs.readdirSync(target).filter((n) => n.endsWith(".cnf")).sort();
        } catch {
          notes.push({ path: target, read: false, reason: "cannot list directory" });
        }
        for (const n of entries) readOne(path.join(target, n), false, depth + 1);
      }
    });
  };
  for (const f of files) readOne(f.path, f.required, 0);
  return { groups, notes };
}

/** The merged options of the given groups, later groups overriding earlier ones. */
export function mergeGroups(groups: OptionGroups, names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) for (const [k, v] of groups.get(n) ?? []) out.set(k, v);
  return out;
}

/** The option-file switches of the mysql client, as every command takes them. */
export interface OptionFileSwitches {
  /** --defaults-file: read only this file (it must exist). */
  defaultsFile?: string;
  /** --defaults-extra-file: read this file (it must exist) after the global files and before ~/.my.cnf. */
  defaultsExtraFile?: string;
  /** --no-defaults: read no option file. */
  noDefaults?: boolean;
}

/** The global option files the mysql and mariadb clients read on Unix, in order. */
export const GLOBAL_OPTION_FILES = ["/etc/my.cnf", "/etc/mysql/my.cnf"];

/** The files to read, in the mysql client's order: global files, --defaults-extra-file, then ~/.my.cnf. */
export function optionFilesFor(s: OptionFileSwitches, home: string): { path: string; required: boolean }[] {
  if (s.noDefaults) return [];
  if (s.defaultsFile !== undefined) return [{ path: s.defaultsFile, required: true }];
  return [
    ...GLOBAL_OPTION_FILES.map((p) => ({ path: p, required: false })),
    ...(s.defaultsExtraFile !== undefined ? [{ path: s.defaultsExtraFile, required: true }] : []),
    { path: path.join(home, ".my.cnf"), required: false },
  ];
}

// Later groups override earlier ones; the tool's own group wins over the shared [client].
const CLIENT_GROUPS = ["client", "mysql-tls-audit"];

/** The [client] and [mysql-tls-audit] options of every file the switches select, and which files were read. */
export interface ClientOptions {
  values: Map<string, string>;
  notes: OptionFileNote[];
}

/** Reads the option files as the mysql client does and merges their [client] and [mysql-tls-audit] groups. */
export function readClientOptions(s: OptionFileSwitches, home: string, warn: (msg: string) => void = () => {}): ClientOptions {
  const { groups, notes } = readOptionFiles(optionFilesFor(s, home), warn);
  return { values: mergeGroups(groups, CLIENT_GROUPS), notes };
}

/** A boolean option as my.cnf writes it: a bare key, 1, ON or TRUE is on; 0, OFF or FALSE is off. */
export function optionIsOn(values: Map<string, string>, key: string): boolean | undefined {
  if (values.has(`skip_${key}`)) return false;
  const v = values.get(key);
  if (v === undefined) return undefined;
  return !/^(0|off|false)$/i.test(v.trim());
}

/** The port option of an option file, checked. */
export function optionFilePort(values: Map<string, string>): number | undefined {
  const p = values.get("port");
  if (p === undefined || p === "") return undefined;
  const n = portNumber(p);
  if (n === undefined) throw new AuditError("usage", `option file: port "${p}" is not a port number (1-65535)`);
  return n;
}
