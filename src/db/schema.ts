import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per upstream job, however many people follow it. Times are epoch milliseconds. */
export const jobs = sqliteTable(
  'jobs',
  {
    jobId: text('job_id').primaryKey(),
    status: text('status'),
    progress: integer('progress'),
    problem: text('problem'),
    terminal: integer('terminal', { mode: 'boolean' }).notNull().default(false),
    /** The last upstream record, JSON. */
    payload: text('payload'),
    /** Bumped on every change a person could see; messages showing an older version are stale. */
    version: integer('version').notNull().default(1),
    nextPollAt: integer('next_poll_at'),
    errorStreak: integer('error_streak').notNull().default(0),
    lastHttpStatus: integer('last_http_status'),
    trackedAt: integer('tracked_at').notNull(),
    finishedAt: integer('finished_at'),
    /** Upstream `updated` as last seen, and when it last moved (stall detection). */
    upstreamUpdated: text('upstream_updated'),
    upstreamMovedAt: integer('upstream_moved_at'),
    notFoundSince: integer('not_found_since'),
  },
  (t) => [index('jobs_due_idx').on(t.nextPollAt).where(sql`${t.terminal} = 0`)],
);

export const SUBSCRIPTION_STATES = ['active', 'done', 'untracked', 'lost'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

/** Who follows which job, and where that person's tracking message lives. */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.jobId),
    userId: text('user_id').notNull(),
    guildId: text('guild_id'),
    channelId: text('channel_id').notNull(),
    /** Null until delivery has posted the tracking message. */
    messageId: text('message_id'),
    dm: integer('dm', { mode: 'boolean' }).notNull(),
    /** The job version the tracking message shows; 0 = nothing shown yet. */
    renderedVersion: integer('rendered_version').notNull().default(0),
    /** active: being kept up to date; done: final state shown; untracked: the person stopped it; lost: the message can't be edited. */
    state: text('state', { enum: SUBSCRIPTION_STATES }).notNull().default('active'),
    lostReason: text('lost_reason'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('subscriptions_user_job_uq').on(t.userId, t.jobId),
    index('subscriptions_active_job_idx').on(t.jobId).where(sql`${t.state} = 'active'`),
    index('subscriptions_user_idx').on(t.userId, t.state),
  ],
);

export const OUTBOX_STATES = ['pending', 'sent', 'failed'] as const;

/** Effects that must happen exactly once (DMs, later review posts and alerts), written with the state change that causes them. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    subscriptionId: integer('subscription_id').references(() => subscriptions.id),
    userId: text('user_id'),
    payload: text('payload'),
    state: text('state', { enum: OUTBOX_STATES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    sentAt: integer('sent_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`)],
);

/** The health of the useapi account behind USEAPI_TOKEN (one row). 401/402 pause all polling until a probe succeeds. */
export const upstreamAccount = sqliteTable('upstream_account', {
  id: integer('id').primaryKey(),
  problem: text('problem'),
  since: integer('since'),
  nextProbeAt: integer('next_probe_at'),
});
