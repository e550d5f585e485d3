/**
 * Scenario 3, the 10,000-job run: the real poller (real useapi client, real SQLite file) AND the
 * real delivery (discord.js REST against the loopback Discord with Discord's rate limits) in one
 * process of their own, for about a minute, over N active jobs each followed in one of 100
 * channels. Every subscription starts owing its tracking message, so delivery scans N stale
 * subscriptions from the first second: that cost is in the CPU, RSS and stall figures.
 * The emulators run here, in the parent (child role 'scale-run').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { REST } from 'discord.js';
import { openDatabase } from '../src/db/open';
import { staleSubscriptions } from '../src/db/subscriptions';
import { REST_OPTIONS } from '../src/discord/client';
import { createDelivery } from '../src/discord/delivery';
import { createLogger } from '../src/log';
import { startFakeDiscord } from '../src/playground/discord';
import { startUseapiEmulator, type JobScript, type JobStep } from '../src/playground/useapi';
import { createPoller, DEFAULT_MAX_REQUESTS_PER_SECOND } from '../src/tracker/poller';
import { readStaleAfter } from '../src/tracker/policy';
import type { UpstreamAdapter } from '../src/upstreams/port';
import { useapiMidjourney } from '../src/upstreams/useapi-midjourney';
import type { BudgetInfo } from './budget';
import { spawnSide, type Control } from './child';
import { sleep, withTimeout } from './compare';
import { peakInWindow, startCostMeter, stats, type ProcessCost, type Stats } from './measure';
import { paceOf, type Pace } from './pace';
import { createRng } from './prng';
import { insertJobs, REAL_POLL_MS, settingsFor } from './scale';
import { channelId, GUILD_ID, seededJobId, userId } from './workload';

const SILENT = createLogger({ level: 'silent', secrets: [] });
/** Channels the run's subscriptions are spread over (Discord: 1 message request/s each, 50/s in all). */
export const SCALE_CHANNELS = 100;

export interface ScaleRunParams {
  jobIds: string[];
  useapiUrl: string;
  useapiToken: string;
  discordApiUrl: string;
  discordToken: string;
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
  /** Event-loop delay (ms): the longest synchronous stretch of a tick, a delivery scan, or anything else. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Delivery's scan query (staleSubscriptions, as scan() runs it) timed once a second during the run, ms. */
  scanQueryMs: Stats;
  /** Subscriptions still owing a post or edit at the end. */
  staleAtEnd: number;
}

/** Child side: poller and delivery over N active, followed jobs, for a fixed time. */
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
    const subscribe = db.$client.prepare(
      `INSERT INTO subscriptions (job_id, user_id, guild_id, channel_id, message_id, dm, rendered_version, state, created_at)
       VALUES (?, ?, ?, ?, NULL, 1, 0, 'active', ?)`,
    );
    db.$client.transaction(() => {
      params.jobIds.forEach((id, i) => subscribe.run(id, userId(i % 1000), GUILD_ID, channelId(i % SCALE_CHANNELS), now));
    })();
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
    const rest = new REST({ api: params.discordApiUrl, ...REST_OPTIONS, rejectOnRateLimit: [...REST_OPTIONS.rejectOnRateLimit] }).setToken(params.discordToken);
    // No `media`: results stay links to the records' real CDN hosts; the bench measures scheduling and delivery, re-hosting has its own tests.
    const delivery = createDelivery({ db, rest, log: SILENT, readStaleAfterMs: readStaleAfter(settingsFor(params.pollIntervalMs)) });
    let changes = 0;
    const poller = createPoller({
      db,
      upstreams: [useapi],
      log: SILENT,
      settings: settingsFor(params.pollIntervalMs),
      onChange: () => {
        changes++;
        delivery.wake();
      },
    });
    ctl.ready();
    const { durationMs } = (await ctl.go) as ScaleRunGo;
    // Rows are already due from `now`: re-anchor them to the real start.
    db.$client.prepare('UPDATE jobs SET next_poll_at = next_poll_at + ? WHERE terminal = 0').run(Date.now() - now);
    const meter = startCostMeter();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const scanQueryMs: number[] = [];
    const sampler = setInterval(() => {
      const s0 = performance.now();
      staleSubscriptions(db, 8);
      scanQueryMs.push(performance.now() - s0);
    }, 1000);
    const startWall = Date.now();
    poller.start();
    delivery.start();
    await sleep(durationMs);
    const stopWall = Date.now();
    clearInterval(sampler);
    await poller.stop();
    await delivery.stop();
    loop.disable();
    const cost = meter.stop();
    const staleAtEnd = staleSubscriptions(db, n + 1).length;
    db.$client.close();
    const ms = (ns: number) => ns / 1e6;
    return {
      startWall,
      stopWall,
      fetches,
      fetchMs: stats(fetchMs),
      listFetches,
      listMs: stats(listMs),
      sentTimes,
      changes,
      cost,
      insertS,
      loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      scanQueryMs: stats(scanQueryMs),
      staleAtEnd,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Parent side

export interface ScaleRunOptions {
  jobs: number;
  seconds: number;
  /** Compression (see README: 10,000 jobs at K=10 would need 20,000 reads/s). */
  k: number;
  seed: number;
  budget: BudgetInfo;
}

export interface ScaleRunFigures {
  k: number;
  seed: number;
  jobs: number;
  /** Real seconds (equivalent). */
  durationS: number;
  pollIntervalMs: number;
  boundS: number;
  /** A job counts as watched by a read of its own or by a successful read of the running-jobs list (which names it): its end would be noticed. */
  jobsWithinBound: number;
  /** Counting only reads of the job itself. */
  jobsReadIndividuallyWithinBound: number;
  jobsNeverRead: number;
  /** Per job, the longest time without being watched (real-equivalent seconds), start and end of the run included. */
  maxGapS: Stats;
  /** The same, counting only the job's own reads. */
  maxIndividualGapS: Stats;
  reads: number;
  listReads: number;
  listMs: Stats;
  maxRps: number | null;
  /** Reads per real second, achieved and needed (N / interval while rendering; N / (3× interval) at the bound). */
  readsPerSecond: number;
  /** Individual (progress) reads per real second: the P of the pace formula, measured. */
  individualReadsPerSecond: number;
  neededPerSecondAtInterval: number;
  neededPerSecondAtBound: number;
  /** The progress pace the formula promises for this run, and what the measured rate implies (J / measured P). */
  pace: Pace | null;
  impliedProgressGapS: number | null;
  /** Most requests the poller started in any 1 s (real-time equivalent), timed in its own process: the budget test. */
  peakSentPerRealSecond: number;
  /** The same, by arrival at the emulator (bunched when a slow list answer blocks the emulator's event loop). */
  peakReadsPerRealSecond: number;
  fetchMs: Stats;
  cost: ProcessCost;
  delivery: {
    channels: number;
    posts: number;
    edits: number;
    rateLimited429: number;
    staleAtEnd: number;
    loopDelayMs: { p50: number; p99: number; max: number };
    scanQueryMs: Stats;
  };
}

export async function runScaleRun(opts: ScaleRunOptions): Promise<ScaleRunFigures> {
  const { k } = opts;
  const pollIntervalMs = Math.round(REAL_POLL_MS / k);
  const useapi = await startUseapiEmulator();
  const channels = Array.from({ length: SCALE_CHANNELS }, (_, i) => ({ id: channelId(i), name: `jobs-${i + 1}` }));
  const discord = await startFakeDiscord({
    guilds: [{ id: GUILD_ID, name: 'Benchmark server', channels }],
    rateLimits: { perChannelMessages: { limit: 5, windowMs: 5000 / k, announce: true }, globalPerSecond: 50 * k },
  });
  const rng = createRng(opts.seed).fork('scale');
  const ids = rng.fork('ids');
  const jobIds: string[] = [];
  const now = Date.now();
  const seen = new Set<string>();
  while (jobIds.length < opts.jobs) {
    const id = seededJobId(ids, jobIds.length * 7);
    if (seen.has(id)) continue;
    seen.add(id);
    jobIds.push(id);
  }
  // Long-running jobs (a progress step every 3–8 s), already up to 60 s under way, that all stay
  // active for the whole run (real ms).
  const renderUntil = 120_000 + opts.seconds * 1000;
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
    discordApiUrl: discord.apiUrl,
    discordToken: discord.token,
    pollIntervalMs,
    maxRps,
  } satisfies ScaleRunParams);
  try {
    await withTimeout(child.ready, 120_000, 'the scale run to set up');
    useapi.requests.length = 0;
    child.go({ durationMs: (opts.seconds * 1000) / k } satisfies ScaleRunGo);
    const result = await withTimeout(child.result, (opts.seconds * 1000) / k + 60_000, 'the scale run');
    return figures(opts, jobIds, useapi.requests, discord, result, pollIntervalMs, maxRps);
  } finally {
    child.kill();
    await useapi.close();
    await discord.close().catch(() => undefined);
  }
}

type UseapiRequests = Awaited<ReturnType<typeof startUseapiEmulator>>['requests'];
type Discord = Awaited<ReturnType<typeof startFakeDiscord>>;

function figures(
  opts: ScaleRunOptions,
  jobIds: string[],
  requests: UseapiRequests,
  discord: Discord,
  result: ScaleRunResult,
  pollIntervalMs: number,
  maxRps: number | null,
): ScaleRunFigures {
  const { k } = opts;
  const inRun = (t: number) => t >= result.startWall && t <= result.stopWall;
  const byJob = new Map<string, number[]>();
  const listTimes: number[] = [];
  for (const r of requests) {
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
  const reads = requests.filter((r) => r.route === 'job').length;
  const listReads = requests.filter((r) => r.route === 'list').length;
  const durationS = ((result.stopWall - result.startWall) * k) / 1000;
  const individualReadsPerSecond = [...byJob.values()].reduce((a, t) => a + t.length, 0) / durationS;
  const budgetRps = maxRps === null ? null : maxRps / k;
  // With this run's answer times (the emulator answering a list of 10,000 takes a while): what the formula predicts
  // here. Wall milliseconds: the budget's window is one wall second whatever K.
  const answerMs = { listMs: result.listMs.mean ?? 0, readMs: result.fetchMs.mean ?? 0 };
  const pace = budgetRps === null ? null : paceOf({ budgetRps, running: jobIds.length, pollIntervalMs: REAL_POLL_MS, answerMs });
  const posts = discord.requests.filter((r) => r.route === 'POST /channels/:id/messages').length;
  const edits = discord.requests.filter((r) => r.route === 'PATCH /channels/:id/messages/:id').length;
  return {
    k,
    seed: opts.seed,
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
    individualReadsPerSecond,
    neededPerSecondAtInterval: jobIds.length / (REAL_POLL_MS / 1000),
    neededPerSecondAtBound: jobIds.length / ((3 * REAL_POLL_MS) / 1000),
    pace,
    impliedProgressGapS: individualReadsPerSecond > 0 ? jobIds.length / individualReadsPerSecond : null,
    peakSentPerRealSecond: peakInWindow(
      result.sentTimes.filter((t) => inRun(t)),
      1000 / k,
    ),
    peakReadsPerRealSecond: peakInWindow(
      requests.map((r) => r.time),
      1000 / k,
    ),
    fetchMs: result.fetchMs,
    cost: result.cost,
    delivery: {
      channels: SCALE_CHANNELS,
      posts,
      edits,
      rateLimited429: discord.counters.rateLimited429,
      staleAtEnd: result.staleAtEnd,
      loopDelayMs: result.loopDelayMs,
      scanQueryMs: result.scanQueryMs,
    },
  };
}
