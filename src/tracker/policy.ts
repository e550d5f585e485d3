import type { PollResult } from '../upstreams/port';

export interface PollSettings {
  /** Base poll interval (POLL_INTERVAL_MS). */
  pollIntervalMs: number;
}

/** Longest wait after transient errors, however long the streak. */
export const MAX_BACKOFF_MS = 5 * 60_000;
/** A server's Retry-After is honoured up to this much. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** ±20 %, so jobs tracked together do not poll in lockstep. */
export function jitter(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

/**
 * How long to wait before reading a running job again. Never more than 3× the base interval while
 * upstream answers: queued jobs change slowly, rendering ones quickly, stalled ones rarely. When
 * the list of running jobs is watched (`covered`), it notices the end of a job, so a job's own
 * reads are needed only for progress: the slowest pace is enough.
 */
export function runningDelay(status: string, stalled: boolean, settings: PollSettings, random: () => number, covered = false): number {
  const base = settings.pollIntervalMs;
  if (stalled || covered) return Math.min(3 * base, jitter(2.7 * base, random));
  const factor = status === 'queued' ? 2 : 1;
  return jitter(factor * base, random);
}

/** Below this many running jobs, one list call costs more than it saves. */
export const LIST_MIN_JOBS = 4;

/**
 * How often to read the list of running jobs when `running` jobs are followed: often enough to
 * notice an end sooner than per-job polling would, rarely enough to cost at most a third of the
 * per-job reads it replaces, and at most ten times a base interval.
 */
export function listInterval(running: number, settings: PollSettings): number {
  const base = settings.pollIntervalMs;
  return Math.min(base, Math.max(base / 10, (3 * base) / Math.max(1, running)));
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
