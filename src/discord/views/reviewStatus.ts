/**
 * What the review views know of a review, and how its status reads: icon, word, colour, and the
 * line saying who decided.
 */
import { TimestampStyles } from 'discord.js';
import type { ReviewStatus } from '../../db/schema';
import { EMBED_COLORS } from './jobView';
import { isKnownTime, safeTime, safeUserMention, whenText } from './markup';
import { validReviewId } from './reviewIds';

export type { ReviewStatus };

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

export const STATUS_ICON: Record<ReviewStatus, string> = {
  pending: '🟠',
  dismissed: '✅',
  warned: '⚠️',
  blocked: '⛔',
};

export const STATUS_WORD: Record<ReviewStatus, string> = {
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

export function statusOf(review: ReviewRecord): ReviewStatus {
  return review.status in STATUS_WORD ? review.status : 'pending';
}

/** `Review #12`, or `Review #?` for a record without a usable id. */
export function reviewNumber(review: ReviewRecord): string {
  return `Review #${validReviewId(review.id) ? review.id : '?'}`;
}

/** `Tracked by <@user> · moderated <t:…:f> (<t:…:R>)`. */
export function trackedLine(review: ReviewRecord): string {
  return `Tracked by ${safeUserMention(review.userId)} · moderated ${whenText(review.createdAt)}`;
}

/** `✅ Dismissed by <@admin> <t:…:R>`; null while pending. */
export function outcomeLine(review: ReviewRecord): string | null {
  const status = statusOf(review);
  if (status === 'pending') return null;
  const by = review.actedBy ? ` by ${safeUserMention(review.actedBy)}` : '';
  const at = isKnownTime(review.actedAt) ? ` ${safeTime(review.actedAt, TimestampStyles.RelativeTime)}` : '';
  const what =
    status === 'warned'
      ? ` — ${safeUserMention(review.userId)} was sent a short notice by DM.`
      : status === 'blocked'
        ? ` — ${safeUserMention(review.userId)} can no longer use /track in this server until unblocked.`
        : '';
  return `${STATUS_ICON[status]} **${STATUS_WORD[status]}**${by}${at}${what}`;
}
