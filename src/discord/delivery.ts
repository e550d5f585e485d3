import { RESTEvents, Routes, type APIMessage, type REST } from 'discord.js';
import type { ResultMediaSource } from '../db/media';
import { inTransaction, type Db } from '../db/open';
import { dueOutbox, markFailed, markRetry, markSent, type OutboxRow } from '../db/outbox';
import { staleSubscriptions, type StaleSubscription } from '../db/subscriptions';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import { effectMessage, WAIT_FOR_MEDIA } from './effects';
import { failureDetail, failureOf } from './failures';
import { Lanes } from './lanes';
import { replyLane, type TrackingReplies } from './replies';
import { fallBackToLinks, MEDIA_WAIT_MS, uploadRefused, uploadsFor } from './resultUploads';
import { laneOf, sendingOrder } from './sendingOrder';
import { createTrackingSender } from './trackingSender';

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
  /** A completed job's re-hosted files, to upload instead of linking; absent, or null for a job: links. */
  media?: ResultMediaSource;
  /** A running job's message says when its record was last read once that is older than this. */
  readStaleAfterMs?: number;
  /** /track replies that are tracking messages, and the tokens that edit them. */
  replies?: TrackingReplies;
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
  const lanes = new Lanes({ log, now, random, retryBaseMs, retryMaxMs, wake });
  const renderTracking = createTrackingSender({ db, rest, log, now, lanes, media: opts.media, replies: opts.replies, readStaleAfterMs: opts.readStaleAfterMs });
  /** DM channel per user, least recently used first. */
  const dmChannels = new Map<string, string>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let scanQueued = false;

  function laneFree(lane: string, at: number): boolean {
    return !inFlight.has(lane) && !lanes.isBlocked(lane, at) && inFlight.size < concurrency;
  }

  function run(lane: string, work: () => Promise<void>, answered: () => void): void {
    const task = work()
      .catch((error: unknown) => log.error({ event: 'delivery_crashed', lane, err: error }, 'delivery task failed'))
      .finally(() => {
        answered();
        inFlight.delete(lane);
        if (running) wake();
      });
    inFlight.set(lane, task);
  }

  function unavailableLanes(at: number): string[] {
    return [...inFlight.keys(), ...lanes.blocked(at)];
  }

  function scan(): void {
    const at = now();
    lanes.prune(at);
    if (inFlight.size >= concurrency) return;
    const ownLanes = new Set(opts.replies?.live(at));
    const stale = staleSubscriptions(db, 2 * concurrency, {
      skipChannels: unavailableLanes(at),
      // A channel whose rate limit is nearly spent keeps its last requests for final states and outbox posts.
      finalsOnly: lanes.lowBuckets(at),
      ownLanes: [...ownLanes],
      replyPending: opts.replies?.waiting(),
    });
    const laneOfMessage = ({ subscription: { id, channelId } }: StaleSubscription) => (ownLanes.has(id) ? replyLane(id) : channelId);
    for (const work of sendingOrder(stale, dueOutbox(db, at, 2 * concurrency), laneOfMessage)) {
      if (!laneFree(work.lane, at)) continue;
      // A DM to someone whose DM channel is not known yet opens it first: two requests.
      const requests = work.urgency === 'effect' && !work.row.channelId && !dmChannels.has(work.row.userId ?? '') ? 2 : 1;
      const answered = lanes.startGlobal(requests, at);
      if (!answered) return;
      if (work.urgency === 'effect') run(work.lane, () => sendOutbox(work.row), answered);
      else run(work.lane, () => renderTracking(work.stale, work.lane), answered);
    }
  }

  async function sendOutbox(row: OutboxRow): Promise<void> {
    const lane = laneOf(row);
    const message = effectMessage(db, row, now(), opts.media);
    if (message === WAIT_FOR_MEDIA) {
      markRetry(db, row.id, 'waiting for the result files', now() + MEDIA_WAIT_MS);
      return;
    }
    if (!message || (!row.userId && !row.channelId)) {
      markFailed(db, row.id, 'nothing to send');
      return;
    }
    const uploads = message.uploads ?? [];
    try {
      const channelId = row.channelId ?? (await dmChannelOf(row.userId!));
      const sent = (await rest.post(Routes.channelMessages(channelId), {
        body: { ...message.body, allowed_mentions: { parse: [] }, nonce: `o${row.id}`, enforce_nonce: true },
        files: uploadsFor(uploads),
      })) as APIMessage;
      crashPoint('outbox_sent');
      const at = now();
      inTransaction(db, () => {
        markSent(db, row.id, at);
        message.afterSend?.(sent.id, at);
      });
      lanes.succeeded(lane);
      log.info({ event: 'effect_sent', outbox: row.id, kind: row.kind, userId: row.userId, channelId: row.channelId }, 'message sent');
    } catch (error) {
      const refused = uploads.length > 0 ? uploadRefused(error) : null;
      if (refused && message.filesOf) {
        // Not sent: the row stays pending and goes out with links at the next scan.
        fallBackToLinks(db, log, message.filesOf, refused, now());
        return;
      }
      const failure = failureOf(error);
      let reason = failureDetail(failure);
      if (failure.kind === 'later') {
        const retryAt = lanes.postpone(lane, failure);
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
      rest.on(RESTEvents.Response, lanes.watchBuckets);
      idleLoop();
    },
    wake,
    async stop() {
      running = false;
      rest.off(RESTEvents.Response, lanes.watchBuckets);
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
        ...lanes.stats(),
        dmChannels: dmChannels.size,
      };
    },
  };
}
