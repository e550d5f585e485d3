/**
 * The post in a server's review channel for a moderated job, with Dismiss / Warn / Block buttons.
 * Pure: records in, Discord API JSON out. Everything that came from a user or from upstream is
 * cleaned and cannot mention anyone.
 */
import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { FOOTER_TEXT, deriveJobView } from './jobView';
import { DISCORD_LIMITS, clampEmbed, embedLength, fitFields } from './limits';
import { isoTimestamp } from './markup';
import { PROMPT_SHOWN_MAX, type ButtonRow } from './render';
import { reviewButtonId, validReviewId, type ReviewAction } from './reviewIds';
import { spoileredMediaField } from './reviewMedia';
import { REVIEW_COLORS, STATUS_WORD, outcomeLine, reviewNumber, statusOf, trackedLine, type ReviewRecord } from './reviewStatus';
import { truncate } from './text';

function reviewButtons(review: ReviewRecord): ButtonRow[] {
  if (!validReviewId(review.id)) return [];
  const disabled = statusOf(review) !== 'pending';
  const button = (action: ReviewAction, label: string, style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger): APIButtonComponent => ({
    type: ComponentType.Button,
    style,
    label,
    custom_id: reviewButtonId(review.id, action),
    disabled,
  });
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        button('dismiss', 'Dismiss', ButtonStyle.Secondary),
        button('warn', 'Warn', ButtonStyle.Primary),
        button('block', 'Block', ButtonStyle.Danger),
      ],
    },
  ];
}

/**
 * Who tracked the job, the cleaned prompt, Midjourney's moderation details, when, the job id, and
 * the buttons. Once acted on: an outcome line, the status colour and the same buttons disabled.
 */
export function reviewPost(
  review: ReviewRecord,
  job: JobSnapshot,
  now: number,
): { embeds: APIEmbed[]; components: ButtonRow[] } {
  const L = DISCORD_LIMITS;
  const status = statusOf(review);
  const view = deriveJobView(job, now);
  const title =
    status === 'pending' ? 'Moderated prompt — review needed' : `Moderated prompt — ${STATUS_WORD[status].toLowerCase()}`;
  const footer = `${reviewNumber(review)} · ${FOOTER_TEXT}`;

  const head = [trackedLine(review)];
  const outcome = outcomeLine(review);
  if (outcome) head.unshift(outcome);
  const headText = head.join('\n');

  const idField: APIEmbedField = { name: 'Job id', value: view.jobIdCode, inline: false };
  const promptMax = Math.min(PROMPT_SHOWN_MAX, L.description - headText.length - 4);
  const prompt = view.prompt ? truncate(view.prompt, promptMax) : '';
  const description = `${headText}\n\n${prompt ? `> ${prompt}` : '*No prompt known for this job.*'}`;

  const media = spoileredMediaField(job);
  const fixedFields = media ? [idField, media] : [idField];
  const fixed = embedLength({ title, description, footer: { text: footer }, fields: fixedFields });
  const details = fitFields(view.details, L.total - fixed - 32, L.fields - fixedFields.length);
  if (details.length === 0) details.push({ name: 'Moderation details', value: 'Midjourney sent no details.', inline: false });

  const embed: APIEmbed = {
    title,
    description,
    color: REVIEW_COLORS[status],
    fields: [...fixedFields, ...details],
    footer: { text: footer },
  };
  const ts = isoTimestamp(review.createdAt);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)], components: reviewButtons(review) };
}
