// Answers the statements that read server variables and status, from tables the test provides, with the
// result shapes a real server uses; so tests of MySQL-only variables need only list values.
import type { QueryResult } from "./result-set.js";

/** Variable values by name; null is SQL NULL. A name absent from the table does not exist on this server. */
export interface ServerTables {
  variables?: Record<string, string | null>;
  status?: Record<string, string | null>;
}

function likeToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (c === "%") re += ".*";
    else if (c === "_") re += ".";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  // MySQL compares variable names case-insensitively.
  return new RegExp(`^${re}$`, "is");
}

function unquote(s: string): string {
  return s.trim().replace(/^(['"])(.*)\1$/s, "$2").replace(/\\(.)/g, "$1");
}

function lookup(table: Record<string, string | null>, name: string): [string, string | null] | undefined {
  const key = Object.keys(table).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : [key, table[key] ?? null];
}

/**
 * `SHOW [GLOBAL|SESSION] VARIABLES|STATUS [LIKE '...' | WHERE Variable_name = '...' | WHERE Variable_name IN (...)]`
 * and `SELECT @@name, @@global.name, ...`; undefined for any other statement, so handlers can chain.
 */
export function answerServerVariables(sql: string, tables: ServerTables): QueryResult | undefined {
  const q = sql.trim().replace(/;\s*$/, "");
  const show = /^show\s+(?:(global|session|local)\s+)?(variables|status)(?:\s+(like\s+.+|where\s+.+))?$/is.exec(q);
  if (show) {
    const table = (show[2]?.toLowerCase() === "status" ? tables.status : tables.variables) ?? {};
    const filter = show[3];
    let names = Object.keys(table);
    if (filter && /^like\s/i.test(filter)) {
      const re = likeToRegExp(unquote(filter.replace(/^like\s+/i, "")));
      names = names.filter((n) => re.test(n));
    } else if (filter) {
      const eq = /^where\s+variable_name\s*=\s*(.+)$/is.exec(filter);
      const inList = /^where\s+variable_name\s+in\s*\((.*)\)$/is.exec(filter);
      let wanted: string[];
      if (eq?.[1]) wanted = [unquote(eq[1])];
      else if (inList?.[1] !== undefined) wanted = inList[1].split(",").map(unquote);
      else return undefined;
      const lower = new Set(wanted.map((w) => w.toLowerCase()));
      names = names.filter((n) => lower.has(n.toLowerCase()));
    }
    names.sort((a, b) => a.localeCompare(b));
    return { columns: ["Variable_name", "Value"], rows: names.map((n) => [n, table[n] ?? null]) };
  }
  const select = /^select\s+(@@[\w.]+(?:\s*,\s*@@[\w.]+)*)$/is.exec(q);
  if (select?.[1]) {
    const exprs = select[1].split(",").map((e) => e.trim());
    const row: (string | null)[] = [];
    for (const e of exprs) {
      const name = e.replace(/^@@(?:global\.|session\.|local\.)?/i, "");
      const hit = lookup(tables.variables ?? {}, name);
      if (!hit) return { error: { errno: 1193, sqlState: "HY000", message: `Unknown system variable '${name}'` } };
      row.push(hit[1]);
    }
    return { columns: exprs, rows: [row] };
  }
  return undefined;
}
