/**
 * The multi-seed tables: per shape (tracker and the docs' loop, min / median / max over the seeds),
 * the 10,000-job run per seed, the tick cost, and the targets judged on the worst seed.
 */
import type { CompareResult, SideFigures } from './compare';
import { MB } from './measure';
import type { Pace } from './pace';
import { fmt, mb, ratio, renderTable } from './report';
import type { TickResult } from './scale';
import type { ScaleRunFigures } from './scale-run';
import type { Shape } from './shapes';
import { median, paceFor, type TargetInput, type TargetRow } from './targets';

/** "min / median / max" of the non-null values (one value: just it). */
export function spread(values: ReadonlyArray<number | null | undefined>, digits = 1): string {
  const v = values.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
  if (v.length === 0) return '—';
  if (v.length === 1) return fmt(v[0], digits);
  return `${fmt(Math.min(...v), digits)} / ${fmt(median(v), digits)} / ${fmt(Math.max(...v), digits)}`;
}

type Metric = (s: SideFigures) => number | null | undefined;

export function shapeSection(shape: Shape, runs: Array<{ seed: number; result: CompareResult }>, input: Pick<TargetInput, 'budget' | 'pollIntervalMs'>): string {
  const sides = (name: 'tracker' | 'baseline') => runs.map((r) => r.result.sides.find((s) => s.side === name)).map((s) => (s?.ok ? s : undefined));
  const t = sides('tracker');
  const b = sides('baseline');
  const row = (label: string, pick: Metric, digits = 1, withRatio = true): string[] => [
    label,
    spread(t.map((s) => (s ? pick(s) : null)), digits),
    spread(b.map((s) => (s ? pick(s) : null)), digits),
    withRatio ? spread(t.map((s, i) => (s && b[i] ? ratio(pick(s), pick(b[i])) : null)), 2) : '',
  ];
  const rows = [
    row('upstream requests per job', (s) => s.upstream.readsPerJob, 2),
    row('  job reads + list reads', (s) => s.upstream.jobReads + s.upstream.listReads, 0, false),
    row('terminal → final state in Discord, p50 (s)', (s) => s.terminalLatencyS.p50),
    row('  p95 (s)', (s) => s.terminalLatencyS.p95),
    row('  max (s)', (s) => s.terminalLatencyS.max),
    row('  of which upstream (end noticed), max (s)', (s) => s.endNoticedS.max, 1, false),
    row('  of which Discord, p95 (s)', (s) => s.deliveryS.p95, 1, false),
    row("worst gap between a job's own reads (s)", (s) => s.upstream.progressGapS.max, 1, false),
    row('final states missing (per tracking message)', (s) => s.messages - s.finalShown, 0, false),
    row('DMs missing', (s) => Math.max(0, s.messages - s.dmsDelivered), 0, false),
    row('Discord message requests per job', (s) => s.discord.messageRequestsPerJob, 2),
    row('Discord 429s', (s) => s.discord.rateLimited429, 0, false),
    row('Discord buckets exhausted', (s) => s.discord.bucketExhausted, 0, false),
    row('messages with an older state after a newer one', (s) => new Set(s.order.problems.map((p) => p.jobId)).size, 0, false),
    row('CPU s of the side', (s) => s.cost?.cpuS, 1),
    row('peak RSS (MB)', (s) => (s.cost ? s.cost.maxRssBytes / MB : null), 0),
  ];
  const first = runs[0]?.result;
  const paces = runs.map((r) => paceFor(r.result, input)).filter((p): p is Pace => p !== null);
  const header =
    `Shape ${shape.name}: ${shape.describe}; seeds ${runs.map((r) => r.seed).join(', ')}, K=${first?.k}; ` +
    `${spread(runs.map((r) => r.result.followers), 0)} tracking messages; at most ${spread(runs.map((r) => r.result.peakActive), 0)} jobs at once`;
  const notes = runs.flatMap((r) =>
    r.result.sides.flatMap((s) => [
      ...(s.ok ? [] : [`  seed ${r.seed} ${s.side} FAILED: ${s.error}`]),
      ...s.notes.filter((n) => !n.startsWith('discord.js rest')).map((n) => `  seed ${r.seed} ${s.side}: ${n}`),
      ...s.discord.rateLimitedSample.slice(0, 2).map((n) => `  seed ${r.seed} ${s.side}: 429 on ${n}`),
      ...s.discord.violations.slice(0, 2).map((n) => `  seed ${r.seed} ${s.side}: fake Discord violation: ${n.split('\n')[0]}`),
      ...s.order.problems.slice(0, 2).map((p) => `  seed ${r.seed} ${s.side}: order: ${p.jobId}: ${p.problem}`),
    ]),
  );
  const pace = paces.length ? `  progress pace N at the default budget: ${paces[paces.length - 1]!.text}` : '';
  return [header, renderTable(rows, ['min / median / max over seeds', 'tracker', "docs' loop", 'tracker / loop']), pace, ...notes].filter(Boolean).join('\n');
}

export function scaleRunSection(runs: ScaleRunFigures[]): string {
  if (runs.length === 0) return '';
  const col = (f: (x: ScaleRunFigures) => string) => runs.map(f);
  const rows: string[][] = [
    ['active jobs, each followed in one of N channels', ...col((x) => `${x.jobs} / ${x.delivery.channels}`)],
    ['run length (s, real-time equivalent)', ...col((x) => fmt(x.durationS, 0))],
    ['jobs watched within 3× the interval (own read or list read)', ...col((x) => `${x.jobsWithinBound}/${x.jobs}`)],
    ['  longest gap without a read or list read, max (s)', ...col((x) => fmt(x.maxGapS.max))],
    ['jobs read individually in the run', ...col((x) => String(x.jobs - x.jobsNeverRead))],
    ['progress reads per second: measured / formula P', ...col((x) => `${fmt(x.individualReadsPerSecond, 2)} / ${fmt(x.pace?.progressRps, 2)}`)],
    ['every job read once per: J / measured P / formula N (s)', ...col((x) => `${fmt(x.impliedProgressGapS, 0)} / ${fmt(x.pace?.n, 0)}`)],
    ['upstream requests: job reads / list reads', ...col((x) => `${x.reads} / ${x.listReads}`)],
    ['peak upstream requests in any 1 s: as sent / as arrived', ...col((x) => `${x.peakSentPerRealSecond} / ${x.peakReadsPerRealSecond}`)],
    ['list read latency p50 / p95 (ms)', ...col((x) => `${fmt(x.listMs.p50, 0)} / ${fmt(x.listMs.p95, 0)}`)],
    ['Discord: posts / edits / 429s', ...col((x) => `${x.delivery.posts} / ${x.delivery.edits} / ${x.delivery.rateLimited429}`)],
    ['subscriptions still owing a post or edit at the end', ...col((x) => String(x.delivery.staleAtEnd))],
    ["delivery's scan query, p50 / max (ms)", ...col((x) => `${fmt(x.delivery.scanQueryMs.p50, 1)} / ${fmt(x.delivery.scanQueryMs.max, 1)}`)],
    ['event-loop delay p50 / p99 / max (ms: longest tick or scan)', ...col((x) => `${fmt(x.delivery.loopDelayMs.p50, 0)} / ${fmt(x.delivery.loopDelayMs.p99, 0)} / ${fmt(x.delivery.loopDelayMs.max, 0)}`)],
    ['process CPU (s = cores)', ...col((x) => `${fmt(x.cost.cpuS, 1)} = ${fmt(x.cost.cores, 2)}`)],
    ['process peak RSS (MB)', ...col((x) => mb(x.cost.maxRssBytes))],
  ];
  return [
    `Scale run, K=${runs[0]!.k}: the real poller and the real delivery in one process, real useapi client, real SQLite file, fake Discord with its rate limits`,
    renderTable(rows, ['', ...runs.map((x) => `seed ${x.seed}`)]),
    runs[0]!.pace ? `  progress pace at this size: ${runs[0]!.pace.text}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function ticksSection(r: TickResult | undefined, error: string | undefined): string {
  if (!r) return error ? `Tick cost FAILED: ${error}` : '';
  const ms = (us: number | null) => fmt((us ?? NaN) / 1000, 2);
  const rows = r.figures.map((f) => [f.label, ms(f.wallUs.p50), ms(f.wallUs.mean), ms(f.wallUs.p95), ms(f.cpuUs.p50), fmt(f.readsPerTick, 1), fmt(f.listReadsPerTick, 2)]);
  return [
    'Tick cost (one run: no seed enters it)',
    renderTable(rows, ['one poller.tick() (upstream stubbed)', 'wall p50 ms', 'wall mean ms', 'wall p95 ms', 'CPU p50 ms', 'job reads/tick', 'list reads/tick']),
    `  ${r.figures[0]?.ticks ?? 0} ticks each after 50 warm-up; finished-rows insert ${fmt(r.finishedInsertS, 1)} s, DB file ${mb(r.dbFileBytes)} MB`,
  ].join('\n');
}

export function targetsSection(rows: TargetRow[]): string {
  const value = (v: number | null) => (v === null ? '—' : Math.abs(v) >= 100 || Number.isInteger(v) ? fmt(v, 0) : fmt(v, 2));
  const table = rows.map((r) => {
    const notes = r.checks.filter((c) => c.note).map((c) => `${c.seed ? `s${c.seed}: ` : ''}${c.note}`);
    return [
      r.id,
      r.on,
      r.target,
      r.checks.length > 1 ? `${value(r.min)} / ${value(r.median)} / ${value(r.max)}` : value(r.min),
      r.worstSeed === null || r.worstSeed === 0 ? '' : String(r.worstSeed),
      r.verdict,
      notes.slice(0, 3).join('; '),
    ];
  });
  return [
    'Targets (issue 12), judged on the worst seed: PASS only if every seed passes',
    renderTable(table, ['#', 'on', 'target', 'min / median / max', 'worst seed', 'verdict', 'notes'], [0, 1, 2, 5, 6]),
  ].join('\n');
}
