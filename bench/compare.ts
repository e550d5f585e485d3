/**
 * Scenarios 1 and 2: the same workload followed by the tracker and by the baseline, one after the
 * other, each against fresh emulators (the useapi emulator and the loopback Discord with Discord's
 * rate limits, compressed by K). The side runs in a child process; this process hosts the emulators,
 * sends the /track commands, and reads everything back from what the emulators recorded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeDiscord, type FakeDiscord, type InteractionHandle, type RecordedRequest as DiscordRequest } from '../src/playground/discord';
import { startUseapiEmulator, type UseapiEmulator } from '../src/playground/useapi';
import type { BaselineGo, BaselineParams } from './baseline';
import { compressedBudgetEnv, type BudgetInfo } from './budget';
import { spawnSide, type ChildHandle } from './child';
import {
  checkOrder,
  peakInWindow,
  readBaselineBody,
  readTrackerBody,
  scaleStats,
  stats,
  type OrderProblem,
  type ProcessCost,
  type Shown,
  type Stats,
} from './measure';
import type { SideResult, TrackerParams } from './tracker';
import { channelId, compressFaults, GUILD_ID, makeWorkload, mixOf, peakActive, toScript, userId, type JobKind, type JobPlan, type WorkloadOptions } from './workload';

export type Side = 'tracker' | 'baseline';

export interface CompareOptions {
  label: string;
  jobs: number;
  channels: number;
  users: number;
  /** Real ms over which jobs are created. */
  spreadMs: number;
  k: number;
  seed: number;
  sides: Side[];
  budget: BudgetInfo;
  /** The rest of the workload's shape (queue and run times, long jobs, followers); defaults in workload.ts. */
  workload?: Pick<WorkloadOptions, 'queueMs' | 'runMs' | 'long' | 'followers'>;
}

export interface SideFigures {
  side: Side;
  ok: boolean;
  error?: string;
  jobs: number;
  /** Tracking messages owed: one per follower of each job. */
  messages: number;
  /** Tracking messages whose final state reached their channel. */
  finalShown: number;
  dmsDelivered: number;
  upstream: {
    jobReads: number;
    listReads: number;
    readsPerJob: number;
    /** Reads answered with something else than 200 (injected 429/5xx included). */
    non200: number;
    /**
     * Most requests in any window of one real second (1000/K ms compressed). Not a test of the bot's
     * budget: its limiter's 1 s window does not compress (see README), the scale run at K=1 is.
     */
    peakPerRealSecond: number;
    /** Mean real seconds between two reads of the same job, per job. */
    readGapS: Stats;
    /** Real seconds between two reads of the running-jobs list. */
    listGapS: Stats;
    /**
     * Per job (those without injected upstream errors, whose backoff is another matter), the longest
     * real time between two reads of its own from its first read to its end (the end closes the last
     * gap): how stale its progress could get. Compared with the pace N in the report.
     */
    progressGapS: Stats;
  };
  /** Seconds, real-time equivalents, per tracking message: Discord receiving the final state − the emulator's terminal moment. */
  terminalLatencyS: Stats;
  /** Its first part: the first read that saw the final state − the terminal moment. */
  detectionS: Stats;
  /** Its second part: Discord receiving the final state − that read. */
  deliveryS: Stats;
  /** Per job without injected upstream errors: the first read that saw its end − its terminal moment (the "end noticed" half of target 3a). */
  endNoticedS: Stats;
  terminalLatencyByKindS: Partial<Record<JobKind, Stats>>;
  discord: {
    /** Message posts, edits and DMs (including DM channel opens), all answers counted. */
    messageRequests: number;
    messageRequestsPerJob: number;
    posts: number;
    edits: number;
    dmRequests: number;
    /** Interaction answers (/track replies): the baseline has none. */
    interactionRequests: number;
    otherRequests: number;
    allRequestsPerJob: number;
    rateLimited429: number;
    globalRateLimited429: number;
    bucketExhausted: number;
    /** The first 429s: route, guild channel or DM, and when (real seconds after the side's first request). */
    rateLimitedSample: string[];
    violations: string[];
  };
  order: { messagesChecked: number; problems: OrderProblem[] };
  /** /track answers that did not say "Tracking" (tracker only). */
  trackRefused: number;
  cost?: ProcessCost;
  wallS: number;
  notes: string[];
}

export interface CompareResult {
  label: string;
  k: number;
  jobs: number;
  channels: number;
  users: number;
  /** The most jobs followed and not ended at once (issue 12: the request targets apply from 20). */
  peakActive: number;
  /** Tracking messages (followers) over all jobs. */
  followers: number;
  mix: Record<JobKind, number>;
  sides: SideFigures[];
}

/** The docs' loop reads each job every 5 s; the tracker's base interval is the same (compressed by K in a run). */
const DOCS_INTERVAL_MS = 5000;

export async function runCompare(opts: CompareOptions): Promise<CompareResult> {
  const plans = makeWorkload({ ...opts.workload, seed: opts.seed, jobs: opts.jobs, channels: opts.channels, users: opts.users, spreadMs: opts.spreadMs });
  const sides: SideFigures[] = [];
  for (const side of opts.sides) {
    try {
      sides.push(await runSide(side, plans, opts));
    } catch (error) {
      sides.push(failedSide(side, plans.length, followerCount(plans), error));
    }
  }
  return {
    label: opts.label,
    k: opts.k,
    jobs: opts.jobs,
    channels: opts.channels,
    users: opts.users,
    peakActive: peakActive(plans),
    followers: followerCount(plans),
    mix: mixOf(plans),
    sides,
  };
}

const followerCount = (plans: readonly JobPlan[]) => plans.reduce((n, p) => n + p.followers.length, 0);

async function runSide(side: Side, plans: JobPlan[], opts: CompareOptions): Promise<SideFigures> {
  const { k } = opts;
  const t0 = Date.now();
  const channels = Array.from({ length: opts.channels }, (_, i) => ({ id: channelId(i), name: `jobs-${i + 1}` }));
  const discord = await startFakeDiscord({
    guilds: [{ id: GUILD_ID, name: 'Benchmark server', channels }],
    rateLimits: {
      // Discord: 5 message requests per 5 s per channel (announced), 50 requests/s globally (not announced).
      perChannelMessages: { limit: 5, windowMs: 5000 / k, announce: true },
      globalPerSecond: 50 * k,
    },
  });
  const useapi = await startUseapiEmulator();
  const dir = mkdtempSync(join(tmpdir(), `bench-${side}-`));
  const timers: NodeJS.Timeout[] = [];
  const handles: InteractionHandle[] = [];
  const guildChannels = new Set(channels.map((c) => c.id));
  const reader = side === 'tracker' ? readTrackerBody : readBaselineBody;
  let child: ChildHandle<SideResult> | undefined;

  try {
    child =
      side === 'tracker'
        ? spawnSide<SideResult>('tracker', {
            k,
            env: {
              DISCORD_TOKEN: discord.token,
              USEAPI_TOKEN: useapi.token,
              DISCORD_API_URL: discord.apiUrl,
              USEAPI_BASE_URL: useapi.url,
              DATABASE_PATH: join(dir, 'tracker.db'),
              POLL_INTERVAL_MS: String(Math.round(DOCS_INTERVAL_MS / k)),
              NOT_FOUND_GRACE_MS: String(Math.round(60_000 / k)),
              USEAPI_TIMEOUT_MS: String(Math.round(15_000 / k)),
              MAX_TRACKING_AGE_MS: String(Math.round((6 * 3600_000) / k)),
              // Time runs k× faster: a person's /track a minute too.
              TRACKS_PER_MINUTE: String(10 * k),
              // The records link real CDN hosts: the bench measures scheduling and delivery, re-hosting has its own tests.
              RESULT_MEDIA: 'link',
              LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
              ...compressedBudgetEnv(opts.budget, k),
            },
          } satisfies TrackerParams)
        : spawnSide<SideResult>('baseline', {
            discordApiUrl: discord.apiUrl,
            discordToken: discord.token,
            useapiUrl: useapi.url,
            useapiToken: useapi.token,
            intervalMs: DOCS_INTERVAL_MS / k,
            k,
          } satisfies BaselineParams);
    await withTimeout(child.ready, 60_000, `${side} side to start`);

    // The workload, compressed and anchored a moment from now.
    const startWall = Date.now() + 200;
    for (const plan of plans) {
      useapi.addJob(toScript(plan, k, startWall));
      for (const burst of plan.bursts) {
        const at = startWall + (plan.createdAtMs + burst.afterMs) / k;
        timers.push(setTimeout(() => useapi.queueFaults(plan.jobid, ...compressFaults(burst.faults, k)), at - Date.now()));
      }
    }
    if (side === 'tracker') {
      for (const plan of plans) {
        for (const f of plan.followers) {
          timers.push(
            setTimeout(() => {
              handles.push(
                discord.slashCommand({
                  name: 'track',
                  options: [{ name: 'jobid', type: 3, value: plan.jobid }],
                  user: { id: userId(f.userIndex), username: `user${f.userIndex + 1}` },
                  guildId: GUILD_ID,
                  channelId: channelId(f.channelIndex),
                }),
              );
            }, startWall + f.trackAtMs / k - Date.now()),
          );
        }
      }
    } else {
      // One loop per job (a bot written from the docs reads a job once however many follow it).
      child.go({
        jobs: plans.map((p) => ({
          jobid: p.jobid,
          channelId: channelId(p.channelIndex),
          userId: userId(p.userIndex),
          startWall: startWall + p.trackAtMs / k,
          others: p.followers.slice(1).map((f) => ({ channelId: channelId(f.channelIndex), userId: userId(f.userIndex) })),
        })),
      } satisfies BaselineGo);
    }

    // Until every job shows its final state and every DM has arrived, or a generous deadline.
    const lastTerminal = Math.max(...plans.map((p) => useapi.terminalAt(p.jobid) ?? 0));
    const deadline = lastTerminal + Math.max(20_000, 600_000 / k);
    const notes: string[] = [];
    const owed = followerCount(plans);
    for (;;) {
      const shown = finalShownCount(discord, guildChannels, reader);
      const dms = dmCount(discord, guildChannels);
      if (shown >= owed && dms >= owed) break;
      if (Date.now() > deadline) {
        notes.push(`stopped waiting ${((deadline - lastTerminal) * k) / 1000} s (real) after the last job ended: ${shown}/${owed} final states shown, ${dms} DMs`);
        break;
      }
      await sleep(100);
    }
    // A short grace period so that late edits (which the order check must see) arrive too.
    await sleep(Math.max(300, 3000 / k));
    const result = await withTimeout(child.stop(), 60_000, `${side} side to stop`);
    notes.push(...result.notes);
    if (process.env.BENCH_DUMP) dump(process.env.BENCH_DUMP, `${opts.label}-${side}`, discord, useapi, plans, startWall, k);
    return figures(side, plans, discord, useapi, guildChannels, reader, handles, k, startWall, result.cost, (Date.now() - t0) / 1000, notes);
  } finally {
    for (const t of timers) clearTimeout(t);
    child?.kill();
    await discord.close().catch(() => undefined);
    await useapi.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** BENCH_DUMP=<dir>: both emulators' request logs and the workload, for digging into a figure. */
function dump(dir: string, name: string, discord: FakeDiscord, useapi: UseapiEmulator, plans: JobPlan[], startWall: number, k: number): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  const jobs = plans.map((p) => ({ ...p, terminalAt: useapi.terminalAt(p.jobid) }));
  writeFileSync(file, JSON.stringify({ k, startWall, jobs, useapi: useapi.requests, discord: discord.requests }));
}

type Reader = (body: unknown) => Shown | null;

function finalShownCount(discord: FakeDiscord, channels: Set<string>, read: Reader): number {
  let n = 0;
  for (const id of channels) for (const m of discord.channelMessages(id)) if (read(m.data)?.terminal) n++;
  return n;
}

/** DMs delivered: messages created in DM channels. */
function dmCount(discord: FakeDiscord, guildChannels: Set<string>): number {
  return discord.requests.filter((r) => isMessagePost(r) && r.status === 200 && !guildChannels.has(channelOfPath(r.path))).length;
}

/**
 * A request that wrote a tracking message in a guild channel, with the body it wrote: a post or an
 * edit through the channel, or the /track answer and its edits through the interaction's token.
 */
function trackingWrites(handles: InteractionHandle[], guildChannels: Set<string>): (r: DiscordRequest) => { channelId: string; body: unknown } | null {
  const channelOfToken = new Map(handles.map((h) => [h.token, h.original()?.channelId]));
  return (r) => {
    if (isMessagePost(r) || isMessageEdit(r)) return guildChannels.has(channelOfPath(r.path)) ? { channelId: channelOfPath(r.path), body: r.body } : null;
    const channelId = channelOfToken.get(r.path.split('/')[3] ?? '');
    if (!channelId || !guildChannels.has(channelId)) return null;
    if (r.route === 'PATCH /webhooks/:id/:token/messages/@original') return { channelId, body: r.body };
    if (r.route === 'POST /interactions/:id/:token/callback') return { channelId, body: (r.body as { data?: unknown } | undefined)?.data };
    return null;
  };
}

const isMessagePost = (r: DiscordRequest) => r.route === 'POST /channels/:id/messages';
const isMessageEdit = (r: DiscordRequest) => r.route === 'PATCH /channels/:id/messages/:id';
const channelOfPath = (path: string) => path.split('/')[2] ?? '';

function figures(
  side: Side,
  plans: JobPlan[],
  discord: FakeDiscord,
  useapi: UseapiEmulator,
  guildChannels: Set<string>,
  read: Reader,
  handles: InteractionHandle[],
  k: number,
  startWall: number,
  cost: ProcessCost,
  wallS: number,
  notes: string[],
): SideFigures {
  const n = plans.length;
  const planOf = new Map(plans.map((p) => [p.jobid, p]));

  // Upstream.
  const reads = useapi.requests.filter((r) => r.method === 'GET' && r.route === 'job');
  const listReads = useapi.requests.filter((r) => r.method === 'GET' && r.route === 'list').length;
  const readTimes = new Map<string, number[]>();
  for (const r of reads) {
    if (!r.jobid) continue;
    const list = readTimes.get(r.jobid) ?? [];
    list.push(r.time);
    readTimes.set(r.jobid, list);
  }
  const meanGaps: number[] = [];
  for (const times of readTimes.values()) {
    if (times.length >= 2) meanGaps.push(((times[times.length - 1]! - times[0]!) / (times.length - 1)) * (k / 1000));
  }
  const allUpstream = useapi.requests.map((r) => r.time);
  const listTimes = useapi.requests.filter((r) => r.method === 'GET' && r.route === 'list').map((r) => r.time);
  const listGaps = listTimes.slice(1).map((t, i) => ((t - listTimes[i]!) * k) / 1000);
  /** The first answered read of each job at or after its terminal moment (the emulator answers by arrival time). */
  const firstFinalRead = new Map<string, number>();
  for (const r of reads) {
    if (!r.jobid || r.status !== 200 || firstFinalRead.has(r.jobid)) continue;
    const terminal = useapi.terminalAt(r.jobid);
    if (terminal !== undefined && r.time >= terminal) firstFinalRead.set(r.jobid, r.time);
  }

  // Latencies count from the end, or from the person's /track when that came later (a follower who
  // arrives after the end waits only from then).
  const trackedAt = new Map<string, number>();
  for (const p of plans) for (const f of p.followers) trackedAt.set(`${p.jobid} ${channelId(f.channelIndex)}`, startWall + f.trackAtMs / k);
  const firstTracked = (jobid: string) => startWall + planOf.get(jobid)!.trackAtMs / k;
  // Discord: final-state arrival per tracking message (job and channel), from what the fake received.
  const finalAt = new Map<string, { jobid: string; at: number; trackedAt: number | undefined }>();
  const written = trackingWrites(handles, guildChannels);
  for (const r of discord.requests) {
    const write = r.status === 200 || r.status === 204 ? written(r) : null;
    if (!write) continue;
    const shown = read(write.body);
    const key = `${shown?.jobId} ${write.channelId}`;
    if (shown?.terminal && planOf.has(shown.jobId) && !finalAt.has(key)) finalAt.set(key, { jobid: shown.jobId, at: r.at, trackedAt: trackedAt.get(key) });
  }
  const latencies: number[] = [];
  const detection: number[] = [];
  const delivery: number[] = [];
  const byKind: Partial<Record<JobKind, number[]>> = {};
  for (const { jobid, at, trackedAt: tracked } of finalAt.values()) {
    const ended = useapi.terminalAt(jobid);
    if (ended === undefined) continue;
    const from = Math.max(ended, tracked ?? ended);
    const seconds = ((at - from) * k) / 1000;
    latencies.push(seconds);
    const seen = firstFinalRead.get(jobid);
    if (seen !== undefined) {
      detection.push(((seen - Math.max(ended, firstTracked(jobid))) * k) / 1000);
      delivery.push(((at - Math.max(seen, from)) * k) / 1000);
    }
    (byKind[planOf.get(jobid)!.kind] ??= []).push(seconds);
  }

  let posts = 0;
  let edits = 0;
  let dmRequests = 0;
  let interactionRequests = 0;
  let otherRequests = 0;
  for (const r of discord.requests) {
    if (r.route.startsWith('POST /interactions') || r.route.includes('/webhooks/')) interactionRequests++;
    else if (r.route === 'POST /users/@me/channels') dmRequests++;
    else if (isMessagePost(r)) {
      if (guildChannels.has(channelOfPath(r.path))) posts++;
      else dmRequests++;
    } else if (isMessageEdit(r)) edits++;
    else otherRequests++;
  }
  const messageRequests = posts + edits + dmRequests;

  // Order: every version of every tracking message.
  const problems: OrderProblem[] = [];
  let messagesChecked = 0;
  for (const id of guildChannels) {
    for (const m of discord.channelMessages(id)) {
      messagesChecked++;
      problems.push(...checkOrder(m.versions.map((v) => read(v))));
    }
  }

  // The tracker answers /track with the tracking message itself; a refusal is a private answer.
  const trackRefused = handles.filter((h) => h.ephemeral()).length;
  if (side === 'tracker' && handles.length < n) notes.push(`only ${handles.length}/${n} /track commands were sent`);

  const endNoticed: number[] = [];
  for (const [jobid, seen] of firstFinalRead) {
    if (planOf.get(jobid)?.kind !== 'upstream_errors') endNoticed.push(((seen - Math.max(useapi.terminalAt(jobid)!, firstTracked(jobid))) * k) / 1000);
  }
  const progressGaps: number[] = [];
  for (const [jobid, times] of readTimes) {
    const terminal = useapi.terminalAt(jobid);
    if (terminal === undefined || planOf.get(jobid)?.kind === 'upstream_errors') continue;
    const gap = longestGap(times, terminal);
    if (gap !== null) progressGaps.push((gap * k) / 1000);
  }

  return {
    side,
    ok: true,
    jobs: n,
    messages: followerCount(plans),
    finalShown: finalAt.size,
    dmsDelivered: dmCount(discord, guildChannels),
    upstream: {
      jobReads: reads.length,
      listReads,
      readsPerJob: (reads.length + listReads) / n,
      non200: useapi.requests.filter((r) => r.status !== 200).length,
      peakPerRealSecond: peakInWindow(allUpstream, 1000 / k),
      readGapS: stats(meanGaps),
      listGapS: stats(listGaps),
      progressGapS: stats(progressGaps),
    },
    terminalLatencyS: stats(latencies),
    detectionS: stats(detection),
    deliveryS: stats(delivery),
    endNoticedS: stats(endNoticed),
    terminalLatencyByKindS: Object.fromEntries(Object.entries(byKind).map(([kind, v]) => [kind, scaleStats(stats(v), 1)])),
    discord: {
      messageRequests,
      messageRequestsPerJob: messageRequests / n,
      posts,
      edits,
      dmRequests,
      interactionRequests,
      otherRequests,
      allRequestsPerJob: discord.requests.length / n,
      rateLimited429: discord.counters.rateLimited429,
      globalRateLimited429: discord.counters.globalRateLimited429,
      bucketExhausted: discord.counters.bucketExhausted,
      rateLimitedSample: rateLimitedSample(discord, guildChannels, k),
      violations: discord.violations.slice(0, 5),
    },
    order: { messagesChecked, problems },
    trackRefused,
    cost,
    wallS,
    notes,
  };
}

/** The first 429s, each with where and when it happened, and whether it was the first request of its route in that channel. */
function rateLimitedSample(discord: FakeDiscord, guildChannels: Set<string>, k: number): string[] {
  const first = discord.requests[0]?.at ?? 0;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of discord.requests) {
    const key = `${r.route} ${channelOfPath(r.path)}`;
    const firstOfRoute = !seen.has(key);
    seen.add(key);
    if (r.status !== 429 || out.length >= 5) continue;
    const where = r.path.startsWith('/channels/') ? (guildChannels.has(channelOfPath(r.path)) ? ' (guild channel)' : ' (DM channel)') : '';
    const sameChannelBefore = discord.requests.filter((q) => q.at <= r.at && q !== r && channelOfPath(q.path) === channelOfPath(r.path)).length;
    out.push(
      `${r.route}${where} at +${(((r.at - first) * k) / 1000).toFixed(1)} s` +
        `${firstOfRoute ? `, the first ${r.method} of the side in that channel (after ${sameChannelBefore} other requests there)` : ''}`,
    );
  }
  return out;
}

/**
 * The longest time between two of a job's own reads from its first read until `end` (its terminal
 * moment, which closes the last gap: progress not read before the end was not shown); null when
 * it was never read before its end.
 */
export function longestGap(readTimes: readonly number[], end: number): number | null {
  const before = readTimes.filter((t) => t <= end).sort((a, b) => a - b);
  if (before.length === 0) return null;
  let gap = 0;
  for (let i = 1; i <= before.length; i++) gap = Math.max(gap, (before[i] ?? end) - before[i - 1]!);
  return gap;
}

function failedSide(side: Side, jobs: number, messages: number, error: unknown): SideFigures {
  const empty = stats([]);
  return {
    side,
    ok: false,
    error: error instanceof Error ? error.message : String(error),
    jobs,
    messages,
    finalShown: 0,
    dmsDelivered: 0,
    upstream: { jobReads: 0, listReads: 0, readsPerJob: 0, non200: 0, peakPerRealSecond: 0, readGapS: empty, listGapS: empty, progressGapS: empty },
    terminalLatencyS: empty,
    detectionS: empty,
    deliveryS: empty,
    endNoticedS: empty,
    terminalLatencyByKindS: {},
    discord: {
      messageRequests: 0,
      messageRequestsPerJob: 0,
      posts: 0,
      edits: 0,
      dmRequests: 0,
      interactionRequests: 0,
      otherRequests: 0,
      allRequestsPerJob: 0,
      rateLimited429: 0,
      globalRateLimited429: 0,
      bucketExhausted: 0,
      rateLimitedSample: [],
      violations: [],
    },
    order: { messagesChecked: 0, problems: [] },
    trackRefused: 0,
    wallS: 0,
    notes: [],
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
