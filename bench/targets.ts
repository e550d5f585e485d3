/**
 * Issue 12's targets, judged per seed and then on the worst seed: a target passes only if every
 * seed that measured it passes. The table shows min / median / max of the measured value.
 */
import type { CompareResult, SideFigures } from './compare';
import { MB } from './measure';
import { paceOf } from './pace';
import type { TickResult } from './scale';
import type { ScaleRunFigures } from './scale-run';
import type { ShapeName } from './shapes';

/** One seed's measurement of one target: null value = not measured; null pass = does not apply. */
export interface Check {
  seed: number;
  value: number | null;
  pass: boolean | null;
  /** Extra words for the table (e.g. "3 never shown"). */
  note?: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'NOT RUN' | 'n/a';

export interface TargetRow {
  id: string;
  /** The shape (or "scale") it was measured on. */
  on: string;
  target: string;
  /** Is a higher value worse (latencies, ratios) or better (coverage)? Decides the worst seed. */
  worse: 'higher' | 'lower';
  checks: Check[];
  min: number | null;
  median: number | null;
  max: number | null;
  /** The seed with the worst value (the first failing one if any fails). */
  worstSeed: number | null;
  verdict: Verdict;
}

/** Median of unsorted values (mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The worst-seed verdict: FAIL if any seed fails, PASS if every seed that applies passes. */
export function verdictOf(checks: readonly Check[]): Verdict {
  if (checks.length === 0) return 'NOT RUN';
  if (checks.some((c) => c.pass === false)) return 'FAIL';
  if (checks.every((c) => c.pass === null)) return checks.some((c) => c.value !== null) ? 'n/a' : 'NOT RUN';
  return 'PASS';
}

export function targetRow(id: string, on: string, target: string, worse: 'higher' | 'lower', checks: Check[]): TargetRow {
  const values = checks.map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const failing = checks.find((c) => c.pass === false);
  const ranked = checks.filter((c) => c.value !== null).sort((a, b) => (worse === 'higher' ? b.value! - a.value! : a.value! - b.value!));
  return {
    id,
    on,
    target,
    worse,
    checks,
    min: values.length ? Math.min(...values) : null,
    median: median(values),
    max: values.length ? Math.max(...values) : null,
    // With every seed alike there is no worst one to name.
    worstSeed: failing?.seed ?? (values.length > 1 && Math.min(...values) === Math.max(...values) ? null : (ranked[0]?.seed ?? null)),
    verdict: verdictOf(checks),
  };
}

/** One seed's results, as run.ts collects them. */
export interface SeedRun {
  seed: number;
  shapes: Partial<Record<ShapeName, CompareResult>>;
  scale?: ScaleRunFigures;
  scaleError?: string;
}

export interface TargetInput {
  seeds: SeedRun[];
  shapes: readonly ShapeName[];
  ticks?: TickResult;
  budget: { key: string | null; defaultRps: number | null };
  pollIntervalMs: number;
}

/** Issue 12: the request and detection targets apply to shapes with this many jobs running at once. */
export const MIN_RUNNING_FOR_RATIOS = 20;

const sideOf = (r: CompareResult | undefined, name: 'tracker' | 'baseline'): SideFigures | undefined => r?.sides.find((s) => s.side === name);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);

/** The pace N (s) for a shape run: its most jobs at once, the default budget, the real interval. */
export function paceFor(r: CompareResult, input: Pick<TargetInput, 'budget' | 'pollIntervalMs'>) {
  return input.budget.defaultRps === null ? null : paceOf({ budgetRps: input.budget.defaultRps, running: r.peakActive, pollIntervalMs: input.pollIntervalMs });
}

export function evaluateTargets(input: TargetInput): TargetRow[] {
  const rows: TargetRow[] = [];
  const perShape = (shape: ShapeName, f: (r: CompareResult, t: SideFigures, b: SideFigures | undefined, seed: number) => Check) =>
    input.seeds.flatMap((s) => {
      const r = s.shapes[shape];
      const t = sideOf(r, 'tracker');
      if (!r || !t) return [];
      if (!t.ok) return [{ seed: s.seed, value: null, pass: false, note: `tracker FAILED: ${t.error}` }];
      return [f(r, t, sideOf(r, 'baseline'), s.seed)];
    });
  const bound = (3 * input.pollIntervalMs) / 1000;

  for (const shape of input.shapes) {
    const big = (r: CompareResult) => r.peakActive >= MIN_RUNNING_FOR_RATIOS;
    const vsBaseline = (pick: (s: SideFigures) => number | null, limit: number) => (r: CompareResult, t: SideFigures, b: SideFigures | undefined, seed: number): Check => {
      const v = b?.ok ? ratio(pick(t), pick(b)) : null;
      return { seed, value: v, pass: !big(r) ? null : v === null ? false : v <= limit, note: big(r) ? undefined : `${r.peakActive} at once` };
    };
    rows.push(targetRow('R', shape, `upstream requests ≤ 0.4× the docs' loop (≥ ${MIN_RUNNING_FOR_RATIOS} jobs at once)`, 'higher', perShape(shape, vsBaseline((s) => s.upstream.readsPerJob, 0.4))));
    // The "terminal-detection": when each side first read the job in its final state (jobs without injected errors).
    rows.push(targetRow('D', shape, 'terminal detection (end noticed), p50 ≤ 0.25× the docs\' loop', 'higher', perShape(shape, vsBaseline((s) => s.endNoticedS.p50, 0.25))));
    if (shape === 'burst') {
      rows.push(
        targetRow('F', shape, 'final state in Discord, p95 ≤ 5 s', 'higher', perShape(shape, (_r, t, _b, seed) => ({ seed, value: t.terminalLatencyS.p95, pass: (t.terminalLatencyS.p95 ?? Infinity) <= 5 }))),
      );
    }
    rows.push(
      targetRow('Z', shape, 'zero Discord 429s', 'higher', perShape(shape, (_r, t, _b, seed) => ({ seed, value: t.discord.rateLimited429, pass: t.discord.rateLimited429 === 0 }))),
    );
    rows.push(
      targetRow('O', shape, 'no message shows an older state after a newer one', 'higher', perShape(shape, (_r, t, _b, seed) => ({ seed, value: t.order.problems.length, pass: t.order.problems.length === 0 }))),
    );
    rows.push(
      targetRow('L', shape, 'every final state and every DM delivered (missing)', 'higher', perShape(shape, (_r, t, _b, seed) => {
        const missing = t.messages - t.finalShown + Math.max(0, t.messages - t.dmsDelivered);
        return { seed, value: missing, pass: missing === 0 };
      })),
    );
    rows.push(
      targetRow('3a-end', shape, `every job's end noticed within 3× the interval (${bound} s; jobs without injected errors)`, 'higher', perShape(shape, (_r, t, _b, seed) => ({
        seed,
        value: t.endNoticedS.max,
        pass: t.endNoticedS.max === null ? null : t.endNoticedS.max <= bound,
      }))),
    );
    rows.push(
      targetRow('3a-pace', shape, "every job's progress read within N s (worst gap − N; N from the budget)", 'higher', perShape(shape, (r, t, _b, seed) => {
        const pace = paceFor(r, input);
        const gap = t.upstream.progressGapS.max;
        if (!pace || gap === null) return { seed, value: null, pass: null };
        return { seed, value: gap - pace.n, pass: gap <= pace.n, note: `gap ${gap.toFixed(1)} s, N ${pace.n.toFixed(1)} s` };
      })),
    );
  }

  const scale = (f: (x: ScaleRunFigures, seed: number) => Check) =>
    input.seeds.flatMap((s) => (s.scale ? [f(s.scale, s.seed)] : s.scaleError ? [{ seed: s.seed, value: null, pass: false, note: `FAILED: ${s.scaleError}` }] : []));
  rows.push(
    targetRow('3a-end', 'scale', `every job watched (own read or list read) within 3× the interval (${bound} s): jobs not`, 'higher', scale((x, seed) => ({
      seed,
      value: x.jobs - x.jobsWithinBound,
      pass: x.jobsWithinBound === x.jobs,
      note: `longest gap ${x.maxGapS.max?.toFixed(1)} s`,
    }))),
  );
  rows.push(
    targetRow('3a-pace', 'scale', "every job's progress read within N s: J / measured progress reads/s − N (implied: N exceeds the run)", 'higher', scale((x, seed) => {
      if (!x.pace || x.impliedProgressGapS === null) return { seed, value: null, pass: x.pace ? false : null };
      return { seed, value: x.impliedProgressGapS - x.pace.n, pass: x.impliedProgressGapS <= x.pace.n, note: `J/P ${x.impliedProgressGapS.toFixed(0)} s, N ${x.pace.n.toFixed(0)} s` };
    })),
  );
  rows.push(targetRow('3b', 'scale', 'poller + delivery process CPU ≤ one core (cores)', 'higher', scale((x, seed) => ({ seed, value: x.cost.cores, pass: x.cost.cores <= 1 }))));
  rows.push(targetRow('3c', 'scale', 'poller + delivery peak RSS ≤ 300 MB (MB)', 'higher', scale((x, seed) => ({ seed, value: x.cost.maxRssBytes / MB, pass: x.cost.maxRssBytes <= 300 * MB }))));
  const budget = input.budget.defaultRps;
  rows.push(
    targetRow('4', 'scale', `global upstream budget (${input.budget.key ?? 'none'}, ${budget ?? '—'}/s) never exceeded: busiest 1 s`, 'higher', scale((x, seed) => ({
      seed,
      value: x.peakSentPerRealSecond,
      pass: budget === null ? false : x.peakSentPerRealSecond <= budget,
    }))),
  );

  // Seed-independent (one run): the tick with a million finished jobs in the table.
  const figs = input.ticks?.figures ?? [];
  const withFinished = figs.find((f) => f.finished > 0);
  const without = withFinished && figs.find((f) => f.finished === 0 && f.active === withFinished.active);
  const tickRatio = withFinished && without ? ratio(withFinished.wallUs.p50, without.wallUs.p50) : null;
  rows.push(
    targetRow('3d', 'ticks', 'tick p50 with the finished jobs within 20% of none (ratio; one run, no seed in it)', 'higher', tickRatio === null ? [] : [{ seed: 0, value: tickRatio, pass: tickRatio <= 1.2 }]),
  );
  return rows;
}
