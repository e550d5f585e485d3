import type { PollResult } from '../useapi/client';
import { isRefusedRequest, isRunningStatus, reportedProgress, type UpstreamJob } from '../useapi/job';
import { parseJobId } from '../useapi/jobId';
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
  /** An ordinary answer: the account, and the Midjourney channel the job ran on, work. */
  | { kind: 'healthy'; channel: string | null }
  /** The token was refused (401) or the subscription ended (402): polling pauses for everyone. */
  | { kind: 'refused'; problem: 'unauthorized' | 'payment_required' }
  /** Midjourney flagged the account on one of its channels (HTTP 596, a CAPTCHA or ban notice): admins must act. */
  | { kind: 'warning'; channel: string | null; detail: string }
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

/**
 * Midjourney's notice about the account in a job record, if any: only its system embeds and
 * useapi's error fields can carry one. The message text holds the prompt, which anyone can write,
 * so it is never read for this; the prompt, and anything quoted as `code`, is cut out of the rest.
 */
function accountWarningIn(upstream: UpstreamJob): string | null {
  const prompt = upstream.request?.prompt?.trim();
  const texts = [...(upstream.response?.embeds ?? []).flatMap((e) => [e.title, e.description]), upstream.error, upstream.errorDetails];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    const words = ACCOUNT_WARNING.exec((prompt ? text.split(prompt).join(' ') : text).replace(/`[^`]*`/g, ' '));
    if (words) return words[0];
  }
  return null;
}

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
  // useapi's 596 and Midjourney's notices concern one Midjourney channel of the account, named in the job id.
  const parsedId = parseJobId(before.jobId);
  const channel = parsedId.ok ? parsedId.jobId.channel : null;

  switch (classify(result)) {
    case 'ok': {
      const upstream = (result as { job: UpstreamJob }).job;
      job = readUpstream(job, upstream, now);
      const warning = accountWarningIn(upstream);
      account = warning ? { kind: 'warning', channel, detail: `Midjourney said: “${warning}”${onChannel(channel)}` } : { kind: 'healthy', channel };
      if (isRunningStatus(upstream.status)) {
        const stalled = job.upstreamMovedAt !== null && now - job.upstreamMovedAt >= STALL_AFTER_MS;
        job.problem = stalled ? 'stalled' : null;
        job.nextPollAt = now + runningDelay(upstream.status, stalled, settings, random, clock.listCovered);
      } else {
        job = finish(job, now, null);
        effects.push({ kind: 'job_finished' });
        if (upstream.status === 'moderated' && !isRefusedRequest(upstream)) effects.push({ kind: 'open_review' });
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
      if (result.kind === 'http' && (result.status === 596 || ACCOUNT_WARNING.test(result.message ?? ''))) {
        account = { kind: 'warning', channel, detail: `HTTP ${result.status}${onChannel(channel)}${result.message ? `: ${result.message}` : ''}` };
      }
      break;
    }
  }

  if (!job.terminal && now - job.trackedAt >= settings.maxTrackingAgeMs) job = finish(job, now, 'max_age');

  const change = describeChange(before, job);
  return { job, visible: change !== null, effects, account, change };
}

const onChannel = (channel: string | null) => (channel ? ` on Midjourney channel ${channel}` : '');

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
