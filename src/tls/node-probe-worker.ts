// The entry of a probe worker thread (see node-probe-pool.ts): runs the node:tls probe of each request it is
// posted and posts back its outcome, which is plain data (ProbeOutcome holds no Error, socket or Buffer).
import { parentPort } from "node:worker_threads";
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { NodeProbeRequest, ProbeOutcome } from "./node-engine.js";
import { completingProbe } from "./own-engine.js";

/** One probe for a worker: host and port only (never the target's credentials). */
export interface WorkerRequest {
  id: number;
  target: { host: string; port: number };
  req: NodeProbeRequest;
  timeouts: Required<TimeoutOptions>;
}

/** Its answer: the outcome, or the probe's thrown error as plain data. */
export type WorkerReply = { id: number; outcome: ProbeOutcome } | { id: number; error: { code: AuditError["code"]; message: string } };

// Only the probes after the first completed handshake come here: the server speaks TLS after the SSLRequest.
const memory = { handshakeCompleted: true };

parentPort?.on("message", (m: WorkerRequest) => {
  completingProbe(m.target, m.req, m.timeouts, memory).then(
    (outcome) => parentPort?.postMessage({ id: m.id, outcome } satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof AuditError ? err : new AuditError("internal", err instanceof Error ? err.message : String(err));
      parentPort?.postMessage({ id: m.id, error: { code: e.code, message: e.message } } satisfies WorkerReply);
    },
  );
});
