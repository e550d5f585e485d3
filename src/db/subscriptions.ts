import { and, desc, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from './open';
import { jobs, subscriptions } from './schema';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/**
 * A key for what a subscription makes once per tracking message (its nonce, its DMs): `t5`, then `t5.1`
 * after a new /track. Generation 0 keeps the keys made before generations existed.
 */
export function perGeneration(prefix: string, sub: Pick<SubscriptionRow, 'id' | 'generation'>): string {
  return sub.generation === 0 ? `${prefix}${sub.id}` : `${prefix}${sub.id}.${sub.generation}`;
}

export function findSubscription(db: Db, userId: string, jobId: string): SubscriptionRow | undefined {
  return db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), eq(subscriptions.jobId, jobId)))
    .get();
}

/** Jobs a person follows in one server (or in DMs: null) that have not ended yet: what the per-person cap counts. */
export function countOpenSubscriptions(db: Db, userId: string, guildId: string | null): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(subscriptions)
      .innerJoin(jobs, eq(jobs.jobId, subscriptions.jobId))
      .where(
        and(
          eq(subscriptions.userId, userId),
          guildId === null ? isNull(subscriptions.guildId) : eq(subscriptions.guildId, guildId),
          inArray(subscriptions.state, ['active', 'lost']),
          eq(jobs.terminal, false),
        ),
      )
      .get()?.n ?? 0
  );
}

/** A person's subscriptions, newest first, with their jobs (for /jobs and /untrack's autocomplete). */
export function subscriptionsOf(db: Db, userId: string, limit: number) {
  return db
    .select({ subscription: subscriptions, job: jobs })
    .from(subscriptions)
    .innerJoin(jobs, eq(jobs.jobId, subscriptions.jobId))
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.state, ['active', 'done', 'lost'])))
    .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
    .limit(limit)
    .all();
}

/**
 * Tracking messages that must be posted or edited: new subscriptions and those showing an older
 * version of their job. Final states first, then new messages, then progress. Channels that are
 * busy or rate limited are left out, so they cannot crowd out the others.
 */
export function staleSubscriptions(db: Db, limit: number, skipChannels: readonly string[] = []) {
  return db
    .select({
      subscription: subscriptions,
      version: jobs.version,
      terminal: jobs.terminal,
    })
    .from(subscriptions)
    .innerJoin(jobs, eq(jobs.jobId, subscriptions.jobId))
    .where(
      and(
        eq(subscriptions.state, 'active'),
        or(isNull(subscriptions.messageId), lt(subscriptions.renderedVersion, jobs.version)),
        skipChannels.length > 0 ? notInArray(subscriptions.channelId, [...skipChannels]) : undefined,
      ),
    )
    .orderBy(desc(jobs.terminal), sql`${subscriptions.messageId} is not null`, subscriptions.id)
    .limit(limit)
    .all();
}

/** Records what a tracking message now shows. A message showing a final state needs no more edits. */
export function markRendered(db: Db, id: number, messageId: string, version: number, terminal: boolean): void {
  db.update(subscriptions)
    .set({
      messageId,
      // Never step back: a slower, older render must not undo a newer one.
      renderedVersion: sql`max(${subscriptions.renderedVersion}, ${version})`,
      ...(terminal ? { state: 'done' as const } : {}),
    })
    .where(and(eq(subscriptions.id, id), eq(subscriptions.state, 'active')))
    .run();
}
