/** `/review list`: one page of a server's review queue. Pure: records in, Discord API JSON out. */
import { ButtonStyle, ComponentType, TimestampStyles, type APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { EMBED_COLORS, FOOTER_TEXT, deriveJobView } from './jobView';
import { DISCORD_LIMITS, clampEmbed } from './limits';
import { safeTime, safeUserMention } from './markup';
import type { ButtonRow } from './render';
import { MAX_PAGE, reviewPageId, type ReviewFilter } from './reviewIds';
import { STATUS_ICON, STATUS_WORD, statusOf, type ReviewRecord } from './reviewStatus';
import { inlineCode, joinWithinBudget, truncate } from './text';

/** `/review list` shows this many records a page (the data layer pages with the same number). */
export const REVIEW_PAGE_SIZE = 10;

const LIST_PROMPT_MAX = 100;
const LIST_ROW_MAX = 380;

function listRow(review: ReviewRecord, job: JobSnapshot, now: number): string {
  const status = statusOf(review);
  const view = deriveJobView(job, now);
  const lines = [
    `${STATUS_ICON[status]} **${STATUS_WORD[status]}** · ${safeUserMention(review.userId)} · ${safeTime(review.createdAt, TimestampStyles.RelativeTime)}`,
    inlineCode(job.jobId, 120),
    view.prompt ? `> ${truncate(view.prompt, LIST_PROMPT_MAX)}` : '> *no prompt known*',
  ];
  return truncate(lines.join('\n'), LIST_ROW_MAX);
}

/**
 * One page of the server's queue, newest first (the caller pages; rows are sorted by createdAt
 * here too). Prev/Next buttons `reviews:<filter>:<page>` (pages from 1) when there is more than
 * one page.
 */
export function reviewList(
  items: Array<{ review: ReviewRecord; job: JobSnapshot }>,
  opts: { page: number; pageCount: number; total: number; filter: ReviewFilter },
  now: number,
): { embeds: APIEmbed[]; components: ButtonRow[] } {
  const L = DISCORD_LIMITS;
  const filter = opts.filter === 'all' ? 'all' : 'pending';
  const pageCount = Math.min(MAX_PAGE, Math.max(1, Number.isFinite(opts.pageCount) ? Math.floor(opts.pageCount) : 1));
  const page = Math.min(pageCount, Math.max(1, Number.isFinite(opts.page) ? Math.floor(opts.page) : 1));
  const total = Math.max(items.length, Number.isFinite(opts.total) ? Math.floor(opts.total) : 0);
  const title = filter === 'pending' ? `Review queue — pending (${total})` : `Review queue — all (${total})`;

  if (items.length === 0) {
    const description =
      filter === 'pending'
        ? 'Nothing to review — no moderated jobs are waiting. 🎉'
        : 'Nothing to review — no job tracked in this server has been moderated.';
    const embed: APIEmbed = { title, description, color: EMBED_COLORS.completed, footer: { text: FOOTER_TEXT } };
    return { embeds: [clampEmbed(embed)], components: [] };
  }

  const sorted = [...items].sort((a, b) => {
    const ta = Number.isFinite(a.review.createdAt) ? a.review.createdAt : 0;
    const tb = Number.isFinite(b.review.createdAt) ? b.review.createdAt : 0;
    return tb - ta || b.review.id - a.review.id;
  });
  const footer = `Page ${page} of ${pageCount} · newest first · /review show jobid for the history`;
  const budget = Math.min(L.description, L.total - title.length - footer.length - 16);
  const description = joinWithinBudget(
    sorted.map((x) => listRow(x.review, x.job, now)),
    '\n\n',
    budget,
  );

  const anyPending = sorted.some((x) => statusOf(x.review) === 'pending');
  const embed: APIEmbed = {
    title,
    description,
    color: anyPending ? EMBED_COLORS.moderated : EMBED_COLORS.stopped,
    footer: { text: footer },
  };
  const components: ButtonRow[] = [];
  if (pageCount > 1) {
    const pageButton = (label: string, to: number, disabled: boolean) =>
      ({ type: ComponentType.Button, style: ButtonStyle.Secondary, label, custom_id: reviewPageId(filter, to), disabled }) as const;
    components.push({
      type: ComponentType.ActionRow,
      components: [pageButton('◀ Previous', Math.max(1, page - 1), page <= 1), pageButton('Next ▶', Math.min(pageCount, page + 1), page >= pageCount)],
    });
  }
  return { embeds: [clampEmbed(embed)], components };
}
