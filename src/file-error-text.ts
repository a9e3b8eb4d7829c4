// What a failed file operation means, in words ("permission denied"), not errno codes (EACCES).

const WORDS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  EBUSY: "device or resource busy",
  EINVAL: "invalid argument",
  EIO: "input/output error",
  EFBIG: "the file is too large",
  ENFILE: "too many open files",
};

/** The reason a file operation failed, in words; the message of an error without a known code otherwise. */
export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && WORDS[code]) return WORDS[code]!;
  const msg = (err as Error | undefined)?.message ?? String(err);
  // Node's messages start with the code ("EFOO: text, open 'x'"): keep the text only.
  return msg.replace(/^[A-Z]+:\s*/, "").replace(/,\s*\w+\s+'.*'$/, "");
}
