import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { TrackedJob } from '../tracker/lifecycle';
import type { Problem } from '../tracker/state';
import { RUNNING_STATUSES, type UpstreamJob } from '../useapi/job';
import type { Db } from './open';
import { jobs, upstreamAccount } from './schema';

type JobRow = typeof jobs.$inferSelect;

export function toTrackedJob(row: JobRow): TrackedJob {
  return {
    jobId: row.jobId,
    status: row.status,
    progress: row.progress,
    problem: row.problem as Problem | null,
    terminal: row.terminal,
    payload: row.payload === null ? null : (JSON.parse(row.payload) as UpstreamJob),
    trackedAt: row.trackedAt,
    finishedAt: row.finishedAt,
    nextPollAt: row.nextPollAt,
    errorStreak: row.errorStreak,
    lastHttpStatus: row.lastHttpStatus,
    upstreamUpdated: row.upstreamUpdated,
    upstreamMovedAt: row.upstreamMovedAt,
    notFoundUntil: row.notFoundUntil,
  };
}

export function loadJob(db: Db, jobId: string): (TrackedJob & { version: number }) | undefined {
  const row = db.select().from(jobs).where(eq(jobs.jobId, jobId)).get();
  return row && { ...toTrackedJob(row), version: row.version };
}

/** Writes a job's new state; bumps its version when a person could see the difference. */
export function saveJob(db: Db, job: TrackedJob, visible: boolean): void {
  db.update(jobs)
    .set({
      status: job.status,
      progress: job.progress,
      problem: job.problem,
      terminal: job.terminal,
      payload: job.payload === null ? null : JSON.stringify(job.payload),
      nextPollAt: job.nextPollAt,
      errorStreak: job.errorStreak,
      lastHttpStatus: job.lastHttpStatus,
      trackedAt: job.trackedAt,
      finishedAt: job.finishedAt,
      upstreamUpdated: job.upstreamUpdated,
      upstreamMovedAt: job.upstreamMovedAt,
      notFoundUntil: job.notFoundUntil,
      ...(visible ? { version: sql`${jobs.version} + 1` } : {}),
    })
    .where(eq(jobs.jobId, job.jobId))
    .run();
}

/** Jobs whose poll time has come, most overdue first: one range scan of the partial index, however many jobs have finished. */
export function dueJobs(db: Db, now: number, limit: number): Array<{ jobId: string; nextPollAt: number }> {
  return db
    .select({ jobId: jobs.jobId, nextPollAt: sql<number>`${jobs.nextPollAt}` })
    .from(jobs)
    .where(and(eq(jobs.terminal, false), lte(jobs.nextPollAt, now)))
    .orderBy(asc(jobs.nextPollAt))
    .limit(limit)
    .all();
}

/** Jobs being polled whose last read showed them running: those the list of running jobs speaks for. */
const watchedByList = and(eq(jobs.terminal, false), isNotNull(jobs.nextPollAt), inArray(jobs.status, [...RUNNING_STATUSES]));

export function runningJobIds(db: Db): string[] {
  return db
    .select({ jobId: jobs.jobId })
    .from(jobs)
    .where(watchedByList)
    .all()
    .map((r) => r.jobId);
}

export function countRunningJobs(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(jobs).where(watchedByList).get()?.n ?? 0;
}

/** `next_poll_at` of a job whose read cannot wait: it goes before any job that is merely due. */
export const URGENT = 0;

/** Puts these jobs at the head of the due-queue, before any job that is merely due. */
export function pollFirst(db: Db, jobIds: readonly string[]): void {
  for (let i = 0; i < jobIds.length; i += 500) {
    db.update(jobs)
      .set({ nextPollAt: URGENT })
      .where(and(inArray(jobs.jobId, jobIds.slice(i, i + 500)), eq(jobs.terminal, false), isNotNull(jobs.nextPollAt)))
      .run();
  }
}

/** The job due soonest, polled or not: the one a paused account is probed with. */
export function firstPollableJobId(db: Db): string | undefined {
  return db
    .select({ jobId: jobs.jobId })
    .from(jobs)
    .where(and(eq(jobs.terminal, false), isNotNull(jobs.nextPollAt)))
    .orderBy(asc(jobs.nextPollAt))
    .limit(1)
    .get()?.jobId;
}

export type AccountProblem = 'unauthorized' | 'payment_required';

export interface AccountState {
  problem: AccountProblem | null;
  since: number | null;
  nextProbeAt: number | null;
}

export function loadAccount(db: Db): AccountState {
  const row = db.select().from(upstreamAccount).where(eq(upstreamAccount.id, 1)).get();
  return {
    problem: (row?.problem ?? null) as AccountProblem | null,
    since: row?.since ?? null,
    nextProbeAt: row?.nextProbeAt ?? null,
  };
}

export function saveAccount(db: Db, state: AccountState): void {
  db.insert(upstreamAccount)
    .values({ id: 1, ...state })
    .onConflictDoUpdate({ target: upstreamAccount.id, set: state })
    .run();
}

/** Shows (or clears) an account problem on every job still being followed. */
export function markRunningJobs(db: Db, problem: AccountProblem | null, now: number): void {
  const notTerminal = eq(jobs.terminal, false);
  if (problem !== null) {
    db.update(jobs)
      .set({ problem, version: sql`${jobs.version} + 1` })
      .where(and(notTerminal, sql`${jobs.problem} is not ${problem}`))
      .run();
    return;
  }
  db.update(jobs)
    .set({ problem: null, version: sql`${jobs.version} + 1` })
    .where(and(notTerminal, sql`${jobs.problem} in ('unauthorized', 'payment_required')`))
    .run();
  db.update(jobs).set({ nextPollAt: now }).where(and(notTerminal, isNotNull(jobs.nextPollAt))).run();
}
