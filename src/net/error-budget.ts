// MySQL and MariaDB block a client host after max_connect_errors (default 100) successive aborted handshakes.
// Every probe that might end as an aborted handshake reserves one unit here first, so a scan can never cost
// more than the limit, however many probes run at once.

/** Default limit for targets that are not loopback: well under MySQL's default max_connect_errors of 100. */
export const DEFAULT_MAX_ABORTED = 20;

/** A per-target count of aborted connections, with a limit that concurrent probes cannot overrun. */
export class ErrorBudget {
  private sinceReset = 0;
  private inFlight = 0;
  private spentTotal = 0;
  private refusals = 0;
  private resetCount = 0;

  /** limit undefined: no limit (loopback, which the server exempts from max_connect_errors). */
  constructor(readonly limit: number | undefined) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`budget limit must be a whole number >= 0, got ${limit}`);
  }

  /**
   * Claims room for one connection that may abort; false when that could exceed the limit. A connection that
   * will abort for certain (a raw ClientHello) may not take the last unit: that one stays for probes that
   * usually end cleanly (node:tls, a refused login), so a spent budget still lets them finish the scan.
   */
  tryReserve(certain = false): boolean {
    const cap = this.limit === undefined ? Infinity : certain && this.limit >= 2 ? this.limit - 1 : this.limit;
    if (this.sinceReset + this.inFlight >= cap) return false;
    this.inFlight++;
    return true;
  }

  /** Settles a reservation: aborted connections are spent, clean ones (a refused login) give the room back. */
  settle(aborted: boolean): void {
    if (this.inFlight === 0) throw new Error("ErrorBudget.settle without a reservation");
    this.inFlight--;
    if (aborted) {
      this.sinceReset++;
      this.spentTotal++;
    }
  }

  /** Counts a connection that aborted without a reservation (one expected to end cleanly that did not). */
  spendUnreserved(): void {
    this.sinceReset++;
    this.spentTotal++;
  }

  /** After a successful login the server's count for this host is back at 0; aborted ones still in flight stay reserved. */
  serverCountReset(): void {
    this.sinceReset = 0;
    this.resetCount++;
  }

  /** Reservations not yet settled. */
  get pending(): number {
    return this.inFlight;
  }

  /** Aborted connections this run cost in all. */
  get spent(): number {
    return this.spentTotal;
  }

  /** Aborted connections the server has counted since the last reset (what max_connect_errors sees). */
  get sinceLastReset(): number {
    return this.sinceReset;
  }

  /** How many more may abort now; Infinity without a limit. */
  get remaining(): number {
    return this.limit === undefined ? Infinity : Math.max(0, this.limit - this.sinceReset - this.inFlight);
  }

  /** Records that a probe was given up for lack of room (after waiting and any reset). */
  giveUp(): void {
    this.refusals++;
  }

  /** True once a probe was given up for lack of room. */
  get stoppedScan(): boolean {
    return this.refusals > 0;
  }

  /** How many successful logins reset the server's count. */
  get resets(): number {
    return this.resetCount;
  }
}
