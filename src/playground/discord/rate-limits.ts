/**
 * Discord-style rate limiting: fixed-window buckets announced through X-RateLimit-* headers, and a
 * global per-second limit that is only revealed by a 429 (as on Discord).
 */
import { createHash } from 'node:crypto';
import type { RateLimitOptions } from './types';

export type Headers = Record<string, string>;

export type RateLimitDecision =
  | { allowed: true; headers: Headers; exhausted: boolean }
  | { allowed: false; headers: Headers; retryAfterMs: number; global: boolean };

interface Bucket {
  remaining: number;
  resetAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private globalWindowStart = 0;
  private globalCount = 0;

  constructor(private readonly options: RateLimitOptions) {}

  /**
   * Decides one request. `channelBucket` names the route's bucket (a channel id for the per-channel
   * message bucket, `token:<token>` for an interaction token's edits), undefined for routes without one; `global` says whether the route counts towards the global limit.
   */
  take(channelBucket: string | undefined, global: boolean, now = Date.now()): RateLimitDecision {
    const perSecond = this.options.globalPerSecond;
    if (global && perSecond !== undefined) {
      if (now - this.globalWindowStart >= 1000) {
        this.globalWindowStart = now;
        this.globalCount = 0;
      }
      if (this.globalCount >= perSecond) {
        const retryAfterMs = this.globalWindowStart + 1000 - now;
        return {
          allowed: false,
          retryAfterMs,
          global: true,
          headers: { 'Retry-After': seconds(retryAfterMs), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
        };
      }
      this.globalCount++;
    }

    const config = this.options.perChannelMessages;
    if (channelBucket === undefined || config === undefined) return { allowed: true, headers: {}, exhausted: false };

    let bucket = this.buckets.get(channelBucket);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { remaining: config.limit, resetAt: now + config.windowMs };
      this.buckets.set(channelBucket, bucket);
    }
    const resetAfterMs = bucket.resetAt - now;
    const headers: Headers = {
      'X-RateLimit-Limit': String(config.limit),
      'X-RateLimit-Reset': (bucket.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': seconds(resetAfterMs),
      // One hash for the channel-messages bucket, like Discord's opaque bucket ids.
      'X-RateLimit-Bucket': BUCKET_HASH,
    };
    const announce = config.announce !== false;
    if (bucket.remaining <= 0) {
      const retry = { 'Retry-After': seconds(resetAfterMs), 'X-RateLimit-Scope': 'user' };
      return {
        allowed: false,
        retryAfterMs: resetAfterMs,
        global: false,
        headers: announce ? { ...headers, 'X-RateLimit-Remaining': '0', ...retry } : retry,
      };
    }
    bucket.remaining--;
    return {
      allowed: true,
      headers: announce ? { ...headers, 'X-RateLimit-Remaining': String(bucket.remaining) } : {},
      exhausted: bucket.remaining === 0,
    };
  }
}

const BUCKET_HASH = createHash('sha1').update('channel-messages').digest('hex').slice(0, 32);

/**
 * Seconds with millisecond precision ("0.250"). Discord sends whole seconds in Retry-After; the fake
 * keeps milliseconds so that tests with short windows stay fast (discord.js parses either).
 */
function seconds(ms: number): string {
  return (Math.max(ms, 0) / 1000).toFixed(3);
}
