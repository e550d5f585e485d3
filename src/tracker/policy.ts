import type { PollResult } from '../upstreams/port';

export interface PollSettings {
  /** Base poll interval (POLL_INTERVAL_MS). */
  pollIntervalMs: number;
}

/** Longest wait after transient errors, however long the streak. */
export const MAX_BACKOFF_MS = 5 * 60_000;
/** A server's Retry-After is honoured up to this much. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** The poller's pass period: a read falls due between passes and waits for the next one. */
export function loopPeriod(settings: PollSettings): number {
  return Math.min(250, Math.max(10, Math.floor(settings.pollIntervalMs / 20)));
}

/** ±20 %, so jobs tracked together do not poll in lockstep. */
export function jitter(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

/**
 * How long to wait before reading a running job again while the list of running jobs is not
 * watched (too few jobs, or it fails): never more than 3× the base interval while upstream
 * answers; queued jobs change slowly, rendering ones quickly, stalled ones rarely.
 */
export function runningDelay(status: string, stalled: boolean, settings: PollSettings, random: () => number): number {
  const base = settings.pollIntervalMs;
  if (stalled) return Math.min(3 * base, jitter(2.7 * base, random));
  const factor = status === 'queued' ? 2 : 1;
  return jitter(factor * base, random);
}

/**
 * From this many running jobs on, the list is watched: read once an interval for two jobs, it
 * costs half a read per job and interval (plus the rare progress reads), against the docs' loop's
 * one per running job. For one job it would save nothing.
 */
export const LIST_MIN_JOBS = 2;

/**
 * List reads per running job per base interval, where the docs' loop spends one read: a list read
 * for every three running jobs. With a job's final read and its progress reads on top (a new job is
 * not read at once while the list is watched): 0.42× the docs' loop on a job of a minute, less on
 * longer ones and from 30 running jobs on, where the cap below binds.
 */
export const LIST_SHARE = 1 / 3;
/** ...and it is read at most this many times per base interval (as the docs' loop reads one job). */
export const LIST_READS_PER_INTERVAL = 10;
/**
 * Progress reads get what the list leaves of this share (the list is read at most ten times an
 * interval: from 50 running jobs on it leaves some)...
 */
export const READS_SHARE = 0.2;
/** ...and never less than this: a job's progress is read at least every 24 base intervals. */
export const PROGRESS_SHARE_MIN = 1 / 24;

/**
 * With few jobs left the list's share alone would read it only once an interval, and the last ends
 * of a busy spell would be seen no sooner than the docs' loop sees them: it is read this many times
 * an interval still, but never more than half a read per job and interval.
 */
export const LIST_READS_FEW_JOBS = 2;

/**
 * How often to read the list of running jobs when `running` jobs are followed: as often as its
 * share of the reads allows (an end is seen sooner the more jobs share it), at most ten times an
 * interval, with few jobs twice (at most half a read per job), at least once.
 */
export function listInterval(running: number, settings: PollSettings): number {
  const perInterval = Math.max(LIST_SHARE * running, Math.min(LIST_READS_FEW_JOBS, running / 2));
  return settings.pollIntervalMs / Math.max(1, Math.min(LIST_READS_PER_INTERVAL, perInterval));
}

/**
 * How often a job covered by the list is read for its progress (the list notices its end): what
 * the list leaves of the progress reads' share, spread over the running jobs.
 */
export function progressInterval(running: number, settings: PollSettings): number {
  const listShare = settings.pollIntervalMs / listInterval(running, settings) / Math.max(1, running);
  return settings.pollIntervalMs / Math.max(PROGRESS_SHARE_MIN, READS_SHARE - listShare);
}

/**
 * The longest time the policy plans between two reads of a running job's own record: its progress
 * interval at the jitter's most, or 3× the interval for a job too alone for the list; and a pass of
 * the loop, since a read that falls due starts at the next one.
 */
export function plannedProgressGap(running: number, settings: PollSettings): number {
  const interval = running < LIST_MIN_JOBS ? 3 * settings.pollIntervalMs : Math.round(progressInterval(running, settings) * 1.2);
  return interval + loopPeriod(settings);
}

/** How long (ms) a list read and a job read take to answer: each keeps its budget place until one second after (budget.ts). */
export interface AnswerTimes {
  listMs: number;
  readMs: number;
}

const INSTANT: AnswerTimes = { listMs: 0, readMs: 0 };

/**
 * Progress reads per second the budget leaves when `running` jobs are followed: what the reserve
 * (`reservedShare`) and the list's places leave, each place held for the answer and one second more.
 * A list read starts the moment it is due; a job read only at the loop's next pass, so a place freed
 * for one waits half a pass on average (`progressReadHold`).
 */
export function progressReadsPerSecond(running: number, perSecond: number, settings: PollSettings, answers = INSTANT): number {
  const listPerSecond = running < LIST_MIN_JOBS ? 0 : 1000 / listInterval(running, settings);
  const places = perSecond - reservedShare(perSecond) - listPerSecond * (1 + answers.listMs / 1000);
  return Math.max(0, (1000 * places) / progressReadHold(settings, answers));
}

/** How long (ms) a progress read keeps its budget place: its answer, one second more, half a loop pass before the next read takes it. */
export function progressReadHold(settings: PollSettings, answers = INSTANT): number {
  return 1000 + answers.readMs + loopPeriod(settings) / 2;
}

/**
 * The pace N (ms): the longest time between two reads of a running job's own record (its progress)
 * when `running` jobs are followed and the upstream allows `perSecond` requests. The policy's
 * planned gap or, when the budget cannot read every job that often, the time the budget takes to go
 * round them all.
 */
export function progressPace(running: number, perSecond: number, settings: PollSettings, answers = INSTANT): number {
  const planned = plannedProgressGap(running, settings);
  // Too few for the list: each job is read on its own, within 3× the interval.
  if (running < LIST_MIN_JOBS) return planned;
  const forProgress = progressReadsPerSecond(running, perSecond, settings, answers);
  if (forProgress <= 0) return Infinity;
  return Math.max(planned, Math.ceil((1000 * running) / forProgress));
}

/** Budget that progress reads leave free, so the list and final reads never queue behind them. */
export function reservedShare(perSecond: number): number {
  return Math.max(1, Math.floor(perSecond / 5));
}

/**
 * A running job's message says when its progress was last read once that is older than twice the
 * longest interval the policy plans between its reads.
 */
export function readStaleAfter(settings: PollSettings): number {
  return (2 * settings.pollIntervalMs) / PROGRESS_SHARE_MIN;
}

/** Exponential backoff with jitter after the `streak`-th transient failure in a row, honouring Retry-After. */
export function backoffDelay(streak: number, retryAfterMs: number | null, settings: PollSettings, random: () => number): number {
  const exponential = Math.min(MAX_BACKOFF_MS, settings.pollIntervalMs * 2 ** Math.max(0, streak - 1));
  const delay = jitter(exponential, random);
  return retryAfterMs === null ? delay : Math.max(delay, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** What an HTTP outcome means for polling. */
export type Outcome = 'ok' | 'account' | 'not_found' | 'expired' | 'transient';

export function classify(result: PollResult): Outcome {
  if (result.kind === 'ok') return 'ok';
  if (result.kind !== 'http') return 'transient';
  switch (result.status) {
    case 401:
    case 402:
      return 'account';
    case 404:
      return 'not_found';
    case 410:
      return 'expired';
    default:
      // 429, 5xx, useapi's 596 and anything undocumented: wait and try again.
      return 'transient';
  }
}
