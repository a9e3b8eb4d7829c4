// The one enumeration per target that the protocols and ciphers checks share (and settings and accounts read,
// when the audit scans): the only place the checks call the cipher scan.
import { formatTarget } from "../net/target.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS } from "../net/connect.js";
import { DEFAULT_CONNECTIONS, enumerateCiphers, liveProber, type CipherFacts, type Engine } from "../tls/enumerate.js";
import { planRun } from "../tls/scan-plan.js";
import { resetErrorCountWithLogin } from "../sql/login-json.js";
import { needsCredentials, needsTls, type CheckContext } from "./check.js";
import { loginSpecFor, timeoutsOf } from "./session.js";

/** What the scan found and with which engine. */
export interface ScanFacts {
  facts: CipherFacts;
  engine: Engine;
}

/** The target's enumeration, run once however many checks ask for it. */
export function enumeration(ctx: CheckContext): Promise<ScanFacts> {
  return ctx.shared("enumeration", async () => {
    const o = ctx.options;
    const timeouts = { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, readTimeoutMs: o.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS };
    const { budget, engine } = planRun(ctx.target, { ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}), engine: o.engine ?? "auto" });
    const canLogin = needsCredentials(ctx) === undefined;
    const facts = await enumerateCiphers(ctx.target, liveProber(ctx.target, timeouts), {
      budget,
      engine,
      // The checks run at once: the certificate check holds one connection and the login (settings, accounts,
      // replication) another, so the enumeration gets what is left of the per-server cap.
      concurrency: o.probeConcurrency ?? Math.max(1, (o.maxConnections ?? DEFAULT_CONNECTIONS) - 1 - (canLogin ? 1 : 0)),
      ...(o.groups === false ? { groups: false } : {}),
      // A successful login resets the server's count of aborted handshakes from this host.
      ...(canLogin ? { resetServerCount: () => resetErrorCountWithLogin(loginSpecFor(ctx), timeoutsOf(ctx.options)).catch(() => false) } : {}),
      onProgress: (line) => o.onStep?.(formatTarget(ctx.target), line),
    });
    return { facts, engine };
  });
}

/** The scan's per-version verdicts when this audit scans (no extra connection: the enumeration is shared), else undefined. */
export async function scannedVersions(ctx: CheckContext): Promise<CipherFacts | undefined> {
  if (needsTls(ctx) !== undefined || (!ctx.runs("protocols") && !ctx.runs("ciphers"))) return undefined;
  try {
    return (await enumeration(ctx)).facts;
  } catch {
    return undefined; // the protocols and ciphers checks report why
  }
}
