import { and, desc, eq, inArray, isNotNull, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { URGENT } from './jobs';
import { inTransaction, type Db } from './open';
import { jobMedia, jobs, subscriptions } from './schema';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** A tracking message that does not show its job's latest version (or has not been posted yet). */
export interface StaleSubscription {
  subscription: SubscriptionRow;
  version: number;
  terminal: boolean;
}

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

/** What delivery cannot send now, and what it sends another way. */
export interface StaleFilter {
  /** Channels that are busy or rate limited: left out. */
  skipChannels?: readonly string[];
  /** Channels whose rate limit is nearly spent: only their final states. */
  finalsOnly?: readonly string[];
  /** Subscriptions edited through their own interaction token: not held back by their channel. */
  ownLanes?: readonly number[];
  /** Subscriptions whose /track reply (their message) is on its way: left out. */
  replyPending?: readonly number[];
}

/**
 * Tracking messages that must be posted or edited: new subscriptions and those showing an older
 * version of their job. Final states first, in the order the jobs ended (a post or an edit alike),
 * then new messages, then progress. Channels that are busy or rate limited are left out, and only
 * final states are taken from `finalsOnly` channels (their rate limit nearly spent), so that what
 * they hold back cannot crowd out the others; so are jobs whose result files are still being
 * fetched (their final message waits for them, and must not hold a place).
 */
export function staleSubscriptions(db: Db, limit: number, filter: StaleFilter = {}): StaleSubscription[] {
  const { skipChannels = [], finalsOnly = [], ownLanes = [], replyPending = [] } = filter;
  const inOwnLane = ownLanes.length > 0 ? inArray(subscriptions.id, [...ownLanes]) : undefined;
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
        replyPending.length > 0 ? notInArray(subscriptions.id, [...replyPending]) : undefined,
        skipChannels.length > 0 ? or(inOwnLane, notInArray(subscriptions.channelId, [...skipChannels])) : undefined,
        sql`not exists (select 1 from ${jobMedia} where ${jobMedia.jobId} = ${subscriptions.jobId} and ${jobMedia.state} = 'pending')`,
        finalsOnly.length > 0 ? or(eq(jobs.terminal, true), inOwnLane, notInArray(subscriptions.channelId, [...finalsOnly])) : undefined,
      ),
    )
    .orderBy(desc(jobs.terminal), jobs.finishedAt, sql`${subscriptions.messageId} is not null`, subscriptions.id)
    .limit(limit)
    .all();
}

/** A server's live tracking messages are drawn again, whatever their job's version (a setting that shapes them changed). */
export function redrawGuildMessages(db: Db, guildId: string): number {
  return db
    .update(subscriptions)
    .set({ renderedVersion: 0 })
    .where(and(eq(subscriptions.guildId, guildId), eq(subscriptions.state, 'active'), isNotNull(subscriptions.messageId)))
    .run().changes;
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

/** No /track answer is the tracking message (it failed, or was not found): delivery posts one. */
export function forgetAnswer(db: Db, id: number): void {
  db.update(subscriptions).set({ answerInteractionId: null }).where(eq(subscriptions.id, id)).run();
}

/** The tracking message can no longer be posted or edited (`reason`: deleted, no_access, rejected); delivery leaves it. */
export function markLost(db: Db, id: number, reason: string): void {
  db.update(subscriptions).set({ state: 'lost', lostReason: reason }).where(eq(subscriptions.id, id)).run();
}

/** Where a person follows a job from: the channel their tracking message goes to, and whether they want a DM. */
export interface FollowRequest {
  jobId: string;
  userId: string;
  guildId: string | null;
  channelId: string;
  dm: boolean;
  /** The /track interaction whose answer is to be the tracking message. */
  answerInteractionId?: string;
}

/** The person's subscription, waiting for a new tracking message in this channel (a new generation of an old one). */
export function follow(db: Db, existing: SubscriptionRow | undefined, request: FollowRequest, now: number): SubscriptionRow {
  const fresh = {
    guildId: request.guildId,
    channelId: request.channelId,
    dm: request.dm,
    messageId: null,
    answerInteractionId: request.answerInteractionId ?? null,
    renderedVersion: 0,
    createdAt: now,
    state: 'active' as const,
  };
  if (existing) {
    return db
      .update(subscriptions)
      .set({ ...fresh, lostReason: null, generation: existing.generation + 1 })
      .where(eq(subscriptions.id, existing.id))
      .returning()
      .get();
  }
  return db.insert(subscriptions).values({ ...fresh, jobId: request.jobId, userId: request.userId }).returning().get();
}

/**
 * Everyone whose message said the tracker had given up follows the job again: the job is one, and
 * their messages should not keep saying "not found" while it runs or after it ends.
 */
export function followAgainAfterGivingUp(db: Db, jobId: string): void {
  db.update(subscriptions)
    .set({ state: 'active' })
    .where(and(eq(subscriptions.jobId, jobId), eq(subscriptions.state, 'done')))
    .run();
}

/** A job nobody followed any more was parked (no poll time): it is read again, first. */
export function wakeParkedJob(db: Db, jobId: string): void {
  db.update(jobs)
    .set({ nextPollAt: URGENT })
    .where(and(eq(jobs.jobId, jobId), eq(jobs.terminal, false), isNull(jobs.nextPollAt)))
    .run();
}

/** Ends a person's subscription; a job nobody follows any more is parked. False when they were not following it. */
export function unfollow(db: Db, userId: string, jobId: string): boolean {
  return inTransaction(db, () => {
    const sub = findSubscription(db, userId, jobId);
    if (!sub || sub.state === 'untracked') return false;
    db.update(subscriptions).set({ state: 'untracked' }).where(eq(subscriptions.id, sub.id)).run();
    const stillFollowed = db
      .select({ n: sql<number>`count(*)` })
      .from(subscriptions)
      .where(and(eq(subscriptions.jobId, jobId), inArray(subscriptions.state, ['active', 'lost'])))
      .get();
    if ((stillFollowed?.n ?? 0) === 0) {
      db.update(jobs).set({ nextPollAt: null }).where(and(eq(jobs.jobId, jobId), eq(jobs.terminal, false))).run();
    }
    return true;
  });
}
