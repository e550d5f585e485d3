import {
  RESTEvents,
  Routes,
  type APIMessage,
  type APIRequest,
  type REST,
  type ResponseLike,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { loadJob } from '../db/jobs';
import { inTransaction, type Db } from '../db/open';
import { dueOutbox, enqueue, enqueueResultDm, markFailed, markRetry, markSent, type OutboxRow } from '../db/outbox';
import { markLost, markRendered, perGeneration, staleSubscriptions, type SubscriptionRow } from '../db/subscriptions';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import { effectMessage } from './effects';
import { failureDetail, failureOf, type Failure } from './failures';
import { trackingMessage } from './views/tracking';

export interface DeliveryOptions {
  db: Db;
  rest: REST;
  log: Logger;
  now?: () => number;
  /** Jitter of retry delays; injectable for tests. */
  random?: () => number;
  /** Requests to Discord in flight at once (each channel has at most one). */
  concurrency?: number;
  /** Rescan this often even when nothing woke delivery (retries, rate limits ending). */
  idleScanMs?: number;
  /** The first retry after Discord trouble on a lane; each further failure doubles it, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** DM channel ids remembered (least recently used forgotten first). */
  dmChannelCacheSize?: number;
}

export interface DeliveryStats {
  inFlight: number;
  /** Lanes waiting out a rate limit or Discord trouble. */
  blockedLanes: number;
  /** Lanes whose last requests failed (their backoff grows). */
  failingLanes: number;
  /** Channels whose rate-limit bucket is known. */
  buckets: number;
  dmChannels: number;
}

export interface Delivery {
  start(): void;
  /** Something changed in the database: scan soon. */
  wake(): void;
  stop(): Promise<void>;
  /** One scan; resolves when the requests it started have settled. */
  flush(): Promise<void>;
  stats(): DeliveryStats;
}

const CHANNEL_MESSAGES = /^\/channels\/(\d+)\/messages/;
/** Requests of a channel's bucket that progress edits leave to final states and new messages. */
const PROGRESS_HEADROOM = 1;

/**
 * How long an outbox effect is retried while Discord is down. Every kind still means something a
 * day later (a result DM links the result, a review post is still to be decided, an alert still
 * explains what happened), so one deadline serves all of them.
 */
export const OUTBOX_DEADLINE_MS = 24 * 60 * 60 * 1000;
/**
 * Talks to Discord from what the database says is owed: tracking messages to post or bring up to
 * date, and outbox effects (DMs) to send. An edit always renders the job's latest state, so
 * changes that pile up behind a rate limit collapse into one request.
 */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const { db, rest, log } = opts;
  const now = opts.now ?? Date.now;
  const concurrency = opts.concurrency ?? 4;
  const idleScanMs = opts.idleScanMs ?? 1000;
  const random = opts.random ?? Math.random;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const retryMaxMs = opts.retryMaxMs ?? 60_000;
  const dmChannelCacheSize = opts.dmChannelCacheSize ?? 1000;

  /** Keyed by channel id (tracking messages) or `dm:<user>` (DMs): one request each at a time. */
  const inFlight = new Map<string, Promise<void>>();
  /** Lanes that must wait (rate limit, Discord trouble) until the given time. */
  const blockedUntil = new Map<string, number>();
  /** Each channel's message bucket as Discord's headers last announced it. */
  const buckets = new Map<string, { remaining: number; resetAt: number }>();
  /** Consecutive failures per lane, and when the last one happened. */
  const failureStreak = new Map<string, { streak: number; at: number }>();
  /** DM channel per user, least recently used first. */
  const dmChannels = new Map<string, string>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let scanQueued = false;

  /**
   * Discord announces each channel's message bucket in its headers; the lane closes when the bucket
   * is empty, before discord.js would learn it (it keys buckets by route, and a channel's posts and
   * edits share one).
   */
  function watchBuckets(request: APIRequest, response: ResponseLike): void {
    const channelId = CHANNEL_MESSAGES.exec(String(request.path))?.[1];
    const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? NaN);
    const resetAfterMs = Number(response.headers.get('x-ratelimit-reset-after') ?? NaN) * 1000;
    if (!channelId || !Number.isFinite(remaining) || !Number.isFinite(resetAfterMs)) return;
    const resetAt = now() + resetAfterMs;
    buckets.set(channelId, { remaining, resetAt });
    if (remaining > 0) return;
    blockedUntil.set(channelId, Math.max(blockedUntil.get(channelId) ?? 0, resetAt));
    setTimeout(wake, resetAfterMs).unref();
  }

  /** The channel's bucket is nearly empty: its last request or two are kept for final states and new messages. */
  function bucketLow(channelId: string, at: number): boolean {
    const bucket = buckets.get(channelId);
    return bucket !== undefined && bucket.resetAt > at && bucket.remaining <= PROGRESS_HEADROOM;
  }

  function laneFree(lane: string, at: number): boolean {
    return !inFlight.has(lane) && (blockedUntil.get(lane) ?? 0) <= at && inFlight.size < concurrency;
  }

  function run(lane: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error: unknown) => log.error({ event: 'delivery_crashed', lane, err: error }, 'delivery task failed'))
      .finally(() => {
        inFlight.delete(lane);
        if (running) wake();
      });
    inFlight.set(lane, task);
  }

  function unavailableLanes(at: number): string[] {
    const blocked = [...blockedUntil].filter(([, until]) => until > at).map(([lane]) => lane);
    return [...inFlight.keys(), ...blocked];
  }

  /** Forgets blocks and buckets whose time has passed, and the failures of lanes that have gone quiet. */
  function prune(at: number): void {
    for (const [lane, until] of blockedUntil) if (until <= at) blockedUntil.delete(lane);
    for (const [channelId, bucket] of buckets) if (bucket.resetAt <= at) buckets.delete(channelId);
    // A failing lane retries within retryMaxMs; quiet for twice that, it has nothing left to retry.
    for (const [lane, failures] of failureStreak) if (at - failures.at > 2 * retryMaxMs) failureStreak.delete(lane);
  }

  function scan(): void {
    const at = now();
    prune(at);
    if (inFlight.size >= concurrency) return;
    for (const { subscription, version, terminal } of staleSubscriptions(db, 2 * concurrency, unavailableLanes(at))) {
      const progressOnly = !terminal && subscription.messageId !== null;
      if (progressOnly && bucketLow(subscription.channelId, at)) continue;
      if (laneFree(subscription.channelId, at)) {
        run(subscription.channelId, () => renderTracking(subscription, version, terminal));
      }
    }
    for (const row of dueOutbox(db, at, 2 * concurrency)) {
      const lane = laneOf(row);
      if (laneFree(lane, at)) run(lane, () => sendOutbox(row));
    }
  }

  async function renderTracking(sub: SubscriptionRow, version: number, terminal: boolean): Promise<void> {
    const job = loadJob(db, sub.jobId);
    if (!job) return;
    const body = { ...trackingMessage(job, now()), allowed_mentions: { parse: [] } };
    try {
      let messageId = sub.messageId;
      if (messageId === null) {
        const created = (await rest.post(Routes.channelMessages(sub.channelId), {
          body: { ...body, nonce: perGeneration('t', sub), enforce_nonce: true } satisfies RESTPostAPIChannelMessageJSONBody,
        })) as APIMessage;
        messageId = created.id;
        crashPoint('message_created');
      } else {
        await rest.patch(Routes.channelMessage(sub.channelId, messageId), { body });
      }
      markRendered(db, sub.id, messageId, job.version, job.terminal);
      succeeded(sub.channelId);
      log.debug({ event: 'message_rendered', subscription: sub.id, version: job.version }, 'tracking message up to date');
    } catch (error) {
      const failure = failureOf(error);
      if (failure.kind === 'lost') return loseMessage(sub, failure.reason);
      if (failure.kind === 'later') {
        postpone(sub.channelId, failure);
        return;
      }
      // Discord refused this body: retrying the same version would fail the same way.
      log.error({ event: 'render_rejected', subscription: sub.id, detail: failureDetail(failure) }, 'Discord refused a tracking message');
      if (sub.messageId === null) {
        markLost(db, sub.id, 'rejected');
      } else {
        markRendered(db, sub.id, sub.messageId, version, terminal);
      }
    }
  }

  /** The message or its channel is gone, or the bot may no longer see it: stop editing, tell the person by DM. */
  function loseMessage(sub: SubscriptionRow, reason: 'deleted' | 'no_access'): void {
    const at = now();
    inTransaction(db, () => {
      markLost(db, sub.id, reason);
      enqueue(db, { kind: 'message_lost_dm', dedupeKey: perGeneration('lost:', sub), subscriptionId: sub.id, userId: sub.userId, payload: { reason } }, at);
      const job = loadJob(db, sub.jobId);
      if (job?.terminal && job.problem === null) enqueueResultDm(db, sub, at);
    });
    log.warn({ event: 'message_lost', subscription: sub.id, jobId: sub.jobId, reason }, 'tracking message lost; the person will hear by DM');
  }

  async function sendOutbox(row: OutboxRow): Promise<void> {
    const lane = laneOf(row);
    const message = effectMessage(db, row, now());
    if (!message || (!row.userId && !row.channelId)) {
      markFailed(db, row.id, 'nothing to send');
      return;
    }
    try {
      const channelId = row.channelId ?? (await dmChannelOf(row.userId!));
      const sent = (await rest.post(Routes.channelMessages(channelId), {
        body: { ...message.body, allowed_mentions: { parse: [] }, nonce: `o${row.id}`, enforce_nonce: true },
      })) as APIMessage;
      crashPoint('outbox_sent');
      const at = now();
      inTransaction(db, () => {
        markSent(db, row.id, at);
        message.afterSend?.(sent.id, at);
      });
      succeeded(lane);
      log.info({ event: 'effect_sent', outbox: row.id, kind: row.kind, userId: row.userId, channelId: row.channelId }, 'message sent');
    } catch (error) {
      const failure = failureOf(error);
      let reason = failureDetail(failure);
      if (failure.kind === 'later') {
        const retryAt = postpone(lane, failure);
        if (retryAt < row.createdAt + OUTBOX_DEADLINE_MS) {
          markRetry(db, row.id, failure.detail, retryAt);
          return;
        }
        reason = `gave up after ${OUTBOX_DEADLINE_MS / 3_600_000} h: ${failure.detail}`;
      }
      const at = now();
      inTransaction(db, () => {
        markFailed(db, row.id, reason);
        message.afterFailure?.(reason, at);
      });
      log.warn({ event: 'effect_failed', outbox: row.id, kind: row.kind, userId: row.userId, channelId: row.channelId, reason }, 'message not delivered');
    }
  }

  async function dmChannelOf(userId: string): Promise<string> {
    const known = dmChannels.get(userId);
    if (known) {
      dmChannels.delete(userId);
      dmChannels.set(userId, known);
      return known;
    }
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    dmChannels.set(userId, channel.id);
    if (dmChannels.size > dmChannelCacheSize) dmChannels.delete(dmChannels.keys().next().value!);
    return channel.id;
  }

  /** Forgets a lane's failures; a block Discord's headers just announced still stands. */
  function succeeded(lane: string): void {
    failureStreak.delete(lane);
  }

  /**
   * Closes the lane until Discord's rate limit ends or, for Discord trouble, for a backoff that
   * doubles with each failure in a row (capped, jittered so lanes do not retry in step). Returns
   * when the lane opens again.
   */
  function postpone(lane: string, failure: Extract<Failure, { kind: 'later' }>): number {
    const at = now();
    let afterMs = failure.retryAfterMs;
    let streak = failureStreak.get(lane)?.streak ?? 0;
    if (afterMs === undefined) {
      streak++;
      failureStreak.set(lane, { streak, at });
      const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (streak - 1));
      afterMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
    }
    const until = Math.max(blockedUntil.get(lane) ?? 0, at + afterMs);
    blockedUntil.set(lane, until);
    // Come back the moment the lane opens again, not at the next idle scan.
    setTimeout(wake, until - at).unref();
    // A rate limit is routine under load; anything else is worth a look.
    const level = failure.retryAfterMs === undefined ? 'warn' : 'debug';
    log[level]({ event: 'delivery_postponed', lane, afterMs: until - at, detail: failure.detail, streak }, 'Discord request postponed');
    return until;
  }

  function wake(): void {
    if (!running || scanQueued) return;
    scanQueued = true;
    setImmediate(() => {
      scanQueued = false;
      if (!running) return;
      try {
        scan();
      } catch (error) {
        log.error({ event: 'delivery_scan_crashed', err: error }, 'delivery scan failed');
      }
    });
  }

  function idleLoop(): void {
    wake();
    if (running) timer = setTimeout(idleLoop, idleScanMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      rest.on(RESTEvents.Response, watchBuckets);
      idleLoop();
    },
    wake,
    async stop() {
      running = false;
      rest.off(RESTEvents.Response, watchBuckets);
      clearTimeout(timer);
      await Promise.allSettled([...inFlight.values()]);
    },
    async flush() {
      scan();
      await Promise.allSettled([...inFlight.values()]);
    },
    stats() {
      return {
        inFlight: inFlight.size,
        blockedLanes: blockedUntil.size,
        failingLanes: failureStreak.size,
        buckets: buckets.size,
        dmChannels: dmChannels.size,
      };
    },
  };
}

/** Posts to a channel share that channel's lane (and rate limit) with its tracking messages. */
function laneOf(row: OutboxRow): string {
  return row.channelId ?? `dm:${row.userId}`;
}
