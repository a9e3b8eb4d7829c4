import { readFileSync } from "node:fs";
import { packageFile } from "./package-files.js";

/** The package's own name and version, read from the package's package.json. */
export const TOOL: { name: string; version: string } = (() => {
  try {
    const pkg = JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { name: string; version: string };
    return { name: pkg.name, version: pkg.version };
  } catch {
    return { name: "mysql-tls-audit", version: "0.0.0" };
  }
})();
