import { messageLink as discordMessageLink, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import type { ResultFiles } from '../../db/media';
import type { JobSnapshot } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { galleryMessage, readyFiles, type Rendered } from './gallery';
import { deriveJobView, type JobView } from './jobView';
import { renderJob } from './render';
import { isSnowflake } from './snowflake';
import { inlineCode, safeLink } from './text';

export interface MessageWhere {
  guildId: string | null;
  channelId: string;
  messageId: string | null;
}

/** `https://discord.com/channels/<guild or @me>/<channel>/<message>`, or null without a message. */
export function messageLink(where: MessageWhere): string | null {
  const { guildId, channelId, messageId } = where;
  if (!isSnowflake(messageId) || !isSnowflake(channelId)) return null;
  if (guildId !== null && !isSnowflake(guildId)) return null;
  return safeLink(guildId === null ? discordMessageLink(channelId, messageId) : discordMessageLink(channelId, messageId, guildId));
}

function dmTitle(view: JobView, engine: string): string {
  switch (view.kind) {
    case 'completed':
      return `Your ${engine} job is done`;
    case 'failed':
      return `Your ${engine} job failed`;
    case 'moderated':
      return `Your ${engine} job was moderated`;
    case 'refused':
      return `${engine} refused your request`;
    default:
      return `Your ${engine} job: ${view.headline}`;
  }
}

/** The DM sent when a job ends (completed / failed / moderated, or tracking stopped for good). */
export function resultDm(
  job: JobSnapshot,
  where: MessageWhere,
  now: number,
  note: string | null = null,
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const view = deriveJobView(job, now);
  const link = messageLink(where);
  return renderJob(view, {
    now,
    title: dmTitle(view, namesOf(job.upstream).engine),
    lead: [link ? `[Open the tracking message](${link})` : '', note ?? ''],
    extraButtons: link ? [{ label: 'Tracking message', url: link }] : [],
  });
}

/**
 * The result DM with what re-hosting left: the uploaded files in a gallery (so someone who reads
 * only DMs has the pictures), the prompt and the link to the tracking message; else `resultDm`.
 */
export function resultDmRender(job: JobSnapshot, where: MessageWhere, media: ResultFiles | null, now: number): Rendered {
  const ready = readyFiles(job, media);
  if (!ready) {
    const note = job.status === 'completed' ? (media?.note ?? null) : null;
    const body = resultDm(job, where, now, note);
    return { body, uploads: [] };
  }
  const view = deriveJobView(job, now);
  const link = messageLink(where);
  return galleryMessage(job, ready.files, {
    now,
    title: dmTitle(view, namesOf(job.upstream).engine),
    lead: link ? [`[Open the tracking message](${link})`] : [],
    note: ready.note,
    buttons: link ? [{ label: 'Tracking message', url: link }] : [],
  });
}

/** Sent once when the tracking message can no longer be edited; the result will come by DM. */
export function messageLostDm(jobId: string, reason: 'deleted' | 'no_access'): { content: string } {
  const why = reason === 'deleted' ? 'it was deleted' : 'I lost access to that channel';
  return {
    content: `I can't update the tracking message for job ${inlineCode(jobId, 200)} any more (${why}). I'll send you the result here when it ends.`,
  };
}
