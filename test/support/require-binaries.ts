import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

// Debian puts daemons in sbin, which a non-login root shell's PATH may lack.
const EXTRA_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

/** The absolute path of an executable named `name` on PATH or in the sbin/bin dirs, or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** The path of `name`, or an Error saying which Debian package provides it; tests fail, never skip, without it. */
export function requireBinary(name: string, debianPackage: string): string {
  const found = findBinary(name);
  if (found) return found;
  throw new Error(
    `${name} is not installed (looked in PATH and ${EXTRA_DIRS.join(", ")}). ` +
      `Install it with: apt-get install -y ${debianPackage} (or run \`npm test\`, which installs it).`,
  );
}

/** The openssl CLI, used to make certificates and as the reference TLS client. */
export function requireOpenssl(): string {
  return requireBinary("openssl", "openssl");
}

/** sslscan, the reference cipher enumerator. */
export function requireSslscan(): string {
  return requireBinary("sslscan", "sslscan");
}

/** nmap, for ssl-enum-ciphers comparisons. */
export function requireNmap(): string {
  return requireBinary("nmap", "nmap");
}

/** The MariaDB server daemon. */
export function requireMariadbd(): string {
  return requireBinary("mariadbd", "mariadb-server");
}

/** The tool that creates an empty MariaDB data directory. */
export function requireMariadbInstallDb(): string {
  return requireBinary("mariadb-install-db", "mariadb-server");
}

/** Sphinx's search daemon: a server that speaks the MySQL protocol (SphinxQL) but is neither MySQL nor MariaDB. */
export function requireSearchd(): string {
  return requireBinary("searchd", "sphinxsearch");
}
