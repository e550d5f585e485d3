/**
 * At most `perSecond` upstream requests in any one-second window (a sliding log, so there are no
 * bursts at window edges). Keeps the person's useapi account from being flooded however many jobs
 * are tracked.
 */
const ARRIVAL_MARGIN_MS = 50;

export class RequestBudget {
  /** Requests allowed per window, and the window, so that fractional rates work too. */
  private readonly limit: number;
  private readonly windowMs: number;
  /** Start times of the requests in the current window, oldest first. */
  private readonly recent: number[] = [];

  constructor(readonly perSecond: number) {
    this.limit = Math.max(1, Math.floor(perSecond));
    // A little wider than the rate says: requests sent a window apart can arrive closer together.
    this.windowMs = (1000 * this.limit) / perSecond + ARRIVAL_MARGIN_MS;
  }

  /** Takes one request's worth if there is one. */
  take(now: number): boolean {
    if (this.available(now) < 1) return false;
    this.recent.push(now);
    return true;
  }

  /** Requests that could start now. */
  available(now: number): number {
    while (this.recent.length > 0 && this.recent[0]! <= now - this.windowMs) this.recent.shift();
    return this.limit - this.recent.length;
  }
}
