// The helper thread(s): node:tls and our own TLS probes on more than one thread, and the audit's SQL session off
// the main thread. While several targets are scanned at once (liveProber decides: one target's scan stays on the
// main thread), their completed handshakes would make the main thread CPU-bound; a worker runs the same probe
// (own-engine.ts) beside it. The main thread keeps the scheduling, the budget and the probes that record the
// server's bytes; a worker only connects, handshakes and answers. The login (loading mysql2, then the handshake,
// the queries and their rows) runs there too, so that it never holds up the scan's first probes on the main thread
// (measured at 10 ms: a 90 ms stall of the main thread at the scan's start costs the scan about 145 ms).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { AuditError, SessionLost } from "../errors.js";
import type { TimeoutOptions } from "../net/connect.js";
import type { Target } from "../net/target.js";
import type { NodeProbeRequest, ProbeOutcome } from "./node-engine.js";
import type { WorkerCall, WorkerReply, WorkerRequest } from "./node-probe-worker.js";

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
  /** Calls in flight and sessions open on it: while above 0 the worker keeps the process alive. */
  busy: number;
  dead: boolean;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: AuditError) => void;
  lane: Lane;
}

/**
 * The process's helper workers, shared by the scans and sessions running at once. An idle worker holds no process
 * open, and stays for the next scan (the exporter's next scrape) rather than booting again.
 */
class ProbePool {
  private readonly lanes: Lane[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Probes the workers have answered (for tests: they did run there). */
  answered = 0;
  /** A worker stopped: the pool lends no lane any more (the next acquirePool makes a new one). */
  stopped = false;

  constructor(readonly size: number) {}

  /** The worker with the fewest calls in flight, started on first use. */
  pick(): Lane {
    if (this.lanes.length < this.size) return this.start();
    return this.lanes.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Starts every worker now, so that they have booted by the time probes come. */
  warm(): void {
    while (this.lanes.length < this.size) this.start();
  }

  private start(): Lane {
    // node:worker_threads is loaded with the first helper thread: one target's scan starts none (about 2 ms; #13).
    const { Worker: WorkerThread } = createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads");
    const lane: Lane = { worker: new WorkerThread(WORKER_URL), busy: 0, dead: false };
    lane.worker.on("message", (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.release(lane);
      if ("value" in m) {
        if (m.probe) this.answered++;
        p.resolve(m.value);
      } else p.reject(m.error.lost ? new SessionLost(m.error.code, m.error.message, m.error.details) : new AuditError(m.error.code, m.error.message, m.error.details));
    });
    // A worker that dies fails its calls with WorkerStopped (never a hang), and the pool lends no more: the
    // probes go on on the main thread (liveProber), a session's later queries fail with the same error.
    const fail = (why: string): void => {
      if (lane.dead) return;
      lane.dead = true;
      this.stopped = true;
      if (shared === this) {
        shared = undefined;
        answeredBefore += this.answered;
      }
      const i = this.lanes.indexOf(lane);
      if (i >= 0) this.lanes.splice(i, 1);
      for (const [id, p] of [...this.pending]) {
        if (p.lane !== lane) continue;
        this.pending.delete(id);
        p.reject(new WorkerStopped(why));
      }
    };
    lane.worker.on("error", (e) => fail(e.message));
    lane.worker.on("exit", (code) => fail(`exit code ${code}`));
    // Idle workers hold no process open: the CLI exits when its work is done. After the listeners: a 'message'
    // listener refs the worker's port again.
    lane.worker.unref();
    this.lanes.push(lane);
    return lane;
  }

  /** Keeps the process alive while the lane has work (a call in flight, a session open). */
  hold(lane: Lane): void {
    if (lane.busy++ === 0) lane.worker.ref();
  }

  release(lane: Lane): void {
    if (--lane.busy === 0) lane.worker.unref();
  }

  call(lane: Lane, msg: WorkerCall): Promise<unknown> {
    if (lane.dead) return Promise.reject(new WorkerStopped("it had stopped before this call"));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, lane });
      // A worker with a call in flight keeps the process alive until it answers.
      this.hold(lane);
      lane.worker.postMessage({ ...msg, id } satisfies WorkerRequest);
    });
  }

  stopAll(): void {
    for (const lane of [...this.lanes]) void lane.worker.terminate();
  }
}

let shared: ProbePool | undefined;

/** Ends the workers of the running scans and sessions as a crash would (tests: the work goes on without them). */
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

/** One worker, for a run of calls that must all go to it (a session lives in the worker that logged in). */
export interface LaneHandle {
  probe(target: Target, req: NodeProbeRequest, timeouts: Required<TimeoutOptions>): Promise<ProbeOutcome>;
  call(msg: WorkerCall): Promise<unknown>;
  /** Keeps the process alive until the returned release (idempotent) is called: a session open in the worker. */
  hold(): () => void;
}

/** One scan's or session's way to the shared pool: `lane()` picks the worker with the fewest calls in flight. */
export interface PoolHandle {
  readonly size: number;
  lane(): LaneHandle | undefined;
}

/** The process's helper pool, started now if it was not (its workers boot on their own thread meanwhile). */
export function acquirePool(size: number): PoolHandle | undefined {
  if (size < 1 || !available()) return undefined;
  shared ??= new ProbePool(size);
  const pool = shared;
  pool.warm();
  return {
    size: pool.size,
    lane() {
      if (pool.stopped) return undefined;
      const l = pool.pick();
      return {
        probe: (target, req, timeouts) => pool.call(l, { kind: "probe", target: { host: target.host, port: target.port }, req, timeouts }) as Promise<ProbeOutcome>,
        call: (msg) => pool.call(l, msg),
        hold() {
          pool.hold(l);
          let held = true;
          return () => {
            if (!held) return;
            held = false;
            pool.release(l);
          };
        },
      };
    },
  };
}
