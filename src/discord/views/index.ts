export { trackingMessage } from './tracking';
export { resultDm, messageLostDm, messageLink, type MessageWhere } from './dm';
export { jobListMessage, type JobListRow } from './jobList';
export { EMBED_COLORS, FOOTER_TEXT, deriveJobView, type JobView } from './jobView';
export { PROBLEM_HEADLINES, PROBLEM_TEXTS } from './problemTexts';
export { DISCORD_LIMITS, embedLength, embedsLength, clampEmbed } from './limits';
export { cleanPrompt, progressBar, truncate, formatDuration } from './text';
export { REVIEW_ACTIONS, reviewButtonId, parseReviewButtonId, reviewPageId, parseReviewPageId, type ReviewAction } from './reviewIds';
export { REVIEW_COLORS, type ReviewEvent, type ReviewRecord, type ReviewStatus } from './reviewStatus';
export { reviewPost } from './reviewPost';
export { REVIEW_PAGE_SIZE, reviewList } from './reviewList';
export { reviewDetail } from './reviewDetail';
export { warnDm } from './warnDm';
export type { AccountIncidentKind } from '../../domain/job';
export {
  settingsView,
  blocksView,
  accountAlert,
  accountRecovered,
  type GuildSettingsView,
} from './admin';
