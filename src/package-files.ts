import { existsSync } from "node:fs";

/**
 * A file of the package itself (package.json, data/...), found upwards from this module: it runs from src/ (under
 * vitest), from tsc's dist/, and from the CLI bundle in dist/bundle/ (scripts/bundle.mjs), each at another depth below
 * the package root. The root is the nearest directory above that holds package.json and data/.
 */
export function packageFile(relative: string): URL {
  let dir = new URL(".", import.meta.url);
  for (let i = 0; i < 4; i++) {
    if (existsSync(new URL("package.json", dir)) && existsSync(new URL("data/", dir))) return new URL(relative, dir);
    dir = new URL("..", dir);
  }
  // Not found (an unusual install): the old fixed place, so the read that follows fails with the path in its message.
  return new URL(`../${relative}`, import.meta.url);
}
