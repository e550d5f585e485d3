import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open';
import { createLogger } from '../../src/log';
import { ensureIncrementalVacuum, giveSpaceBack, pruneOnce, type Pruned } from '../../src/ops/retention';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1);
const KEEP_REVIEWS = { retentionDays: 30, reviewRetentionDays: null };
const silent = createLogger({ level: 'silent', secrets: [] });

let dir: string;
let path: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-retention-'));
  path = join(dir, 'tracker.db');
  db = openDatabase(path);
});
afterEach(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

let nextSub = 1;
/** A job with one follower, a sent result DM, ended (or not) `endedDaysAgo` days before NOW. */
function addJob(jobId: string, endedDaysAgo: number | null, extra: { payload?: string; nextPollAt?: number | null; subState?: string } = {}): number {
  const sqlite = db.$client;
  const ended = endedDaysAgo === null ? null : NOW - endedDaysAgo * DAY;
  sqlite
    .prepare('INSERT INTO jobs (job_id, status, terminal, payload, tracked_at, finished_at, next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(jobId, ended === null ? 'progress' : 'completed', ended === null ? 0 : 1, extra.payload ?? '{}', (ended ?? NOW) - DAY, ended, extra.nextPollAt === undefined ? null : extra.nextPollAt);
  const subId = nextSub++;
  sqlite
    .prepare("INSERT INTO subscriptions (id, job_id, user_id, channel_id, dm, state, created_at) VALUES (?, ?, ?, '1', 1, ?, ?)")
    .run(subId, jobId, `user${subId}`, extra.subState ?? (ended === null ? 'active' : 'done'), (ended ?? NOW) - DAY);
  sqlite
    .prepare("INSERT INTO outbox (kind, dedupe_key, subscription_id, user_id, state, next_attempt_at, created_at) VALUES ('result_dm', ?, ?, 'u', 'sent', 0, ?)")
    .run(`result:${subId}`, subId, ended ?? NOW);
  return subId;
}

const count = (table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const ids = (table: string, column: string) => (db.$client.prepare(`SELECT ${column} AS v FROM ${table} ORDER BY 1`).all() as Array<{ v: unknown }>).map((r) => r.v);

function addReview(jobId: string, status: string, openedDaysAgo: number): number {
  const at = NOW - openedDaysAgo * DAY;
  const { lastInsertRowid } = db.$client.prepare("INSERT INTO reviews (guild_id, job_id, user_id, status, created_at) VALUES ('g', ?, 'u', ?, ?)").run(jobId, status, at);
  db.$client.prepare("INSERT INTO review_events (review_id, at, action) VALUES (?, ?, 'created')").run(lastInsertRowid, at);
  return Number(lastInsertRowid);
}

describe('pruneOnce', () => {
  it('deletes finished jobs past the retention with their subscriptions and effects, and nothing else', () => {
    addJob('old', 31);
    addJob('recent', 29);
    addJob('running', null, { nextPollAt: NOW });
    const pruned = pruneOnce(db, NOW, KEEP_REVIEWS);
    expect(pruned).toEqual<Pruned>({ jobs: 1, subscriptions: 1, outbox: 1, reviews: 0, review_events: 0 });
    expect(ids('jobs', 'job_id')).toEqual(['recent', 'running']);
    expect(count('subscriptions')).toBe(2);
    expect(count('outbox')).toBe(2);
    expect(db.$client.pragma('foreign_key_check')).toEqual([]);
  });

  it('deletes jobs nobody has followed since the cutoff, but not one somebody still follows', () => {
    addJob('abandoned', null, { nextPollAt: null, subState: 'untracked' });
    db.$client.prepare('UPDATE jobs SET tracked_at = ?').run(NOW - 40 * DAY);
    addJob('old-but-followed', null, { nextPollAt: null });
    db.$client.prepare("UPDATE jobs SET tracked_at = ? WHERE job_id = 'old-but-followed'").run(NOW - 40 * DAY);
    pruneOnce(db, NOW, KEEP_REVIEWS);
    expect(ids('jobs', 'job_id')).toEqual(['old-but-followed']);
  });

  it('works in batches, oldest first, until nothing is left', () => {
    for (let i = 0; i < 45; i++) addJob(`job${String(i).padStart(2, '0')}`, 100 - i);
    const batches: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      const { jobs } = pruneOnce(db, NOW, { ...KEEP_REVIEWS, batchSize: 20 });
      batches.push(jobs);
      if (jobs === 0) break;
    }
    expect(batches).toEqual([20, 20, 5, 0]);
    expect(count('jobs')).toBe(0);
  });

  it('keeps a job under review, its review and its history, and the blocks, unless told otherwise', () => {
    addJob('moderated', 400);
    const reviewId = addReview('moderated', 'blocked', 400);
    db.$client.prepare("INSERT INTO blocks (guild_id, user_id, blocked_by, blocked_at, review_id) VALUES ('g', 'u', 'admin', ?, ?)").run(NOW - 400 * DAY, reviewId);
    addJob('pending', 400);
    addReview('pending', 'pending', 400);

    pruneOnce(db, NOW, KEEP_REVIEWS);
    expect(ids('jobs', 'job_id')).toEqual(['moderated', 'pending']);
    expect([count('reviews'), count('review_events'), count('blocks')]).toEqual([2, 2, 1]);

    // With a review retention, the decided review goes (with its history), then its job; the block stays in force.
    const settings = { retentionDays: 30, reviewRetentionDays: 365 };
    expect(pruneOnce(db, NOW, settings)).toMatchObject({ reviews: 1, review_events: 1 });
    pruneOnce(db, NOW, settings);
    expect(ids('jobs', 'job_id')).toEqual(['pending']);
    expect(ids('reviews', 'status')).toEqual(['pending']);
    expect(db.$client.prepare('SELECT review_id FROM blocks').get()).toEqual({ review_id: null });
    expect(db.$client.pragma('foreign_key_check')).toEqual([]);
  });

  it('keeps the alerts of an open incident (its recovery is sent to the same people), and drops old sent ones', () => {
    const sqlite = db.$client;
    sqlite.prepare("INSERT INTO account_incidents (id, kind, started_at) VALUES (1, 'payment_required', ?)").run(NOW - 60 * DAY);
    sqlite.prepare("INSERT INTO account_incidents (id, kind, started_at, resolved_at) VALUES (2, 'warning', ?, ?)").run(NOW - 90 * DAY, NOW - 80 * DAY);
    const alert = sqlite.prepare("INSERT INTO outbox (kind, dedupe_key, user_id, state, next_attempt_at, created_at) VALUES ('account_alert', ?, 'u', ?, 0, ?)");
    alert.run('incident:1:owner:u', 'sent', NOW - 60 * DAY);
    alert.run('incident:2:owner:u', 'sent', NOW - 90 * DAY);
    alert.run('review:7', 'pending', NOW - 90 * DAY);
    alert.run('review:8', 'failed', NOW - 90 * DAY);
    alert.run('review:9', 'sent', NOW - 2 * DAY);
    pruneOnce(db, NOW, KEEP_REVIEWS);
    expect(ids('outbox', 'dedupe_key')).toEqual(['incident:1:owner:u', 'review:7', 'review:9']);
  });
});

describe('space', () => {
  it('a database without incremental auto-vacuum gets it once, then keeps it', () => {
    expect(db.$client.pragma('auto_vacuum', { simple: true })).toBe(0);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', secrets: [], destination: { write: (line: string) => lines.push(line) } });
    ensureIncrementalVacuum(db, log);
    ensureIncrementalVacuum(db, log);
    expect(db.$client.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(lines.filter((l) => l.includes('auto_vacuum_enabled'))).toHaveLength(1);
  });

  it('pruning gives the space back to the file system', () => {
    ensureIncrementalVacuum(db, silent);
    const payload = JSON.stringify({ prompt: 'x'.repeat(4000) });
    db.$client.transaction(() => {
      for (let i = 0; i < 2000; i++) addJob(`job${i}`, 40, { payload });
    })();
    const fileSize = () => {
      db.$client.pragma('wal_checkpoint(TRUNCATE)');
      return statSync(path).size;
    };
    const full = fileSize();
    expect(full).toBeGreaterThan(8_000_000);
    while (pruneOnce(db, NOW, { ...KEEP_REVIEWS, batchSize: 500 }).jobs > 0) giveSpaceBack(db);
    giveSpaceBack(db);
    expect(count('jobs')).toBe(0);
    expect(fileSize()).toBeLessThan(full / 10);
  });
});
