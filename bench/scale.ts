/**
 * Scenario 3, scale: the cost of one scheduler tick (poller.tick()) at 1,000 and 10,000 active
 * jobs, and at 10,000 active with 1,000,000 finished jobs in the table (child role 'ticks'). The
 * rows written here serve the 10,000-job run (scale-run.ts) and the prune scenario too.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open';
import { createLogger } from '../src/log';
import { createPoller, DEFAULT_MAX_REQUESTS_PER_SECOND } from '../src/tracker/poller';
import { loopPeriod } from '../src/tracker/policy';
import type { ListResult, PollResult, UpstreamAdapter } from '../src/upstreams/port';
import { useapiMidjourney } from '../src/upstreams/useapi-midjourney';
import { readingOf, type UpstreamJob } from '../src/upstreams/useapi-midjourney/record';
import { jobRecordAt, type JobStep } from '../src/playground/useapi';
import type { BudgetInfo } from './budget';
import { spawnSide, type Control } from './child';
import { withTimeout } from './compare';
import { startCostMeter, stats, type ProcessCost, type Stats } from './measure';
import { createRng } from './prng';

export const REAL_POLL_MS = 5000;
const SILENT = createLogger({ level: 'silent', secrets: [] });
export const settingsFor = (pollIntervalMs: number) => ({
  pollIntervalMs,
  notFoundGraceMs: Math.round((60_000 * pollIntervalMs) / REAL_POLL_MS),
  maxTrackingAgeMs: Math.round((6 * 3600_000 * pollIntervalMs) / REAL_POLL_MS),
});

// ---------------------------------------------------------------------------------------------
// Rows, written straight into the jobs table (raw SQL: one prepared statement, one transaction)

const LONG_PROMPT = 'a lighthouse on a cliff at dusk, volumetric light, dramatic clouds, 35mm --ar 16:9 --v 7';

function record(jobid: string, status: 'progress' | 'completed', t: number): UpstreamJob {
  const steps: JobStep[] = [
    { afterMs: 0, status: 'created' },
    { afterMs: 10_000, status: 'started' },
    { afterMs: 20_000, status: 'progress', progress: 42 },
    ...(status === 'completed' ? [{ afterMs: 60_000, status: 'completed' }] : []),
  ];
  return jobRecordAt({ jobid, prompt: LONG_PROMPT, startAt: t - 120_000, steps }, t) as UpstreamJob;
}

export function insertJobs(
  sqlite: Database.Database,
  count: number,
  opts: { terminal: boolean; idOf: (i: number) => string; nextPollAt: (i: number) => number | null; now: number },
): void {
  const sample = record(opts.idOf(0), opts.terminal ? 'completed' : 'progress', opts.now);
  const sampleId = opts.idOf(0);
  // The sample's JSON cut at its id, so each row's payload is one join.
  const parts = JSON.stringify(sample).split(sampleId);
  const reading = readingOf(sample, null);
  const readingJson = JSON.stringify({ ...reading, raw: undefined });
  const insert = sqlite.prepare(
    `INSERT INTO jobs (job_id, status, progress, terminal, payload, reading, version, next_poll_at, error_streak, last_http_status,
                       tracked_at, finished_at, upstream_updated, upstream_moved_at)
     VALUES (?, ?, ?, ?, ?, ?, 3, ?, 0, 200, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = opts.idOf(i);
      insert.run(
        id,
        reading.status,
        opts.terminal ? 100 : 42,
        opts.terminal ? 1 : 0,
        parts.join(id),
        readingJson,
        opts.nextPollAt(i),
        opts.now - 120_000,
        opts.terminal ? opts.now - 30_000 : null,
        sample.updated ?? null,
        opts.now - 60_000,
      );
    }
  })();
}

/** Fast, deterministic ids (the seeded generator is too slow for a million). */
export function bulkId(prefix: number, i: number): string {
  return `j0822140000${String(prefix).padStart(3, '0')}${String(i).padStart(6, '0')}i-u12345-c1234567890123456789-bot:midjourney`;
}

// ---------------------------------------------------------------------------------------------
// Child role 'ticks'

export interface TickParams {
  activeSteps: number[];
  finished: number;
  ticks: number;
  warmup: number;
  /** The poller's upstream budget (UPSTREAM_MAX_RPS), when it has one. */
  maxRps: number | null;
}

export interface TickFigures {
  label: string;
  active: number;
  finished: number;
  ticks: number;
  /** Microseconds per tick. */
  wallUs: Stats;
  cpuUs: Stats;
  /** Job reads the ticks started (at most the poller's concurrency, and its budget allows). */
  readsPerTick: number;
  /** Reads of the running-jobs list per tick. */
  listReadsPerTick: number;
}

export interface TickResult {
  figures: TickFigures[];
  finishedInsertS: number;
  dbFileBytes: number;
  finishedPayloadBytes: number;
  cost: ProcessCost;
}

/**
 * One tick = everything poller.tick() does until it returns: claim the due jobs (within the
 * concurrency and the budget), hand them to upstream, read the list of running jobs when it is time,
 * and record the answers (one transaction each). Upstream is a stub answering at once (a running job
 * whose progress moves; a list naming every active job), so what is timed is the scheduler and
 * SQLite, not HTTP. A fake clock moves by the poller's own loop period (`loopPeriod`, 250 ms at
 * T = 5 s) per tick, as in real operation; all active jobs start due, so there is always work.
 */
export async function runTickCost(params: TickParams, ctl: Control): Promise<TickResult> {
  const meter = startCostMeter();
  ctl.ready();
  const dir = mkdtempSync(join(tmpdir(), 'bench-ticks-'));
  const figures: TickFigures[] = [];
  let finishedInsertS = 0;
  let dbFileBytes = 0;
  let finishedPayloadBytes = 0;
  try {
    for (const [step, active] of params.activeSteps.entries()) {
      const path = join(dir, `ticks-${step}.db`);
      const db = openDatabase(path);
      const now = Date.now();
      insertJobs(db.$client, active, { terminal: false, idOf: (i) => bulkId(1 + step, i), nextPollAt: () => 0, now });
      figures.push(await measureTicks(db, `${active.toLocaleString('en-US')} active`, active, 0, params, now));
      if (step === params.activeSteps.length - 1 && params.finished > 0) {
        const t0 = performance.now();
        insertJobs(db.$client, params.finished, { terminal: true, idOf: (i) => bulkId(900, i), nextPollAt: () => null, now });
        finishedInsertS = (performance.now() - t0) / 1000;
        finishedPayloadBytes = JSON.stringify(record(bulkId(900, 0), 'completed', now)).length;
        db.$client.pragma('wal_checkpoint(TRUNCATE)');
        dbFileBytes = statSync(path).size;
        figures.push(
          await measureTicks(
            db,
            `${active.toLocaleString('en-US')} active + ${params.finished.toLocaleString('en-US')} finished`,
            active,
            params.finished,
            params,
            now,
          ),
        );
      }
      db.$client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { figures, finishedInsertS, dbFileBytes, finishedPayloadBytes, cost: meter.stop() };
}

async function measureTicks(
  db: ReturnType<typeof openDatabase>,
  label: string,
  active: number,
  finished: number,
  params: TickParams,
  start: number,
): Promise<TickFigures> {
  // Every active job due again, whatever an earlier measurement on this file left.
  db.$client.prepare('UPDATE jobs SET next_poll_at = 0 WHERE terminal = 0').run();
  const activeIds = new Set(
    (db.$client.prepare('SELECT job_id AS id FROM jobs WHERE terminal = 0').all() as Array<{ id: string }>).map((r) => r.id),
  );
  let clock = start;
  const upstream = instantUpstream(activeIds, () => clock, params.maxRps ?? undefined);
  const rng = createRng(7);
  const settings = settingsFor(REAL_POLL_MS);
  const tickMs = loopPeriod(settings);
  const poller = createPoller({
    db,
    upstreams: [upstream.stub],
    log: SILENT,
    settings,
    now: () => clock,
    random: () => rng.next(),
  });
  const wall: number[] = [];
  const cpu: number[] = [];
  const before = { reads: 0, listReads: 0 };
  for (let i = 0; i < params.warmup + params.ticks; i++) {
    clock += tickMs;
    if (i === params.warmup) Object.assign(before, { reads: upstream.reads, listReads: upstream.listReads });
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await poller.tick();
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    if (i >= params.warmup) {
      wall.push(w * 1000);
      cpu.push(c.user + c.system);
    }
    // Let the reads' bookkeeping (finally) run, so the next tick has its full concurrency.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await poller.stop();
  return {
    label,
    active,
    finished,
    ticks: params.ticks,
    wallUs: stats(wall),
    cpuUs: stats(cpu),
    readsPerTick: (upstream.reads - before.reads) / params.ticks,
    listReadsPerTick: (upstream.listReads - before.listReads) / params.ticks,
  };
}

/**
 * Upstream as a stub answering at once (a running job whose progress moves; a list naming every
 * active job), so that what is timed is the scheduler and SQLite, not HTTP.
 */
export function instantUpstream(activeIds: Set<string>, clock: () => number, maxRps = DEFAULT_MAX_REQUESTS_PER_SECOND) {
  const counts = { reads: 0, listReads: 0 };
  const progress = new Map<string, number>();
  // Built once: the stub must cost next to nothing, so that the tick is what is timed.
  const template = record(bulkId(0, 0), 'progress', clock());
  const stub: UpstreamAdapter = {
    ...useapiMidjourney({ baseUrl: 'http://127.0.0.1:9', token: 'none', timeoutMs: 1000, account: null, maxRequestsPerSecond: maxRps }),
    read(jobId): Promise<PollResult> {
      counts.reads++;
      const p = ((progress.get(jobId) ?? 42) % 98) + 1;
      progress.set(jobId, p);
      const job: UpstreamJob = {
        ...template,
        jobid: jobId,
        updated: new Date(clock()).toISOString(),
        response: { ...template.response, progress_percent: p, content: `**${LONG_PROMPT}** - <@1> (${p}%) (fast)` },
      };
      return Promise.resolve({ kind: 'ok', reading: readingOf(job, null) });
    },
    listRunning(): Promise<ListResult> {
      counts.listReads++;
      return Promise.resolve({ kind: 'ok', running: activeIds });
    },
  };
  return {
    stub,
    get reads() {
      return counts.reads;
    },
    get listReads() {
      return counts.listReads;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parent side

export interface TickOptions {
  activeSteps: number[];
  finished: number;
  ticks: number;
  budget: BudgetInfo;
}

/** The tick measurements in a process of their own. */
export async function runTicks(opts: TickOptions): Promise<TickResult> {
  const child = spawnSide<TickResult>('ticks', {
    activeSteps: opts.activeSteps,
    finished: opts.finished,
    ticks: opts.ticks,
    warmup: 50,
    maxRps: opts.budget.defaultRps,
  } satisfies TickParams);
  // Generous: the million-row insert alone takes minutes on a busy 2-core machine.
  return withTimeout(child.result, 900_000, 'the tick measurements');
}
