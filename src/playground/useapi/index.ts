export { startUseapiEmulator, localMediaUrl, DEFAULT_TOKEN, JOBS_PATH, MEDIA_HOSTS } from './server';
export { encodePng, jobPicture } from './pictures';
export { makeJobId, parseJobId, channelOf, userOf, jobTypeOf, JOB_ID_PATTERN, DEFAULT_USER, DEFAULT_CHANNEL } from './ids';
export type { JobIdOptions, JobIdParts } from './ids';
export { timeline } from './timeline';
export type { TimelineOptions } from './timeline';
export {
  jobRecordAt,
  jobAnswerAt,
  cancelledScript,
  terminalTimeOf,
  runningJobsList,
  isRunning,
  RUNNING_STATUSES,
  RETENTION_MS,
  CHANNEL_MAX_JOBS,
  DEFAULT_PROMPT,
  CANCELLED_ERROR,
  DEFAULT_FAILED_ERROR,
  DEFAULT_FAILED_CODE,
  REFUSED_ERROR,
  REFUSED_DETAILS,
  REFUSED_CODE,
  refusedStep,
  capturedCompletedStep,
} from './records';
export {
  DISCORD_USER_MENTION,
  MODERATED_ERROR,
  MODERATED_DETAILS,
  MODERATED_CODE,
  CAPTURED_PROMPT_SUFFIX,
  CAPTURED_SECOND_LINE,
  CAPTURED_BUTTONS,
} from './message';
export type * from './types';
