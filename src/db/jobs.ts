import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, notInArray, sql } from 'drizzle-orm';
import { RUNNING_JOB_STATUSES, type AccountProblem, type JobReading, type Problem } from '../domain/job';
import type { TrackedJob } from '../tracker/lifecycle';
import type { Db } from './open';
import { jobs, upstreamAccount } from './schema';

type JobRow = typeof jobs.$inferSelect;

export function toTrackedJob(row: JobRow): TrackedJob {
  return {
    jobId: row.jobId,
    upstream: row.upstream,
    account: row.account,
    scope: row.scope,
    status: row.status as TrackedJob['status'],
    progress: row.progress,
    problem: row.problem as Problem | null,
    terminal: row.terminal,
    reading: readingOf(row),
    trackedAt: row.trackedAt,
    finishedAt: row.finishedAt,
    nextPollAt: row.nextPollAt,
    errorStreak: row.errorStreak,
    lastHttpStatus: row.lastHttpStatus,
    upstreamUpdated: row.upstreamUpdated,
    upstreamMovedAt: row.upstreamMovedAt,
    notFoundUntil: row.notFoundUntil,
    readAt: row.readAt,
  };
}

function readingOf(row: JobRow): JobReading | null {
  if (row.reading === null) return null;
  return { ...(JSON.parse(row.reading) as Omit<JobReading, 'raw'>), raw: row.payload === null ? null : (JSON.parse(row.payload) as unknown) };
}

/** The reading as stored: the raw record goes to `payload`, the rest to `reading`. */
function readingColumns(reading: JobReading | null): { payload: string | null; reading: string | null } {
  if (reading === null) return { payload: null, reading: null };
  const { raw, ...rest } = reading;
  return { payload: raw === undefined ? null : JSON.stringify(raw), reading: JSON.stringify(rest) };
}

export function loadJob(db: Db, jobId: string): (TrackedJob & { version: number }) | undefined {
  const row = db.select().from(jobs).where(eq(jobs.jobId, jobId)).get();
  return row && { ...toTrackedJob(row), version: row.version };
}

/** A job about to be followed for the first time. */
export interface NewJob {
  jobId: string;
  upstream: string;
  account: string;
  scope: string | null;
}

export function insertJob(db: Db, job: NewJob, at: { trackedAt: number; nextPollAt: number; problem: Problem | null }): void {
  db.insert(jobs).values({ ...job, ...at }).run();
}

/** Writes a job's new state; bumps its version when a person could see the difference. */
export function saveJob(db: Db, job: TrackedJob, visible: boolean): void {
  db.update(jobs)
    .set({
      status: job.status,
      progress: job.progress,
      problem: job.problem,
      terminal: job.terminal,
      ...readingColumns(job.reading),
      nextPollAt: job.nextPollAt,
      errorStreak: job.errorStreak,
      lastHttpStatus: job.lastHttpStatus,
      trackedAt: job.trackedAt,
      finishedAt: job.finishedAt,
      upstreamUpdated: job.upstreamUpdated,
      upstreamMovedAt: job.upstreamMovedAt,
      notFoundUntil: job.notFoundUntil,
      readAt: job.readAt ?? null,
      ...(visible ? { version: sql`${jobs.version} + 1` } : {}),
    })
    .where(eq(jobs.jobId, job.jobId))
    .run();
}

/**
 * Rows written before readings were stored hold only the raw record (and the upstream's own status
 * word): each is read again through its adapter's normalizer. Returns how many were upgraded.
 */
export function upgradeStoredRecords(db: Db, normalize: (upstream: string, raw: unknown) => JobReading | null, scopeOf: (upstream: string, jobId: string) => string | null): number {
  const rows = db.select().from(jobs).where(and(isNull(jobs.reading), isNotNull(jobs.payload))).all();
  let upgraded = 0;
  for (const row of rows) {
    const reading = normalize(row.upstream, JSON.parse(row.payload!) as unknown);
    if (!reading) continue;
    db.update(jobs)
      .set({ ...readingColumns(reading), status: reading.status, scope: row.scope ?? scopeOf(row.upstream, row.jobId) })
      .where(eq(jobs.jobId, row.jobId))
      .run();
    upgraded++;
  }
  return upgraded;
}

/** Jobs whose poll time has come, most overdue first, leaving out paused accounts: one range scan of the partial index. */
export function dueJobs(
  db: Db,
  now: number,
  limit: number,
  pausedAccounts: readonly string[] = [],
): Array<{ jobId: string; upstream: string; nextPollAt: number }> {
  return db
    .select({ jobId: jobs.jobId, upstream: jobs.upstream, nextPollAt: sql<number>`${jobs.nextPollAt}` })
    .from(jobs)
    .where(and(eq(jobs.terminal, false), lte(jobs.nextPollAt, now), pausedAccounts.length > 0 ? notInArray(jobs.account, [...pausedAccounts]) : undefined))
    .orderBy(asc(jobs.nextPollAt))
    .limit(limit)
    .all();
}

/** Jobs of one upstream being polled whose last read showed them running: those its list of running jobs speaks for. */
const watchedByList = (upstream: string) =>
  and(eq(jobs.terminal, false), isNotNull(jobs.nextPollAt), eq(jobs.upstream, upstream), inArray(jobs.status, [...RUNNING_JOB_STATUSES]));

export function runningJobIds(db: Db, upstream: string): string[] {
  return db
    .select({ jobId: jobs.jobId })
    .from(jobs)
    .where(watchedByList(upstream))
    .all()
    .map((r) => r.jobId);
}

export function countRunningJobs(db: Db, upstream: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(jobs).where(watchedByList(upstream)).get()?.n ?? 0;
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

/** Jobs of one upstream tracked and never read yet (no error either): the list of running jobs may answer for them. */
const unread = (upstream: string) =>
  and(eq(jobs.terminal, false), isNotNull(jobs.nextPollAt), eq(jobs.upstream, upstream), isNull(jobs.status), isNull(jobs.notFoundUntil), eq(jobs.errorStreak, 0));

/** Puts off until `until` the first reads of an upstream's jobs tracked after `judgedUpTo`, which the next read of its list will answer for. */
export function holdNewJobsForList(db: Db, upstream: string, judgedUpTo: number, until: number): void {
  db.update(jobs)
    .set({ nextPollAt: until })
    .where(and(unread(upstream), eq(jobs.nextPollAt, URGENT), gt(jobs.trackedAt, judgedUpTo)))
    .run();
}

/** The never-read jobs of an upstream tracked by `at`, when a list read was sent: it can say whether they run. */
export function unreadJobIds(db: Db, upstream: string, trackedBy: number): string[] {
  return db
    .select({ jobId: jobs.jobId })
    .from(jobs)
    .where(and(unread(upstream), lte(jobs.trackedAt, trackedBy)))
    .all()
    .map((r) => r.jobId);
}

/** Brings the running jobs of an upstream forward so that each is read by `at` at the latest; a job backing off after errors (Retry-After) keeps its time. */
export function pollBy(db: Db, upstream: string, at: number): void {
  db.update(jobs)
    .set({ nextPollAt: sql`min(${jobs.nextPollAt}, ${at})` })
    .where(and(watchedByList(upstream), eq(jobs.errorStreak, 0)))
    .run();
}

/** The job of an account due soonest, polled or not: the one a paused account is probed with. */
export function firstPollableJob(db: Db, account: string): { jobId: string; upstream: string } | undefined {
  return db
    .select({ jobId: jobs.jobId, upstream: jobs.upstream })
    .from(jobs)
    .where(and(eq(jobs.terminal, false), isNotNull(jobs.nextPollAt), eq(jobs.account, account)))
    .orderBy(asc(jobs.nextPollAt))
    .limit(1)
    .get();
}

export interface AccountState {
  problem: AccountProblem | null;
  since: number | null;
  nextProbeAt: number | null;
}

export function loadAccount(db: Db, account: string): AccountState {
  const row = db.select().from(upstreamAccount).where(eq(upstreamAccount.account, account)).get();
  return {
    problem: (row?.problem ?? null) as AccountProblem | null,
    since: row?.since ?? null,
    nextProbeAt: row?.nextProbeAt ?? null,
  };
}

/** Every account that is refused now, with its state. */
export function pausedAccounts(db: Db): Array<AccountState & { account: string }> {
  return db
    .select()
    .from(upstreamAccount)
    .where(isNotNull(upstreamAccount.problem))
    .all()
    .map((row) => ({ account: row.account, problem: row.problem as AccountProblem, since: row.since, nextProbeAt: row.nextProbeAt }));
}

export function saveAccount(db: Db, account: string, state: AccountState): void {
  db.insert(upstreamAccount)
    .values({ account, ...state })
    .onConflictDoUpdate({ target: upstreamAccount.account, set: state })
    .run();
}

/** Shows (or clears) an account problem on every job of that account still being followed. */
export function markRunningJobs(db: Db, account: string, problem: AccountProblem | null, now: number): void {
  const notTerminal = and(eq(jobs.terminal, false), eq(jobs.account, account));
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
