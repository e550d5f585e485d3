/**
 * The job as every layer sees it, whatever upstream runs it: the normalized reading an adapter
 * makes of one upstream record, and the problems the tracker can have with a job. A leaf: imports
 * nothing of the project.
 */

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'moderated', 'refused', 'unknown'] as const;
/** `refused`: the upstream would not run the request at all (nobody's misconduct, unlike `moderated`). */
export type JobStatus = (typeof JOB_STATUSES)[number];

export const RUNNING_JOB_STATUSES = ['queued', 'running'] as const satisfies readonly JobStatus[];

export function isRunningStatus(status: string | null): boolean {
  return status !== null && (RUNNING_JOB_STATUSES as readonly string[]).includes(status);
}

/**
 * Whether a reading keeps the media its record carries: a completed job's results, and whatever a
 * moderated or refused one left (shown only to admins, behind spoilers, in the review channel).
 */
export function keepsMedia(status: JobStatus): boolean {
  return status === 'completed' || status === 'moderated' || status === 'refused';
}

export type MediaKind = 'image' | 'video' | 'audio';

export interface ResultMedia {
  kind: MediaKind;
  url: string;
  /** A still for a video or a smaller image. */
  preview?: string;
  /** When a signed link stops working (epoch ms), when the upstream says. */
  expiresAt?: number;
  /** What it is among the results, e.g. `grid`: the one picture that shows all of them. */
  role?: 'grid';
  /** The upstream's id for it (Google Flow's `mediaGenerationId`), to ask for a fresh link. */
  id?: string;
}

/** One line of what the upstream said about a failure, raw (the views clean it). */
export interface ReadingDetail {
  name: string;
  text: string;
  /** Text this field already shows in its name (e.g. an embed title), so no other field repeats it. */
  covers?: string;
}

/** How a stage of the job is put to a person: "Rendering — 45%", and a sentence under the prompt. */
export interface Stage {
  label: string;
  note: string | null;
  /** The headline carries the percentage (not while a job is only starting). */
  withPercent: boolean;
}

/** The upstream flagged the account behind its token, e.g. on one Midjourney channel (`scope`). */
export interface AccountWarning {
  scope: string | null;
  detail: string;
}

export interface JobReading {
  status: JobStatus;
  /** The upstream's own word for it (`progress`, `IN_PROGRESS`, …), for display and the log. */
  upstreamStatus: string;
  stage: Stage;
  /** 0..100, null when the upstream reports none. */
  progress: number | null;
  /** Raw prompt text as the upstream gives it (the views clean it). */
  prompt: string | null;
  media: ResultMedia[];
  /** What the job makes, for the views' words. */
  makes: MediaKind | null;
  /** Error text and further fields for failed, moderated, refused and unknown jobs. */
  error: string | null;
  details: ReadingDetail[];
  /** ISO times from the upstream: when the job was made and last changed (stall detection). */
  createdAt: string | null;
  updatedAt: string | null;
  /** A short word for the footer (`image`, `video`, `imagine`). */
  meta: string | null;
  accountWarning: AccountWarning | null;
  /** The record as received. */
  raw: unknown;
}

/**
 * Why a job is not simply showing its upstream status. Account problems (401/402), a 404 within
 * its grace and a stall are temporary; the others are final.
 */
export type Problem =
  | AccountProblem
  | 'not_found_yet' // 404 again within the grace period (not final: the id may be right but new)
  | 'not_found' // 404 that outlived the grace period
  | 'expired' // 410: too old to be read
  | 'stalled' // running, but `updated` has not moved for 14 minutes (not final)
  | 'max_age'; // tracked longer than the configured maximum

/** The upstream refused the token (401) or the subscription ended (402): every job on that account waits. */
export type AccountProblem = 'unauthorized' | 'payment_required';

/** Trouble with an upstream account: a refusal, or a warning about it (one row each in account_incidents). */
export type AccountIncidentKind = AccountProblem | 'warning';

export function clampPercent(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** What the bot knows of one job: the part of the `jobs` row that views and the lifecycle read. */
export interface JobSnapshot {
  jobId: string;
  /** The adapter that reads it (`useapi-midjourney`, …): the views name it. */
  upstream: string;
  /** Normalized status as last read; null until the first successful read. */
  status: JobStatus | null;
  /** 0..100, null when unknown. */
  progress: number | null;
  problem: Problem | null;
  /** True once nothing will change any more: polling has stopped. */
  terminal: boolean;
  /** The last reading, with the record as received. */
  reading: JobReading | null;
  /** When the bot started tracking the job (epoch ms). */
  trackedAt: number;
  /** When the bot saw the job end (epoch ms). */
  finishedAt: number | null;
  /** While the upstream answers 404: when the bot stops asking and calls the job "not found" (epoch ms). */
  notFoundUntil: number | null;
  /** When a read of the job's own record last answered (epoch ms): its progress is as of then. */
  readAt?: number | null;
}
