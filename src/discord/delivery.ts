import {
  DiscordAPIError,
  RateLimitError,
  RESTEvents,
  Routes,
  type APIMessage,
  type APIRequest,
  type REST,
  type ResponseLike,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { eq } from 'drizzle-orm';
import { loadJob } from '../db/jobs';
import { inTransaction, type Db } from '../db/open';
import { dueOutbox, enqueue, markFailed, markRetry, markSent, type OutboxRow } from '../db/outbox';
import { subscriptions } from '../db/schema';
import { markRendered, staleSubscriptions, type SubscriptionRow } from '../db/subscriptions';
import type { Logger } from '../log';
import { effectMessage } from './effects';
import { trackingMessage } from './views/tracking';

export interface DeliveryOptions {
  db: Db;
  rest: REST;
  log: Logger;
  now?: () => number;
  /** Requests to Discord in flight at once (each channel has at most one). */
  concurrency?: number;
  /** Rescan this often even when nothing woke delivery (retries, rate limits ending). */
  idleScanMs?: number;
}

export interface Delivery {
  start(): void;
  /** Something changed in the database: scan soon. */
  wake(): void;
  stop(): Promise<void>;
  /** One scan; resolves when the requests it started have settled. */
  flush(): Promise<void>;
  /** Lanes (channels, DMs) waiting out a rate limit or Discord trouble now. */
  lanesWaiting(): number;
}

/** What a failed Discord request means for the work that made it. */
type Failure =
  | { kind: 'lost'; reason: 'deleted' | 'no_access' }
  | { kind: 'dms_closed' }
  | { kind: 'rejected'; detail: string }
  | { kind: 'later'; afterMs: number; detail: string; rateLimited?: boolean };

const CHANNEL_MESSAGES = /^\/channels\/(\d+)\/messages/;
/** Requests of a channel's bucket that progress edits leave to final states and new messages. */
const PROGRESS_HEADROOM = 1;

/** Attempts at an outbox message before it is given up (Discord down for minutes). */
const MAX_ATTEMPTS = 8;
const DISCORD_CODE = {
  unknownChannel: 10003,
  unknownMessage: 10008,
  missingAccess: 50001,
  cannotDmUser: 50007,
  missingPermissions: 50013,
} as const;

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

  /** Keyed by channel id (tracking messages) or `dm:<user>` (DMs): one request each at a time. */
  const inFlight = new Map<string, Promise<void>>();
  /** Lanes that must wait (rate limit, Discord trouble) until the given time. */
  const blockedUntil = new Map<string, number>();
  /** Each channel's message bucket as Discord's headers last announced it. */
  const buckets = new Map<string, { remaining: number; resetAt: number }>();
  const failureStreak = new Map<string, number>();
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

  function scan(): void {
    const at = now();
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
          body: { ...body, nonce: `t${sub.id}`, enforce_nonce: true } satisfies RESTPostAPIChannelMessageJSONBody,
        })) as APIMessage;
        messageId = created.id;
      } else {
        await rest.patch(Routes.channelMessage(sub.channelId, messageId), { body });
      }
      markRendered(db, sub.id, messageId, job.version, job.terminal);
      succeeded(sub.channelId);
      log.debug({ event: 'message_rendered', subscription: sub.id, version: job.version }, 'tracking message up to date');
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'lost') return loseMessage(sub, failure.reason);
      if (failure.kind === 'later') return postpone(sub.channelId, failure);
      // Discord refused this body: retrying the same version would fail the same way.
      log.error({ event: 'render_rejected', subscription: sub.id, detail: failureDetail(failure) }, 'Discord refused a tracking message');
      if (sub.messageId === null) {
        db.update(subscriptions).set({ state: 'lost', lostReason: 'rejected' }).where(eq(subscriptions.id, sub.id)).run();
      } else {
        markRendered(db, sub.id, sub.messageId, version, terminal);
      }
    }
  }

  /** The message or its channel is gone, or the bot may no longer see it: stop editing, tell the person by DM. */
  function loseMessage(sub: SubscriptionRow, reason: 'deleted' | 'no_access'): void {
    const at = now();
    inTransaction(db, () => {
      db.update(subscriptions).set({ state: 'lost', lostReason: reason }).where(eq(subscriptions.id, sub.id)).run();
      enqueue(db, { kind: 'message_lost_dm', dedupeKey: `lost:${sub.id}`, subscriptionId: sub.id, userId: sub.userId, payload: { reason } }, at);
      const job = loadJob(db, sub.jobId);
      if (job?.terminal && job.problem === null) {
        enqueue(db, { kind: 'result_dm', dedupeKey: `result:${sub.id}`, subscriptionId: sub.id, userId: sub.userId }, at);
      }
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
      const at = now();
      inTransaction(db, () => {
        markSent(db, row.id, at);
        message.afterSend?.(sent.id, at);
      });
      succeeded(lane);
      log.info({ event: 'effect_sent', outbox: row.id, kind: row.kind, userId: row.userId, channelId: row.channelId }, 'message sent');
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'later' && row.attempts + 1 < MAX_ATTEMPTS) {
        markRetry(db, row.id, failure.detail, now() + failure.afterMs);
        postpone(lane, failure);
        return;
      }
      const reason = failure.kind === 'dms_closed' ? 'dms_closed' : failureDetail(failure);
      markFailed(db, row.id, reason);
      log.warn({ event: 'effect_failed', outbox: row.id, kind: row.kind, userId: row.userId, channelId: row.channelId, reason }, 'message not delivered');
    }
  }

  async function dmChannelOf(userId: string): Promise<string> {
    const known = dmChannels.get(userId);
    if (known) return known;
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    dmChannels.set(userId, channel.id);
    return channel.id;
  }

  /** Forgets a lane's failures; a block Discord's headers just announced still stands. */
  function succeeded(lane: string): void {
    failureStreak.delete(lane);
  }

  function postpone(lane: string, failure: Extract<Failure, { kind: 'later' }>): void {
    const streak = (failureStreak.get(lane) ?? 0) + 1;
    failureStreak.set(lane, streak);
    blockedUntil.set(lane, now() + failure.afterMs);
    // Come back the moment the lane opens again, not at the next idle scan.
    setTimeout(wake, failure.afterMs).unref();
    // A rate limit is routine under load; anything else is worth a look.
    const level = failure.rateLimited ? 'debug' : 'warn';
    log[level]({ event: 'delivery_postponed', lane, afterMs: failure.afterMs, detail: failure.detail, streak }, 'Discord request postponed');
  }

  function failureAfter(lane: string): number {
    return Math.min(60_000, 1000 * 2 ** (failureStreak.get(lane) ?? 0));
  }

  function classify(error: unknown): Failure {
    if (error instanceof RateLimitError) {
      return { kind: 'later', afterMs: Math.max(error.retryAfter, error.timeToReset, 50), detail: `rate limited on ${error.route}`, rateLimited: true };
    }
    if (error instanceof DiscordAPIError) {
      switch (error.code) {
        case DISCORD_CODE.unknownMessage:
        case DISCORD_CODE.unknownChannel:
          return { kind: 'lost', reason: 'deleted' };
        case DISCORD_CODE.missingAccess:
        case DISCORD_CODE.missingPermissions:
          return { kind: 'lost', reason: 'no_access' };
        case DISCORD_CODE.cannotDmUser:
          return { kind: 'dms_closed' };
      }
      if (error.status >= 500) return { kind: 'later', afterMs: failureAfter('discord'), detail: `HTTP ${error.status}` };
      return { kind: 'rejected', detail: `${error.status} ${error.code}: ${error.message.slice(0, 200)}` };
    }
    // HTTPError (5xx after discord.js' own retries), timeouts and network failures.
    return { kind: 'later', afterMs: failureAfter('discord'), detail: error instanceof Error ? error.message.slice(0, 200) : String(error) };
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
    lanesWaiting() {
      const at = now();
      return [...blockedUntil.values()].filter((until) => until > at).length;
    },
  };
}

/** Posts to a channel share that channel's lane (and rate limit) with its tracking messages. */
function laneOf(row: OutboxRow): string {
  return row.channelId ?? `dm:${row.userId}`;
}

function failureDetail(failure: Failure): string {
  switch (failure.kind) {
    case 'lost':
      return `message lost (${failure.reason})`;
    case 'dms_closed':
      return 'dms_closed';
    default:
      return failure.detail;
  }
}
