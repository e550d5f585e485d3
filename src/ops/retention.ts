import type Database from 'better-sqlite3';
import type { Db } from '../db/open';
import type { Logger } from '../log';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionSettings {
  /** Finished jobs, their subscriptions and effects go this long after the job ended. */
  retentionDays: number;
  /** Decided reviews and their history go this long after they were opened; null keeps them (the server's audit trail). */
  reviewRetentionDays: number | null;
  /** Jobs (with their subscriptions and effects) per transaction: small, so no write holds the poller up for long. */
  batchSize?: number;
}

/** Rows deleted by one pass, by table. */
export type Pruned = Record<'jobs' | 'subscriptions' | 'outbox' | 'reviews' | 'review_events', number>;

const DEFAULT_BATCH = 200;
/** Freed pages handed back to the file system after each batch, at most. */
const VACUUM_PAGES = 2000;

/**
 * One pass: at most one batch of each kind, each its own short transaction, oldest first.
 * - finished jobs (and jobs nobody follows any more) older than the retention, with their
 *   subscriptions and those subscriptions' effects; a job under review keeps its row and its
 *   subscriptions, since the review queue shows it;
 * - effects not tied to a subscription (review posts, account alerts) once sent or given up,
 *   except the alerts of an incident still open (its "recovered" follow-up is sent to the same people);
 * - with a review retention, decided reviews and their history. Blocks stay: they are in force
 *   until an admin lifts them; they only lose the link to the review.
 */
export function pruneOnce(db: Db, now: number, settings: RetentionSettings): Pruned {
  const sqlite = db.$client;
  const batch = settings.batchSize ?? DEFAULT_BATCH;
  const cutoff = now - settings.retentionDays * DAY_MS;
  const pruned: Pruned = { jobs: 0, subscriptions: 0, outbox: 0, reviews: 0, review_events: 0 };

  sqlite.transaction(() => {
    const jobIds = expiredJobIds(sqlite, cutoff, batch);
    if (jobIds.length === 0) return;
    const ids = JSON.stringify(jobIds);
    const inBatch = 'SELECT value FROM json_each(?)';
    pruned.outbox += sqlite.prepare(`DELETE FROM outbox WHERE subscription_id IN (SELECT id FROM subscriptions WHERE job_id IN (${inBatch}))`).run(ids).changes;
    pruned.subscriptions += sqlite.prepare(`DELETE FROM subscriptions WHERE job_id IN (${inBatch})`).run(ids).changes;
    sqlite.prepare(`DELETE FROM media_files WHERE job_id IN (${inBatch})`).run(ids);
    sqlite.prepare(`DELETE FROM job_media WHERE job_id IN (${inBatch})`).run(ids);
    pruned.jobs += sqlite.prepare(`DELETE FROM jobs WHERE job_id IN (${inBatch})`).run(ids).changes;
  })();

  pruned.outbox += sqlite
    .prepare(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox o
         WHERE o.subscription_id IS NULL AND o.state != 'pending' AND o.created_at < ?
           AND NOT EXISTS (SELECT 1 FROM account_incidents i WHERE i.resolved_at IS NULL AND o.dedupe_key LIKE 'incident:' || i.id || ':%')
         LIMIT ?)`,
    )
    .run(cutoff, batch).changes;

  if (settings.reviewRetentionDays !== null) {
    const reviewCutoff = now - settings.reviewRetentionDays * DAY_MS;
    sqlite.transaction(() => {
      const reviewIds = (sqlite.prepare("SELECT id FROM reviews WHERE status != 'pending' AND created_at < ? ORDER BY created_at LIMIT ?").all(reviewCutoff, batch) as Array<{ id: number }>).map(
        (r) => r.id,
      );
      if (reviewIds.length === 0) return;
      const ids = JSON.stringify(reviewIds);
      const inBatch = 'SELECT value FROM json_each(?)';
      pruned.review_events += sqlite.prepare(`DELETE FROM review_events WHERE review_id IN (${inBatch})`).run(ids).changes;
      sqlite.prepare(`UPDATE blocks SET review_id = NULL WHERE review_id IN (${inBatch})`).run(ids);
      pruned.reviews += sqlite.prepare(`DELETE FROM reviews WHERE id IN (${inBatch})`).run(ids).changes;
    })();
  }
  return pruned;
}

/** Finished before the cutoff, or never finished but followed by nobody since then; not under review. */
function expiredJobIds(sqlite: Database.Database, cutoff: number, limit: number): string[] {
  const notReviewed = 'NOT EXISTS (SELECT 1 FROM reviews r WHERE r.job_id = jobs.job_id)';
  const finished = sqlite
    .prepare(`SELECT job_id FROM jobs WHERE terminal = 1 AND finished_at < ? AND ${notReviewed} ORDER BY finished_at LIMIT ?`)
    .all(cutoff, limit) as Array<{ job_id: string }>;
  const abandoned =
    finished.length < limit
      ? (sqlite
          .prepare(
            `SELECT job_id FROM jobs WHERE terminal = 0 AND next_poll_at IS NULL AND tracked_at < ? AND ${notReviewed}
               AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.job_id = jobs.job_id AND s.state = 'active')
             LIMIT ?`,
          )
          .all(cutoff, limit - finished.length) as Array<{ job_id: string }>)
      : [];
  return [...finished, ...abandoned].map((r) => r.job_id);
}

const total = (pruned: Pruned) => Object.values(pruned).reduce((sum, n) => sum + n, 0);

/**
 * Space comes back to the file system only with incremental auto-vacuum, and an existing
 * database takes that setting only through one VACUUM: done here, once, when the file does not
 * have it yet (a fresh database: instant; a large old one: a while, logged).
 */
export function ensureIncrementalVacuum(db: Db, log: Logger): void {
  const sqlite = db.$client;
  const INCREMENTAL = 2;
  if (sqlite.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return;
  const bytes = (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
  log.info({ event: 'auto_vacuum_enabling', bytes }, 'one-time VACUUM so that freed space goes back to the file system (about a minute per 2 GB)');
  const started = performance.now();
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.exec('VACUUM');
  log.info({ event: 'auto_vacuum_enabled', ms: Math.round(performance.now() - started) }, 'one-time VACUUM: the database now gives freed space back');
}

/** Hands up to `VACUUM_PAGES` free pages back to the file system; returns how many were free before. */
export function giveSpaceBack(db: Db): number {
  const free = db.$client.pragma('freelist_count', { simple: true }) as number;
  if (free > 0) db.$client.pragma(`incremental_vacuum(${Math.min(free, VACUUM_PAGES)})`);
  return free;
}

export interface RetentionOptions extends RetentionSettings {
  db: Db;
  log: Logger;
  now: () => number;
  /** Between passes once nothing is left to prune. */
  idleMs?: number;
  /** Between batches while a backlog is worked off: room for the poller and delivery to run. */
  backlogPauseMs?: number;
  onPruned?: (pruned: Pruned) => void;
}

/** Prunes on a timer: a batch, a pause, the next batch while there is a backlog; then rest. */
export function startRetention(opts: RetentionOptions): { stop(): void } {
  const idleMs = opts.idleMs ?? 10 * 60_000;
  const backlogPauseMs = opts.backlogPauseMs ?? 25;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let backlog = zero();

  function pass(): void {
    if (stopped) return;
    let next = idleMs;
    try {
      const pruned = pruneOnce(opts.db, opts.now(), opts);
      if (total(pruned) > 0) {
        giveSpaceBack(opts.db);
        opts.onPruned?.(pruned);
        for (const key of Object.keys(pruned) as Array<keyof Pruned>) backlog[key] += pruned[key];
        next = backlogPauseMs;
      } else if (total(backlog) > 0) {
        opts.log.info({ event: 'retention_pruned', ...backlog }, 'old rows pruned');
        backlog = zero();
      }
    } catch (error) {
      opts.log.error({ event: 'retention_failed', err: error }, 'pruning old rows failed; trying again later');
    }
    timer = setTimeout(pass, next);
    timer.unref();
  }

  timer = setTimeout(pass, backlogPauseMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function zero(): Pruned {
  return { jobs: 0, subscriptions: 0, outbox: 0, reviews: 0, review_events: 0 };
}
