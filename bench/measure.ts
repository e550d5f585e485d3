/**
 * Measuring: percentiles, CPU and memory of the current process, request-rate windows, and reading
 * what a Discord message body shows (job, state, progress) for latency and ordering checks.
 */
import { performance } from 'node:perf_hooks';

export interface Stats {
  n: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile of unsorted values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { n: 0, p50: null, p95: null, max: null, mean: null };
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

export function scaleStats(s: Stats, factor: number): Stats {
  const m = (v: number | null) => (v === null ? null : v * factor);
  return { n: s.n, p50: m(s.p50), p95: m(s.p95), max: m(s.max), mean: m(s.mean) };
}

/** What a process cost while it did the measured work. */
export interface ProcessCost {
  wallS: number;
  cpuUserS: number;
  cpuSystemS: number;
  cpuS: number;
  /** cpuS / wallS: 1.0 = one core busy all the time. */
  cores: number;
  /** Highest RSS seen by sampling, bytes. */
  sampledPeakRssBytes: number;
  /** getrusage maxrss of the whole process life, bytes (Linux reports KiB). */
  maxRssBytes: number;
  heapUsedPeakBytes: number;
}

/** Starts measuring this process: CPU from now, RSS sampled every `sampleMs` (peak RSS also from getrusage). */
export function startCostMeter(sampleMs = 100): { stop(): ProcessCost } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, sampleMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      const wallS = (performance.now() - t0) / 1000;
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      const cpuS = (cpu.user + cpu.system) / 1e6;
      return {
        wallS,
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        cpuS,
        cores: wallS > 0 ? cpuS / wallS : 0,
        sampledPeakRssBytes: peakRss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        heapUsedPeakBytes: peakHeap,
      };
    },
  };
}

/** The most events inside any window of `windowMs` (two pointers over sorted times). */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// What a message shows

/** 0 nothing read yet, 1 queued, 2 starting, 3 rendering, 4 final. */
export type StateRank = 0 | 1 | 2 | 3 | 4;

export interface Shown {
  jobId: string;
  rank: StateRank;
  /** Percent shown, null when the message shows none. */
  progress: number | null;
  terminal: boolean;
  /** e.g. "Rendering 40%", for examples in the report. */
  label: string;
}

type Embed = { title?: string; fields?: Array<{ name?: string; value?: string }> };

const RANK_OF_STATUS: Record<string, StateRank> = {
  'Not read yet': 0,
  'Queued or running': 1,
  Queued: 1,
  Starting: 2,
  Rendering: 3,
  Completed: 4,
  Failed: 4,
  Moderated: 4,
};

/**
 * Reads a tracking message body of the bot (src/discord/views): the `Job id` field, the `Status` field
 * (its first words) and the `Progress` field. Final = completed/failed/moderated or "tracking stopped".
 */
export function readTrackerBody(body: unknown): Shown | null {
  const embed = (body as { embeds?: Embed[] } | undefined)?.embeds?.[0];
  const fields = embed?.fields ?? [];
  const field = (name: string) => fields.find((f) => f.name === name)?.value;
  const jobId = field('Job id')?.replace(/`/g, '').trim();
  const status = field('Status');
  if (!jobId || status === undefined) return null;
  const word = status.split(' · ')[0]!.trim();
  const stopped = status.includes('tracking stopped');
  const rank: StateRank = stopped ? 4 : (RANK_OF_STATUS[word] ?? 3);
  const percent = /^(\d{1,3})%$/.exec(field('Progress') ?? '');
  const progress = percent ? Number(percent[1]) : null;
  return { jobId, rank, progress, terminal: rank === 4, label: `${word}${progress === null ? '' : ` ${progress}%`}` };
}

/** The baseline's messages: "⏳ Following `id` …" then "✅ `id`: completed" (see baseline.ts). */
export function readBaselineBody(body: unknown): Shown | null {
  const content = (body as { content?: string } | undefined)?.content ?? '';
  const match = /`([^`]+)`(?::\s*(\w+))?/.exec(content);
  if (!match) return null;
  const status = match[2];
  const terminal = status === 'completed' || status === 'failed' || status === 'moderated';
  return { jobId: match[1]!, rank: terminal ? 4 : 0, progress: null, terminal, label: status ?? 'following' };
}

export interface OrderProblem {
  jobId: string;
  problem: string;
}

/** Checks one message's versions: state and progress never go back, and nothing follows a final state. */
export function checkOrder(versions: ReadonlyArray<Shown | null>): OrderProblem[] {
  const problems: OrderProblem[] = [];
  let prev: Shown | null = null;
  let finalSeen = false;
  for (const shown of versions) {
    if (!shown) continue;
    if (finalSeen) problems.push({ jobId: shown.jobId, problem: `edit after the final state (${prev?.label} → ${shown.label})` });
    else if (prev && shown.rank < prev.rank) problems.push({ jobId: shown.jobId, problem: `state went back: ${prev.label} → ${shown.label}` });
    else if (prev && prev.progress !== null && shown.progress !== null && shown.progress < prev.progress) {
      problems.push({ jobId: shown.jobId, problem: `progress went back: ${prev.label} → ${shown.label}` });
    }
    if (shown.terminal) finalSeen = true;
    prev = shown;
  }
  return problems;
}

export const MB = 1024 * 1024;
