/**
 * Pure functions from a job script and a moment to what the API shows: the job record (§1.2, §6),
 * the answer of GET /jobs/{jobid} (§1.1) and the running-jobs list (§3.1).
 */
import { USEAPI_NOT_FOUND, useapiExpiredBody } from '../emulator/useapi';
import { firstEndOf, iso, minutesSeconds, scriptedAnswerAt, sortSteps } from '../emulator/steps';
import { channelOf, jobTypeOf } from './ids';
import { MODERATED_CODE, MODERATED_DETAILS, MODERATED_ERROR, responseFor, type JobShape } from './message';
import type {
  ErrorBody,
  JobAnswer,
  JobRecord,
  JobScript,
  JobStep,
  RunningChannel,
  RunningJobsList,
} from './types';

export const RUNNING_STATUSES: readonly string[] = ['created', 'started', 'progress'];
/** Jobs are kept 62 days; older ones answer 410 (§5). */
export const RETENTION_MS = 62 * 24 * 60 * 60 * 1000;
/** Per-channel concurrency reported by the list (the v3 quick start's 3/3/3). */
export const CHANNEL_MAX_JOBS = 3;

export const DEFAULT_PROMPT = 'a lighthouse on a cliff at dusk --ar 16:9';
export const CANCELLED_ERROR = 'Job cancelled by user';
export const DEFAULT_FAILED_ERROR = 'Failed to process your command :c';
export const DEFAULT_FAILED_CODE = 400;

// Seen in records captured from the real v3 API by a third party: facts, not inferences.
/** A request Midjourney would not run (a `--video` prompt without a start image) is reported as moderated. */
export const REFUSED_ERROR = 'Invalid request';
export const REFUSED_DETAILS = 'No start frame provided';
export const REFUSED_CODE = 422;

/** A completed image as captured (see capturedResponseFor in message.ts); `code` is an integer on every real record. */
export function capturedCompletedStep(afterMs: number): JobStep {
  return { afterMs, status: 'completed', code: 200, shape: 'captured' };
}

/** A refused request as captured: moderated, code 422, and no `imageUx` or `buttons` keys at all. */
export function refusedStep(afterMs: number): JobStep {
  return { afterMs, status: 'moderated', error: REFUSED_ERROR, errorDetails: REFUSED_DETAILS, code: REFUSED_CODE, shape: 'captured' };
}

export function isRunning(status: string): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function notFoundBody(): ErrorBody {
  return USEAPI_NOT_FOUND;
}

export function expiredBody(jobid: string): ErrorBody {
  return useapiExpiredBody(jobid);
}

interface VisibleState {
  step: JobStep;
  progress: number;
  /** ms after startAt at which the visible state (status, progress) last changed. */
  changedAfterMs: number;
}

function progressOf(step: JobStep, previous: number): number {
  if (step.progress !== undefined) return Math.min(100, Math.max(0, step.progress));
  if (step.status === 'completed') return 100;
  if (step.status === 'created' || step.status === 'started') return 0;
  return previous;
}

function visibleStateAt(steps: readonly JobStep[], elapsedMs: number): VisibleState | undefined {
  let state: VisibleState | undefined;
  for (const step of steps) {
    if (step.afterMs > elapsedMs) break;
    const progress = progressOf(step, state?.progress ?? 0);
    const changedAfterMs =
      state && state.step.status === step.status && state.progress === progress ? state.changedAfterMs : step.afterMs;
    state = { step, progress, changedAfterMs };
  }
  return state;
}

/**
 * The job record at emulator time `t`, or undefined before the first step. A missing `startAt` counts as 0.
 * Ignores `gone`, `visibleAfterMs` and expiry; see {@link jobAnswerAt} for those.
 */
export function jobRecordAt(script: JobScript, t: number): JobRecord | undefined {
  const startAt = script.startAt ?? 0;
  const state = visibleStateAt(sortSteps(script.steps), t - startAt);
  if (!state) return undefined;

  const { step, progress } = state;
  const updatedAt = startAt + state.changedAfterMs;
  const job: JobShape = {
    jobid: script.jobid,
    jobType: script.jobType ?? jobTypeOf(script.jobid),
    prompt: script.prompt ?? DEFAULT_PROMPT,
    speed: script.speed ?? 'fast',
  };

  const record: JobRecord = {
    jobid: script.jobid,
    verb: script.verb ?? 'imagine',
    jobType: job.jobType,
    status: step.status,
    created: iso(startAt),
    ...(step.status === 'created' ? {} : { updated: iso(updatedAt) }),
    request: { prompt: job.prompt },
    response: responseFor(job, step, progress, updatedAt),
  };
  Object.assign(record, errorFieldsFor(step));
  if (step.extra) Object.assign(record, step.extra);
  return record;
}

/** What GET /jobs/{jobid} answers at `t`, before faults: 200 with the record, 404 or 410. */
export function jobAnswerAt(script: JobScript, t: number): JobAnswer {
  return scriptedAnswerAt(script, t, RETENTION_MS, () => jobRecordAt(script, t));
}

/** The script of a job cancelled at `t`: steps after `t` dropped, then failed "Job cancelled by user". */
export function cancelledScript(script: JobScript, t: number): JobScript {
  const elapsed = t - (script.startAt ?? 0);
  const kept = sortSteps(script.steps).filter((step) => step.afterMs <= elapsed);
  return {
    ...script,
    steps: [...kept, { afterMs: elapsed, status: 'failed', error: CANCELLED_ERROR, code: DEFAULT_FAILED_CODE }],
  };
}

/** Emulator time of the first non-running step; undefined for gone jobs or jobs that never end. */
export function terminalTimeOf(script: JobScript): number | undefined {
  return firstEndOf(script, (status) => !isRunning(status));
}

/** The GET /jobs body for the records of the running jobs at `t`. */
export function runningJobsList(records: readonly JobRecord[], t: number): RunningJobsList {
  const list: RunningJobsList = { total: 0, images: 0, videos: 0, channels: {} };
  const running = records.filter((record) => isRunning(record.status));
  running.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.jobid.localeCompare(b.jobid));
  for (const record of running) {
    const channelId = channelOf(record.jobid) ?? 'unknown';
    const channel: RunningChannel = (list.channels[channelId] ??= {
      total: 0,
      images: 0,
      videos: 0,
      maxJobs: CHANNEL_MAX_JOBS,
      maxImageJobs: CHANNEL_MAX_JOBS,
      maxVideoJobs: CHANNEL_MAX_JOBS,
      jobs: [],
    });
    const kind = record.jobType === 'video' ? 'videos' : 'images';
    for (const counts of [list, channel]) {
      counts.total += 1;
      counts[kind] += 1;
    }
    channel.jobs.push({
      jobId: record.jobid,
      channel: channelId,
      jobType: record.jobType,
      created: record.created,
      elapsed: minutesSeconds(t - Date.parse(record.created)),
    });
  }
  return list;
}

function errorFieldsFor(step: JobStep): Pick<JobRecord, 'error' | 'errorDetails' | 'code'> {
  const given = {
    ...(step.error !== undefined && { error: step.error }),
    ...(step.errorDetails !== undefined && { errorDetails: step.errorDetails }),
    ...(step.code !== undefined && { code: step.code }),
  };
  switch (step.status) {
    case 'failed':
      return { error: DEFAULT_FAILED_ERROR, code: DEFAULT_FAILED_CODE, ...given };
    case 'moderated':
      return { error: MODERATED_ERROR, errorDetails: MODERATED_DETAILS, code: MODERATED_CODE, ...given };
    default:
      return given;
  }
}
