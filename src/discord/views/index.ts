export { trackingMessage } from './tracking';
export { resultDm, messageLostDm, messageLink, type MessageWhere } from './dm';
export { jobListMessage, type JobListRow } from './jobList';
export { EMBED_COLORS, PROBLEM_HEADLINES, PROBLEM_TEXTS, FOOTER_TEXT, deriveJobView, type JobView } from './jobView';
export { DISCORD_LIMITS, embedLength, embedsLength, clampEmbed } from './limits';
export { cleanPrompt, progressBar, truncate, formatDuration } from './text';
export {
  REVIEW_ACTIONS,
  REVIEW_COLORS,
  REVIEW_PAGE_SIZE,
  reviewButtonId,
  parseReviewButtonId,
  reviewPageId,
  parseReviewPageId,
  reviewPost,
  reviewList,
  reviewDetail,
  warnDm,
  type ReviewAction,
  type ReviewEvent,
  type ReviewRecord,
  type ReviewStatus,
} from './review';
export type { AccountIncidentKind } from '../../domain/job';
export {
  settingsView,
  blocksView,
  accountAlert,
  accountRecovered,
  type GuildSettingsView,
} from './admin';
