/**
 * How often the poller can read each running job's progress, from its upstream budget (issue 12,
 * target 3a split in two). The end of a job is noticed through the list of running jobs; its
 * progress only through reads of its own, and those share the budget:
 *
 *   N = max(3·T, J / P) + t        P = (R − r − L·(1 + a_L)) / (1 + a_J)
 *
 *   T    POLL_INTERVAL_MS; a job the list watches is read for progress every ≤ 3·T (policy.ts)
 *   R    the upstream's budget, requests/s (UPSTREAM_MAX_RPS): R places, each held from the
 *        request's start until one second after its answer (budget.ts)
 *   r    places progress reads leave free: max(1, ⌊R/5⌋) (poller.ts); the list's places count
 *        against progress reads too, so the list does not come out of the reserve
 *   L    list reads per second, 1 / listInterval(J) (policy.ts), 0 below LIST_MIN_JOBS
 *   a_L, a_J  answer times of a list read and of a job read, s (0 in the headline figure)
 *   J    jobs followed and not ended
 *   t    the poller's loop period, min(250 ms, max(10 ms, T/20)): a due read waits for the next pass
 *
 * Below J = 3·T·P every job is read at the policy's pace; above it the budget decides and the
 * due-queue (oldest first) reads them round-robin. Final reads of ended jobs are urgent and take
 * places first: with many endings P is lower still.
 */
import { LIST_MIN_JOBS, listInterval } from '../src/tracker/policy';

export interface PaceInput {
  /** Requests per second the poller may send to the upstream. */
  budgetRps: number;
  /** Jobs followed and not ended. */
  running: number;
  pollIntervalMs: number;
  /** Answer times in seconds (default 0): each place is held one second beyond the answer. */
  answerS?: { list: number; read: number };
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
  /** Which side of max() decided: the policy's 3·T or the budget's J/P. */
  limitedBy: 'policy' | 'budget';
  /** The formula with the figures in, for the report. */
  text: string;
}

/** The poller's reserve (poller.ts keeps it inline: `Math.max(1, Math.floor(budget.perSecond / 5))`). */
export const reserveOf = (budgetRps: number) => Math.max(1, Math.floor(budgetRps / 5));
/** The poller's loop period (poller.ts: `Math.min(250, Math.max(10, Math.floor(pollIntervalMs / 20)))`). */
export const loopPeriodMs = (pollIntervalMs: number) => Math.min(250, Math.max(10, Math.floor(pollIntervalMs / 20)));

export function progressPace({ budgetRps, running, pollIntervalMs, answerS = { list: 0, read: 0 } }: PaceInput): Pace {
  const t = pollIntervalMs / 1000;
  const reserved = reserveOf(budgetRps);
  // Below LIST_MIN_JOBS the list is not read: every job is read at the uncovered pace, ≤ 2.4·T.
  const listRps = running < LIST_MIN_JOBS ? 0 : 1000 / listInterval(running, { pollIntervalMs });
  const progressRps = Math.max(0, (budgetRps - reserved - listRps * (1 + answerS.list)) / (1 + answerS.read));
  const byBudget = progressRps > 0 ? running / progressRps : Infinity;
  const loop = loopPeriodMs(pollIntervalMs) / 1000;
  const n = Math.max(3 * t, byBudget) + loop;
  const limitedBy = byBudget > 3 * t ? 'budget' : 'policy';
  const text =
    `N = max(3·T, J/P) + t = max(${fmt(3 * t)}, ${running}/${fmt(progressRps)}) + ${fmt(loop)} = ${fmt(n)} s ` +
    `(P = (R − r − L·(1 + a_L)) / (1 + a_J) = (${budgetRps} − ${reserved} − ${fmt(listRps)}·${fmt(1 + answerS.list)}) / ${fmt(1 + answerS.read)} = ${fmt(progressRps)} reads/s; ` +
    `${limitedBy === 'budget' ? 'the budget decides' : 'the policy decides'})`;
  return { n, progressRps, reserved, listRps, limitedBy, text };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
