import { describe, expect, it } from 'vitest';
import { longestGap } from '../../bench/compare';
import { checkOrder, percentile, readTrackerBody, stats } from '../../bench/measure';
import { paceOf } from '../../bench/pace';
import { plannedProgressGap, progressPace } from '../../src/tracker/policy';
import { spread } from '../../bench/sections';
import { shape, SHAPES } from '../../bench/shapes';
import { median, targetRow, verdictOf, type Check } from '../../bench/targets';
import { makeWorkload, peakActive } from '../../bench/workload';

const workloadOf = (name: (typeof SHAPES)[number], seed: number, quick = false) => makeWorkload({ ...shape(name, quick).workload, seed });
const lifeMs = (p: ReturnType<typeof makeWorkload>[number]) => p.steps[p.steps.length - 1]!.afterMs;

describe('bench: percentiles and spreads', () => {
  it('takes the nearest-rank percentile', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile([], 50)).toBeNull();
    expect(stats([3, 1, 2])).toMatchObject({ n: 3, p50: 2, max: 3, mean: 2 });
  });

  it('shows min / median / max over seeds, ignoring what was not measured', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([2.5, null, 9, 1])).toBe('1.0 / 2.5 / 9.0');
    expect(spread([7])).toBe('7.0');
    expect(spread([null, undefined])).toBe('—');
  });

  it('finds the longest gap between reads, the end closing the last one', () => {
    expect(longestGap([0, 5, 7], 20)).toBe(13);
    expect(longestGap([10, 0, 4], 12)).toBe(6);
    // Reads after the end are not gaps in its progress.
    expect(longestGap([0, 3, 30], 5)).toBe(3);
    expect(longestGap([9], 5)).toBeNull();
  });

  it('flags a message whose state or progress goes back', () => {
    const shown = (rank: 1 | 3 | 4, progress: number | null) => ({ jobId: 'j', rank, progress, terminal: rank === 4, label: `${rank}/${progress}` });
    expect(checkOrder([shown(1, null), shown(3, 10), shown(3, 40), shown(4, null)])).toEqual([]);
    expect(checkOrder([shown(3, 40), shown(3, 20)])).toHaveLength(1);
    expect(checkOrder([shown(4, null), shown(3, 50)])).toHaveLength(1);
  });

  it("reads the list's \"Queued or running\" as no further than Queued: a first read showing Queued is not a step back", () => {
    const body = (status: string) => ({ embeds: [{ fields: [{ name: 'Job id', value: '`j`' }, { name: 'Status', value: status }] }] });
    const versions = ['Not read yet', 'Queued or running', 'Queued', 'Rendering'].map((s) => readTrackerBody(body(s)));
    expect(versions.map((v) => v?.rank)).toEqual([0, 1, 1, 3]);
    expect(checkOrder(versions)).toEqual([]);
  });
});

describe('bench: worst-seed verdicts', () => {
  const check = (seed: number, value: number | null, pass: boolean | null): Check => ({ seed, value, pass });

  it('fails a target when any one seed fails, whatever the median', () => {
    const row = targetRow('F', 'burst', 'p95 ≤ 5 s', 'higher', [check(1, 3, true), check(2, 9, false), check(3, 4, true)]);
    expect(row.verdict).toBe('FAIL');
    expect(row.worstSeed).toBe(2);
    expect([row.min, row.median, row.max]).toEqual([3, 4, 9]);
  });

  it('passes only when every seed that applies passes', () => {
    expect(verdictOf([check(1, 0.3, true), check(2, 0.35, true), check(3, 0.5, null)])).toBe('PASS');
    expect(verdictOf([check(1, 0.5, null)])).toBe('n/a');
    expect(verdictOf([check(1, null, null)])).toBe('NOT RUN');
    expect(verdictOf([])).toBe('NOT RUN');
  });

  it('names the worst seed by the direction of the figure', () => {
    const coverage = targetRow('C', 'scale', 'jobs covered', 'lower', [check(1, 90, true), check(2, 70, true), check(3, 80, true)]);
    expect(coverage.worstSeed).toBe(2);
    const latency = targetRow('F', 'burst', 'p95', 'higher', [check(1, 2, true), check(2, 4, true), check(3, 3, true)]);
    expect(latency.worstSeed).toBe(2);
    const alike = targetRow('Z', 'burst', '429s', 'higher', [check(1, 0, true), check(2, 0, true)]);
    expect(alike.worstSeed).toBeNull();
  });
});

describe('bench: the progress pace N', () => {
  it('at the default budget, 10,000 jobs: the budget decides', () => {
    const pace = paceOf({ budgetRps: 10, running: 10_000, pollIntervalMs: 5000 });
    // r = 2, L = 1 / 0.5 s = 2/s, P = (10 − 2 − 2) / (1 + 0.125) = 5.33 reads/s (a pass every 0.25 s), N = 10,000 / P s.
    expect(pace.reserved).toBe(2);
    expect(pace.listRps).toBe(2);
    expect(pace.progressRps).toBeCloseTo(6 / 1.125, 9);
    expect(pace.n).toBe(1875);
    expect(pace.limitedBy).toBe('budget');
    expect(pace.text).toContain('= 1875 s');
  });

  it("is the product's pace, the policy's planned gap while the budget keeps up", () => {
    const settings = { pollIntervalMs: 5000 };
    for (const running of [1, 2, 50, 300, 10_000]) {
      expect(paceOf({ budgetRps: 10, running, pollIntervalMs: 5000 }).n).toBe(progressPace(running, 10, settings) / 1000);
    }
    const fifty = paceOf({ budgetRps: 10, running: 50, pollIntervalMs: 5000 });
    expect(fifty.n).toBe(plannedProgressGap(50, settings) / 1000);
    expect(fifty.limitedBy).toBe('policy');
    expect(fifty.text).toContain(`max(${fifty.n}, 50/`);
    // Below LIST_MIN_JOBS the list is not read at all.
    expect(paceOf({ budgetRps: 10, running: 1, pollIntervalMs: 5000 }).listRps).toBe(0);
  });

  it('slow answers hold their places longer and lower the pace', () => {
    const fast = paceOf({ budgetRps: 10, running: 1000, pollIntervalMs: 5000 });
    const slow = paceOf({ budgetRps: 10, running: 1000, pollIntervalMs: 5000, answerMs: { listMs: 500, readMs: 100 } });
    expect(slow.progressRps).toBeCloseTo((10 - 2 - 2 * 1.5) / 1.225, 6);
    expect(slow.n).toBeGreaterThan(fast.n);
    expect(slow.text).toMatch(/\(10 − 2 − 2·1\.50\) \/ 1\.2[23]/);
  });
});

describe('bench: workload shapes', () => {
  it.each(SHAPES)('%s: the same seed gives the same jobs, another seed other jobs', (name) => {
    expect(workloadOf(name, 1)).toEqual(workloadOf(name, 1));
    expect(workloadOf(name, 2)).not.toEqual(workloadOf(name, 1));
  });

  it('burst: 50 jobs tracked within 10 s in one channel, lives of 20–90 s', () => {
    for (const seed of [1, 2, 3]) {
      const plans = workloadOf('burst', seed);
      expect(plans).toHaveLength(50);
      expect(new Set(plans.flatMap((p) => p.followers.map((f) => f.channelIndex)))).toEqual(new Set([0]));
      expect(Math.max(...plans.map((p) => p.trackAtMs))).toBeLessThanOrEqual(10_000);
      for (const p of plans.filter((q) => q.kind === 'completed')) {
        expect(lifeMs(p)).toBeGreaterThanOrEqual(20_000);
        expect(lifeMs(p)).toBeLessThanOrEqual(90_000);
      }
      expect(peakActive(plans)).toBeGreaterThanOrEqual(20);
    }
  });

  it('steady: at least 100 jobs arriving over minutes across 10 channels', () => {
    const plans = workloadOf('steady', 1);
    expect(plans.length).toBeGreaterThanOrEqual(100);
    expect(new Set(plans.map((p) => p.channelIndex)).size).toBe(10);
    expect(Math.max(...plans.map((p) => p.createdAtMs))).toBeGreaterThan(120_000);
  });

  it('long: a few jobs of minutes among many short ones', () => {
    const plans = workloadOf('long', 1);
    const long = plans.filter((p) => lifeMs(p) - p.queueMs >= 150_000);
    expect(long.length).toBeGreaterThanOrEqual(3);
    expect(long.length).toBeLessThanOrEqual(plans.length / 10);
    expect(long.every((p) => p.kind === 'completed')).toBe(true);
  });

  it('followers: 1 to 4 people per job, each in a channel of their own, and some jobs with several', () => {
    const plans = workloadOf('followers', 1);
    for (const p of plans) {
      expect(p.followers.length).toBeGreaterThanOrEqual(1);
      expect(p.followers.length).toBeLessThanOrEqual(4);
      expect(new Set(p.followers.map((f) => f.channelIndex)).size).toBe(p.followers.length);
      expect(new Set(p.followers.map((f) => f.userIndex)).size).toBe(p.followers.length);
      expect(p.followers[0]).toEqual({ userIndex: p.userIndex, channelIndex: p.channelIndex, trackAtMs: p.trackAtMs });
    }
    expect(plans.some((p) => p.followers.length >= 3)).toBe(true);
  });

  it('adding followers leaves the jobs themselves as they were', () => {
    const base = { seed: 4, jobs: 30, channels: 10, users: 20, spreadMs: 20_000 };
    const strip = (plans: ReturnType<typeof makeWorkload>) => plans.map(({ followers: _followers, ...job }) => job);
    expect(strip(makeWorkload({ ...base, followers: [1, 4] }))).toEqual(strip(makeWorkload(base)));
  });
});
