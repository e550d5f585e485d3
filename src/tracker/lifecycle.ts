import type { PollResult } from '../useapi/client';
import { isRunningStatus, reportedProgress, type UpstreamJob } from '../useapi/job';
import { backoffDelay, classify, runningDelay, type PollSettings } from './policy';
import type { JobSnapshot, Problem } from './state';

/** A job as the poller keeps it: what is shown, plus what decides the next poll. */
export interface TrackedJob extends JobSnapshot {
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

/** Midjourney itself times a job out after 14 minutes without news; so do we, for display. */
export const STALL_AFTER_MS = 14 * 60_000;

export type Effect =
  /** The job ended while being watched: each follower who wants it gets one DM. */
  | { kind: 'job_finished' }
  /** Midjourney moderated the prompt: the servers it was tracked in review it. */
  | { kind: 'open_review' };

/** What one read says about the shared useapi account, beyond this job. */
export type AccountSignal =
  /** An ordinary answer: whatever was wrong with the account is over. */
  | { kind: 'healthy' }
  /** The token was refused (401) or the subscription ended (402): polling pauses for everyone. */
  | { kind: 'refused'; problem: 'unauthorized' | 'payment_required' }
  /** Midjourney flagged the account (HTTP 596, CAPTCHA or ban wording): admins must act. */
  | { kind: 'warning'; detail: string }
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

/** Midjourney's words for an account in trouble (not "Banned prompt detected", which is about one prompt). */
const ACCOUNT_WARNING = /captcha|verify (?:that )?you are (?:a )?human|(?:account|you) (?:has|have) been (?:banned|suspended|blocked)|pending moderation/i;

export interface Clock {
  now: number;
  random: () => number;
  /** The list of running jobs is being watched: it will notice when this job ends. */
  listCovered?: boolean;
}

/** The pure heart of the tracker: (job before, poll result) → (job after, effects). */
export function advance(before: TrackedJob, result: PollResult, settings: LifecycleSettings, clock: Clock): Transition {
  if (before.terminal) return { job: before, visible: false, effects: [], account: { kind: 'none' }, change: null };
  const { now, random } = clock;
  const lastHttpStatus = result.kind === 'ok' ? 200 : result.kind === 'http' ? result.status : null;
  let job: TrackedJob = { ...before, lastHttpStatus };
  const effects: Effect[] = [];
  let account: AccountSignal = { kind: 'none' };

  switch (classify(result)) {
    case 'ok': {
      const upstream = (result as { job: UpstreamJob }).job;
      job = readUpstream(job, upstream, now);
      const warning = ACCOUNT_WARNING.exec(upstream.response?.content ?? '');
      account = warning ? { kind: 'warning', detail: `Midjourney said: “${warning[0]}”` } : { kind: 'healthy' };
      if (isRunningStatus(upstream.status)) {
        const stalled = job.upstreamMovedAt !== null && now - job.upstreamMovedAt >= STALL_AFTER_MS;
        job.problem = stalled ? 'stalled' : null;
        job.nextPollAt = now + runningDelay(upstream.status, stalled, settings, random, clock.listCovered);
      } else {
        job = finish(job, now, null);
        effects.push({ kind: 'job_finished' });
        if (upstream.status === 'moderated') effects.push({ kind: 'open_review' });
      }
      break;
    }
    case 'account': {
      const problem = (result as { status: number }).status === 401 ? 'unauthorized' : 'payment_required';
      job.problem = problem;
      // The account pause decides when to try again; this is only the fallback.
      job.nextPollAt = now + backoffDelay(1, null, settings, random);
      account = { kind: 'refused', problem };
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
      job.nextPollAt = now + runningDelay('started', false, settings, random);
      break;
    }
    case 'expired':
      job = finish(job, now, 'expired');
      break;
    case 'transient': {
      job.errorStreak = before.errorStreak + 1;
      const retryAfterMs = result.kind === 'http' ? result.retryAfterMs : null;
      job.nextPollAt = now + backoffDelay(job.errorStreak, retryAfterMs, settings, random);
      if (result.kind === 'http' && result.status === 596) {
        account = { kind: 'warning', detail: `HTTP 596${result.message ? `: ${result.message}` : ''}` };
      }
      break;
    }
  }

  if (!job.terminal && now - job.trackedAt >= settings.maxTrackingAgeMs) job = finish(job, now, 'max_age');

  const change = describeChange(before, job);
  return { job, visible: change !== null, effects, account, change };
}

function readUpstream(job: TrackedJob, upstream: UpstreamJob, now: number): TrackedJob {
  const progress = progressOf(upstream);
  const updated = upstream.updated ?? `${upstream.status}|${progress ?? ''}`;
  const moved = updated !== job.upstreamUpdated;
  return {
    ...job,
    status: upstream.status,
    progress,
    payload: upstream,
    errorStreak: 0,
    notFoundUntil: null,
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
export function progressOf(upstream: UpstreamJob): number | null {
  return upstream.status === 'completed' ? 100 : reportedProgress(upstream.response);
}

function describeChange(before: TrackedJob, after: TrackedJob): string | null {
  const parts: string[] = [];
  if (before.status !== after.status) parts.push(`status ${before.status ?? '∅'} → ${after.status ?? '∅'}`);
  if (before.progress !== after.progress) parts.push(`progress ${before.progress ?? '∅'} → ${after.progress ?? '∅'}`);
  if (before.problem !== after.problem) parts.push(`problem ${before.problem ?? '∅'} → ${after.problem ?? '∅'}`);
  if (before.terminal !== after.terminal) parts.push('terminal');
  return parts.length > 0 ? parts.join(', ') : null;
}
