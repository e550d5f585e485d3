/** `/review show`: one review with its job and its full history. Pure: records in, Discord API JSON out. */
import type { APIEmbed, APIEmbedField } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { FOOTER_TEXT, deriveJobView } from './jobView';
import { DISCORD_LIMITS, clampEmbed, embedLength, fitFields } from './limits';
import { isoTimestamp, safeChannelMention, safeTime, safeUserMention } from './markup';
import { spoileredMediaField } from './reviewMedia';
import { REVIEW_COLORS, STATUS_ICON, STATUS_WORD, outcomeLine, reviewNumber, statusOf, trackedLine, type ReviewEvent, type ReviewRecord } from './reviewStatus';
import { cleanPrompt, cleanText, fitItems, truncate } from './text';

const ACTION_WORDS: Record<string, string> = {
  created: 'Review opened (job moderated)',
  posted: 'Posted to the review channel',
  post_failed: 'Could not post to the review channel',
  dismissed: 'Dismissed',
  warned: 'Warned by DM',
  blocked: 'Blocked from /track',
  unblocked: 'Unblocked',
};

const EVENT_DETAIL_MAX = 200;
/** Moderation details get at most this much here: the history is what /review show is for. */
const DETAILS_MAX = 2000;

/** A `post_failed` detail, `<channel id>: <why>`, as `<#channel>` and the cleaned reason; null when it is not one. */
export function postFailure(detail: string | null | undefined): { channel: string; reason: string } | null {
  const match = typeof detail === 'string' ? /^(\d{1,20}): (.+)$/s.exec(detail.trim()) : null;
  const channel = match && safeChannelMention(match[1]);
  const reason = match && truncate(cleanText(match[2]!).replace(/\s+/g, ' '), EVENT_DETAIL_MAX);
  return channel && reason ? { channel, reason } : null;
}

function eventLine(e: ReviewEvent): string {
  const actor = e.actorId ? safeUserMention(e.actorId) : 'the bot';
  const failure = e.action === 'post_failed' ? postFailure(e.detail) : null;
  if (failure) return `${safeTime(e.at)} · ${actor} · Could not post to ${failure.channel}: ${failure.reason}`;
  const action =
    typeof e.action === 'string' && Object.hasOwn(ACTION_WORDS, e.action)
      ? ACTION_WORDS[e.action]!
      : truncate(cleanPrompt(String(e.action ?? '')), 40) || 'Unknown action';
  let detail = '';
  if (typeof e.detail === 'string' && e.detail.trim()) {
    const channel = e.action === 'posted' ? safeChannelMention(e.detail.trim()) : null;
    detail = channel ? ` in ${channel}` : ` — ${truncate(cleanText(e.detail).replace(/\s+/g, ' '), EVENT_DETAIL_MAX)}`;
    if (detail === ' — ') detail = '';
  }
  return `${safeTime(e.at)} · ${actor} · ${action}${detail}`;
}

/** The record, the job's prompt and moderation details, and its history (newest events kept). */
export function reviewDetail(
  review: ReviewRecord,
  job: JobSnapshot,
  events: ReviewEvent[],
  now: number,
): { embeds: APIEmbed[] } {
  const L = DISCORD_LIMITS;
  const status = statusOf(review);
  const view = deriveJobView(job, now);
  const title = `${STATUS_ICON[status]} ${reviewNumber(review)} — ${STATUS_WORD[status]}`;
  const footer = { text: FOOTER_TEXT };

  const head = [trackedLine(review)];
  const outcome = outcomeLine(review);
  if (outcome) head.push(outcome);
  const prompt = view.prompt ? `> ${truncate(view.prompt, 600)}` : '*No prompt known for this job.*';
  const top = `${head.join('\n')}\n\n${prompt}`;

  const idField: APIEmbedField = { name: 'Job id', value: view.jobIdCode, inline: false };
  const media = spoileredMediaField(job);
  const fixedFields = media ? [idField, media] : [idField];
  const detailRoom = Math.max(0, Math.min(DETAILS_MAX, L.total - embedLength({ title, description: top, footer, fields: fixedFields }) - 600));
  const fields = [...fixedFields, ...fitFields(view.details, detailRoom, L.fields - fixedFields.length)];

  // The history fills what is left of the description and the total.
  const heading = '\n\n**History**\n';
  const room = Math.min(
    L.description - top.length - heading.length,
    L.total - embedLength({ title, description: top + heading, footer, fields }) - 16,
  );
  const lines = (Array.isArray(events) ? events : []).map(eventLine);
  const history =
    lines.length === 0
      ? 'No events recorded.'
      : fitItems(lines, '\n', room, (hidden) => `…${hidden} earlier event${hidden === 1 ? '' : 's'} not shown`, 'last');

  const embed: APIEmbed = {
    title,
    description: `${top}${heading}${history}`,
    color: REVIEW_COLORS[status],
    fields,
    footer,
  };
  const ts = isoTimestamp(review.createdAt);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)] };
}
