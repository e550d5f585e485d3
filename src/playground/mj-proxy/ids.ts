import { randomInt } from 'node:crypto';

/** novicezk and trueai: epoch milliseconds (13 digits) and 3 random digits (providers.md §2 b). */
export const MJ_PROXY_TASK_ID_PATTERN = /^\d{16}$/;

export interface MjProxyTaskIdOptions {
  /** Submit time, its epoch milliseconds opening the id. Default: now. */
  at?: Date;
  /** The last three digits, 0 to 999 (for reproducible ids). Default: random. */
  suffix?: number;
}

export function makeMjProxyTaskId(opts: MjProxyTaskIdOptions = {}): string {
  const ms = (opts.at ?? new Date()).getTime();
  if (!Number.isSafeInteger(ms) || ms < 1e12 || ms >= 1e13) throw new Error('makeMjProxyTaskId: the time must have 13 digits of epoch milliseconds');
  return `${ms}${String(opts.suffix ?? randomInt(0, 1000)).padStart(3, '0')}`;
}
