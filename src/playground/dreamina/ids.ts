import { DEFAULT_USER, idDigits } from '../useapi/ids';

/** A Dreamina v1 job id (providers.md §4): the letter after the digits picks `/videos/` (v) or `/images/` (i). */
export const DREAMINA_JOB_ID_PATTERN = /^j(\d{19})([iv])-u(\d+)-((?:US|CA):[^\s/?#]+)-bot:dreamina$/;
export const DEFAULT_ACCOUNT = 'US:someone@example.com';

export interface DreaminaJobIdOptions {
  /** Creation time, opening the id. Default: now. */
  at?: Date;
  /** 'i' images, 'v' video. Default: 'v'. */
  type?: 'i' | 'v';
  /** useapi.net account number. Default: 12345. */
  user?: number;
  /** `<REGION>:<email>` of the Dreamina account. Default: 'US:someone@example.com'. */
  account?: string;
  /** The six digits after the milliseconds (for reproducible ids). Default: random. */
  suffix?: number;
}

/** `j` + 19 digits + i|v + `-u<user>-<REGION>:<email>-bot:dreamina`. */
export function makeDreaminaJobId(opts: DreaminaJobIdOptions = {}): string {
  const account = opts.account ?? DEFAULT_ACCOUNT;
  if (!/^(US|CA):[^\s/?#@]+@[^\s/?#@]+$/.test(account)) throw new Error(`makeDreaminaJobId: account must be US:<email> or CA:<email>, got "${account}"`);
  return `j${idDigits(opts.at ?? new Date(), opts.suffix)}${opts.type ?? 'v'}-u${opts.user ?? DEFAULT_USER}-${account}-bot:dreamina`;
}

/** The `<REGION>:<email>` account of a well-formed id. */
export function accountOf(jobid: string): string | undefined {
  return DREAMINA_JOB_ID_PATTERN.exec(jobid)?.[4];
}

/** 'videos' or 'images': the path a well-formed id is read under. */
export function collectionOf(jobid: string): 'videos' | 'images' | undefined {
  const letter = DREAMINA_JOB_ID_PATTERN.exec(jobid)?.[2];
  return letter === undefined ? undefined : letter === 'v' ? 'videos' : 'images';
}
