export { startDreaminaEmulator, API_PATH } from './server';
export { makeDreaminaJobId, accountOf, collectionOf, DREAMINA_JOB_ID_PATTERN, DEFAULT_ACCOUNT } from './ids';
export type { DreaminaJobIdOptions } from './ids';
export {
  dreaminaRecordAt,
  dreaminaAnswerAt,
  dreaminaScheduler,
  dreaminaTimeline,
  terminalTimeOf,
  localMediaUrl,
  VIDEO_ORIGIN,
  PICTURE_ORIGIN,
  isRunning,
  RUNNING_STATUSES,
  RETENTION_MS,
  DEFAULT_PROMPT,
  DEFAULT_FAILED_ERROR,
  DEFAULT_FAILED_DETAILS,
} from './records';
export type * from './types';
