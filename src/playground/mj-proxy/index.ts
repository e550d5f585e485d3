export { startMjProxyEmulator, DEFAULT_SECRET, DEFAULT_PREFIX, MEDIA_BASE } from './server';
export { makeMjProxyTaskId, MJ_PROXY_TASK_ID_PATTERN } from './ids';
export type { MjProxyTaskIdOptions } from './ids';
export { mjTaskAt, mjTimeline, isTerminal, terminalTimeOf, TERMINAL_STATUSES, DEFAULT_PROMPT, DEFAULT_FAIL_REASON, BANNED_FAIL_REASON } from './records';
export type * from './types';
