/**
 * How many /track one person may run a minute (a sliding minute). Each /track of a job the bot does
 * not know yet costs upstream reads for the 404 grace period, so one person's burst of made-up ids
 * must not eat the request budget everyone's jobs share. Kept in memory: a restart forgets it, which
 * only ever lets someone through a little early.
 */
export class TrackRate {
  private readonly uses = new Map<string, number[]>();

  constructor(readonly perMinute: number) {}

  /** Counts one /track now, or says when the next one will be allowed. */
  take(userId: string, now: number): { allowed: true } | { allowed: false; retryAt: number } {
    const recent = (this.uses.get(userId) ?? []).filter((at) => at > now - 60_000);
    if (recent.length >= this.perMinute) {
      this.uses.set(userId, recent);
      return { allowed: false, retryAt: recent[0]! + 60_000 };
    }
    recent.push(now);
    this.uses.set(userId, recent);
    if (this.uses.size > 10_000) this.forgetQuiet(now);
    return { allowed: true };
  }

  private forgetQuiet(now: number): void {
    for (const [userId, times] of this.uses) if (times.every((at) => at <= now - 60_000)) this.uses.delete(userId);
  }
}
