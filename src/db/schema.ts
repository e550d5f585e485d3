import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per upstream job, however many people follow it. Times are epoch milliseconds. */
export const jobs = sqliteTable(
  'jobs',
  {
    /** The upstream's own id when it names its upstream; else `<adapter>:<id>` (midjourney-proxy's bare digits). */
    jobId: text('job_id').primaryKey(),
    /** The adapter that reads it; rows from before there were several are Midjourney's. */
    upstream: text('upstream').notNull().default('useapi-midjourney'),
    /** The account whose token reads it: a 401 pauses every job of that account. */
    account: text('account').notNull().default('useapi'),
    /** The part of the account a warning can concern (the Midjourney channel in a v3 id). */
    scope: text('scope'),
    /** The normalized status (queued, running, completed, …). */
    status: text('status'),
    progress: integer('progress'),
    problem: text('problem'),
    terminal: integer('terminal', { mode: 'boolean' }).notNull().default(false),
    /** The last upstream record, JSON, as received. */
    payload: text('payload'),
    /** The adapter's normalized reading of it, JSON without the raw record. */
    reading: text('reading'),
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
    notFoundUntil: integer('not_found_until'),
    /** When a read of the job's own record last answered: its progress is as of then (the list only says it runs). */
    readAt: integer('read_at'),
  },
  (t) => [
    index('jobs_due_idx').on(t.nextPollAt).where(sql`${t.terminal} = 0`),
    // Retention finds the oldest finished jobs without reading the others.
    index('jobs_finished_idx').on(t.finishedAt).where(sql`${t.terminal} = 1`),
  ],
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
    /** Null until the /track answer (or delivery's post) is known to be the tracking message. */
    messageId: text('message_id'),
    /**
     * The /track interaction whose answer is to be the tracking message (not a secret: its token is
     * never stored). If the process stops before the answer's id is stored, delivery finds the answer
     * by it in the channel instead of posting a second message.
     */
    answerInteractionId: text('answer_interaction_id'),
    /** Counts the tracking messages this subscription has had: each new one needs its own nonce and its own DM. */
    generation: integer('generation').notNull().default(0),
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
    // Deleting a job (retention) looks up its subscriptions, whatever their state.
    index('subscriptions_job_idx').on(t.jobId),
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
    /** Where it goes: a person's DMs (user_id) or a channel (channel_id). */
    userId: text('user_id'),
    channelId: text('channel_id'),
    payload: text('payload'),
    state: text('state', { enum: OUTBOX_STATES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    sentAt: integer('sent_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    // Deleting a subscription (retention) looks up its effects.
    index('outbox_subscription_idx').on(t.subscriptionId),
  ],
);

/** The health of each upstream account (one row per token). 401/402 pause its polling until a probe succeeds. */
export const upstreamAccount = sqliteTable('upstream_account', {
  account: text('account').primaryKey().default('useapi'),
  problem: text('problem'),
  since: integer('since'),
  nextProbeAt: integer('next_probe_at'),
});

/** Per-server settings; every column may be null (= the bot's default). */
export const guildSettings = sqliteTable('guild_settings', {
  guildId: text('guild_id').primaryKey(),
  reviewChannelId: text('review_channel_id'),
  adminRoleId: text('admin_role_id'),
  maxActiveJobsPerUser: integer('max_active_jobs_per_user'),
  dmDefault: integer('dm_default', { mode: 'boolean' }),
  /** Public tracking messages show no prompt (the person still sees it in the DM and /jobs). */
  hidePrompts: integer('hide_prompts', { mode: 'boolean' }),
  updatedBy: text('updated_by'),
  updatedAt: integer('updated_at'),
});

export const REVIEW_STATUSES = ['pending', 'dismissed', 'warned', 'blocked'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** One moderated job in one server's review queue. */
export const reviews = sqliteTable(
  'reviews',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.jobId),
    /** Who tracked the job in that server (the first to, when several did). */
    userId: text('user_id').notNull(),
    status: text('status', { enum: REVIEW_STATUSES }).notNull().default('pending'),
    createdAt: integer('created_at').notNull(),
    actedBy: text('acted_by'),
    actedAt: integer('acted_at'),
    postChannelId: text('post_channel_id'),
    postMessageId: text('post_message_id'),
  },
  (t) => [
    uniqueIndex('reviews_guild_job_uq').on(t.guildId, t.jobId),
    index('reviews_guild_idx').on(t.guildId, t.status, t.createdAt),
    // Retention asks of each old job whether a review keeps it.
    index('reviews_job_idx').on(t.jobId),
  ],
);

/** What happened to a review, in order. */
export const reviewEvents = sqliteTable(
  'review_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    reviewId: integer('review_id')
      .notNull()
      .references(() => reviews.id),
    at: integer('at').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    detail: text('detail'),
  },
  (t) => [index('review_events_review_idx').on(t.reviewId)],
);

/** People who may not /track in a server. */
export const blocks = sqliteTable(
  'blocks',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    blockedBy: text('blocked_by').notNull(),
    blockedAt: integer('blocked_at').notNull(),
    reviewId: integer('review_id').references(() => reviews.id),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/** Trouble with an upstream account (401, 402, Midjourney warnings): one row per incident. */
export const accountIncidents = sqliteTable('account_incidents', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  account: text('account').notNull().default('useapi'),
  kind: text('kind', { enum: ['unauthorized', 'payment_required', 'warning'] }).notNull(),
  detail: text('detail'),
  /** The scope (`jobs.scope`: the Midjourney channel of a v3 id) a warning concerns; null for 401/402, which concern the whole account. */
  channel: text('channel'),
  startedAt: integer('started_at').notNull(),
  /** The last warning seen for it: it closes after a calm period without one. */
  lastSeenAt: integer('last_seen_at'),
  resolvedAt: integer('resolved_at'),
});

export const JOB_MEDIA_STATES = ['pending', 'ready', 'failed'] as const;
export type JobMediaState = (typeof JOB_MEDIA_STATES)[number];

/**
 * Re-hosting a completed job's results: whether its media have been downloaded (once per job,
 * whoever follows it) so that messages can upload them instead of linking the upstream's URLs.
 */
export const jobMedia = sqliteTable(
  'job_media',
  {
    jobId: text('job_id')
      .primaryKey()
      .references(() => jobs.jobId),
    state: text('state', { enum: JOB_MEDIA_STATES }).notNull(),
    /** What a person should be told about the media that could not be re-hosted (too big, download failed); null when all were. */
    note: text('note'),
    attempts: integer('attempts').notNull().default(0),
    /** While pending after a failed try: when to try again. */
    nextAttemptAt: integer('next_attempt_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  // The downloads still to do, oldest first, without reading the settled ones (a row per completed job).
  (t) => [index('job_media_pending_idx').on(t.updatedAt).where(sql`${t.state} = 'pending'`)],
);

/** The bytes of one re-hosted result file, in the order the messages show them. */
export const mediaFiles = sqliteTable(
  'media_files',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobMedia.jobId),
    position: integer('position').notNull(),
    /** The file name the upload uses (`attachment://<name>`): `image-1.png`, `grid.webp`, `video.mp4`. */
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    /** Which of the reading's `media` entries it is (index), so views can pair it with its role and kind. */
    sourceIndex: integer('source_index').notNull(),
    /** `image`, `video` or `audio`; a video's still is an `image` with the video's source index. */
    kind: text('kind', { enum: ['image', 'video', 'audio'] }).notNull(),
    bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.position] })],
);
