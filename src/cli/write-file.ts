// Every file the tool writes (--junit, --pem, ...) goes through here. The path names an output the user chose,
// but what sits at that path may have been put there by someone else (a symlink in a shared directory, a FIFO):
// - never through a symlink: the final path is lstat()ed, and the data goes to a new temporary file (opened
//   O_CREAT|O_EXCL|O_NOFOLLOW in the same directory) that rename() then puts in place; rename replaces a link
//   swapped in meanwhile instead of following it, so there is no window between the check and the write;
// - never blocking: a path that exists and is not a regular file (a FIFO, a device, a directory) is refused, and
//   the target itself is never opened, so a FIFO cannot hang the run;
// - whole or not at all: write, fsync, rename; a failed write leaves the old file as it was and no temporary file;
// - the user's umask: a new file is created 0666 & ~umask. A file that is replaced keeps its permission bits
//   (so a report the user made private stays private); its owner becomes the user running the tool.
// "-" means standard output.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { AuditError } from "../errors.js";
import { fileErrorText } from "../file-error-text.js";
import { writeOut } from "./output.js";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_DIRECTORY } = fs.constants;

/** What the file is, in words, for a path that exists and is not a regular file. */
function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

// What a failed write means where it differs from a failed file operation in general (fileErrorText): the path
// names a file to create, so a missing part is a missing directory, and O_NOFOLLOW's ELOOP is a link in the way.
const WRITE_WORDS: Record<string, string> = {
  EPERM: "permission denied",
  ENOENT: "no such directory",
  EISDIR: "it is a directory",
  ELOOP: "a symbolic link is in the way",
};

/** "cannot write --junit report.xml: permission denied": one line, the option, the path and the cause in words. */
export function outputFileError(option: string, file: string, cause: unknown): AuditError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const why = typeof cause === "string" ? cause : (code && WRITE_WORDS[code]) || fileErrorText(cause);
  return new AuditError("usage", `cannot write ${option} ${file}: ${why}`);
}

/** Refuses a path that exists and is not a regular file; returns the regular file's stats, or undefined if none. */
function existing(option: string, file: string): fs.Stats | undefined {
  if (file === "") throw new AuditError("usage", `${option} needs a file name (or - for standard output)`);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw outputFileError(option, file, err);
  }
  if (st.isFile()) return st;
  const hint = st.isSymbolicLink() ? "; links are not followed: give the real path" : st.isDirectory() ? "" : "; give a file name, or - for standard output";
  throw outputFileError(option, file, `it is ${kindOf(st)}${hint}`);
}

/** Creates a new temporary file beside `file` (O_EXCL|O_NOFOLLOW, 0666 & ~umask): its path and descriptor. */
function createTemp(option: string, file: string): { tmp: string; fd: number } {
  const dir = path.dirname(file);
  // Short enough for NAME_MAX whatever the target name; a leading dot keeps it out of globs.
  const tmp = path.join(dir, `.${path.basename(file).slice(0, 200)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    return { tmp, fd: fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0o666) };
  } catch (err) {
    throw outputFileError(option, file, err);
  }
}

function removeQuietly(tmp: string): void {
  try {
    fs.unlinkSync(tmp);
  } catch {
    // already gone
  }
}

/**
 * Fails now, before a long audit, if `file` could not be written later: it exists and is not a regular file (a
 * symlink, FIFO, directory, device), or its directory does not take a new file. Creates and removes a
 * temporary file to know; never opens, creates or truncates `file` itself.
 */
export function checkOutputFile(option: string, file: string): void {
  if (file === "-") return;
  existing(option, file);
  const { tmp, fd } = createTemp(option, file);
  fs.closeSync(fd);
  removeQuietly(tmp);
}

/** Writes `data` to `file` whole or not at all, never through a symlink nor into a non-regular file; "-" is stdout. */
export function writeOutputFile(option: string, file: string, data: string | Uint8Array): void {
  if (file === "-") {
    // Standard output is a terminal's: the same last filter as every other byte (output.ts).
    writeOut(typeof data === "string" ? data : Buffer.from(data).toString("utf8"));
    return;
  }
  const before = existing(option, file);
  const { tmp, fd } = createTemp(option, file);
  try {
    try {
      // Keep a replaced file's permission bits (not setuid/setgid/sticky); a new file keeps 0666 & ~umask.
      if (before) fs.fchmodSync(fd, before.mode & 0o777);
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // Re-check just before the rename: a directory swapped in meanwhile would otherwise be an odd error.
    existing(option, file);
    fs.renameSync(tmp, file);
  } catch (err) {
    removeQuietly(tmp);
    throw err instanceof AuditError ? err : outputFileError(option, file, err);
  }
  syncDirectory(path.dirname(file));
}

// The rename is durable once the directory is synced; a file system that cannot sync a directory is no error.
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
