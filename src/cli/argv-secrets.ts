// Only ../sql/mask.js: bin/mysql-tls-audit.js loads this before anything else, to rewrite the process title early.
import { maskPassword } from "../sql/mask.js";

/**
 * Passwords on the command line, found the ways the CLI accepts them: -pVALUE (also after boolean short flags,
 * as in -qpVALUE), --password=VALUE (or a misspelling of it), and the password of a mysql://user:VALUE@host URL.
 * A bare -p or --password prompts, and the word after it is never a password (it is a target): left alone.
 */
function secretOf(arg: string): { masked: string; value: string } | undefined {
  const short = /^(-[qhV]*p)([\s\S]+)$/.exec(arg);
  if (short) return { masked: `${short[1]}***`, value: short[2]! };
  // --password=VALUE, and the misspellings commander rejects and echoes whole (--pasword=, --passwd=, --pwd=).
  const long = /^(--[\w-]*(?:pas|pwd)[\w-]*=)([\s\S]+)$/i.exec(arg);
  if (long) return { masked: `${long[1]}***`, value: long[2]! };
  // Everything between the first ":" after the scheme and the last "@" is the password, whatever it holds.
  const url = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)([\s\S]*)(@[^@]*)$/i.exec(arg);
  if (url && url[2] !== "") return { masked: `${url[1]}***${url[3]}`, value: url[2]! };
  return undefined;
}

/** One argument with its password replaced by ***; unchanged when it carries none. */
export function maskArg(arg: string): string {
  return secretOf(arg)?.masked ?? arg;
}

/**
 * text with every password-bearing argument of argv replaced by its masked form (the way commander echoes an
 * argument it rejects: "unknown option '-pS3cr3t'"), then each such password masked as
 * everywhere else (maskPassword: when it has 8 or more characters).
 */
export function maskEchoes(text: string, argv: readonly string[]): string {
  let out = text;
  for (const arg of argv) {
    const s = secretOf(arg);
    if (!s) continue;
    out = out.split(arg).join(s.masked);
    out = maskPassword(out, s.value);
    try {
      // A URL password may be echoed decoded.
      out = maskPassword(out, decodeURIComponent(s.value));
    } catch {
      // not percent-encoded: the raw form was masked above
    }
  }
  return out;
}
