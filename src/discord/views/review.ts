/**
 * The review queue as people see it: the post in a server's review channel, `/review list`,
 * `/review show` and the fixed Warn DM. Pure: records in, Discord API JSON out.
 *
 * Mentions of people (`<@id>`) are built here on purpose; delivery sends `allowed_mentions: none`,
 * so they render as names without pinging. Everything that came from a user or from upstream
 * (prompt, moderation texts, event details, guild name) is cleaned and cannot mention anyone.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { EMBED_COLORS, FOOTER_TEXT, deriveJobView, type DetailField } from './jobView';
import { DISCORD_LIMITS, clampEmbed } from './limits';
import { PROMPT_SHOWN_MAX } from './render';
import { cleanPrompt, cleanText, inlineCode, joinWithinBudget, truncate } from './text';

export type ReviewStatus = 'pending' | 'dismissed' | 'warned' | 'blocked';

export interface ReviewRecord {
  id: number;
  guildId: string;
  jobId: string;
  userId: string;
  status: ReviewStatus;
  createdAt: number;
  actedBy: string | null;
  actedAt: number | null;
}

/** One line of a review's history. `action` e.g. created | posted | dismissed | warned | blocked | unblocked | post_failed. */
export interface ReviewEvent {
  at: number;
  actorId: string | null;
  action: string;
  detail: string | null;
}

export const REVIEW_ACTIONS = ['dismiss', 'warn', 'block'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** `/review list` shows this many records a page (the data layer pages with the same number). */
export const REVIEW_PAGE_SIZE = 10;

type ButtonRow = APIActionRowComponent<APIButtonComponent>;

// ---------------------------------------------------------------------------------------------
// Small shared pieces (also used by admin.ts)

const SNOWFLAKE = /^\d{1,20}$/;

/** `<@id>` for a Discord user id; anything that is not a snowflake shows as inline code. */
export function userMention(id: string | null | undefined): string {
  if (typeof id !== 'string' || !id) return 'someone unknown';
  return SNOWFLAKE.test(id) ? `<@${id}>` : inlineCode(id, 40);
}

/** `<#id>` for a channel id, or null when it is not a snowflake. */
export function channelMention(id: string | null | undefined): string | null {
  return typeof id === 'string' && SNOWFLAKE.test(id) ? `<#${id}>` : null;
}

/** `<@&id>` for a role id, or null when it is not a snowflake. */
export function roleMention(id: string | null | undefined): string | null {
  return typeof id === 'string' && SNOWFLAKE.test(id) ? `<@&${id}>` : null;
}

/** Discord timestamp markup `<t:unix:style>` (shown in each reader's own time zone). */
export function discordTime(ms: number, style: 'f' | 'R' | 'd' | 'D' | 't' | 'F' = 'f'): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return 'an unknown time';
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}

/** `<t:…:f> (<t:…:R>)`, or "an unknown time". */
export function whenText(ms: number): string {
  const f = discordTime(ms, 'f');
  return f.startsWith('<t:') ? `${f} (${discordTime(ms, 'R')})` : f;
}

/** ISO 8601 for an embed's `timestamp`, or undefined for an impossible time. */
export function isoTimestamp(ms: number): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

// ---------------------------------------------------------------------------------------------
// custom_id routing

const REVIEW_ID = /^review:([1-9]\d{0,15}):(dismiss|warn|block)$/;
const PAGE_ID = /^reviews:(pending|all):([1-9]\d{0,8})$/;

function validReviewId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

/**
 * `review:<id>:<action>`, at most 31 characters. Review ids are database row ids (positive safe
 * integers); anything else throws a RangeError rather than making a button no handler can route.
 */
export function reviewButtonId(reviewId: number, action: ReviewAction): string {
  if (!validReviewId(reviewId)) throw new RangeError(`not a review id: ${String(reviewId)}`);
  if (!(REVIEW_ACTIONS as readonly string[]).includes(action)) throw new RangeError(`not a review action: ${String(action)}`);
  return `review:${reviewId}:${action}`;
}

export function parseReviewButtonId(customId: string): { reviewId: number; action: ReviewAction } | null {
  if (typeof customId !== 'string') return null;
  const m = REVIEW_ID.exec(customId);
  if (!m) return null;
  const reviewId = Number(m[1]);
  if (!validReviewId(reviewId)) return null;
  return { reviewId, action: m[2] as ReviewAction };
}

/** Page numbers in a `custom_id` stop here; a list never shows more pages than that. */
const MAX_PAGE = 999_999_999;

/** `reviews:<pending|all>:<page>`, pages counted from 1. */
export function reviewPageId(filter: 'pending' | 'all', page: number): string {
  return `reviews:${filter === 'pending' ? 'pending' : 'all'}:${Math.max(1, Math.min(MAX_PAGE, Math.floor(page) || 1))}`;
}

export function parseReviewPageId(customId: string): { filter: 'pending' | 'all'; page: number } | null {
  if (typeof customId !== 'string') return null;
  const m = PAGE_ID.exec(customId);
  if (!m) return null;
  return { filter: m[1] as 'pending' | 'all', page: Number(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// Words and colours per status

const STATUS_ICON: Record<ReviewStatus, string> = {
  pending: '🟠',
  dismissed: '✅',
  warned: '⚠️',
  blocked: '⛔',
};

const STATUS_WORD: Record<ReviewStatus, string> = {
  pending: 'Pending',
  dismissed: 'Dismissed',
  warned: 'Warned',
  blocked: 'Blocked',
};

/** Pending: moderated orange; dismissed: grey (closed, nothing done); warned: yellow; blocked: red. */
export const REVIEW_COLORS: Record<ReviewStatus, number> = {
  pending: EMBED_COLORS.moderated,
  dismissed: EMBED_COLORS.stopped,
  warned: EMBED_COLORS.attention,
  blocked: EMBED_COLORS.failed,
};

function statusOf(review: ReviewRecord): ReviewStatus {
  return review.status in STATUS_WORD ? review.status : 'pending';
}

/** `✅ Dismissed by <@admin> <t:…:R>`; null while pending. */
function outcomeLine(review: ReviewRecord): string | null {
  const status = statusOf(review);
  if (status === 'pending') return null;
  const by = review.actedBy ? ` by ${userMention(review.actedBy)}` : '';
  const at = review.actedAt !== null && discordTime(review.actedAt, 'R').startsWith('<t:') ? ` ${discordTime(review.actedAt, 'R')}` : '';
  const what =
    status === 'warned'
      ? ` — ${userMention(review.userId)} was sent a short notice by DM.`
      : status === 'blocked'
        ? ` — ${userMention(review.userId)} can no longer use /track in this server until unblocked.`
        : '';
  return `${STATUS_ICON[status]} **${STATUS_WORD[status]}**${by}${at}${what}`;
}

/** Fit the moderation details into `room` characters (names + values), each value ≤ 1024. */
function detailFields(details: readonly DetailField[], room: number, maxFields: number): APIEmbedField[] {
  const L = DISCORD_LIMITS;
  const list = details.slice(0, Math.max(0, maxFields));
  if (list.length === 0) return [];
  const names = list.map((d) => truncate(d.name, L.fieldName) || 'Details');
  const namesLen = names.reduce((n, s) => n + s.length, 0);
  const want = list.reduce((n, d) => n + Math.min(d.value.length, L.fieldValue), 0);
  const per =
    namesLen + want <= room ? L.fieldValue : Math.max(16, Math.floor((room - namesLen) / list.length));
  return list.map((d, i) => ({
    name: names[i]!,
    value: truncate(d.value, Math.min(L.fieldValue, per)) || '—',
    inline: false,
  }));
}

const fieldsLength = (fields: readonly APIEmbedField[]): number =>
  fields.reduce((n, f) => n + f.name.length + f.value.length, 0);

function reviewButtons(review: ReviewRecord): ButtonRow[] {
  if (!validReviewId(review.id)) return [];
  const disabled = statusOf(review) !== 'pending';
  const button = (action: ReviewAction, label: string, style: 1 | 2 | 4): APIButtonComponent => ({
    type: 2,
    style,
    label,
    custom_id: reviewButtonId(review.id, action),
    disabled,
  });
  return [
    {
      type: 1,
      components: [button('dismiss', 'Dismiss', 2), button('warn', 'Warn', 1), button('block', 'Block', 4)],
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The review-channel post

/**
 * The post in the server's review channel: who tracked the job, the cleaned prompt, Midjourney's
 * moderation details, when, the job id, and Dismiss / Warn / Block buttons. Once acted on: an
 * outcome line, the status colour and the same buttons disabled.
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
  const footer = `Review #${validReviewId(review.id) ? review.id : '?'} · ${FOOTER_TEXT}`;

  const head = [`Tracked by ${userMention(review.userId)} · moderated ${whenText(review.createdAt)}`];
  const outcome = outcomeLine(review);
  if (outcome) head.unshift(outcome);
  const headText = head.join('\n');

  const idField: APIEmbedField = { name: 'Job id', value: view.jobIdCode, inline: false };
  const promptMax = Math.min(PROMPT_SHOWN_MAX, L.description - headText.length - 4);
  const prompt = view.prompt ? truncate(view.prompt, promptMax) : '';
  const description = `${headText}\n\n${prompt ? `> ${prompt}` : '*No prompt known for this job.*'}`;

  const fixed = title.length + footer.length + description.length + fieldsLength([idField]);
  const details = detailFields(view.details, L.total - fixed - 32, L.fields - 1);
  if (details.length === 0) details.push({ name: 'Moderation details', value: 'Midjourney sent no details.', inline: false });

  const embed: APIEmbed = {
    title,
    description,
    color: REVIEW_COLORS[status],
    fields: [idField, ...details],
    footer: { text: footer },
  };
  const ts = isoTimestamp(review.createdAt);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)], components: reviewButtons(review) };
}

// ---------------------------------------------------------------------------------------------
// /review list

const LIST_PROMPT_MAX = 100;
const LIST_ROW_MAX = 380;

function listRow(review: ReviewRecord, job: JobSnapshot, now: number): string {
  const status = statusOf(review);
  const view = deriveJobView(job, now);
  const lines = [
    `${STATUS_ICON[status]} **${STATUS_WORD[status]}** · ${userMention(review.userId)} · ${discordTime(review.createdAt, 'R')}`,
    inlineCode(job.jobId, 120),
    view.prompt ? `> ${truncate(view.prompt, LIST_PROMPT_MAX)}` : '> *no prompt known*',
  ];
  return truncate(lines.join('\n'), LIST_ROW_MAX);
}

/**
 * `/review list`: one page of the server's queue, newest first (the caller pages; rows are sorted
 * by createdAt here too). Prev/Next buttons `reviews:<filter>:<page>` (pages from 1) when there is
 * more than one page.
 */
export function reviewList(
  items: Array<{ review: ReviewRecord; job: JobSnapshot }>,
  opts: { page: number; pageCount: number; total: number; filter: 'pending' | 'all' },
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
    components.push({
      type: 1,
      components: [
        { type: 2, style: 2, label: '◀ Previous', custom_id: reviewPageId(filter, Math.max(1, page - 1)), disabled: page <= 1 },
        {
          type: 2,
          style: 2,
          label: 'Next ▶',
          custom_id: reviewPageId(filter, Math.min(pageCount, page + 1)),
          disabled: page >= pageCount,
        },
      ],
    });
  }
  return { embeds: [clampEmbed(embed)], components };
}

// ---------------------------------------------------------------------------------------------
// /review show

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

/** A `post_failed` detail, `<channel id>: <why>`, as `<#channel>` and the cleaned reason; null when it is not one. */
export function postFailure(detail: string | null | undefined): { channel: string; reason: string } | null {
  const match = typeof detail === 'string' ? /^(\d{1,20}): (.+)$/s.exec(detail.trim()) : null;
  const channel = match && channelMention(match[1]);
  const reason = match && truncate(cleanText(match[2]!).replace(/\s+/g, ' '), EVENT_DETAIL_MAX);
  return channel && reason ? { channel, reason } : null;
}

function eventLine(e: ReviewEvent): string {
  const actor = e.actorId ? userMention(e.actorId) : 'the bot';
  const failure = e.action === 'post_failed' ? postFailure(e.detail) : null;
  if (failure) return `${discordTime(e.at, 'f')} · ${actor} · Could not post to ${failure.channel}: ${failure.reason}`;
  const action =
    typeof e.action === 'string' && Object.hasOwn(ACTION_WORDS, e.action)
      ? ACTION_WORDS[e.action]!
      : truncate(cleanPrompt(String(e.action ?? '')), 40) || 'Unknown action';
  let detail = '';
  if (typeof e.detail === 'string' && e.detail.trim()) {
    const channel = e.action === 'posted' ? channelMention(e.detail.trim()) : null;
    detail = channel ? ` in ${channel}` : ` — ${truncate(cleanText(e.detail).replace(/\s+/g, ' '), EVENT_DETAIL_MAX)}`;
    if (detail === ' — ') detail = '';
  }
  return `${discordTime(e.at, 'f')} · ${actor} · ${action}${detail}`;
}

/** `/review show`: the record, the job's prompt and moderation details, and its full history. */
export function reviewDetail(
  review: ReviewRecord,
  job: JobSnapshot,
  events: ReviewEvent[],
  now: number,
): { embeds: APIEmbed[] } {
  const L = DISCORD_LIMITS;
  const status = statusOf(review);
  const view = deriveJobView(job, now);
  const title = `${STATUS_ICON[status]} Review #${validReviewId(review.id) ? review.id : '?'} — ${STATUS_WORD[status]}`;
  const footer = FOOTER_TEXT;

  const head = [`Tracked by ${userMention(review.userId)} · moderated ${whenText(review.createdAt)}`];
  const outcome = outcomeLine(review);
  if (outcome) head.push(outcome);
  const prompt = view.prompt ? `> ${truncate(view.prompt, 600)}` : '*No prompt known for this job.*';
  const top = `${head.join('\n')}\n\n${prompt}`;

  const idField: APIEmbedField = { name: 'Job id', value: view.jobIdCode, inline: false };
  // Moderation details get at most 2,000 characters here: the history is what /review show is for.
  const detailRoom = Math.max(0, Math.min(2000, L.total - title.length - footer.length - top.length - fieldsLength([idField]) - 600));
  const details = detailFields(view.details, detailRoom, L.fields - 1);
  const fields = [idField, ...details];

  // The history fills what is left of the description and the total, newest events kept.
  const heading = '\n\n**History**\n';
  const room = Math.min(
    L.description - top.length - heading.length,
    L.total - title.length - footer.length - top.length - heading.length - fieldsLength(fields) - 16,
  );
  const lines = (Array.isArray(events) ? events : []).map(eventLine);
  let history: string;
  if (lines.length === 0) {
    history = 'No events recorded.';
  } else {
    const kept: string[] = [];
    let used = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      const earlier = i; // events before this one that would be left out
      const reserve = earlier > 0 ? `…${earlier} earlier events not shown\n`.length : 0;
      if (used + line.length + 1 + reserve > room) break;
      kept.unshift(line);
      used += line.length + 1;
    }
    const hidden = lines.length - kept.length;
    if (hidden > 0) kept.unshift(`…${hidden} earlier event${hidden === 1 ? '' : 's'} not shown`);
    history = kept.join('\n');
  }

  const embed: APIEmbed = {
    title,
    description: `${top}${heading}${history}`,
    color: REVIEW_COLORS[status],
    fields,
    footer: { text: footer },
  };
  const ts = isoTimestamp(review.createdAt);
  if (ts) embed.timestamp = ts;
  return { embeds: [clampEmbed(embed)] };
}

// ---------------------------------------------------------------------------------------------
// The Warn DM

/** The fixed DM a person gets when an admin presses Warn. Short, calm, no prompt text echoed. */
export function warnDm(guildName: string | null, jobId: string): { content: string } {
  const name = typeof guildName === 'string' ? truncate(cleanPrompt(guildName), 100) : '';
  const from = name ? `the admins of **${name}**` : 'the admins of a server where you track Midjourney jobs';
  const content = [
    `Hello — a short note from ${from}.`,
    `Midjourney's moderation stopped the prompt of your job ${inlineCode(String(jobId ?? ''), 120)}.`,
    "Please keep prompts within Midjourney's community guidelines: repeated moderation puts the Midjourney account this server shares at risk of a ban.",
    'No reply is needed. Thank you!',
  ].join('\n');
  return { content: truncate(content, DISCORD_LIMITS.content) };
}
