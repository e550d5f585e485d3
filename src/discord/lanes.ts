import type { APIRequest, ResponseLike } from 'discord.js';
import type { Logger } from '../log';
import { RequestBudget } from '../tracker/budget';
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
   * Discord's global limit. Discord counts a request when it arrives, somewhere between its sending
   * and its answer, in windows of one second that start when a request arrives: a request of the
   * client's one second can land in Discord's next. So each request keeps its place from its start
   * until one second after its answer (as upstream requests do): then no more than the limit can
   * ever arrive within one second, however late some arrive.
   */
  private readonly global: RequestBudget;
  /** A request is waiting for a place: delivery is woken when one frees (at `globalWakeAt`, if known). */
  private waitingForGlobal = false;
  private globalWakeAt = 0;
  /** Until when Discord's global limit, once met (a global 429), holds every request. */
  private globalBlockedUntil = 0;

  constructor(private readonly opts: LaneOptions) {
    this.global = new RequestBudget(opts.globalPerSecond ?? DISCORD_GLOBAL_PER_SECOND);
  }

  /**
   * Takes `requests` places of Discord's global limit if they are free, and returns what to call
   * once they have been answered; undefined while they are not.
   */
  startGlobal(requests: number, at: number): (() => void) | undefined {
    // Delivery is woken when it ends (postpone).
    if (at < this.globalBlockedUntil) return undefined;
    if (this.global.available(at) < requests) {
      this.waitingForGlobal = true;
      const freesAt = this.global.nextFreeAt(at);
      // Else the next answer wakes it.
      if (freesAt !== undefined && freesAt !== this.globalWakeAt) {
        this.globalWakeAt = freesAt;
        this.wakeAt(freesAt);
      }
      return undefined;
    }
    for (let i = 0; i < requests; i++) this.global.take(at);
    return () => {
      const answeredAt = this.opts.now();
      for (let i = 0; i < requests; i++) this.global.answered(at, answeredAt);
      if (!this.waitingForGlobal) return;
      this.waitingForGlobal = false;
      this.wakeAt(answeredAt + 1000);
    };
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
