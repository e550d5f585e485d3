import { Routes, DiscordAPIError, RESTJSONErrorCodes, type APIMessage, type REST, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { promptsHidden } from '../db/guilds';
import { loadJob } from '../db/jobs';
import type { ResultMediaSource } from '../db/media';
import { inTransaction, type Db } from '../db/open';
import { enqueue, enqueueResultDm } from '../db/outbox';
import { forgetAnswer, markLost, markRendered, perGeneration, type StaleSubscription, type SubscriptionRow } from '../db/subscriptions';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import { failureDetail, failureOf } from './failures';
import type { Lanes } from './lanes';
import { replyLane, type TrackingReplies } from './replies';
import { fallBackToLinks, filesToShow, uploadRefused, uploadsFor } from './resultUploads';
import { trackingRender } from './views/tracking';

export interface TrackingSenderOptions {
  db: Db;
  rest: REST;
  log: Logger;
  now: () => number;
  lanes: Lanes;
  media?: ResultMediaSource;
  replies?: TrackingReplies;
  readStaleAfterMs?: number;
}

/** Whether a posted message shows this body (its text; a gallery's parts), not an earlier one with the same nonce. */
function showsBody(message: APIMessage, body: Shape): boolean {
  return shapeOf(message) === shapeOf(body);
}

type Shape = { content?: string; embeds?: Array<{ title?: string; description?: string }>; components?: unknown[] };
const shapeOf = (m: Shape) => JSON.stringify([m.content ?? '', (m.embeds ?? []).map((e) => [e.title ?? '', e.description ?? '']), m.components?.length ?? 0]);

/** Discord no longer takes an interaction token (it expired): the message is still there for the channel route. */
function tokenRefused(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.InvalidWebhookToken || error.code === RESTJSONErrorCodes.UnknownWebhook);
}

/**
 * Brings one tracking message up to date: posts it (where the /track reply could not be it), or
 * edits it through its interaction token while that lives (lane `reply:<id>`), else through its
 * channel. Discord's answer decides what is recorded: rendered, lost (the person hears by DM),
 * postponed, or refused for this version.
 */
export function createTrackingSender(opts: TrackingSenderOptions): (owed: StaleSubscription, lane: string) => Promise<void> {
  const { db, rest, log, now, lanes, media, replies, readStaleAfterMs } = opts;

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

  /**
   * The answer to the /track interaction `interactionId` among the channel's last messages, if it is
   * there. Not readable (no Read Message History): as if not found, the post says the rest.
   */
  async function answerIn(channelId: string, interactionId: string): Promise<string | undefined> {
    try {
      const recent = (await rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ limit: '50' }) })) as APIMessage[];
      return recent.find((m) => m.interaction_metadata?.id === interactionId)?.id;
    } catch (error) {
      if (failureOf(error).kind === 'later') throw error;
      return undefined;
    }
  }

  return async ({ subscription: sub, version, terminal }, lane) => {
    const token = lane === replyLane(sub.id) ? replies?.tokenOf(sub.id, now()) : undefined;
    const job = loadJob(db, sub.jobId);
    if (!job) return;
    const files = filesToShow(job, media);
    // Still fetching: staleSubscriptions leaves this message out until the files are stored.
    if (files?.state === 'pending') return;
    const { body: view, uploads } = trackingRender(job, files, now(), { hidePrompt: promptsHidden(db, sub.guildId), readStaleAfterMs });
    const body = { ...view, allowed_mentions: { parse: [] } };
    const upload = uploadsFor(uploads);
    try {
      let messageId = sub.messageId;
      let shown = job.version;
      if (messageId === null && sub.answerInteractionId !== null) {
        // The process stopped between the /track answer and storing its id: that answer is the message.
        const answer = await answerIn(sub.channelId, sub.answerInteractionId);
        if (answer) {
          markRendered(db, sub.id, answer, 0, false);
          return;
        }
        forgetAnswer(db, sub.id);
      }
      if (messageId === null) {
        const created = (await rest.post(Routes.channelMessages(sub.channelId), {
          body: { ...body, nonce: perGeneration('t', sub), enforce_nonce: true } satisfies RESTPostAPIChannelMessageJSONBody,
          files: upload,
        })) as APIMessage;
        messageId = created.id;
        crashPoint('message_created');
        // The nonce gave back a message posted before a crash, showing an older state: edit it next.
        if (!showsBody(created, body)) shown = 0;
      } else if (token) {
        await rest.patch(Routes.webhookMessage(token.applicationId, token.token), { body, files: upload, auth: false });
      } else {
        // A gallery is uploaded again on a re-render (rare: a final message is edited once) rather
        // than kept by attachment ids, which would have to be stored for every message.
        await rest.patch(Routes.channelMessage(sub.channelId, messageId), { body, files: upload });
      }
      markRendered(db, sub.id, messageId, shown, job.terminal && shown > 0);
      if (job.terminal) replies?.forget(sub.id);
      lanes.succeeded(lane);
      log.debug({ event: 'message_rendered', subscription: sub.id, version: job.version }, 'tracking message up to date');
    } catch (error) {
      if (token && tokenRefused(error)) {
        // Still stale: the next scan edits it through the channel.
        replies?.forget(sub.id);
        return;
      }
      const refused = uploads.length > 0 ? uploadRefused(error) : null;
      if (refused) return fallBackToLinks(db, log, job.jobId, refused, now());
      const failure = failureOf(error);
      if (failure.kind === 'lost') return loseMessage(sub, failure.reason);
      if (failure.kind === 'later') {
        lanes.postpone(lane, failure);
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
  };
}
