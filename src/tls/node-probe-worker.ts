// The entry of a helper worker thread (see node-probe-pool.ts): runs each call it is posted (a probe, or a step of a
// SQL session: sql/session-host.ts) and posts back its answer as plain data (a ProbeOutcome holds no Error, socket
// or Buffer; a session answers with its facts and rows).
import { parentPort } from "node:worker_threads";
import { AuditError, SessionLost, toAuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { SqlCall } from "../sql/session-host.js";
import type { NodeProbeRequest } from "./node-engine.js";

/** One probe for a worker: host and port only (never the target's credentials). */
export interface ProbeCall {
  kind: "probe";
  target: { host: string; port: number };
  req: NodeProbeRequest;
  timeouts: Required<TimeoutOptions>;
}

export type WorkerCall = ProbeCall | SqlCall;
export type WorkerRequest = WorkerCall & { id: number };

/** The call's answer, or its thrown error as plain data (`lost`: a SessionLost). */
export type WorkerReply =
  | { id: number; value: unknown; probe?: true }
  | { id: number; error: { code: AuditError["code"]; message: string; details: Omit<AuditError["details"], "cause">; lost?: true } };

// Only the probes after the first completed handshake come here: the server speaks TLS after the SSLRequest.
const memory = { handshakeCompleted: true };

async function answer(m: WorkerRequest): Promise<unknown> {
  // The probe engine loads on the first probe: a single target's audit sends this thread its SQL session only,
  // and the engine's start-up (the suite registry among it) would be spent for nothing (#13).
  if (m.kind === "probe") return (await import("./own-engine.js")).completingProbe(m.target, m.req, m.timeouts, memory);
  // The login code (and mysql2 with it) loads on the first SQL call, never for a scan alone.
  const { serveSql } = await import("../sql/session-host.js");
  return serveSql(m);
}

parentPort?.on("message", (m: WorkerRequest) => {
  answer(m).then(
    (value) => parentPort?.postMessage((m.kind === "probe" ? { id: m.id, value, probe: true } : { id: m.id, value }) satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof AuditError ? err : m.kind === "probe" ? new AuditError("internal", err instanceof Error ? err.message : String(err)) : toAuditError(err);
      const { cause: _cause, ...details } = e.details;
      parentPort?.postMessage({ id: m.id, error: { code: e.code, message: e.message, details, ...(e instanceof SessionLost ? { lost: true as const } : {}) } } satisfies WorkerReply);
    },
  );
});
