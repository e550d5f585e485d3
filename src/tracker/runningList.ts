import { countRunningJobs, holdNewJobsForList, loadJob, pollBy, pollFirst, runningJobIds, saveJob, unreadJobIds } from '../db/jobs';
import { inTransaction, type Db } from '../db/open';
import type { Logger } from '../log';
import { describeFailure, type UpstreamAdapter } from '../upstreams/port';
import type { RequestBudget } from './budget';
import { listedRunning, type LifecycleSettings } from './lifecycle';
import { backoffDelay, LIST_MIN_JOBS, listInterval, progressInterval } from './policy';

export interface RunningListOptions {
  db: Db;
  adapter: UpstreamAdapter;
  /** The upstream's request budget, which the list shares with the job reads. */
  budget: RequestBudget;
  log: Logger;
  settings: LifecycleSettings;
  now: () => number;
  random: () => number;
  /** Jobs have ended: their final reads are due now. */
  onEnded: () => void;
  /** A read of the list has settled: its next one may be due before the loop's next pass. */
  onSettled: () => void;
  /** Jobs changed in a way people see (new jobs found running). */
  onChange: () => void;
}

/**
 * One upstream's list of running jobs. One read of it stands in for many "is it done yet?" reads:
 * a job that was running and is no longer listed has ended, and is read at once for its final
 * state. While its last answer vouches for the jobs, they are read for their progress only, and a
 * newly tracked job is not read at once: the next read of the list says whether it runs (its record,
 * prompt and progress, is then read at the pace of progress reads) or must be read now.
 */
export class RunningList {
  private reading: Promise<void> | null = null;
  /** When to read it next. */
  private nextAt = 0;
  /** Until when its last answer vouches for the jobs. */
  private coveredUntil = 0;
  /** Whether jobs were scheduled on that promise (they must be read on their own once it lapses). */
  private covering = false;
  private failures = 0;
  private watched = 0;
  /** New jobs tracked by then have had their answer from the list (when its last answered read was sent). */
  private judgedUpTo = 0;

  constructor(private readonly opts: RunningListOptions) {}

  /** The read in flight, if any. */
  get inFlight(): Promise<void> | null {
    return this.reading;
  }

  /**
   * At each pass of the loop: reads the list when it is due (not while the upstream's account is
   * refused), and sends the jobs it vouched for back to their own reads once its word has lapsed.
   */
  tend(at: number, accountPaused: boolean): void {
    const { adapter, db, settings, budget } = this.opts;
    if (adapter.listRunning && !accountPaused && !this.reading) {
      // Counted at every pass while too few: the list starts the moment a second job runs.
      if (this.watched < LIST_MIN_JOBS) this.watched = countRunningJobs(db, adapter.id);
      // Too few to be worth the list: it stops vouching for them now.
      if (this.watched < LIST_MIN_JOBS) this.coveredUntil = Math.min(this.coveredUntil, at);
      // Without budget now, the list still goes first at the next tick.
      else if (at >= this.nextAt && budget.take(at)) this.read(at);
    }
    // The list's next answer speaks for new jobs; if it does not come, they are read on their own an interval later.
    if (adapter.listRunning && !accountPaused && this.watched >= LIST_MIN_JOBS && this.vouchesAt(at)) {
      holdNewJobsForList(db, adapter.id, this.judgedUpTo, Math.max(this.nextAt, at) + settings.pollIntervalMs);
    }
    if (this.covering && this.coveredUntil <= at) {
      // Jobs scheduled for their progress only, on the list's word: each is read on its own again.
      this.covering = false;
      pollBy(db, adapter.id, at + settings.pollIntervalMs);
    }
  }

  vouchesAt(at: number): boolean {
    return this.coveredUntil > at;
  }

  /**
   * How soon to read the progress of a running job recorded at `at`, while the list vouches for it
   * (the job is then scheduled on the list's word); undefined when it does not.
   */
  progressIntervalAt(at: number): number | undefined {
    if (!this.vouchesAt(at)) return undefined;
    this.covering = true;
    return progressInterval(this.watched, this.opts.settings);
  }

  /** How long until its next read is due; Infinity when none is waiting for a time. */
  dueIn(at: number): number {
    return this.opts.adapter.listRunning && !this.reading && this.watched >= LIST_MIN_JOBS ? this.nextAt - at : Infinity;
  }

  private read(at: number): void {
    const { adapter, budget, db, log, settings, now, random } = this.opts;
    this.nextAt = at + listInterval(this.watched, settings);
    this.reading = adapter.listRunning!(runningJobIds(db, adapter.id))
      .finally(() => budget.answered(at, now()))
      .then((result) => {
        const done = now();
        if (result.kind !== 'ok') {
          this.failures++;
          this.nextAt = done + backoffDelay(this.failures, result.kind === 'http' ? result.retryAfterMs : null, settings, random);
          log.debug({ event: 'list_failed', upstream: adapter.id, result: describeFailure(result), streak: this.failures }, 'list of running jobs unavailable');
          return;
        }
        this.failures = 0;
        const watched = runningJobIds(db, adapter.id);
        this.watched = watched.length;
        // It vouches for two intervals (time for a failed list read to be retried), then each job is due within a third:
        // an end is noticed within 3× the interval whatever the list does. Too few left to go on: no longer than this answer.
        this.coveredUntil = done + (this.watched < LIST_MIN_JOBS ? 0 : 2 * settings.pollIntervalMs);
        const ended = watched.filter((jobId) => !result.running.has(jobId));
        const unread = unreadJobIds(db, adapter.id, at);
        this.judgedUpTo = Math.max(this.judgedUpTo, at);
        this.recordListed(unread.filter((jobId) => result.running.has(jobId)), done);
        // Not running (ended, or not known upstream): read now, as any new job would have been.
        ended.push(...unread.filter((jobId) => !result.running.has(jobId)));
        if (ended.length > 0) {
          // Their final state is the news people wait for: read them now, ahead of progress reads.
          pollFirst(db, ended);
          this.opts.onEnded();
        }
      })
      .catch((error: unknown) => log.error({ event: 'list_crashed', upstream: adapter.id, err: error }, 'reading the list of running jobs failed'))
      .finally(() => {
        this.reading = null;
        this.opts.onSettled();
      });
  }

  /** Never-read jobs the list names: running, their own record read later (`listedRunning`). */
  private recordListed(jobIds: readonly string[], at: number): void {
    if (jobIds.length === 0) return;
    const { db, log, settings, random, adapter } = this.opts;
    this.watched += jobIds.length;
    const progressIntervalMs = progressInterval(this.watched, settings);
    inTransaction(db, () => {
      for (const jobId of jobIds) {
        const before = loadJob(db, jobId);
        // Read (or parked) since the list was asked: its own answer stands.
        if (!before || before.terminal || before.status !== null || before.nextPollAt === null) continue;
        saveJob(db, listedRunning(before, { now: at, random, progressIntervalMs }), true);
      }
    });
    this.covering = true;
    log.info({ event: 'jobs_listed', upstream: adapter.id, jobs: jobIds.length }, 'new jobs found on the list of running jobs');
    this.opts.onChange();
  }
}
