import type { RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { eq } from 'drizzle-orm';
import { loadJob } from '../db/jobs';
import type { ResultMediaSource } from '../db/media';
import type { Db } from '../db/open';
import type { OutboxRow } from '../db/outbox';
import { loadReview, recordPost, recordPostFailure } from '../db/reviews';
import { subscriptions } from '../db/schema';
import type { AccountIncidentKind } from '../domain/job';
import { namesOfAccount } from '../domain/upstream';
import { filesToShow } from './resultUploads';
import { accountAlert, accountRecovered } from './views/admin';
import { messageLostDm, resultDmRender } from './views/dm';
import type { Upload } from './views/gallery';
import { reviewPost } from './views/reviewPost';
import { warnDm } from './views/warnDm';

export interface EffectMessage {
  body: RESTPostAPIChannelMessageJSONBody;
  /** Files uploaded with the message (the result DM's pictures). */
  uploads?: Upload[];
  /** The job whose files `uploads` are. */
  filesOf?: string;
  /** Bookkeeping once Discord has accepted the message. */
  afterSend?: (messageId: string, at: number) => void;
  /** Bookkeeping once the message is given up (Discord refused it, or it could not be sent in time). */
  afterFailure?: (reason: string, at: number) => void;
}

/** A result DM waits while the job's files are being fetched: it is to carry them. */
export const WAIT_FOR_MEDIA = 'wait_for_media';

/**
 * Renders an outbox row into the message it stands for, from the current state; null when there is
 * nothing left to say.
 */
export function effectMessage(db: Db, row: OutboxRow, now: number, media?: ResultMediaSource): EffectMessage | typeof WAIT_FOR_MEDIA | null {
  const payload = JSON.parse(row.payload ?? '{}') as Record<string, unknown>;
  switch (row.kind) {
    case 'result_dm':
    case 'message_lost_dm': {
      const sub = row.subscriptionId === null ? undefined : db.select().from(subscriptions).where(eq(subscriptions.id, row.subscriptionId)).get();
      if (!sub) return null;
      if (row.kind === 'message_lost_dm') return { body: messageLostDm(sub.jobId, payload.reason as 'deleted' | 'no_access') };
      const job = loadJob(db, sub.jobId);
      if (!job) return null;
      const messageId = sub.state === 'lost' ? null : sub.messageId;
      const files = filesToShow(job, media);
      if (files?.state === 'pending') return WAIT_FOR_MEDIA;
      return { ...resultDmRender(job, { guildId: sub.guildId, channelId: sub.channelId, messageId }, files, now), filesOf: job.jobId };
    }
    case 'review_post': {
      const review = loadReview(db, payload.reviewId as number);
      const job = review && loadJob(db, review.jobId);
      if (!review || !job) return null;
      return {
        body: reviewPost(review, job, now),
        afterSend: (messageId, at) => recordPost(db, review.id, row.channelId!, messageId, at),
        afterFailure: (reason, at) => recordPostFailure(db, review.id, row.channelId!, reason, at),
      };
    }
    case 'warn_dm':
      return { body: warnDm((payload.guildName as string | null) ?? null, payload.jobId as string) };
    case 'account_alert':
      return {
        body: accountAlert(payload.kind as AccountIncidentKind, (payload.detail as string | null) ?? null, payload.affectedJobs as number, payload.since as number, namesOfAccount(payload.account)),
      };
    case 'account_recovered':
      return { body: accountRecovered(payload.kind as AccountIncidentKind, payload.since as number, payload.until as number, namesOfAccount(payload.account)) };
    default:
      return null;
  }
}
