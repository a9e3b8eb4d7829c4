// What the bench and the demo both need to run throwaway local servers (the test harness, in TypeScript under
// test/support, is not compiled and so cannot serve plain Node scripts).
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** Flags that keep a throwaway mariadbd near 55 MB instead of about 100 MB (measured by the test harness). */
export const SMALL_SERVER_FLAGS = [
  "--innodb-buffer-pool-size=8M",
  "--innodb-log-file-size=4M",
  "--innodb-log-buffer-size=1M",
  "--aria-pagecache-buffer-size=1M",
  "--key-buffer-size=1M",
];

/** mariadbd refuses to run as root unless told to. */
export const AS_ROOT = process.getuid?.() === 0 ? ["--user=root"] : [];

/** The path of an executable on PATH or in the sbin folders Debian uses for servers, or undefined. */
export function which(name) {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin", "/usr/local/bin"];
  for (const d of dirs.filter(Boolean)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
