import { describe, expect, it } from 'vitest';
import { backoffDelay, jitter, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS, runningDelay } from '../../src/tracker/policy';
import { parseRetryAfter } from '../../src/useapi/client';

const settings = { pollIntervalMs: 5000 };

describe('poll policy', () => {
  it('jitters within ±20 %', () => {
    expect(jitter(1000, () => 0)).toBe(800);
    expect(jitter(1000, () => 0.999999)).toBe(1200);
  });

  it('never waits more than 3× the base interval for a running job', () => {
    for (const status of ['created', 'started', 'progress', 'unknown']) {
      for (const stalled of [false, true]) {
        expect(runningDelay(status, stalled, settings, () => 0.999999)).toBeLessThanOrEqual(15_000);
      }
    }
  });

  it('caps the backoff and the honoured Retry-After', () => {
    expect(backoffDelay(30, null, settings, () => 0.5)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelay(1, 24 * 3600_000, settings, () => 0.5)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
