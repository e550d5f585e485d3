export { startGoogleFlowEmulator, API_PATH } from './server';
export { makeGoogleFlowJobId, emailOf, GOOGLE_FLOW_JOB_ID_PATTERN, DEFAULT_EMAIL } from './ids';
export type { GoogleFlowJobIdOptions } from './ids';
export {
  flowRecordAt,
  flowAnswerAt,
  flowJobsList,
  flowTimeline,
  moderatedStep,
  terminalTimeOf,
  isRunning,
  signedUrl,
  localMediaUrl,
  checkSignedUrl,
  RUNNING_STATUSES,
  RETENTION_MS,
  URL_LIFETIME_MS,
  MEDIA_ORIGIN,
  DEFAULT_PROMPT,
  DEFAULT_FAILED_ERROR,
  DEFAULT_FAILED_CODE,
  DEFAULT_RESPONSE_ERROR,
  MODERATION_REASON,
} from './records';
export type * from './types';
