/**
 * The `custom_id`s of the review buttons, `review:<id>:<action>`, and of the list's page buttons,
 * `reviews:<pending|all>:<page>`: made here, read back here, so a button always reaches a handler.
 */
export const REVIEW_ACTIONS = ['dismiss', 'warn', 'block'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export type ReviewFilter = 'pending' | 'all';

const REVIEW_ID = /^review:([1-9]\d{0,15}):(dismiss|warn|block)$/;
const PAGE_ID = /^reviews:(pending|all):([1-9]\d{0,8})$/;

/** Page numbers in a `custom_id` stop here; a list never shows more pages than that. */
export const MAX_PAGE = 999_999_999;

/** Review ids are database row ids: positive safe integers. */
export function validReviewId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

/**
 * `review:<id>:<action>`, at most 31 characters. Anything but a review id and action throws a
 * RangeError rather than making a button no handler can route.
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

/** `reviews:<pending|all>:<page>`, pages counted from 1. */
export function reviewPageId(filter: ReviewFilter, page: number): string {
  return `reviews:${filter === 'pending' ? 'pending' : 'all'}:${Math.max(1, Math.min(MAX_PAGE, Math.floor(page) || 1))}`;
}

export function parseReviewPageId(customId: string): { filter: ReviewFilter; page: number } | null {
  if (typeof customId !== 'string') return null;
  const m = PAGE_ID.exec(customId);
  if (!m) return null;
  return { filter: m[1] as ReviewFilter, page: Number(m[2]) };
}
