import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/tracker/budget';
import {
  backoffDelay,
  jitter,
  LIST_MIN_JOBS,
  LIST_SHARE,
  listInterval,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  PROGRESS_SHARE_MIN,
  progressInterval,
  progressPace,
  READS_SHARE,
  reservedShare,
  runningDelay,
} from '../../src/tracker/policy';
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
  it('is read as often as its share of the reads allows, at least once and at most ten times an interval', () => {
    expect(LIST_MIN_JOBS).toBeGreaterThan(1);
    expect(listInterval(1, settings)).toBe(5000);
    expect(listInterval(2, settings)).toBe(5000);
    expect(listInterval(20, settings)).toBeCloseTo(5000 / (20 * LIST_SHARE), 6);
    expect(listInterval(64, settings)).toBe(500);
    expect(listInterval(10_000, settings)).toBe(500);
    for (const running of [20, 40, 64, 200]) {
      expect(5000 / listInterval(running, settings) / running).toBeLessThanOrEqual(LIST_SHARE + 1e-12);
    }
  });

  it('with few jobs left is still read twice an interval, never more than half a read per job', () => {
    expect(listInterval(3, settings)).toBeCloseTo(5000 / 1.5, 6);
    expect(listInterval(4, settings)).toBe(2500);
    expect(listInterval(6, settings)).toBe(2500);
    // From 7 jobs on the list's share reads it more often than that.
    expect(listInterval(12, settings)).toBe(1250);
    for (const running of [2, 3, 4, 6, 8, 12]) {
      expect(5000 / listInterval(running, settings) / running).toBeLessThanOrEqual(0.5);
      expect(listInterval(running, settings)).toBeLessThanOrEqual(5000);
    }
  });

  it('reads covered jobs for progress with what the list leaves of the reads share, at least every 24 intervals', () => {
    for (const running of [2, 8, 20, 40, 100, 200, 10_000]) {
      const list = 5000 / listInterval(running, settings) / running;
      const progress = 5000 / progressInterval(running, settings);
      expect(progress).toBeGreaterThanOrEqual(PROGRESS_SHARE_MIN);
      expect(list + progress).toBeCloseTo(Math.max(READS_SHARE, list + PROGRESS_SHARE_MIN), 9);
    }
    expect(progressInterval(20, settings)).toBeCloseTo(120_000, 6);
    expect(progressInterval(40, settings)).toBeCloseTo(120_000, 6);
    expect(progressInterval(100, settings)).toBeCloseTo(50_000, 6);
    expect(progressInterval(200, settings)).toBeCloseTo(100_000 / 3, 6);
  });
});

describe('the pace: the longest time between two reads of a running job of its own', () => {
  it('is 3× the interval (and the pass the read waits for) for a job too alone for the list', () => {
    expect(progressPace(1, 10, settings)).toBe(15_250);
  });

  it("is the policy's interval (with its jitter) while the budget can read every job that often", () => {
    // 2 min at the jitter's most, and the pass (250 ms) the read waits for.
    expect(progressPace(40, 10, settings)).toBe(144_250);
    expect(progressPace(100, 10, settings)).toBe(60_250);
  });

  it('is the time the budget takes to go round every job when it cannot keep up', () => {
    // 10/s, of which 2 are kept for the list and final reads, and the list takes 2/s: 6 places for
    // progress, each held 1 s after its answer and half a 250 ms pass more: 6 / 1.125 reads/s.
    expect(progressPace(10_000, 10, settings)).toBe(Math.ceil((1000 * 10_000 * 1.125) / 6));
    expect(progressPace(300, 10, settings)).toBe(Math.ceil((1000 * 300 * 1.125) / 6));
    expect(progressPace(100, 2, settings)).toBe(Infinity);
  });

  it('is longer when answers are slow: each place is held until a second after the answer', () => {
    // The list's 2 places/s are held 1.5 s each, a job read's 1.1 s and half a pass: (10 − 2 − 2·1.5) / 1.225 reads/s.
    expect(progressPace(10_000, 10, settings, { listMs: 500, readMs: 100 })).toBeCloseTo((1000 * 10_000 * 1.225) / 5, -1);
  });

  it('never says less than the planned interval or more than the budget allows', () => {
    for (const running of [2, 20, 40, 100, 1000]) {
      for (const perSecond of [5, 10, 50]) {
        const pace = progressPace(running, perSecond, settings);
        expect(pace).toBeGreaterThanOrEqual(progressInterval(running, settings));
        const reads = (running * 1000) / pace + 1000 / listInterval(running, settings) + reservedShare(perSecond);
        expect(reads).toBeLessThanOrEqual(perSecond + 1e-9);
      }
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
