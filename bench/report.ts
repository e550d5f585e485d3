/**
 * Turns the figures into the printed table, the target verdicts and the JSON written to
 * bench/results/. Every time is in real-time equivalents (compressed time × K).
 */
import type { UpstreamsResult } from './upstreams';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BudgetInfo } from './budget';
import type { CompareResult, SideFigures } from './compare';
import { MB, type Stats } from './measure';
import type { PruneResult } from './prune';
import type { ScaleResult } from './scale';


export interface Target {
  id: string;
  target: string;
  measured: string;
  verdict: 'PASS' | 'FAIL' | 'NOT RUN';
}

export interface BenchResults {
  startedAt: string;
  wallS: number;
  settings: { k: number; scaleK: number; seed: number; quick: boolean; scenarios: number[]; node: string; cpus: number };
  /** The code measured: commit, and the files that differed from it. */
  code: { commit: string | null; changedFiles: string[] };
  scenario1?: CompareResult;
  scenario2?: CompareResult;
  scenario3?: ScaleResult;
  prune?: PruneResult;
  scenario5?: UpstreamsResult;
  budget: BudgetInfo & {
    /** What target 4 is judged on: the scale run at K=1, requests timed as the poller started them. */
    judged: { name: string; peak: number } | null;
    /** Other peaks (requests in any real-equivalent second), for information. */
    info: Record<string, number>;
  };
  targets: Target[];
  table: string;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / MB).toFixed(0)}`);
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

/** Columns are right-aligned (numbers) except the first, and those listed in `left`. */
export function renderTable(rows: string[][], header?: string[], left: number[] = [0]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  const line = (row: string[]) =>
    row
      .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n');
}

function side(result: CompareResult, name: 'tracker' | 'baseline'): SideFigures | undefined {
  return result.sides.find((s) => s.side === name);
}

function statRows(label: string, t: Stats | undefined, b: Stats | undefined): string[][] {
  return (['p50', 'p95', 'max'] as const).map((p) => [
    `${label} ${p} (s)`,
    fmt(t?.[p]),
    fmt(b?.[p]),
    fmt(ratio(t?.[p], b?.[p]), 2),
  ]);
}

export function compareSection(title: string, r: CompareResult): string {
  const t = side(r, 'tracker');
  const b = side(r, 'baseline');
  const cell = (s: SideFigures | undefined, f: (s: SideFigures) => string) => (s === undefined ? 'not run' : s.ok ? f(s) : 'FAILED');
  const num = (f: (s: SideFigures) => number | null | undefined, digits = 1) => [
    cell(t, (s) => fmt(f(s), digits)),
    cell(b, (s) => fmt(f(s), digits)),
    fmt(t?.ok && b?.ok ? ratio(f(t), f(b)) : null, 2),
  ];
  const rows: string[][] = [
    ['upstream requests per job', ...num((s) => s.upstream.readsPerJob, 2)],
    ['  job reads / list reads', cell(t, (s) => `${s.upstream.jobReads}/${s.upstream.listReads}`), cell(b, (s) => `${s.upstream.jobReads}/${s.upstream.listReads}`), ''],
    ['  time between list reads, p50 / max (s)', cell(t, (s) => `${fmt(s.upstream.listGapS.p50)} / ${fmt(s.upstream.listGapS.max)}`), cell(b, (s) => `${fmt(s.upstream.listGapS.p50)} / ${fmt(s.upstream.listGapS.max)}`), ''],
    ['  upstream non-200 answers (injected 429/5xx)', ...num((s) => s.upstream.non200, 0)],
    ['  mean time between reads of a job, p50 (s)', ...num((s) => s.upstream.readGapS.p50, 1)],
    ['  mean time between reads of a job, max (s)', ...num((s) => s.upstream.readGapS.max, 1)],
    ['  peak upstream requests in 1 s (not the budget test)', ...num((s) => s.upstream.peakPerRealSecond, 0)],
    ...statRows('terminal detection', t?.ok ? t.terminalLatencyS : undefined, b?.ok ? b.terminalLatencyS : undefined),
    ['  of which upstream: terminal → first read seeing it, p50 / p95 (s)', cell(t, (s) => `${fmt(s.detectionS.p50)} / ${fmt(s.detectionS.p95)}`), cell(b, (s) => `${fmt(s.detectionS.p50)} / ${fmt(s.detectionS.p95)}`), ''],
    ['  of which Discord: that read → final state received, p50 / p95 (s)', cell(t, (s) => `${fmt(s.deliveryS.p50)} / ${fmt(s.deliveryS.p95)}`), cell(b, (s) => `${fmt(s.deliveryS.p50)} / ${fmt(s.deliveryS.p95)}`), ''],
    ['final states shown in Discord', cell(t, (s) => `${s.finalShown}/${s.jobs}`), cell(b, (s) => `${s.finalShown}/${s.jobs}`), ''],
    ['DMs delivered', cell(t, (s) => `${s.dmsDelivered}/${s.jobs}`), cell(b, (s) => `${s.dmsDelivered}/${s.jobs}`), ''],
    ['/track answered "Tracking…"', cell(t, (s) => `${s.jobs - s.trackRefused}/${s.jobs}`), b ? 'n/a' : 'not run', ''],
    ['Discord message requests per job (post+edit+DM)', ...num((s) => s.discord.messageRequestsPerJob, 2)],
    ['  posts / edits / DM requests', cell(t, (s) => `${s.discord.posts}/${s.discord.edits}/${s.discord.dmRequests}`), cell(b, (s) => `${s.discord.posts}/${s.discord.edits}/${s.discord.dmRequests}`), ''],
    ['Discord requests per job, all (incl. /track replies)', ...num((s) => s.discord.allRequestsPerJob, 2)],
    ['Discord 429s received (of which global)', cell(t, (s) => `${s.discord.rateLimited429} (${s.discord.globalRateLimited429})`), cell(b, (s) => `${s.discord.rateLimited429} (${s.discord.globalRateLimited429})`), ''],
    ['Discord buckets exhausted (Remaining: 0 announced)', ...num((s) => s.discord.bucketExhausted, 0)],
    ['messages showing an older state after a newer one', cell(t, (s) => `${new Set(s.order.problems.map((p) => p.jobId)).size}/${s.order.messagesChecked}`), cell(b, (s) => `${new Set(s.order.problems.map((p) => p.jobId)).size}/${s.order.messagesChecked}`), ''],
    ['CPU seconds (the side\'s own process)', ...num((s) => s.cost?.cpuS, 2)],
    ['peak RSS (MB)', cell(t, (s) => mb(s.cost?.maxRssBytes)), cell(b, (s) => mb(s.cost?.maxRssBytes)), ''],
    ['wall time of the side (s, not scaled)', ...num((s) => s.wallS, 1)],
  ];
  const mix = Object.entries(r.mix)
    .map(([k, v]) => `${v} ${k.replace('_', ' ')}`)
    .join(', ');
  const errors = r.sides.filter((s) => !s.ok).map((s) => `  ${s.side} FAILED: ${s.error}`);
  const notes = r.sides.flatMap((s) => [
    ...s.notes.map((n) => `  ${s.side}: ${n}`),
    ...s.discord.rateLimitedSample.map((n) => `  ${s.side}: 429 on ${n}`),
    ...s.discord.violations.map((n) => `  ${s.side}: fake Discord violation: ${n.split('\n')[0]}`),
    ...s.order.problems.slice(0, 3).map((p) => `  ${s.side}: order: ${p.jobId}: ${p.problem}`),
  ]);
  return [
    `${title}: ${r.jobs} jobs over ${r.channels} channel(s), ${r.users} people, K=${r.k} (${mix})`,
    renderTable(rows, ['metric', 'tracker', 'baseline', 'tracker/baseline']),
    ...errors,
    ...notes,
  ].join('\n');
}

export function scaleSection(r: ScaleResult, scaleK: number): string {
  const lines: string[] = ['Scenario 3: scale'];
  if (r.ticks) {
    const rows = r.ticks.figures.map((f) => [
      f.label,
      fmt((f.wallUs.p50 ?? NaN) / 1000, 2),
      fmt((f.wallUs.mean ?? NaN) / 1000, 2),
      fmt((f.wallUs.p95 ?? NaN) / 1000, 2),
      fmt((f.cpuUs.p50 ?? NaN) / 1000, 2),
      fmt((f.cpuUs.mean ?? NaN) / 1000, 2),
      fmt(f.readsPerTick, 1),
      fmt(f.listReadsPerTick, 2),
    ]);
    lines.push(
      renderTable(rows, [
        'one poller.tick() (upstream stubbed)',
        'wall p50 ms',
        'wall mean ms',
        'wall p95 ms',
        'CPU p50 ms',
        'CPU mean ms',
        'job reads/tick',
        'list reads/tick',
      ]),
    );
    lines.push(
      `  ${r.ticks.figures[0]?.ticks ?? 0} ticks each after 50 warm-up; 1,000,000-row insert ${fmt(r.ticks.finishedInsertS, 1)} s, ` +
        `DB file ${mb(r.ticks.dbFileBytes)} MB (finished payload ${r.ticks.finishedPayloadBytes} B/row)`,
    );
  } else lines.push(`  tick measurements FAILED: ${r.ticksError}`);
  if (r.run) {
    const x = r.run;
    lines.push(
      renderTable(
        [
          ['active jobs', String(x.jobs)],
          ['run length (s, real-time equivalent)', fmt(x.durationS, 0)],
          ['POLL_INTERVAL_MS / bound (3×)', `${x.pollIntervalMs * x.k} ms / ${fmt(x.boundS, 0)} s`],
          ['jobs polled within the bound (own read or list read)', `${x.jobsWithinBound}/${x.jobs}`],
          ['  counting only their own reads', `${x.jobsReadIndividuallyWithinBound}/${x.jobs}`],
          ['jobs never read individually', String(x.jobsNeverRead)],
          ['longest gap without a poll, p50 / max (s)', `${fmt(x.maxGapS.p50)} / ${fmt(x.maxGapS.max)}`],
          ['  counting only their own reads, p50 / max (s)', `${fmt(x.maxIndividualGapS.p50)} / ${fmt(x.maxIndividualGapS.max)}`],
          ['upstream requests: job reads / list reads', `${x.reads} / ${x.listReads}`],
          ['upstream requests per second: achieved', fmt(x.readsPerSecond, 1)],
          ['  per-job reads needed at 1× interval / at the 3× bound', `${fmt(x.neededPerSecondAtInterval, 0)} / ${fmt(x.neededPerSecondAtBound, 0)}`],
          ['  budget given to the poller', x.maxRps === null ? 'none' : `${x.maxRps / x.k}/s`],
          ['  peak in any 1 s: as sent by the poller / as arrived', `${x.peakSentPerRealSecond} / ${x.peakReadsPerRealSecond}`],
          ['list read latency p50 / p95 (ms, not scaled)', `${fmt(x.listMs.p50, 0)} / ${fmt(x.listMs.p95, 0)}`],
          ['job read latency p50 / p95 (ms, not scaled)', `${fmt(x.fetchMs.p50, 0)} / ${fmt(x.fetchMs.p95, 0)}`],
          ['poller process CPU (cores = CPU s / wall s)', `${fmt(x.cost.cpuS, 2)} s = ${fmt(x.cost.cores, 2)} cores`],
          ['poller process peak RSS (MB)', mb(x.cost.maxRssBytes)],
        ],
        [`scale run, K=${scaleK} (poller only, real useapi client, real SQLite file)`, 'value'],
      ),
    );
  } else lines.push(`  scale run FAILED: ${r.runError}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Targets

export function evaluateTargets(res: Omit<BenchResults, 'targets' | 'table'>): Target[] {
  const targets: Target[] = [];
  const add = (id: string, target: string, measured: string, pass: boolean | null) =>
    targets.push({ id, target, measured, verdict: pass === null ? 'NOT RUN' : pass ? 'PASS' : 'FAIL' });

  const s1t = res.scenario1 && side(res.scenario1, 'tracker');
  const s1b = res.scenario1 && side(res.scenario1, 'baseline');
  const both = s1t?.ok && s1b?.ok;
  const reqRatio = both ? ratio(s1t.upstream.readsPerJob, s1b.upstream.readsPerJob) : null;
  const n1 = `${res.scenario1?.jobs ?? 200} jobs`;
  add(
    '1a',
    `${n1}: upstream requests/job ≤ 0.5× baseline`,
    both ? `${fmt(reqRatio, 2)} (${fmt(s1t.upstream.readsPerJob, 2)} vs ${fmt(s1b.upstream.readsPerJob, 2)})` : 'not run',
    both ? reqRatio !== null && reqRatio <= 0.5 : null,
  );
  const p50Ratio = both ? ratio(s1t.terminalLatencyS.p50, s1b.terminalLatencyS.p50) : null;
  const missing = both ? s1t.jobs - s1t.finalShown : 0;
  add(
    '1b',
    `${n1}: terminal detection p50 ≤ 0.5× baseline`,
    both
      ? `${fmt(p50Ratio, 2)} (${fmt(s1t.terminalLatencyS.p50)} s vs ${fmt(s1b.terminalLatencyS.p50)} s)${missing ? `, ${missing} final states never shown` : ''}`
      : 'not run',
    both ? p50Ratio !== null && p50Ratio <= 0.5 && missing === 0 : null,
  );

  const s2 = res.scenario2 && side(res.scenario2, 'tracker');
  const ran2 = s2?.ok === true;
  const n2 = `${res.scenario2?.jobs ?? 50} jobs in one channel`;
  add('2a', `${n2}: zero Discord 429s`, ran2 ? `${s2.discord.rateLimited429} (buckets exhausted: ${s2.discord.bucketExhausted})` : 'not run', ran2 ? s2.discord.rateLimited429 === 0 : null);
  const missing2 = ran2 ? s2.jobs - s2.finalShown : 0;
  add(
    '2b',
    `${n2}: final-state edit p95 ≤ 10 s`,
    ran2 ? `${fmt(s2.terminalLatencyS.p95)} s${missing2 ? `, ${missing2} never shown` : ''}` : 'not run',
    ran2 ? (s2.terminalLatencyS.p95 ?? Infinity) <= 10 && missing2 === 0 : null,
  );
  add(
    '2c',
    `${n2}: no message shows an older state after a newer one`,
    ran2 ? `${s2.order.problems.length} problems in ${s2.order.messagesChecked} messages` : 'not run',
    ran2 ? s2.order.problems.length === 0 : null,
  );

  const run = res.scenario3?.run;
  add(
    '3a',
    `${run?.jobs ?? 10000} active jobs: every job read within 3× POLL_INTERVAL_MS`,
    run ? `${run.jobsWithinBound}/${run.jobs} (longest gap ${fmt(run.maxGapS.max)} s, bound ${fmt(run.boundS, 0)} s)` : 'not run',
    run ? run.jobsWithinBound === run.jobs : null,
  );
  add('3b', `${run?.jobs ?? 10000} active jobs: CPU ≤ one core`, run ? `${fmt(run.cost.cores, 2)} cores` : 'not run', run ? run.cost.cores <= 1 : null);
  add('3c', `${run?.jobs ?? 10000} active jobs: peak RSS ≤ 300 MB`, run ? `${mb(run.cost.maxRssBytes)} MB` : 'not run', run ? run.cost.maxRssBytes <= 300 * MB : null);
  const figs = res.scenario3?.ticks?.figures ?? [];
  const withFinished = figs.find((f) => f.finished > 0);
  const without = withFinished && figs.find((f) => f.finished === 0 && f.active === withFinished.active);
  const tickRatio = withFinished && without ? ratio(withFinished.wallUs.p50, without.wallUs.p50) : null;
  add(
    '3d',
    `tick with ${withFinished?.finished.toLocaleString('en-US') ?? '1,000,000'} finished jobs within 20% of none`,
    tickRatio === null ? 'not run' : `${fmt(tickRatio, 2)}× (${fmt(withFinished!.wallUs.p50! / 1000, 2)} ms vs ${fmt(without!.wallUs.p50! / 1000, 2)} ms)`,
    tickRatio === null ? null : tickRatio <= 1.2,
  );

  // Judged on the uncompressed scale run, timed where the requests start; compressed runs cannot
  // judge it (the limiter's 1 s window does not compress), their peaks are shown for information.
  const judged = res.budget.judged;
  const measured = judged ? `${judged.peak} requests in the busiest 1 s (${judged.name})` : 'not measured';
  if (res.budget.key === null) {
    add('4', 'global upstream budget, never exceeded', `not implemented yet; ${measured}`, judged ? false : null);
  } else {
    add(
      '4',
      `global upstream budget (${res.budget.key}, default ${res.budget.defaultRps}/s) never exceeded`,
      measured,
      judged ? judged.peak <= (res.budget.defaultRps ?? 0) : null,
    );
  }
  return targets;
}

export function targetsSection(targets: Target[]): string {
  return ['Targets', renderTable(targets.map((t) => [t.id, t.target, t.measured, t.verdict]), ['#', 'target', 'measured', 'verdict'], [0, 1, 2, 3])].join('\n');
}

// ---------------------------------------------------------------------------------------------

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Writes bench/results/<ISO timestamp>.json and bench/results/latest.json; returns the first path. */
export function writeResults(results: BenchResults): string {
  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const path = join(RESULTS, `${results.startedAt.replace(/:/g, '-')}.json`);
  writeFileSync(path, json);
  writeFileSync(join(RESULTS, 'latest.json'), json);
  return path;
}
