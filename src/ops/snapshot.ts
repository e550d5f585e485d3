import { JOB_STATUSES, type AccountProblem } from '../domain/job';
import { pausedAccounts, URGENT } from '../db/jobs';
import type { Db } from '../db/open';
import { SUBSCRIPTION_STATES } from '../db/schema';

/** Job statuses kept as metric labels; anything else upstream invents counts as 'other'. */
const KNOWN_STATUSES: readonly string[] = JOB_STATUSES;

/** What the database says about the bot's work, for /metrics and /tracker-status. */
export interface OpsSnapshot {
  /** Jobs being polled, by upstream status ('unknown' before the first read). */
  followedJobs: Record<string, number>;
  /** Unfinished jobs nobody follows any more (untracked by everyone): not polled, pruned by retention. */
  unfollowedJobs: number;
  finishedJobs: number;
  subscriptions: Record<string, number>;
  /** Polls whose time has come, and how late the oldest of them is (urgent reads have no due time and count as depth only). */
  due: { depth: number; lagMs: number };
  outbox: { pending: number; oldestAgeMs: number };
  openIncidents: Record<string, number>;
  pendingReviews: number;
  /** The first upstream account whose token is refused, if any (polling of its jobs is paused). */
  account: { problem: AccountProblem | null; since: number | null };
}

/**
 * A handful of aggregate queries, each served by an index or bounded by retention; run on every
 * scrape and every /tracker-status, so nothing here reads rows per job.
 */
export function readOpsSnapshot(db: Db, now: number): OpsSnapshot {
  const sqlite = db.$client;
  const followedJobs: Record<string, number> = {};
  const rows = sqlite.prepare('SELECT status, count(*) AS n FROM jobs WHERE terminal = 0 AND next_poll_at IS NOT NULL GROUP BY status').all() as Array<{ status: string | null; n: number }>;
  for (const { status, n } of rows) {
    const label = status === null ? 'unknown' : KNOWN_STATUSES.includes(status) ? status : 'other';
    followedJobs[label] = (followedJobs[label] ?? 0) + n;
  }
  const unfollowedJobs = (sqlite.prepare('SELECT count(*) AS n FROM jobs WHERE terminal = 0 AND next_poll_at IS NULL').get() as { n: number }).n;
  const finishedJobs = (sqlite.prepare('SELECT count(*) AS n FROM jobs WHERE terminal = 1').get() as { n: number }).n;

  const subscriptions = Object.fromEntries(SUBSCRIPTION_STATES.map((state) => [state, 0])) as Record<string, number>;
  for (const { state, n } of sqlite.prepare('SELECT state, count(*) AS n FROM subscriptions GROUP BY state').all() as Array<{ state: string; n: number }>) {
    subscriptions[state] = n;
  }

  const due = sqlite
    .prepare('SELECT count(*) AS depth, min(CASE WHEN next_poll_at > ? THEN next_poll_at END) AS oldest FROM jobs WHERE terminal = 0 AND next_poll_at <= ?')
    .get(URGENT, now) as { depth: number; oldest: number | null };
  const outbox = sqlite.prepare("SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox WHERE state = 'pending'").get() as {
    pending: number;
    oldest: number | null;
  };
  const openIncidents: Record<string, number> = {};
  for (const { kind, n } of sqlite.prepare('SELECT kind, count(*) AS n FROM account_incidents WHERE resolved_at IS NULL GROUP BY kind').all() as Array<{ kind: string; n: number }>) {
    openIncidents[kind] = n;
  }
  const pendingReviews = (sqlite.prepare("SELECT count(*) AS n FROM reviews WHERE status = 'pending'").get() as { n: number }).n;
  const account = pausedAccounts(db)[0] ?? { problem: null, since: null };

  return {
    followedJobs,
    unfollowedJobs,
    finishedJobs,
    subscriptions,
    due: { depth: due.depth, lagMs: due.oldest === null ? 0 : Math.max(0, now - due.oldest) },
    outbox: { pending: outbox.pending, oldestAgeMs: outbox.oldest === null ? 0 : Math.max(0, now - outbox.oldest) },
    openIncidents,
    pendingReviews,
    account: { problem: account.problem, since: account.since },
  };
}

export const totalOf = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);
