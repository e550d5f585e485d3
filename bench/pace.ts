/**
 * How often the poller can read each running job's progress, from its upstream budget (issue 12,
 * target 3a split in two): the product's own formula (`progressPace` in src/tracker/policy.ts),
 * with its figures spelled out for the report. The end of a job is noticed through the list of
 * running jobs; its progress only through reads of its own, and those share the budget:
 *
 *   N = max(G, J / P)        P = (R − r − L·(1 + a_L)) / (1 + a_J + p/2)
 *
 *   G    the policy's planned gap between two progress reads of a job: its progress interval at
 *        the jitter's most (1.2×); 3·T below LIST_MIN_JOBS, where each job is read on its own
 *   T    POLL_INTERVAL_MS
 *   R    the upstream's budget, requests/s (UPSTREAM_MAX_RPS): R places, each held from the
 *        request's start until one second after its answer (budget.ts)
 *   r    places progress reads leave free for the list and final reads: max(1, ⌊R/5⌋); the list's
 *        own places count against progress reads too
 *   L    list reads per second, 1 / listInterval(J), 0 below LIST_MIN_JOBS
 *   a_L, a_J  answer times of a list read and of a job read, s (0 in the headline figure)
 *   p    the poller's pass period, s (loopPeriod: T/20, at most 0.25 s): a job read starts only at
 *        a pass, so a place freed for one waits p/2 on average (a list read starts when it is due)
 *   J    jobs followed and not ended
 *
 * Where G ≥ J / P every job is read at the policy's pace; below it the budget decides and the
 * due-queue (oldest first) reads them round-robin. Final reads of ended jobs are urgent and take
 * places first: with many endings P is lower still.
 */
import { LIST_MIN_JOBS, listInterval, plannedProgressGap, progressPace, progressReadHold, progressReadsPerSecond, reservedShare } from '../src/tracker/policy';

export interface PaceInput {
  /** Requests per second the poller may send to the upstream. */
  budgetRps: number;
  /** Jobs followed and not ended. */
  running: number;
  pollIntervalMs: number;
  /** Mean answer times in ms (default 0): each place is held one second beyond the answer. */
  answerMs?: { listMs: number; readMs: number };
}

export interface Pace {
  /** Seconds: every running job's progress is read at least this often. */
  n: number;
  /** Progress reads per second the budget leaves (P). */
  progressRps: number;
  /** Reserve for the list and final reads (r). */
  reserved: number;
  /** List reads per second (L). */
  listRps: number;
  /** Which side of max() decided: the policy's planned gap G or the budget's J/P. */
  limitedBy: 'policy' | 'budget';
  /** The formula with the figures in, for the report. */
  text: string;
}

export function paceOf({ budgetRps, running, pollIntervalMs, answerMs = { listMs: 0, readMs: 0 } }: PaceInput): Pace {
  const settings = { pollIntervalMs };
  const n = progressPace(running, budgetRps, settings, answerMs) / 1000;
  const planned = plannedProgressGap(running, settings) / 1000;
  const reserved = reservedShare(budgetRps);
  const listRps = running < LIST_MIN_JOBS ? 0 : 1000 / listInterval(running, settings);
  const progressRps = progressReadsPerSecond(running, budgetRps, settings, answerMs);
  const limitedBy = n > planned ? 'budget' : 'policy';
  const listHold = 1 + answerMs.listMs / 1000;
  const readHold = progressReadHold(settings, answerMs) / 1000;
  const text =
    `N = max(G, J/P) = max(${fmt(planned)}, ${running}/${fmt(progressRps)}) = ${fmt(n)} s ` +
    `(P = (R − r − L·(1 + a_L)) / (1 + a_J + p/2) = (${budgetRps} − ${reserved} − ${fmt(listRps)}·${fmt(listHold)}) / ${fmt(readHold)} = ${fmt(progressRps)} reads/s; ` +
    `${limitedBy === 'budget' ? 'the budget decides' : 'the policy decides'})`;
  return { n, progressRps, reserved, listRps, limitedBy, text };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
