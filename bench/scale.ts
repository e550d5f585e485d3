/**
 * Scenario 3, scale:
 * - the cost of one scheduler tick (poller.tick()) at 1,000 and 10,000 active jobs, and at 10,000
 *   active with 1,000,000 finished jobs in the table (child role 'ticks');
 * - a run of 10,000 active jobs against the useapi emulator for about a minute: is every job read
 *   within its bound (3× POLL_INTERVAL_MS while upstream is healthy), CPU and peak RSS of the
 *   poller's process (child role 'scale-run'; the emulator runs here, in the parent).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open';
import { createLogger } from '../src/log';
import { createPoller, DEFAULT_MAX_REQUESTS_PER_SECOND } from '../src/tracker/poller';
import type { ListResult, PollResult, UpstreamAdapter } from '../src/upstreams/port';
import { useapiMidjourney } from '../src/upstreams/useapi-midjourney';
import { readingOf, type UpstreamJob } from '../src/upstreams/useapi-midjourney/record';
import { jobRecordAt, startUseapiEmulator, type JobScript, type JobStep } from '../src/playground/useapi';
import type { BudgetInfo } from './budget';
import { spawnSide, type Control } from './child';
import { sleep, withTimeout } from './compare';
import { peakInWindow, startCostMeter, stats, type ProcessCost, type Stats } from './measure';
import { createRng } from './prng';
import { seededJobId } from './workload';

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
 * SQLite, not HTTP. A fake clock moves by the poller's own tick period (POLL_INTERVAL_MS / 10) per
 * tick, as in real operation; all active jobs start due, so there is always work.
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
  // The poller's own loop period (see createPoller).
  const tickMs = Math.min(1000, Math.max(20, Math.floor(settings.pollIntervalMs / 10)));
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
// Child role 'scale-run'

export interface ScaleRunParams {
  jobIds: string[];
  useapiUrl: string;
  useapiToken: string;
  pollIntervalMs: number;
  maxRps: number | null;
}

export interface ScaleRunGo {
  durationMs: number;
}

export interface ScaleRunResult {
  startWall: number;
  stopWall: number;
  fetches: number;
  fetchMs: Stats;
  listFetches: number;
  listMs: Stats;
  /** Date.now() when the poller started each upstream request (job or list), in its own process. */
  sentTimes: number[];
  changes: number;
  cost: ProcessCost;
  insertS: number;
}

/** The real poller (real useapi client, real SQLite file) over N active jobs, for a fixed time. */
export async function runScalePoller(params: ScaleRunParams, ctl: Control): Promise<ScaleRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    const db = openDatabase(join(dir, 'scale.db'));
    const now = Date.now();
    const n = params.jobIds.length;
    const t0 = performance.now();
    // Steady state: the jobs' next polls are spread over one interval, as after a while of running.
    insertJobs(db.$client, n, {
      terminal: false,
      idOf: (i) => params.jobIds[i]!,
      nextPollAt: (i) => now + Math.floor((i / n) * params.pollIntervalMs),
      now,
    });
    const insertS = (performance.now() - t0) / 1000;
    const real = useapiMidjourney({
      baseUrl: params.useapiUrl,
      token: params.useapiToken,
      timeoutMs: Math.max(1000, 3 * params.pollIntervalMs),
      account: null,
      maxRequestsPerSecond: params.maxRps ?? DEFAULT_MAX_REQUESTS_PER_SECOND,
    });
    let fetches = 0;
    let listFetches = 0;
    const fetchMs: number[] = [];
    const listMs: number[] = [];
    const sentTimes: number[] = [];
    const useapi: UpstreamAdapter = {
      ...real,
      async read(jobId) {
        fetches++;
        sentTimes.push(Date.now());
        const f0 = performance.now();
        const result = await real.read(jobId);
        fetchMs.push(performance.now() - f0);
        return result;
      },
      async listRunning(keys) {
        listFetches++;
        sentTimes.push(Date.now());
        const f0 = performance.now();
        const result = await real.listRunning!(keys);
        listMs.push(performance.now() - f0);
        return result;
      },
    };
    let changes = 0;
    const poller = createPoller({
      db,
      upstreams: [useapi],
      log: SILENT,
      settings: settingsFor(params.pollIntervalMs),
      onChange: () => changes++,
    });
    ctl.ready();
    const { durationMs } = (await ctl.go) as ScaleRunGo;
    // Rows are already due from `now`: re-anchor them to the real start.
    db.$client.prepare('UPDATE jobs SET next_poll_at = next_poll_at + ? WHERE terminal = 0').run(Date.now() - now);
    const meter = startCostMeter();
    const startWall = Date.now();
    poller.start();
    await sleep(durationMs);
    const stopWall = Date.now();
    await poller.stop();
    const cost = meter.stop();
    db.$client.close();
    return { startWall, stopWall, fetches, fetchMs: stats(fetchMs), listFetches, listMs: stats(listMs), sentTimes, changes, cost, insertS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Parent side

export interface ScaleOptions {
  activeSteps: number[];
  finished: number;
  ticks: number;
  runJobs: number;
  runSeconds: number;
  /** Compression of the scale run (see README: 10,000 jobs at K=10 would need 20,000 reads/s). */
  k: number;
  seed: number;
  budget: BudgetInfo;
}

export interface ScaleRunFigures {
  k: number;
  jobs: number;
  /** Real seconds (equivalent). */
  durationS: number;
  pollIntervalMs: number;
  boundS: number;
  /** A job counts as polled by a read of its own or by a successful read of the running-jobs list (which names it). */
  jobsWithinBound: number;
  /** Counting only reads of the job itself. */
  jobsReadIndividuallyWithinBound: number;
  jobsNeverRead: number;
  /** Per job, the longest time without being polled (real-equivalent seconds), start and end of the run included. */
  maxGapS: Stats;
  /** The same, counting only the job's own reads. */
  maxIndividualGapS: Stats;
  reads: number;
  listReads: number;
  listMs: Stats;
  maxRps: number | null;
  /** Reads per real second, achieved and needed (N / interval while rendering; N / (3× interval) at the bound). */
  readsPerSecond: number;
  neededPerSecondAtInterval: number;
  neededPerSecondAtBound: number;
  /** Most requests the poller started in any 1 s (real-time equivalent), timed in its own process: the budget test. */
  peakSentPerRealSecond: number;
  /** The same, by arrival at the emulator (bunched when a slow list answer blocks the emulator's event loop). */
  peakReadsPerRealSecond: number;
  fetchMs: Stats;
  cost: ProcessCost;
}

export interface ScaleResult {
  ticks?: TickResult;
  ticksError?: string;
  run?: ScaleRunFigures;
  runError?: string;
}

export async function runScale(opts: ScaleOptions): Promise<ScaleResult> {
  const out: ScaleResult = {};
  try {
    const child = spawnSide<TickResult>('ticks', {
      activeSteps: opts.activeSteps,
      finished: opts.finished,
      ticks: opts.ticks,
      warmup: 50,
      maxRps: opts.budget.defaultRps,
    } satisfies TickParams);
    out.ticks = await withTimeout(child.result, 240_000, 'the tick measurements');
  } catch (error) {
    out.ticksError = error instanceof Error ? error.message : String(error);
  }
  try {
    out.run = await scaleRun(opts);
  } catch (error) {
    out.runError = error instanceof Error ? error.message : String(error);
  }
  return out;
}

async function scaleRun(opts: ScaleOptions): Promise<ScaleRunFigures> {
  const { k } = opts;
  const pollIntervalMs = Math.round(REAL_POLL_MS / k);
  const useapi = await startUseapiEmulator();
  const rng = createRng(opts.seed).fork('scale');
  const ids = rng.fork('ids');
  const jobIds: string[] = [];
  const now = Date.now();
  const seen = new Set<string>();
  while (jobIds.length < opts.runJobs) {
    const id = seededJobId(ids, jobIds.length * 7);
    if (seen.has(id)) continue;
    seen.add(id);
    jobIds.push(id);
  }
  // Long-running jobs (a progress step every 3–8 s), already up to 60 s under way, that all stay
  // active for the whole run (real ms).
  const renderUntil = 120_000 + opts.runSeconds * k * 1000;
  for (const jobid of jobIds) {
    const steps: JobStep[] = [
      { afterMs: 0, status: 'created' },
      { afterMs: rng.between(0, 10_000), status: 'started' },
    ];
    let percent = 0;
    for (let at = steps[1]!.afterMs + rng.between(3000, 8000); at < renderUntil; at += rng.between(3000, 8000)) {
      percent = Math.min(99, percent + 1);
      steps.push({ afterMs: at, status: 'progress', progress: percent });
    }
    steps.push({ afterMs: renderUntil + 10_000, status: 'completed' });
    const script: JobScript = { jobid, startAt: now - rng.between(0, 60_000) / k, steps: steps.map((s) => ({ ...s, afterMs: s.afterMs / k })) };
    useapi.addJob(script);
  }
  const maxRps = opts.budget.defaultRps === null ? null : opts.budget.defaultRps * k;
  const child = spawnSide<ScaleRunResult>('scale-run', {
    jobIds,
    useapiUrl: useapi.url,
    useapiToken: useapi.token,
    pollIntervalMs,
    maxRps,
  } satisfies ScaleRunParams);
  try {
    await withTimeout(child.ready, 120_000, 'the scale run to set up');
    useapi.requests.length = 0;
    child.go({ durationMs: opts.runSeconds * 1000 } satisfies ScaleRunGo);
    const result = await withTimeout(child.result, opts.runSeconds * 1000 + 60_000, 'the scale run');
    const inRun = (t: number) => t >= result.startWall && t <= result.stopWall;
    const byJob = new Map<string, number[]>();
    const listTimes: number[] = [];
    for (const r of useapi.requests) {
      if (r.method !== 'GET' || r.status !== 200 || !inRun(r.time)) continue;
      if (r.route === 'list') listTimes.push(r.time);
      if (r.route !== 'job' || !r.jobid) continue;
      const list = byJob.get(r.jobid) ?? [];
      list.push(r.time);
      byJob.set(r.jobid, list);
    }
    const boundMs = 3 * pollIntervalMs;
    const longestGap = (times: number[]) => {
      let maxGap = 0;
      let prev = result.startWall;
      for (const t of [...times.sort((a, b) => a - b), result.stopWall]) {
        maxGap = Math.max(maxGap, t - prev);
        prev = t;
      }
      return maxGap;
    };
    const gaps: number[] = [];
    const ownGaps: number[] = [];
    let within = 0;
    let ownWithin = 0;
    let never = 0;
    for (const jobid of jobIds) {
      const own = byJob.get(jobid) ?? [];
      if (own.length === 0) never++;
      // The run starts with every job's next poll spread over one interval, and the bound is 3 intervals.
      const gap = longestGap([...own, ...listTimes]);
      const ownGap = longestGap([...own]);
      if (gap <= boundMs) within++;
      if (ownGap <= boundMs) ownWithin++;
      gaps.push((gap * k) / 1000);
      ownGaps.push((ownGap * k) / 1000);
    }
    const reads = useapi.requests.filter((r) => r.route === 'job').length;
    const listReads = useapi.requests.filter((r) => r.route === 'list').length;
    const durationS = ((result.stopWall - result.startWall) * k) / 1000;
    return {
      k,
      jobs: jobIds.length,
      durationS,
      pollIntervalMs,
      boundS: (boundMs * k) / 1000,
      jobsWithinBound: within,
      jobsReadIndividuallyWithinBound: ownWithin,
      jobsNeverRead: never,
      maxGapS: stats(gaps),
      maxIndividualGapS: stats(ownGaps),
      reads,
      listReads,
      listMs: result.listMs,
      maxRps,
      readsPerSecond: (reads + listReads) / durationS,
      neededPerSecondAtInterval: jobIds.length / (REAL_POLL_MS / 1000),
      neededPerSecondAtBound: jobIds.length / ((3 * REAL_POLL_MS) / 1000),
      peakSentPerRealSecond: peakInWindow(
        result.sentTimes.filter((t) => inRun(t)),
        1000 / k,
      ),
      peakReadsPerRealSecond: peakInWindow(
        useapi.requests.map((r) => r.time),
        1000 / k,
      ),
      fetchMs: result.fetchMs,
      cost: result.cost,
    };
  } finally {
    child.kill();
    await useapi.close();
  }
}
