// No imports: bin/mysql-tls-audit.js loads this (through src/cli/process-protection.ts) before anything else.

/**
 * Passwords at least this long are masked wherever they appear; shorter ones are not masked in free text.
 * A short string turns up inside ordinary words by chance (the password "ql" in "sphinxql: syntax error", "root"
 * as both user and password in "Access denied for user 'root'"), and masking it there corrupts the message while
 * protecting nothing: the tool never puts the password into a message, mysql2's errors do not carry it, and the
 * one place an argument is echoed (commander rejecting an option) is masked by the whole argument
 * (src/cli/argv-secrets.ts), whatever the password's length. A string of 8 or more characters appears in
 * unrelated text only by design, so masking it everywhere is a safety net that costs nothing.
 */
export const MASK_EVERYWHERE_MIN_LENGTH = 8;

/** text with every occurrence of password replaced by "***" when it has 8 or more characters; else text as is. */
export function maskPassword(text: string, password: string | undefined): string {
  if (!password || password.length < MASK_EVERYWHERE_MIN_LENGTH) return text;
  return text.split(password).join("***");
}
