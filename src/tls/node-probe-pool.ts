// node:tls probes on more than one thread. Across a network the scan's completed handshakes (OpenSSL's key
// exchange, DHE included) make it CPU-bound on one thread below about 10 ms of round trip; a few worker threads
// each run the same probe (node-engine.ts) beside the main thread. The main thread keeps the scheduling, the
// budget and the probes that record the server's bytes; a worker only connects, handshakes and answers.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AuditError } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { Target } from "../net/target.js";
import type { NodeProbeRequest, ProbeOutcome } from "./node-engine.js";
import type { WorkerReply, WorkerRequest } from "./node-probe-worker.js";

/** Worker threads beside the main thread (measured on 2 cores: see docs/bench.md). */
export const DEFAULT_PROBE_WORKERS = 1;

const WORKER_URL = new URL("./node-probe-worker.js", import.meta.url);

/**
 * A probe's worker stopped before it answered (it crashed, ran out of memory, or was ended): the probe's
 * connection may have been cut in the middle of its handshake, which the server counts as an aborted one.
 */
export class WorkerStopped extends AuditError {
  constructor(why: string) {
    super("internal", `a probe worker stopped: ${why}`);
  }
}

interface Lane {
  worker: Worker;
  busy: number;
}

interface Pending {
  resolve: (o: ProbeOutcome) => void;
  reject: (e: AuditError) => void;
  lane: Lane;
}

/** The process's probe workers, shared by the scans running at once and ended when the last one closes. */
class ProbePool {
  private readonly lanes: Lane[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  users = 0;
  /** Probes the workers have answered (for tests: they did run there). */
  answered = 0;
  /** A worker stopped: the pool lends no lane any more. */
  stopped = false;

  constructor(readonly size: number) {}

  /** The worker with the fewest probes in flight, started on first use. */
  pick(): Lane {
    if (this.lanes.length < this.size) return this.start();
    return this.lanes.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Starts every worker now, so that they have booted by the time probes come. */
  warm(): void {
    while (this.lanes.length < this.size) this.start();
  }

  private start(): Lane {
    const lane: Lane = { worker: new Worker(WORKER_URL), busy: 0 };
    // Idle workers hold no process open: the CLI exits when its work is done.
    lane.worker.unref();
    lane.worker.on("message", (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.settle(m.id, p);
      this.answered++;
      if ("outcome" in m) p.resolve(m.outcome);
      else p.reject(new AuditError(m.error.code, m.error.message));
    });
    // A worker that dies fails its probes with WorkerStopped (never a hang), and the pool takes no more: the
    // probes go on on the main thread (liveProber).
    const fail = (why: string): void => {
      this.stopped = true;
      const i = this.lanes.indexOf(lane);
      if (i >= 0) this.lanes.splice(i, 1);
      for (const [id, p] of [...this.pending]) {
        if (p.lane !== lane) continue;
        this.settle(id, p);
        p.reject(new WorkerStopped(why));
      }
    };
    lane.worker.on("error", (e) => fail(e.message));
    lane.worker.on("exit", (code) => fail(`exit code ${code}`));
    this.lanes.push(lane);
    return lane;
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    if (--p.lane.busy === 0) p.lane.worker.unref();
  }

  run(lane: Lane, target: Target, req: NodeProbeRequest, timeouts: Required<TimeoutOptions>): Promise<ProbeOutcome> {
    const id = this.nextId++;
    return new Promise<ProbeOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, lane });
      // A worker with a probe in flight keeps the process alive until it answers.
      if (lane.busy++ === 0) lane.worker.ref();
      const msg: WorkerRequest = { id, target: { host: target.host, port: target.port }, req, timeouts };
      lane.worker.postMessage(msg);
    });
  }

  stopAll(): void {
    for (const lane of [...this.lanes]) void lane.worker.terminate();
  }

  close(): void {
    for (const lane of this.lanes.splice(0)) {
      lane.worker.removeAllListeners("exit");
      void lane.worker.terminate();
    }
  }
}

let shared: ProbePool | undefined;

/** Ends the workers of the running scans as a crash would (tests: the scan goes on without them). */
export function stopProbeWorkersForTest(): void {
  shared?.stopAll();
}

/** Probes a worker thread has answered since the process started (tests: the probes really ran there). */
export function workerProbeCount(): number {
  return answeredBefore + (shared?.answered ?? 0);
}
let answeredBefore = 0;

/** Whether worker threads can run here: the compiled worker entry exists (not when the sources run under vitest). */
function available(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * One scan's way to the shared pool: `lane()` picks the worker with the fewest probes in flight, `close()` when
 * the scan ends (the last scan to close ends the workers).
 */
export interface PoolHandle {
  readonly size: number;
  lane(): ((target: Target, req: NodeProbeRequest, timeouts: Required<TimeoutOptions>) => Promise<ProbeOutcome>) | undefined;
  close(): void;
}

export function acquirePool(size: number): PoolHandle | undefined {
  if (size < 1 || !available()) return undefined;
  shared ??= new ProbePool(size);
  const pool = shared;
  pool.users++;
  pool.warm();
  let closed = false;
  return {
    size: pool.size,
    lane() {
      if (closed || pool.stopped) return undefined;
      const l = pool.pick();
      return (target, req, timeouts) => pool.run(l, target, req, timeouts);
    },
    close() {
      if (closed) return;
      closed = true;
      if (--pool.users > 0) return;
      answeredBefore += pool.answered;
      pool.close();
      if (shared === pool) shared = undefined;
    },
  };
}
