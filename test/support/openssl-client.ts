import { execFile } from "node:child_process";
import { requireOpenssl } from "./require-binaries.js";

/** What `openssl s_client -starttls mysql` negotiated with a server. */
export interface SClientResult {
  protocol?: string;
  cipher?: string;
  subject?: string;
  output: string;
}

/** Runs `openssl s_client -starttls mysql` (stdin closed) and parses the negotiated protocol, cipher and subject. */
export function sClient(host: string, port: number, extra: string[] = []): Promise<SClientResult> {
  const openssl = requireOpenssl();
  return new Promise((resolve) => {
    const child = execFile(openssl, ["s_client", "-starttls", "mysql", "-connect", `${host}:${port}`, ...extra], { timeout: 15_000 }, (_err, stdout, stderr) => {
      const output = stdout + stderr;
      // "New, X, Cipher is Y" names the cipher's own minimum version, not the negotiated one; the session's
      // "Protocol  :" line has that, but is printed even when the handshake failed, so the cipher decides.
      // With TLS 1.3 the session block comes only with a ticket, which s_client may exit before reading; a TLS 1.3
      // suite's own version is then the negotiated one.
      const m = /New, (\S+), Cipher is (\S+)/.exec(output);
      const cipher = m?.[2];
      const protocol = /^\s*Protocol\s*:\s*(\S+)/m.exec(output)?.[1] ?? (m?.[1] === "TLSv1.3" ? "TLSv1.3" : undefined);
      const subj = /^subject=(.*)$/m.exec(output);
      resolve({
        ...(cipher && cipher !== "(NONE)" && protocol ? { protocol, cipher } : {}),
        ...(subj ? { subject: subj[1]!.trim() } : {}),
        output,
      });
    });
    child.stdin?.end();
  });
}
