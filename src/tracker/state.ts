import type { UpstreamJob } from '../useapi/job';

/**
 * Why a job is not simply showing its upstream status. Account problems (401/402), a 404 within
 * its grace and a stall are temporary; the others are final.
 */
export type Problem =
  | 'unauthorized' // 401: the useapi token was refused
  | 'payment_required' // 402: the useapi subscription ended
  | 'not_found_yet' // 404 again within the grace period (not final: the id may be right but new)
  | 'not_found' // 404 that outlived the grace period
  | 'expired' // 410: older than 62 days
  | 'stalled' // running, but `updated` has not moved for 14 minutes (not final)
  | 'max_age'; // tracked longer than the configured maximum

/** What the bot knows of one job: the part of the `jobs` row that views and the lifecycle read. */
export interface JobSnapshot {
  jobId: string;
  /** Upstream status as last read; null until the first successful read. Unknown strings are kept. */
  status: string | null;
  /** 0..100, null when unknown. */
  progress: number | null;
  problem: Problem | null;
  /** True once nothing will change any more: polling has stopped. */
  terminal: boolean;
  /** The last upstream record, as received (validated leniently). */
  payload: UpstreamJob | null;
  /** When the bot started tracking the job (epoch ms). */
  trackedAt: number;
  /** When the bot saw the job end (epoch ms). */
  finishedAt: number | null;
  /** While useapi answers 404: when the bot stops asking and calls the job "not found" (epoch ms). */
  notFoundUntil: number | null;
}
