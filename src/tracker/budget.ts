/**
 * At most `perSecond` upstream requests in any one-second window, as upstream counts them. Keeps
 * the person's useapi account from being flooded however many jobs are tracked.
 *
 * Upstream counts a request when it arrives, which can be any time between our sending it and its
 * answer coming back (a busy machine or network can hold it back). So a request keeps its place from
 * the moment it is taken until one window after its answer: then no more than the limit can ever
 * arrive within one second, whatever the delays.
 */
export class RequestBudget {
  /** Requests allowed per window, and the window, so that fractional rates work too. */
  private readonly limit: number;
  private readonly windowMs: number;
  /** Requests still holding a place: when they were taken, or when their answer came (`answered`). */
  private slots: Array<{ at: number; answered: boolean }> = [];

  constructor(readonly perSecond: number) {
    this.limit = Math.max(1, Math.floor(perSecond));
    this.windowMs = (1000 * this.limit) / perSecond;
  }

  /** Takes one request's worth if there is one; call `answered(now, …)` with the same `now` when it ends. */
  take(now: number): boolean {
    if (this.available(now) < 1) return false;
    this.slots.push({ at: now, answered: false });
    return true;
  }

  /** The request taken at `takenAt` has its answer (or gave up) at `now`. */
  answered(takenAt: number, now: number): void {
    const slot = this.slots.find((s) => !s.answered && s.at === takenAt);
    if (slot) Object.assign(slot, { at: Math.max(takenAt, now), answered: true });
  }

  /** When the next place frees, if one that is answered will; undefined while every place waits for its answer. */
  nextFreeAt(now: number): number | undefined {
    const freeing = this.slots.filter((s) => s.answered && s.at > now - this.windowMs).map((s) => s.at + this.windowMs);
    return freeing.length > 0 ? Math.min(...freeing) : undefined;
  }

  /** Requests that could start now. */
  available(now: number): number {
    this.slots = this.slots.filter((s) => !s.answered || s.at > now - this.windowMs);
    return this.limit - this.slots.length;
  }
}
