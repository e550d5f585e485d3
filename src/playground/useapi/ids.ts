import { randomInt } from 'node:crypto';
import type { JobType } from './types';

/** A v3 Midjourney job id (§2.1). */
export const JOB_ID_PATTERN = /^j(\d{10})(\d{3})(\d{6})([iv])-u(\d+)-c(\d{17,20})-bot:midjourney$/;

export const DEFAULT_USER = 12345;
export const DEFAULT_CHANNEL = '1234567890123456789';

export interface JobIdOptions {
  /** Creation time; its UTC MMddHHmmss and milliseconds open the id. Default: now. */
  at?: Date;
  /** 'i' image, 'v' video. Default: 'i'. */
  type?: 'i' | 'v';
  /** useapi.net account number. Default: 12345 (the default token's user). */
  user?: number;
  /** Discord channel snowflake, 17 to 20 digits. Default: '1234567890123456789'. */
  channel?: string;
  /** The six digits after the milliseconds, 0 to 999,999 (for reproducible ids). Default: random. */
  suffix?: number;
}

/** `j` + MMddHHmmss (UTC) + ms (3 digits) + 6 random digits + i|v + `-u<user>-c<channel>-bot:midjourney`. */
export function makeJobId(opts: JobIdOptions = {}): string {
  const at = opts.at ?? new Date();
  const user = opts.user ?? DEFAULT_USER;
  const channel = opts.channel ?? DEFAULT_CHANNEL;
  if (Number.isNaN(at.getTime())) throw new Error('makeJobId: invalid date');
  if (!Number.isSafeInteger(user) || user < 0) throw new Error(`makeJobId: invalid user ${user}`);
  if (!/^\d{17,20}$/.test(channel)) throw new Error(`makeJobId: channel must be 17 to 20 digits, got "${channel}"`);

  return `j${idDigits(at, opts.suffix)}${opts.type ?? 'i'}-u${user}-c${channel}-bot:midjourney`;
}

/**
 * The 19 digits that open every useapi.net job id: UTC MMddHHmmss, milliseconds (3 digits), then
 * `suffix` (6 digits, default random).
 */
export function idDigits(at: Date, suffix = randomInt(0, 1_000_000)): string {
  if (Number.isNaN(at.getTime())) throw new Error('invalid date for a job id');
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    two(at.getUTCMonth() + 1) +
    two(at.getUTCDate()) +
    two(at.getUTCHours()) +
    two(at.getUTCMinutes()) +
    two(at.getUTCSeconds()) +
    String(at.getUTCMilliseconds()).padStart(3, '0');
  return stamp + String(suffix).padStart(6, '0');
}

export interface JobIdParts {
  type: JobType;
  user: string;
  channel: string;
}

/** The parts of a well-formed v3 id; undefined otherwise. */
export function parseJobId(jobid: string): JobIdParts | undefined {
  const match = JOB_ID_PATTERN.exec(jobid);
  if (!match) return undefined;
  const [, , , , type, user, channel] = match as unknown as [string, string, string, string, 'i' | 'v', string, string];
  return { type: type === 'v' ? 'video' : 'image', user, channel };
}

/** The `c<digits>` channel of any id that has one (even a loosely formed one). */
export function channelOf(jobid: string): string | undefined {
  return /-c(\d+)-/.exec(jobid)?.[1];
}

/** The job type its id's type letter names (`j…v-` is video); image otherwise. */
export function jobTypeOf(jobid: string): JobType {
  return /^j\d+v-/.test(jobid) ? 'video' : 'image';
}

/** The `u<digits>` account of any id that has one. */
export function userOf(jobid: string): string | undefined {
  return /-u(\d+)-/.exec(jobid)?.[1];
}
