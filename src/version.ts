import { readFileSync } from "node:fs";

/** The package's own name and version, read from package.json next to dist/ or src/. */
export const TOOL: { name: string; version: string } = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { name: string; version: string };
    return { name: pkg.name, version: pkg.version };
  } catch {
    return { name: "mysql-tls-audit", version: "0.0.0" };
  }
})();
