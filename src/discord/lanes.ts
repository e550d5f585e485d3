import type { APIRequest, ResponseLike } from 'discord.js';
import type { Logger } from '../log';
import type { Failure } from './failures';

const CHANNEL_MESSAGES = /^\/channels\/(\d+)\/messages/;
/**
 * Requests of a channel's rate-limit window that new tracking messages and progress edits leave to
 * final states and outbox posts, so that a job ending mid-window is shown at once rather than after
 * the reset. Two rather than one: on a saturated channel finals often end in pairs (see the commit).
 */
const KEPT_FOR_FINALS = 2;
/** Discord's global limit: requests per second across all routes but interactions and webhooks. */
export const DISCORD_GLOBAL_PER_SECOND = 50;

export interface LaneOptions {
  log: Logger;
  now: () => number;
  random: () => number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Called when a lane opens again. */
  wake: () => void;
  /** Requests per second Discord allows in all (its global limit). */
  globalPerSecond?: number;
}

interface GlobalSecond {
  started: number;
  endsAt: number | undefined;
  waiting: boolean;
}

/**
 * When each lane (a channel, or `dm:<user>`) may be used again: blocks after rate limits and
 * Discord trouble, each channel's message bucket, and the backoff of lanes that keep failing.
 */
export class Lanes {
  /** Lanes that must wait (rate limit, Discord trouble) until the given time. */
  private readonly blockedUntil = new Map<string, number>();
  /** Each channel's message bucket as Discord's headers last announced it. */
  private readonly buckets = new Map<string, { remaining: number; resetAt: number }>();
  /** Consecutive failures per lane, and when the last one happened. */
  private readonly failureStreak = new Map<string, { streak: number; at: number }>();

  /**
   * The current second of Discord's global limit: requests started in it, when it ends (unknown
   * until its first request has been answered), and whether a request is waiting for its end.
   */
  private second: GlobalSecond | undefined;
  /** Until when Discord's global limit, once met (a global 429), holds every request. */
  private globalBlockedUntil = 0;

  constructor(private readonly opts: LaneOptions) {}

  /**
   * Counts `requests` against Discord's global limit if the current second has room for them, and
   * returns what to call once they have been answered; undefined while the second is full.
   *
   * Discord's second starts when its first request arrives, which the client never sees; discord.js
   * starts its own when that request is sent. A first request slow to arrive (a busy network or
   * server) leaves Discord's second still full when discord.js starts its next one: a global 429. A
   * second here ends one second after its first request was answered, after Discord's has ended.
   */
  startGlobal(requests: number, at: number): (() => void) | undefined {
    // Delivery is woken when it ends (postpone).
    if (at < this.globalBlockedUntil) return undefined;
    const perSecond = this.opts.globalPerSecond ?? DISCORD_GLOBAL_PER_SECOND;
    if (this.second?.endsAt !== undefined && at >= this.second.endsAt) this.second = undefined;
    if (this.second === undefined) {
      const second: GlobalSecond = { started: requests, endsAt: undefined, waiting: false };
      this.second = second;
      return () => {
        second.endsAt = this.opts.now() + 1000;
        if (second.waiting) this.wakeAt(second.endsAt);
      };
    }
    const second = this.second;
    if (second.started + requests <= perSecond) {
      second.started += requests;
      return () => undefined;
    }
    // Come back when the second ends, not at the idle scan (once its end is known).
    if (!second.waiting && second.endsAt !== undefined) this.wakeAt(second.endsAt);
    second.waiting = true;
    return undefined;
  }

  /**
   * Discord announces each channel's message bucket in its headers; the lane closes when the bucket
   * is empty, before discord.js would learn it (it keys buckets by route, and a channel's posts and
   * edits share one).
   */
  readonly watchBuckets = (request: APIRequest, response: ResponseLike): void => {
    const channelId = CHANNEL_MESSAGES.exec(String(request.path))?.[1];
    const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? NaN);
    const resetAfterMs = Number(response.headers.get('x-ratelimit-reset-after') ?? NaN) * 1000;
    if (!channelId || !Number.isFinite(remaining) || !Number.isFinite(resetAfterMs)) return;
    const resetAt = this.opts.now() + resetAfterMs;
    this.buckets.set(channelId, { remaining, resetAt });
    if (remaining > KEPT_FOR_FINALS) return;
    // Requests are held back from here on: come back when the bucket is full again, not at the idle scan.
    this.wakeAt(resetAt);
    if (remaining > 0) return;
    this.blockedUntil.set(channelId, Math.max(this.blockedUntil.get(channelId) ?? 0, resetAt));
  };

  /** Channels whose bucket is nearly empty: their last requests are kept for final states and outbox posts. */
  lowBuckets(at: number): string[] {
    return [...this.buckets].filter(([, bucket]) => bucket.resetAt > at && bucket.remaining <= KEPT_FOR_FINALS).map(([channelId]) => channelId);
  }

  isBlocked(lane: string, at: number): boolean {
    return (this.blockedUntil.get(lane) ?? 0) > at;
  }

  blocked(at: number): string[] {
    return [...this.blockedUntil].filter(([, until]) => until > at).map(([lane]) => lane);
  }

  /** Forgets blocks and buckets whose time has passed, and the failures of lanes that have gone quiet. */
  prune(at: number): void {
    for (const [lane, until] of this.blockedUntil) if (until <= at) this.blockedUntil.delete(lane);
    for (const [channelId, bucket] of this.buckets) if (bucket.resetAt <= at) this.buckets.delete(channelId);
    // A failing lane retries within retryMaxMs; quiet for twice that, it has nothing left to retry.
    for (const [lane, failures] of this.failureStreak) if (at - failures.at > 2 * this.opts.retryMaxMs) this.failureStreak.delete(lane);
  }

  /** Forgets a lane's failures; a block Discord's headers just announced still stands. */
  succeeded(lane: string): void {
    this.failureStreak.delete(lane);
  }

  /**
   * Closes the lane until Discord's rate limit ends (every lane, for its global limit) or, for
   * Discord trouble, for a backoff that doubles with each failure in a row (capped, jittered so
   * lanes do not retry in step). Returns when the lane opens again.
   */
  postpone(lane: string, failure: Extract<Failure, { kind: 'later' }>): number {
    const { now, random, retryBaseMs, retryMaxMs, log } = this.opts;
    const at = now();
    let afterMs = failure.retryAfterMs;
    let streak = this.failureStreak.get(lane)?.streak ?? 0;
    if (afterMs === undefined) {
      streak++;
      this.failureStreak.set(lane, { streak, at });
      const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (streak - 1));
      afterMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
    }
    const until = Math.max(this.blockedUntil.get(lane) ?? 0, at + afterMs);
    this.blockedUntil.set(lane, until);
    // Come back the moment the lane opens again, not at the next idle scan.
    this.wakeAt(until);
    if (failure.global) {
      // The lane may stay closed longer (its own limit): every other lane opens when Discord's global limit ends.
      this.globalBlockedUntil = Math.max(this.globalBlockedUntil, at + afterMs);
      this.wakeAt(this.globalBlockedUntil);
    }
    // A rate limit is routine under load; anything else is worth a look.
    const level = failure.retryAfterMs === undefined ? 'warn' : 'debug';
    log[level]({ event: 'delivery_postponed', lane, afterMs: until - at, detail: failure.detail, streak }, 'Discord request postponed');
    return until;
  }

  /**
   * Wakes delivery once `until` has come by the clock. Node counts a timer from the event loop's
   * cached time, which lags the clock after a busy turn: a timer that fires early (the lane would
   * still look closed, and nothing would wake it again) waits the rest.
   */
  private wakeAt(until: number): void {
    const { now, wake } = this.opts;
    setTimeout(() => {
      const early = until - now();
      if (early > 0) setTimeout(wake, early).unref();
      else wake();
    }, until - now()).unref();
  }

  stats(): { blockedLanes: number; failingLanes: number; buckets: number } {
    return { blockedLanes: this.blockedUntil.size, failingLanes: this.failureStreak.size, buckets: this.buckets.size };
  }
}
