import { DEFAULT_USER, idDigits } from '../useapi/ids';

/** A Google Flow v1 job id (providers.md §1.1 b): the 13-digit doc examples and the 19-digit real ones. */
export const GOOGLE_FLOW_JOB_ID_PATTERN = /^j(\d{13,19})([iv])-u(\d+)-email:([^\s/?#]+)-bot:google-flow$/;
export const DEFAULT_EMAIL = 'someone@example.com';

export interface GoogleFlowJobIdOptions {
  /** Creation time, opening the id. Default: now. */
  at?: Date;
  /** 'i' image, 'v' video. Default: 'v'. */
  type?: 'i' | 'v';
  /** useapi.net account number. Default: 12345. */
  user?: number;
  /** The Google account the job ran on. Default: someone@example.com. */
  email?: string;
  /** The six digits after the milliseconds (for reproducible ids). Default: random. */
  suffix?: number;
}

/** `j` + 19 digits + i|v + `-u<user>-email:<email>-bot:google-flow`. */
export function makeGoogleFlowJobId(opts: GoogleFlowJobIdOptions = {}): string {
  const email = opts.email ?? DEFAULT_EMAIL;
  if (!/^[^\s/?#@]+@[^\s/?#@]+$/.test(email)) throw new Error(`makeGoogleFlowJobId: invalid email "${email}"`);
  return `j${idDigits(opts.at ?? new Date(), opts.suffix)}${opts.type ?? 'v'}-u${opts.user ?? DEFAULT_USER}-email:${email}-bot:google-flow`;
}

/** The account email of a well-formed id. */
export function emailOf(jobid: string): string | undefined {
  return GOOGLE_FLOW_JOB_ID_PATTERN.exec(jobid)?.[4];
}
