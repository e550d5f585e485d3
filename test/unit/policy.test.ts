import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/tracker/budget';
import { backoffDelay, jitter, LIST_MIN_JOBS, listInterval, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS, runningDelay } from '../../src/tracker/policy';
import { parseRetryAfter } from '../../src/upstreams/http';

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

describe('list of running jobs', () => {
  it('is read only when it replaces enough per-job reads, never more often than base / 10', () => {
    expect(LIST_MIN_JOBS).toBeGreaterThan(1);
    expect(listInterval(4, settings)).toBe(3750);
    expect(listInterval(30, settings)).toBe(500);
    expect(listInterval(10_000, settings)).toBe(500);
    expect(listInterval(1, settings)).toBe(5000);
  });

  it('lets covered jobs be read for progress only, within 3× the base interval', () => {
    for (const r of [0, 0.5, 0.999999]) {
      const delay = runningDelay('progress', false, settings, () => r, true);
      expect(delay).toBeGreaterThan(2 * 5000);
      expect(delay).toBeLessThanOrEqual(15_000);
    }
  });
});

describe('RequestBudget', () => {
  it('allows at most perSecond requests in any one-second window', () => {
    const budget = new RequestBudget(5);
    const granted: number[] = [];
    for (let t = 0; t < 10_000; t += 7) {
      if (!budget.take(t)) continue;
      granted.push(t);
      budget.answered(t, t);
    }
    for (const start of granted) {
      expect(granted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5);
    }
    expect(granted.length).toBeGreaterThanOrEqual(49);
    expect(budget.available(20_000)).toBe(5);
  });

  it('counts a request until a second after its answer, since upstream may have received it as late as that', () => {
    // Requests answered 600 ms after they were sent: upstream saw each one somewhere in between.
    const budget = new RequestBudget(5);
    const spans: Array<{ sent: number; answered: number }> = [];
    for (let t = 0; t < 10_000; t += 10) {
      for (const span of spans) if (span.answered === t) budget.answered(span.sent, t);
      if (budget.take(t)) spans.push({ sent: t, answered: t + 600 });
    }
    // No six requests may fit into one second, wherever in its span upstream saw each one.
    for (let start = 0; start < 10_000; start += 10) {
      const meeting = spans.filter((s) => s.sent < start + 1000 && s.answered >= start);
      expect(meeting.length, `requests that could have arrived in [${start}, ${start + 1000})`).toBeLessThanOrEqual(5);
    }
    expect(spans.length).toBeGreaterThanOrEqual(25);
  });

  it('handles rates below one a second', () => {
    const budget = new RequestBudget(0.5);
    expect(budget.take(0)).toBe(true);
    budget.answered(0, 0);
    expect(budget.take(1999)).toBe(false);
    expect(budget.take(2100)).toBe(true);
  });
});
