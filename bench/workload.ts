/**
 * The job mix both sides follow, in REAL time (milliseconds), generated from a seed so runs are
 * comparable. `toScript()` compresses one job by K for the emulator. The shapes the bench runs
 * (burst, steady, long among short, followers) are options of this one generator: see shapes.ts.
 *
 * Per job (defaults): queue wait 0–60 s, then 30–90 s running with a progress step every 3–8 s.
 * Outcomes: ~80 % completed, 10 % failed, 5 % moderated, 5 % "upstream errors" (a job that completes,
 * but whose reads meet injected 429s with Retry-After and 5xx answers along the way).
 */
import { makeJobId, type Fault, type JobScript, type JobStep } from '../src/playground/useapi';
import { createRng, type Rng } from './prng';

export type JobKind = 'completed' | 'failed' | 'moderated' | 'upstream_errors';

/** Faults queued for a job at a moment of its life (consumed by the next reads, whoever makes them). */
export interface FaultBurst {
  /** Real ms after the job's creation. */
  afterMs: number;
  faults: Fault[];
}

/** One person following a job: where their tracking message goes, and when they /track it. */
export interface Follower {
  userIndex: number;
  channelIndex: number;
  /** Real ms after the scenario's start. */
  trackAtMs: number;
}

export interface JobPlan {
  index: number;
  jobid: string;
  kind: JobKind;
  /** Real ms after the scenario's start when the job is created upstream. */
  createdAtMs: number;
  /** Real ms after the scenario's start when its person starts following it (/track, or the script). */
  trackAtMs: number;
  queueMs: number;
  /** Real ms from `started` to the outcome. */
  runMs: number;
  /** Real ms after creation. */
  steps: JobStep[];
  bursts: FaultBurst[];
  /** The first follower's channel and person (`followers[0]`). */
  channelIndex: number;
  userIndex: number;
  /** Everyone following the job, each in a channel of their own; the first one is `trackAtMs`/`channelIndex`/`userIndex`. */
  followers: Follower[];
}

/** [min, max) in real ms. */
export type Range = readonly [number, number];

export interface WorkloadOptions {
  seed: number;
  jobs: number;
  channels: number;
  users: number;
  /** Jobs are created uniformly over this many real ms from the start (people do not all click at once). */
  spreadMs: number;
  /** Queue wait (default 0–60 s). */
  queueMs?: Range;
  /** Time running, from start to the outcome of a completed job (default 30–90 s). */
  runMs?: Range;
  /** The first `count` jobs (by index, before shuffling of outcomes) run this long instead: the few long jobs among short ones. */
  long?: { count: number; runMs: Range };
  /** How many people follow each job (default exactly 1), each from a different channel. */
  followers?: readonly [number, number];
}

/** The useapi account of the emulator's default token ('user:12345-…'); /track refuses other accounts. */
export const ACCOUNT = 12345;
/** Midjourney channels of that account (the `-c…` part of an id). */
const MJ_CHANNELS = ['1234567890123456789', '1234567890123456790', '1234567890123456791'];

export function makeWorkload(opts: WorkloadOptions): JobPlan[] {
  const rng = createRng(opts.seed);
  const ids = rng.fork('ids');
  const kinds = kindDeck(opts.jobs, rng.fork('kinds'));
  const plans: JobPlan[] = [];
  for (let index = 0; index < opts.jobs; index++) {
    const r = rng.fork(`job${index}`);
    // A long job is a long one: it completes (an early failure would make it a short job).
    const kind = index < (opts.long?.count ?? 0) ? 'completed' : kinds[index]!;
    const createdAtMs = Math.round(r.between(0, opts.spreadMs));
    // The person pastes the id into /track a moment after submitting the job.
    const trackAtMs = createdAtMs + Math.round(r.between(500, 3000));
    const [qMin, qMax] = opts.queueMs ?? [0, 60_000];
    const [rMin, rMax] = index < (opts.long?.count ?? 0) ? opts.long!.runMs : (opts.runMs ?? [30_000, 90_000]);
    const queueMs = Math.round(r.between(qMin, qMax));
    const runMs = Math.round(r.between(rMin, rMax));
    const steps = stepsFor(kind, queueMs, runMs, r);
    const bursts = kind === 'upstream_errors' ? burstsFor(queueMs, runMs, r) : [];
    const userIndex = r.int(0, opts.users - 1);
    const followers = followersOf(index, trackAtMs, userIndex, opts, rng.fork(`followers${index}`));
    plans.push({
      index,
      jobid: seededJobId(ids, createdAtMs),
      kind,
      createdAtMs,
      trackAtMs,
      queueMs,
      runMs: steps[steps.length - 1]!.afterMs - queueMs,
      steps,
      bursts,
      channelIndex: index % opts.channels,
      userIndex,
      followers,
    });
  }
  return plans;
}

/**
 * The job's first follower (its creator: channel `index % channels`), then 0..N−1 more, each a
 * different person in a different channel, arriving 1–20 s after the job was created. (A separate
 * stream, so that adding followers does not change the jobs themselves.)
 */
function followersOf(index: number, trackAtMs: number, userIndex: number, opts: WorkloadOptions, r: Rng): Follower[] {
  const first: Follower = { userIndex, channelIndex: index % opts.channels, trackAtMs };
  const [min, max] = opts.followers ?? [1, 1];
  const count = Math.min(r.int(min, max), opts.channels, opts.users);
  const out = [first];
  while (out.length < count) {
    const channelIndex = r.int(0, opts.channels - 1);
    const user = r.int(0, opts.users - 1);
    if (out.some((f) => f.channelIndex === channelIndex || f.userIndex === user)) continue;
    out.push({ userIndex: user, channelIndex, trackAtMs: trackAtMs + Math.round(r.between(1000, 20_000)) });
  }
  return out;
}

/** The most jobs followed and not ended at once (first /track → terminal moment): the J of the poller's pace. */
export function peakActive(plans: readonly JobPlan[]): number {
  const events: Array<[number, number]> = [];
  for (const p of plans) events.push([p.trackAtMs, 1], [p.createdAtMs + p.steps[p.steps.length - 1]!.afterMs, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

/** Exactly the mix's proportions (rounded), shuffled by the seed. */
function kindDeck(n: number, rng: Rng): JobKind[] {
  const failed = Math.round(n * 0.1);
  const moderated = Math.round(n * 0.05);
  const errors = Math.round(n * 0.05);
  const deck: JobKind[] = [
    ...Array<JobKind>(failed).fill('failed'),
    ...Array<JobKind>(moderated).fill('moderated'),
    ...Array<JobKind>(errors).fill('upstream_errors'),
  ];
  while (deck.length < n) deck.push('completed');
  for (let i = deck.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  return deck;
}

/**
 * created at 0, started after the queue wait, a progress step every 3–8 s with a strictly rising
 * percent, then the outcome. Failed jobs fail part-way; moderated ones are stopped early (2–10 s in),
 * as Midjourney's moderation acts near the start.
 */
function stepsFor(kind: JobKind, queueMs: number, runMs: number, r: Rng): JobStep[] {
  const endAfter =
    kind === 'moderated' ? Math.round(r.between(2000, 10_000)) : kind === 'failed' ? Math.round(runMs * r.between(0.3, 0.95)) : runMs;
  const steps: JobStep[] = [
    { afterMs: 0, status: 'created' },
    { afterMs: queueMs, status: 'started' },
  ];
  let last = 0;
  for (let at = Math.round(r.between(3000, 8000)); at < endAfter; at += Math.round(r.between(3000, 8000))) {
    const percent = Math.min(99, Math.max(1, Math.floor((at / runMs) * 100)));
    if (percent <= last) continue;
    steps.push({ afterMs: queueMs + at, status: 'progress', progress: percent });
    last = percent;
  }
  const outcome = kind === 'upstream_errors' ? 'completed' : kind;
  steps.push({ afterMs: queueMs + endAfter, status: outcome });
  return steps;
}

/** One or two bursts while the job runs, each 1–3 answers of 429 (Retry-After 5–20 s) or 500/502/503. */
function burstsFor(queueMs: number, runMs: number, r: Rng): FaultBurst[] {
  const bursts: FaultBurst[] = [];
  const count = r.int(1, 2);
  for (let b = 0; b < count; b++) {
    const faults: Fault[] = [];
    for (let f = r.int(1, 3); f > 0; f--) {
      faults.push(
        r.next() < 0.5
          ? { kind: 'status', status: 429, retryAfter: String(r.int(5, 20)) }
          : { kind: 'status', status: r.pick([500, 502, 503]) },
      );
    }
    bursts.push({ afterMs: Math.round(queueMs + r.between(0.1, 0.8) * runMs), faults });
  }
  return bursts.sort((a, b) => a.afterMs - b.afterMs);
}

/** A v3 id as useapi makes them, its digits drawn from the seed. */
export function seededJobId(rng: Rng, createdAtMs: number, base = Date.UTC(2025, 7, 22, 14, 0, 0)): string {
  return makeJobId({ at: new Date(base + createdAtMs), user: ACCOUNT, suffix: rng.int(0, 999_999), channel: rng.pick(MJ_CHANNELS) });
}

/** The emulator script of one job, compressed by K and anchored at `startWall` (epoch ms of the scenario start). */
export function toScript(plan: JobPlan, k: number, startWall: number): JobScript {
  return {
    jobid: plan.jobid,
    startAt: startWall + plan.createdAtMs / k,
    steps: plan.steps.map((s) => ({ ...s, afterMs: s.afterMs / k })),
  };
}

/** A burst's faults with Retry-After compressed by K (the fake answers seconds with decimals). */
export function compressFaults(faults: readonly Fault[], k: number): Fault[] {
  return faults.map((f) =>
    f.kind === 'status' && f.retryAfter !== undefined ? { ...f, retryAfter: (Number(f.retryAfter) / k).toFixed(3) } : f,
  );
}

/** Counts per kind, for the report. */
export function mixOf(plans: readonly JobPlan[]): Record<JobKind, number> {
  const mix: Record<JobKind, number> = { completed: 0, failed: 0, moderated: 0, upstream_errors: 0 };
  for (const p of plans) mix[p.kind]++;
  return mix;
}

/** Discord ids of the benchmark's server, its channels and its people. */
export const GUILD_ID = '900000000000000001';
export const channelId = (i: number) => String(910000000000000000n + BigInt(i + 1));
export const userId = (i: number) => String(810000000000000000n + BigInt(i + 1));
