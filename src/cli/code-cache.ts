// V8's code cache for the CLI bundle (#13). `npm run build` compiles every function of every bundle file once and
// stores V8's bytecode beside the file (FILE.js.v8cache); the bin and the helper thread install `installCodeCache`
// before they load the bundle, and Node's CommonJS loader then takes the bytecode instead of parsing and compiling
// the source. Measured, alternating with the same bundle without its caches: `--version` 0.10 s of CPU against
// 0.12 (20 runs each), ciphers at ~0 ms 0.495 s of CPU against 0.53 (14 runs each). Files loaded from node_modules
// gain nothing from one: loading mysql2 from there took 75 ms of CPU with or without caches of its files (resolving
// and reading some 90 files, and running their top level); linked into the bundle's mysql2 chunk, 33 ms.
//
// A cache is used only for the exact source it was made from: the file starts with the SHA-256 of that source, and
// V8 itself rejects data from another V8 version or other flags (the file is then compiled as usual). The cache
// files are written by the build beside the code, with the same owner: nothing is read from a shared directory.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

export const CACHE_SUFFIX = ".v8cache";
const DIGEST_BYTES = 32;

/** What the hook did, file by file (base names): for the tests. */
export interface CodeCacheStats {
  /** Compiled from the cache. */
  used: string[];
  /** A cache whose source digest matched, refused by V8 (another Node version or V8 flags): compiled as usual. */
  rejected: string[];
  /** No cache, an unreadable one, or one made from another source: compiled as usual. */
  compiled: string[];
}

const stats: CodeCacheStats = { used: [], rejected: [], compiled: [] };

export function codeCacheStats(): CodeCacheStats {
  return { used: [...stats.used], rejected: [...stats.rejected], compiled: [...stats.compiled] };
}

type Compile = (this: NodeJS.Module, content: string, filename: string) => unknown;

const digest = (source: string): Buffer => createHash("sha256").update(source).digest();

// Node's own wrapper, so that the compiled function is the one Node would make from the file.
function script(source: string, filename: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
}

/** The V8 data stored for this source, if the cache file was made from exactly it. */
function cacheFor(filename: string, source: string): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(filename + CACHE_SUFFIX);
  } catch {
    return undefined;
  }
  if (file.length <= DIGEST_BYTES || !file.subarray(0, DIGEST_BYTES).equals(digest(source))) return undefined;
  return file.subarray(DIGEST_BYTES);
}

let installed: string | undefined;

/**
 * Compiles the CommonJS files of `dir` (not below it) from their caches, in this thread. Other files load as
 * before. Idempotent for one directory.
 */
export function installCodeCache(dir: string): void {
  if (installed !== undefined) return;
  installed = path.resolve(dir);
  const proto = Module.prototype as unknown as { _compile: Compile };
  const original = proto._compile;
  proto._compile = function (content, filename) {
    if (path.dirname(filename) !== installed) return original.call(this, content, filename);
    const cachedData = cacheFor(filename, content);
    const name = path.basename(filename);
    if (!cachedData) {
      stats.compiled.push(name);
      return original.call(this, content, filename);
    }
    const s = script(content, filename, cachedData);
    (s.cachedDataRejected ? stats.rejected : stats.used).push(name);
    const wrapper = s.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, path.dirname(filename));
  };
}

/**
 * Writes FILE.js.v8cache beside each .js file of `dir` but those named in `skip` (the ones that load before the
 * hook): every function compiled, not only those a run happens to call. Run by the build in a process of its own
 * (it changes V8's flags while it compiles).
 */
export function writeCodeCaches(dir: string, skip: readonly string[]): string[] {
  // Loaded here, not at the top: a run never needs node:v8 (about 2.5 ms to load; #13).
  const v8 = createRequire(import.meta.url)("node:v8") as typeof import("node:v8");
  const written: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".js") || skip.includes(name)) continue;
    const filename = path.join(dir, name);
    const source = readFileSync(filename, "utf8");
    v8.setFlagsFromString("--no-lazy");
    let s: vm.Script;
    try {
      s = script(source, filename);
    } finally {
      // Back before the data is made: V8 stamps it with a digest of its flags, and a run has the default ones.
      v8.setFlagsFromString("--lazy");
    }
    writeFileSync(filename + CACHE_SUFFIX, Buffer.concat([digest(source), s.createCachedData()]));
    written.push(name);
  }
  return written;
}
