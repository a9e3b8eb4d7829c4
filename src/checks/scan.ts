// The one enumeration per target that the protocols and ciphers checks share (and settings and accounts read,
// when the audit scans): the only place the checks call the cipher scan.
import { formatTarget } from "../net/target.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS } from "../net/connect.js";
import { enumerateCiphers, liveProber, type CipherFacts, type Engine } from "../tls/enumerate.js";
import { planRun } from "../tls/scan-plan.js";
import { needsTls, type CheckContext } from "./check.js";

/** What the scan found and with which engine. */
export interface ScanFacts {
  facts: CipherFacts;
  engine: Engine;
}

/** The target's enumeration, run once however many checks ask for it. */
export function enumeration(ctx: Pick<CheckContext, "target" | "options" | "scheduler" | "shared">): Promise<ScanFacts> {
  return ctx.shared("enumeration", async () => {
    const o = ctx.options;
    const timeouts = { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, readTimeoutMs: o.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS };
    const { engine } = planRun(ctx.target, { ...(o.maxAborted !== undefined ? { maxAborted: o.maxAborted } : {}), engine: o.engine ?? "auto" });
    // The scan, the certificate fetch and the login share the target's scheduler: one cap, one budget, one reset.
    const facts = await enumerateCiphers(ctx.target, liveProber(ctx.target, timeouts), {
      scheduler: ctx.scheduler,
      engine,
      ...(o.groups === false ? { groups: false } : {}),
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
