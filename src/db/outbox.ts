import { and, asc, eq, lte, or, sql } from 'drizzle-orm';
import type { Db } from './open';
import { outbox, subscriptions } from './schema';
import { perGeneration, type SubscriptionRow } from './subscriptions';

export type OutboxKind =
  | 'result_dm'
  | 'message_lost_dm'
  | 'review_post'
  | 'warn_dm'
  | 'account_alert'
  | 'account_recovered';
export type OutboxRow = typeof outbox.$inferSelect;

/** Queues an effect once: a second call with the same key changes nothing. */
export function enqueue(
  db: Db,
  effect: {
    kind: OutboxKind;
    dedupeKey: string;
    subscriptionId?: number;
    /** A DM to this person… */
    userId?: string;
    /** …or a post in this channel. */
    channelId?: string;
    payload?: unknown;
  },
  now: number,
): void {
  db.insert(outbox)
    .values({
      kind: effect.kind,
      dedupeKey: effect.dedupeKey,
      subscriptionId: effect.subscriptionId ?? null,
      userId: effect.userId ?? null,
      channelId: effect.channelId ?? null,
      payload: effect.payload === undefined ? null : JSON.stringify(effect.payload),
      nextAttemptAt: now,
      createdAt: now,
    })
    .onConflictDoNothing({ target: outbox.dedupeKey })
    .run();
}

/**
 * One result DM for each follower of a job that just ended: those who asked for DMs, and those
 * whose tracking message is gone (a DM is then the only way to tell them).
 */
export function enqueueResultDms(db: Db, jobId: string, now: number): number {
  const followers = db
    .select({ id: subscriptions.id, userId: subscriptions.userId, generation: subscriptions.generation })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.jobId, jobId),
        or(
          and(eq(subscriptions.state, 'active'), eq(subscriptions.dm, true)),
          eq(subscriptions.state, 'lost'),
        ),
      ),
    )
    .all();
  for (const follower of followers) enqueueResultDm(db, follower, now);
  return followers.length;
}

/** The one DM telling a follower how the job ended (one per tracking message they were promised it with). */
export function enqueueResultDm(db: Db, sub: Pick<SubscriptionRow, 'id' | 'userId' | 'generation'>, now: number): void {
  enqueue(db, { kind: 'result_dm', dedupeKey: perGeneration('result:', sub), subscriptionId: sub.id, userId: sub.userId }, now);
}

/** Effects whose time has come, posts to a channel first (they hold back that channel's progress edits), oldest first. */
export function dueOutbox(db: Db, now: number, limit: number): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, now)))
    .orderBy(sql`${outbox.channelId} is null`, asc(outbox.nextAttemptAt))
    .limit(limit)
    .all();
}

export function markSent(db: Db, id: number, now: number): void {
  db.update(outbox).set({ state: 'sent', sentAt: now, attempts: sql`${outbox.attempts} + 1` }).where(eq(outbox.id, id)).run();
}

export function markFailed(db: Db, id: number, error: string): void {
  db.update(outbox).set({ state: 'failed', lastError: error, attempts: sql`${outbox.attempts} + 1` }).where(eq(outbox.id, id)).run();
}

export function markRetry(db: Db, id: number, error: string, at: number): void {
  db.update(outbox)
    .set({ lastError: error, nextAttemptAt: at, attempts: sql`${outbox.attempts} + 1` })
    .where(eq(outbox.id, id))
    .run();
}
