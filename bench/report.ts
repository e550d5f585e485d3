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
import type { Pace } from './pace';
import type { PruneResult } from './prune';
import type { TickResult } from './scale';
import type { ShapeName } from './shapes';
import type { SeedRun, TargetRow } from './targets';


export interface BenchResults {
  startedAt: string;
  wallS: number;
  settings: {
    k: number;
    scaleK: number;
    seeds: number[];
    shapes: ShapeName[];
    quick: boolean;
    scenarios: string[];
    node: string;
    cpus: number;
    /** 1-minute load average of the machine at the start and the end of the run. */
    loadAverage: { start: number; end: number };
  };
  /** The code measured: commit, and the files that differed from it. */
  code: { commit: string | null; changedFiles: string[] };
  /** Per seed: every shape (tracker and the docs' loop) and the 10,000-job run. */
  seeds: SeedRun[];
  /** Seed-independent, run once. */
  ticks?: TickResult;
  ticksError?: string;
  prune?: PruneResult;
  upstreams?: UpstreamsResult;
  budget: BudgetInfo;
  /** The progress pace at the default budget for 10,000 jobs (the README's figure). */
  pace: Pace | null;
  targets: TargetRow[];
  table: string;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / MB).toFixed(0)}`);
export const ratio = (a: number | null | undefined, b: number | null | undefined) =>
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
    ['  worst gap between a job\'s own reads, p50 / max (s)', cell(t, (s) => `${fmt(s.upstream.progressGapS.p50)} / ${fmt(s.upstream.progressGapS.max)}`), cell(b, (s) => `${fmt(s.upstream.progressGapS.p50)} / ${fmt(s.upstream.progressGapS.max)}`), ''],
    ['final states shown in Discord (per tracking message)', cell(t, (s) => `${s.finalShown}/${s.messages}`), cell(b, (s) => `${s.finalShown}/${s.messages}`), ''],
    ['DMs delivered', cell(t, (s) => `${s.dmsDelivered}/${s.messages}`), cell(b, (s) => `${s.dmsDelivered}/${s.messages}`), ''],
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
    `${title}: ${r.jobs} jobs (${r.followers} tracking messages) over ${r.channels} channel(s), ${r.users} people, at most ${r.peakActive} at once, K=${r.k} (${mix})`,
    renderTable(rows, ['metric', 'tracker', 'baseline', 'tracker/baseline']),
    ...errors,
    ...notes,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Writes bench/results/<ISO timestamp>.json, and bench/results/latest.json when `full`; returns the first path. */
export function writeResults(results: BenchResults, full: boolean): string {
  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const path = join(RESULTS, `${results.startedAt.replace(/:/g, '-')}.json`);
  writeFileSync(path, json);
  if (full) writeFileSync(join(RESULTS, 'latest.json'), json);
  return path;
}
