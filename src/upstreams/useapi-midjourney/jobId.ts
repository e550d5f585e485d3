/** A v3 Midjourney job id: `j` + MMddHHmmss + 9 digits + i|v, the useapi account, the Discord channel. */
const V3_JOB_ID = /^j(\d{10})(\d{9})([iv])-u(\d+)-c(\d{17,20})-bot:midjourney$/;
/** The older v2 shape: `job:20250822143812123-user:12345-channel:…-bot:midjourney`. */
const V2_JOB_ID = /^job:\d{14,17}-user:\d+-channel:\d+-bot:midjourney$/;

export interface JobId {
  id: string;
  type: 'image' | 'video';
  account: string;
  channel: string;
}

export type JobIdParse = { ok: true; jobId: JobId } | { ok: false; reason: 'empty' | 'v2' | 'too_long' | 'malformed' };

const MAX_INPUT_LENGTH = 200;

export function parseJobId(input: string): JobIdParse {
  let text = input.trim().replace(/^`+|`+$/g, '');
  if (text === '') return { ok: false, reason: 'empty' };
  if (text.length > MAX_INPUT_LENGTH) return { ok: false, reason: 'too_long' };
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }
  const match = V3_JOB_ID.exec(text);
  if (match) {
    const [, , , type, account, channel] = match as unknown as [string, string, string, 'i' | 'v', string, string];
    return { ok: true, jobId: { id: text, type: type === 'v' ? 'video' : 'image', account, channel } };
  }
  if (V2_JOB_ID.test(text)) return { ok: false, reason: 'v2' };
  return { ok: false, reason: 'malformed' };
}

export function jobIdProblemText(reason: Exclude<JobIdParse, { ok: true }>['reason']): string {
  switch (reason) {
    case 'empty':
      return 'Give me a job id, for example `j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney`.';
    case 'too_long':
      return 'That is far too long to be a useapi.net job id.';
    case 'v2':
      return (
        'That is a useapi.net **v2** job id (`job:…-user:…-channel:…`). This bot follows **v3** jobs, whose ids look like ' +
        '`j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney`. Jobs made through the v2 API cannot be read through v3.'
      );
    case 'malformed':
      return (
        'That does not look like a useapi.net Midjourney v3 job id. It should look like ' +
        '`j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney` (copy the `jobid` field of the API response).'
      );
  }
}
