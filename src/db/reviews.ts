import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { block, loadGuildSettings, unblock } from './guilds';
import { inTransaction, type Db } from './open';
import { enqueue } from './outbox';
import { jobs, reviewEvents, reviews, subscriptions, type ReviewStatus } from './schema';

export type ReviewRow = typeof reviews.$inferSelect;

export function addReviewEvent(db: Db, reviewId: number, at: number, action: string, actorId: string | null = null, detail: string | null = null): void {
  db.insert(reviewEvents).values({ reviewId, at, action, actorId, detail }).run();
}

/**
 * A moderated job enters the review queue of each server it was tracked in, once; a post is
 * queued where the server has a review channel. Runs inside the poller's transaction.
 */
export function openReviews(db: Db, jobId: string, at: number): number {
  const trackers = db
    .select({ guildId: subscriptions.guildId, userId: subscriptions.userId })
    .from(subscriptions)
    .where(and(eq(subscriptions.jobId, jobId), isNotNull(subscriptions.guildId)))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id))
    .all();
  const firstPerGuild = new Map<string, string>();
  for (const t of trackers) if (!firstPerGuild.has(t.guildId!)) firstPerGuild.set(t.guildId!, t.userId);

  let opened = 0;
  for (const [guildId, userId] of firstPerGuild) {
    const inserted = db
      .insert(reviews)
      .values({ guildId, jobId, userId, createdAt: at })
      .onConflictDoNothing()
      .returning({ id: reviews.id })
      .get();
    if (!inserted) continue;
    opened++;
    addReviewEvent(db, inserted.id, at, 'created');
    const { reviewChannelId } = loadGuildSettings(db, guildId);
    if (reviewChannelId) {
      enqueue(db, { kind: 'review_post', dedupeKey: `review:${inserted.id}`, channelId: reviewChannelId, payload: { reviewId: inserted.id } }, at);
    }
  }
  return opened;
}

export function loadReview(db: Db, id: number): ReviewRow | undefined {
  return db.select().from(reviews).where(eq(reviews.id, id)).get();
}

export function findReview(db: Db, guildId: string, jobId: string): ReviewRow | undefined {
  return db.select().from(reviews).where(and(eq(reviews.guildId, guildId), eq(reviews.jobId, jobId))).get();
}

/**
 * Records an admin's decision if nobody decided first, with what it sets off: a Warn queues the
 * DM, a Block blocks the person in the review's server. False when the review was already handled.
 */
export function decideReview(
  db: Db,
  review: ReviewRow,
  decision: { status: Exclude<ReviewStatus, 'pending'>; actorId: string; at: number; guildName: string | null },
): boolean {
  const { status, actorId, at } = decision;
  return inTransaction(db, () => {
    const changed = db
      .update(reviews)
      .set({ status, actedBy: actorId, actedAt: at })
      .where(and(eq(reviews.id, review.id), eq(reviews.status, 'pending')))
      .run().changes;
    if (changed === 0) return false;
    addReviewEvent(db, review.id, at, status, actorId);
    if (status === 'warned') {
      const payload = { jobId: review.jobId, guildName: decision.guildName };
      enqueue(db, { kind: 'warn_dm', dedupeKey: `warn:${review.id}`, userId: review.userId, payload }, at);
    }
    if (status === 'blocked') block(db, { guildId: review.guildId, userId: review.userId, blockedBy: actorId, at, reviewId: review.id });
    return true;
  });
}

/** Lets a blocked person /track again; a block that came from a review is noted in its history. False when they were not blocked. */
export function liftBlock(db: Db, guildId: string, userId: string, actorId: string, at: number): boolean {
  return inTransaction(db, () => {
    const entry = unblock(db, guildId, userId);
    if (!entry) return false;
    if (entry.reviewId !== null) addReviewEvent(db, entry.reviewId, at, 'unblocked', actorId);
    return true;
  });
}

export function reviewPage(db: Db, guildId: string, filter: 'pending' | 'all', page: number, perPage: number) {
  const where = filter === 'pending' ? and(eq(reviews.guildId, guildId), eq(reviews.status, 'pending')) : eq(reviews.guildId, guildId);
  const total = db.select({ n: sql<number>`count(*)` }).from(reviews).where(where).get()?.n ?? 0;
  const rows = db
    .select({ review: reviews, job: jobs })
    .from(reviews)
    .innerJoin(jobs, eq(jobs.jobId, reviews.jobId))
    .where(where)
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(perPage)
    .offset((page - 1) * perPage)
    .all();
  return { total, rows };
}

export function reviewHistory(db: Db, reviewId: number) {
  return db.select().from(reviewEvents).where(eq(reviewEvents.reviewId, reviewId)).orderBy(asc(reviewEvents.id)).all();
}

export function recordPost(db: Db, reviewId: number, channelId: string, messageId: string, at: number): void {
  db.update(reviews).set({ postChannelId: channelId, postMessageId: messageId }).where(eq(reviews.id, reviewId)).run();
  addReviewEvent(db, reviewId, at, 'posted', null, channelId);
}

/** The review's post was given up; `detail` is `<channel id>: <why>`, as the views read it. */
export function recordPostFailure(db: Db, reviewId: number, channelId: string, reason: string, at: number): void {
  addReviewEvent(db, reviewId, at, 'post_failed', null, `${channelId}: ${reason}`);
}

/** The server's latest review post or failed post, newest first by event order. */
export function lastReviewPost(db: Db, guildId: string) {
  return db
    .select({ action: reviewEvents.action, at: reviewEvents.at, detail: reviewEvents.detail })
    .from(reviewEvents)
    .innerJoin(reviews, eq(reviews.id, reviewEvents.reviewId))
    .where(and(eq(reviews.guildId, guildId), inArray(reviewEvents.action, ['posted', 'post_failed'])))
    .orderBy(desc(reviewEvents.id))
    .limit(1)
    .get();
}
