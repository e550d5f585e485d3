import {
  RESTEvents,
  Routes,
  type APIMessage,
  type REST,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { promptsHidden } from '../db/guilds';
import { loadJob } from '../db/jobs';
import type { ResultMediaSource } from '../db/media';
import { inTransaction, type Db } from '../db/open';
import { dueOutbox, enqueue, enqueueResultDm, markFailed, markRetry, markSent, type OutboxRow } from '../db/outbox';
import { markLost, markRendered, perGeneration, staleSubscriptions, type SubscriptionRow } from '../db/subscriptions';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import { effectMessage, WAIT_FOR_MEDIA } from './effects';
import { failureDetail, failureOf } from './failures';
import { Lanes } from './lanes';
import { fallBackToLinks, filesToShow, MEDIA_WAIT_MS, uploadRefused, uploadsFor } from './resultUploads';
import { laneOf, sendingOrder } from './sendingOrder';
import { trackingRender } from './views/tracking';

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
    // A channel whose rate limit is nearly spent keeps its last requests for final states and outbox posts.
    const stale = staleSubscriptions(db, 2 * concurrency, unavailableLanes(at), lanes.lowBuckets(at));
    for (const work of sendingOrder(stale, dueOutbox(db, at, 2 * concurrency))) {
      if (!laneFree(work.lane, at)) continue;
      // A DM to someone whose DM channel is not known yet opens it first: two requests.
      const requests = work.urgency === 'effect' && !work.row.channelId && !dmChannels.has(work.row.userId ?? '') ? 2 : 1;
      const answered = lanes.startGlobal(requests, at);
      if (!answered) return;
      if (work.urgency === 'effect') run(work.lane, () => sendOutbox(work.row), answered);
      else run(work.lane, () => renderTracking(work.stale.subscription, work.stale.version, work.stale.terminal), answered);
    }
  }

  async function renderTracking(sub: SubscriptionRow, version: number, terminal: boolean): Promise<void> {
    const job = loadJob(db, sub.jobId);
    if (!job) return;
    const media = filesToShow(job, opts.media);
    // Still fetching: staleSubscriptions leaves this message out until the files are stored.
    if (media?.state === 'pending') return;
    const { body: view, uploads } = trackingRender(job, media, now(), { hidePrompt: promptsHidden(db, sub.guildId), readStaleAfterMs: opts.readStaleAfterMs });
    const body = { ...view, allowed_mentions: { parse: [] } };
    const files = uploadsFor(uploads);
    try {
      let messageId = sub.messageId;
      if (messageId === null) {
        const created = (await rest.post(Routes.channelMessages(sub.channelId), {
          body: { ...body, nonce: perGeneration('t', sub), enforce_nonce: true } satisfies RESTPostAPIChannelMessageJSONBody,
          files,
        })) as APIMessage;
        messageId = created.id;
        crashPoint('message_created');
      } else {
        // A gallery is uploaded again on a re-render (rare: a final message is edited once) rather
        // than kept by attachment ids, which would have to be stored for every message.
        await rest.patch(Routes.channelMessage(sub.channelId, messageId), { body, files });
      }
      markRendered(db, sub.id, messageId, job.version, job.terminal);
      lanes.succeeded(sub.channelId);
      log.debug({ event: 'message_rendered', subscription: sub.id, version: job.version }, 'tracking message up to date');
    } catch (error) {
      const refused = uploads.length > 0 ? uploadRefused(error) : null;
      if (refused) return fallBackToLinks(db, log, job.jobId, refused, now());
      const failure = failureOf(error);
      if (failure.kind === 'lost') return loseMessage(sub, failure.reason);
      if (failure.kind === 'later') {
        lanes.postpone(sub.channelId, failure);
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
