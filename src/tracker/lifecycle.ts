import { isRunningStatus, type AccountProblem, type JobReading, type JobSnapshot, type Problem } from '../domain/job';
import type { PollResult } from '../upstreams/port';
import { backoffDelay, classify, jitter, runningDelay, type PollSettings } from './policy';

/** A job as the poller keeps it: what is shown, plus what decides the next poll. */
export interface TrackedJob extends JobSnapshot {
  /** The account whose token reads it, and the part of it (a Midjourney channel) a warning can concern. */
  account: string;
  scope: string | null;
  nextPollAt: number | null;
  errorStreak: number;
  lastHttpStatus: number | null;
  upstreamUpdated: string | null;
  upstreamMovedAt: number | null;
}

export interface LifecycleSettings extends PollSettings {
  notFoundGraceMs: number;
  maxTrackingAgeMs: number;
}

/** Midjourney itself times a job out after 14 minutes without news; the tracker calls any job stalled after that. */
export const STALL_AFTER_MS = 14 * 60_000;

export type Effect =
  /** The job ended while being watched: each follower who wants it gets one DM. */
  | { kind: 'job_finished' }
  /** The upstream moderated the prompt: the servers it was tracked in review it. */
  | { kind: 'open_review' };

/** What one read says about the job's upstream account, beyond this job. */
export type AccountSignal =
  /** An ordinary answer: the account, and the part of it the job ran on (`scope`), work. */
  | { kind: 'healthy'; account: string; scope: string | null }
  /** The token was refused (401) or the subscription ended (402): polling pauses for every job of the account. */
  | { kind: 'refused'; account: string; problem: AccountProblem }
  /** The upstream flagged the account, e.g. on one Midjourney channel (HTTP 596, a CAPTCHA or ban notice): admins must act. */
  | { kind: 'warning'; account: string; scope: string | null; detail: string }
  /** Says nothing about the account (a timeout, a 404, …). */
  | { kind: 'none' };

export interface Transition {
  job: TrackedJob;
  /** True when something a person can see has changed (the job's version must be bumped). */
  visible: boolean;
  effects: Effect[];
  account: AccountSignal;
  /** A short description for the log, e.g. "progress 40 → 55". */
  change: string | null;
}

export interface Clock {
  now: number;
  random: () => number;
  /** The list of running jobs is watched and will notice when this job ends: its own reads are for progress only, this often (ms). */
  progressIntervalMs?: number;
}

/** The pure heart of the tracker: (job before, poll result) → (job after, effects). */
export function advance(before: TrackedJob, result: PollResult, settings: LifecycleSettings, clock: Clock): Transition {
  if (before.terminal) return { job: before, visible: false, effects: [], account: { kind: 'none' }, change: null };
  const { now, random } = clock;
  const lastHttpStatus = result.kind === 'ok' ? 200 : result.kind === 'http' ? result.status : null;
  let job: TrackedJob = { ...before, lastHttpStatus };
  const effects: Effect[] = [];
  let account: AccountSignal = { kind: 'none' };
  // useapi's 596 and Midjourney's notices concern one part of the account (a Midjourney channel): the job's scope.
  const { account: accountKey, scope } = before;

  switch (classify(result)) {
    case 'ok': {
      const reading = (result as { reading: JobReading }).reading;
      job = readUpstream(job, reading, now);
      const warning = reading.accountWarning;
      account = warning ? { kind: 'warning', account: accountKey, scope: warning.scope ?? scope, detail: warning.detail } : { kind: 'healthy', account: accountKey, scope };
      if (isRunningStatus(reading.status)) {
        const stalled = job.upstreamMovedAt !== null && now - job.upstreamMovedAt >= STALL_AFTER_MS;
        job.problem = stalled ? 'stalled' : null;
        const covered = clock.progressIntervalMs;
        job.nextPollAt = now + (covered === undefined ? runningDelay(reading.status, stalled, settings, random) : jitter(covered, random));
      } else {
        job = finish(job, now, null);
        effects.push({ kind: 'job_finished' });
        if (reading.status === 'moderated') effects.push({ kind: 'open_review' });
      }
      break;
    }
    case 'account': {
      const problem = (result as { status: number }).status === 401 ? 'unauthorized' : 'payment_required';
      job.problem = problem;
      // The account pause decides when to try again; this is only the fallback.
      job.nextPollAt = now + backoffDelay(1, null, settings, random);
      account = { kind: 'refused', account: accountKey, problem };
      break;
    }
    case 'not_found': {
      job.notFoundUntil = before.notFoundUntil ?? now + settings.notFoundGraceMs;
      job.errorStreak = before.errorStreak + 1;
      if (now >= job.notFoundUntil) {
        job = finish(job, now, 'not_found');
        break;
      }
      // A single 404 may be useapi not knowing a brand-new job yet; a second one is worth saying.
      if (before.notFoundUntil !== null) job.problem = 'not_found_yet';
      job.nextPollAt = now + runningDelay('running', false, settings, random);
      break;
    }
    case 'expired':
      job = finish(job, now, 'expired');
      break;
    case 'transient': {
      job.errorStreak = before.errorStreak + 1;
      const retryAfterMs = result.kind === 'http' ? result.retryAfterMs : null;
      job.nextPollAt = now + backoffDelay(job.errorStreak, retryAfterMs, settings, random);
      if (result.kind === 'http' && result.accountWarning) {
        account = { kind: 'warning', account: accountKey, scope: result.accountWarning.scope ?? scope, detail: result.accountWarning.detail };
      }
      break;
    }
  }

  if (!job.terminal && now - job.trackedAt >= settings.maxTrackingAgeMs) job = finish(job, now, 'max_age');

  const change = describeChange(before, job);
  return { job, visible: change !== null, effects, account, change };
}

/**
 * The list of running jobs names a job never read yet: it runs. Its own record (prompt, progress) is
 * read at the pace of progress reads; the list notices its end.
 */
export function listedRunning(before: TrackedJob, clock: Clock & { progressIntervalMs: number }): TrackedJob {
  return { ...before, status: 'running', nextPollAt: clock.now + jitter(clock.progressIntervalMs, clock.random) };
}

function readUpstream(job: TrackedJob, reading: JobReading, now: number): TrackedJob {
  const progress = progressOf(reading);
  const updated = reading.updatedAt ?? `${reading.upstreamStatus}|${progress ?? ''}`;
  const moved = updated !== job.upstreamUpdated;
  return {
    ...job,
    status: reading.status,
    progress,
    reading,
    errorStreak: 0,
    notFoundUntil: null,
    readAt: now,
    upstreamUpdated: updated,
    upstreamMovedAt: moved || job.upstreamMovedAt === null ? now : job.upstreamMovedAt,
  };
}

/** Who ended a job: upstream (a final status), the tracker giving up (not found, too old: worth another try), or age (410). */
export type End = 'upstream' | 'tracker' | 'expired';

export function endOf(job: JobSnapshot): End | null {
  if (!job.terminal) return null;
  switch (job.problem) {
    case 'expired':
      return 'expired';
    case 'not_found':
    case 'max_age':
      return 'tracker';
    default:
      return 'upstream';
  }
}

/** Someone asked again for a job the tracker had given up on: it starts afresh, as if just tracked. */
export function trackAgain(job: TrackedJob, now: number): TrackedJob {
  return { ...job, terminal: false, problem: null, finishedAt: null, trackedAt: now, notFoundUntil: null, errorStreak: 0, nextPollAt: now };
}

function finish(job: TrackedJob, now: number, problem: Problem | null): TrackedJob {
  return { ...job, terminal: true, problem, finishedAt: now, nextPollAt: null };
}

/** A completed job is at 100 % whatever its record says (real completed records carry no progress). */
export function progressOf(reading: JobReading): number | null {
  return reading.status === 'completed' ? 100 : reading.progress;
}

function describeChange(before: TrackedJob, after: TrackedJob): string | null {
  const parts: string[] = [];
  // The upstream's own word: `started` → `progress` is news (Starting → Rendering) though both are `running`.
  const word = (job: TrackedJob) => job.reading?.upstreamStatus ?? job.status;
  if (word(before) !== word(after)) parts.push(`status ${word(before) ?? '∅'} → ${word(after) ?? '∅'}`);
  if (before.progress !== after.progress) parts.push(`progress ${before.progress ?? '∅'} → ${after.progress ?? '∅'}`);
  if (before.problem !== after.problem) parts.push(`problem ${before.problem ?? '∅'} → ${after.problem ?? '∅'}`);
  if (before.terminal !== after.terminal) parts.push('terminal');
  return parts.length > 0 ? parts.join(', ') : null;
}
