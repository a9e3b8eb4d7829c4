import { AuditError } from "../errors.js";

/** When the first bytes show another kind of service, an error that names it; undefined if they could be MySQL. */
export function describeNonMysql(head: Buffer): AuditError | undefined {
  if (head.length === 0) return undefined;
  const text = head.toString("latin1");
  const known: [RegExp, string][] = [
    [/^HTTP\/\d/, "an HTTP server"],
    [/^SSH-\d/, "an SSH server"],
    [/^220[ -]/, "an SMTP or FTP server"],
    [/^\+OK/, "a POP3 server"],
    [/^\* OK/, "an IMAP server"],
    [/^-ERR|^\+PONG|^-NOAUTH/, "a Redis server"],
    [/^<!DOCTYPE|^<html/i, "a web page"],
  ];
  for (const [re, what] of known) {
    if (re.test(text)) return new AuditError("not-mysql", `not a MySQL server: it answered like ${what} (${quote(text)})`, { step: "greeting" });
  }
  if (head[0] === 0x15 || head[0] === 0x16) {
    return new AuditError("not-mysql", "not a MySQL server: it speaks TLS straight away (a TLS service, not MySQL's STARTTLS-style upgrade)", { step: "greeting" });
  }
  // A MySQL greeting starts with a small length, then sequence 0 and protocol 10/9 or an ERR marker.
  const len = head.length >= 3 ? head.readUIntLE(0, 3) : -1;
  const plausible = head.length < 5 || (len > 0 && len < 64 * 1024 && head[3] === 0 && (head[4] === 10 || head[4] === 9 || head[4] === 0xff));
  if (plausible) return undefined;
  if (/^[\x20-\x7e\r\n\t]{4,}/.test(text)) return new AuditError("not-mysql", `not a MySQL server: it sent text (${quote(text)})`, { step: "greeting" });
  return new AuditError("not-mysql", `not a MySQL server: its first bytes are not a MySQL greeting (${head.subarray(0, 8).toString("hex")}…)`, { step: "greeting" });
}

function quote(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? "";
  return JSON.stringify(line.length > 40 ? line.slice(0, 40) + "…" : line);
}
