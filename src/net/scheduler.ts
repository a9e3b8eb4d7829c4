// One scheduler per target: every connection any check opens to one server (the connectivity probe, the
// certificate fetch, the scan's probes, the logins) takes one of its slots, so the server never sees more than
// one cap of them at once, and every connection that may abort its handshake goes through its error budget.
// It lives in net/ (not run/) because the gatherers below run/ take it as an option.
import { ErrorBudget } from "./error-budget.js";

/**
 * Connections open to one server at once, by default. The server's max_connections is shared with its real
 * clients (151 by default on MySQL and MariaDB): 16 leaves them room, and is enough to hide the round trips of a
 * remote server.
 */
export const DEFAULT_CONNECTIONS = 16;

/** Priority of connections a whole check waits on (the probe, the certificate, a login): ahead of scan probes. */
export const FIRST = Number.MAX_SAFE_INTEGER;

export interface SchedulerOptions {
  /** Most connections open to the server at once (default DEFAULT_CONNECTIONS). */
  maxConnections?: number;
  /** Aborted-handshake budget (default: no limit). */
  budget?: ErrorBudget;
  /** Logs in successfully to reset the server's error count for this host; resolves false if it could not. */
  resetServerCount?: () => Promise<boolean>;
  /**
   * Opens the connection of the reset login that ends a run ahead of it (TCP and the greeting) and gives the login
   * to run on it. Once opened it is always used: a connection closed before a login counts as an aborted one.
   */
  resetAhead?: () => () => Promise<boolean>;
}

/** The per-target cap on open connections and the error budget they spend. */
export class TargetScheduler {
  readonly maxConnections: number;
  readonly budget: ErrorBudget;
  private readonly resetServerCount: (() => Promise<boolean>) | undefined;
  private readonly resetAhead: (() => () => Promise<boolean>) | undefined;
  private ahead: Promise<{ release: () => void; login: () => Promise<boolean> }> | undefined;
  private active = 0;
  private readonly waiting: { priority: number; go: () => void }[] = [];
  private resetting: Promise<boolean> | undefined;
  private readonly settled: (() => void)[] = [];

  constructor(opts: SchedulerOptions = {}) {
    this.maxConnections = Math.max(1, Math.floor(opts.maxConnections ?? DEFAULT_CONNECTIONS));
    this.budget = opts.budget ?? new ErrorBudget(undefined);
    this.resetServerCount = opts.resetServerCount;
    this.resetAhead = opts.resetAhead;
  }

  /**
   * Waits for a connection slot; resolves to its release (idempotent). Waiting callers go by `priority`, highest
   * first, first come first served among equals.
   */
  async slot(priority = FIRST): Promise<() => void> {
    if (this.active < this.maxConnections) this.active++;
    else
      await new Promise<void>((go) => enqueueByPriority(this.waiting, { priority, go }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.go();
      else this.active--;
    };
  }

  /** Every slot is taken: as many connections are open (or about to be) as the cap allows. */
  get full(): boolean {
    return this.active >= this.maxConnections;
  }

  /**
   * One connection that is expected to end cleanly (a completed handshake and a refused login), in a slot of its
   * own: it reserves nothing, so it runs even on a spent budget, but if it did abort the budget counts it.
   */
  async connection<T extends { aborted: boolean }>(run: () => Promise<T>, priority = FIRST): Promise<T> {
    const release = await this.slot(priority);
    try {
      const o = await run();
      if (o.aborted) this.budget.spendUnreserved();
      return o;
    } finally {
      release();
    }
  }

  /**
   * Claims budget for one connection that may abort, from inside a slot: waits for probes in flight to give room
   * back, and when none can, resets the server's count with one login (in the caller's slot, which it is not using
   * meanwhile). False when there is no room and no way to make some.
   */
  async reserve(certain: boolean): Promise<boolean> {
    for (;;) {
      if (this.budget.tryReserve(certain)) return true;
      // Probes in flight may still end cleanly (a refused login) and give their room back: wait for them.
      if (this.budget.pending > 0) {
        await new Promise<void>((resolve) => this.settled.push(resolve));
        continue;
      }
      if (!this.resetServerCount) return false;
      // One login resets the count for every probe waiting on it.
      this.resetting ??= this.resetNow().finally(() => {
        this.resetting = undefined;
      });
      if (!(await this.resetting)) return false;
    }
  }

  /** Settles a reservation made with reserve(). */
  settle(aborted: boolean): void {
    this.budget.settle(aborted);
    for (const wake of this.settled.splice(0)) wake();
  }

  /**
   * The scan is in its tail and the server has counted aborted handshakes: the reset login that ends the run will
   * come, so its connection opens now, in a slot of its own, and its connect and greeting overlap the last probes
   * instead of following them (two round trips of the run's last step).
   */
  openResetAhead(): void {
    if (!this.resetAhead || this.ahead || this.budget.sinceLastReset === 0) return;
    const open = this.resetAhead;
    this.ahead = this.slot().then((release) => ({ release, login: open() }));
  }

  /** With credentials, and when the server has counted aborted handshakes since the last reset: one login, in a slot of its own. */
  async resetIfSpent(): Promise<void> {
    const ahead = this.ahead;
    if (ahead) {
      this.ahead = undefined;
      const { release, login } = await ahead;
      try {
        if (await login().catch(() => false)) this.budget.serverCountReset();
      } finally {
        release();
      }
      return;
    }
    if (!this.resetServerCount || this.budget.sinceLastReset === 0) return;
    const release = await this.slot();
    try {
      await this.resetNow();
    } finally {
      release();
    }
  }

  private async resetNow(): Promise<boolean> {
    const ok = await (this.resetServerCount?.() ?? Promise.resolve(false)).catch(() => false);
    if (ok) this.budget.serverCountReset();
    return ok;
  }
}

/** Puts `item` into `queue` behind every entry of its priority or higher: highest first, first come first served among equals. */
export function enqueueByPriority<T extends { priority: number }>(queue: T[], item: T): void {
  const at = queue.findIndex((w) => w.priority < item.priority);
  queue.splice(at < 0 ? queue.length : at, 0, item);
}

/** The given scheduler, or one of a gatherer's own (what a gatherer called on its own, by the API, gets). */
export function schedulerOr(s: TargetScheduler | undefined): TargetScheduler {
  return s ?? new TargetScheduler();
}
