import { z } from 'zod';
import { stringifyUpstream } from '../../domain/text';
import { useapiJobSchema } from '../useapi/jobRecord';
import { withLinkExpiry } from '../../domain/linkExpiry';
import { clampPercent, keepsMedia, type JobReading, type JobStatus, type ReadingDetail, type ResultMedia, type Stage } from '../../domain/job';

const link = z.object({ id: z.number().optional(), url: z.string() }).loose();

const embed = z
  .object({
    type: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    color: z.number().optional(),
  })
  .loose();

const attachment = z
  .object({
    url: z.string(),
    proxy_url: z.string().optional(),
    filename: z.string().optional(),
    width: z.number().nullish(),
    height: z.number().nullish(),
  })
  .loose();

/** Lenient on purpose: unknown fields pass through, optional parts may be missing. */
export const upstreamJobSchema = useapiJobSchema.extend({
  verb: z.string().optional(),
  jobType: z.string().optional(),
  response: z
    .object({
      content: z.string().optional(),
      progress_percent: z.number().optional(),
      attachments: z.array(attachment).optional(),
      imageUx: z.array(link).optional(),
      videoUx: z.array(link).optional(),
      embeds: z.array(embed).optional(),
      buttons: z.array(z.unknown()).optional(),
    })
    .loose()
    .optional(),
});

export type UpstreamJob = z.infer<typeof upstreamJobSchema>;

/** Midjourney's own moderation wording, in its embeds or passed on in `error` / `errorDetails`. */
const MODERATION_WORDING = /action needed to continue|banned prompt|community standards|ai moderators|appeal/i;

/**
 * useapi reports a request Midjourney would not run at all (e.g. a `--video` prompt without a start
 * image) as `moderated` too: code 422, error "Invalid request", the reason in `errorDetails`. That
 * is nobody's misconduct, so it must not reach the admins' review queue. Only that exact
 * combination, with no moderation wording anywhere, counts as a refusal: anything less certain is
 * treated as moderation, since a missed moderation matters more than an extra review.
 */
export function isRefusedRequest(job: UpstreamJob): boolean {
  if (job.status !== 'moderated' || job.code !== 422 || job.error !== 'Invalid request') return false;
  const texts = [job.errorDetails, ...(job.response?.embeds ?? []).flatMap((e) => [e.title, e.description])];
  return !texts.some((text) => typeof text === 'string' && MODERATION_WORDING.test(text));
}

/**
 * Midjourney's words after the prompt and the mention: `**prompt** - <@id> (31%) (fast)` → ` (31%) (fast)`.
 * The last such part on its line: a prompt can imitate one, but the real one comes after it.
 */
const STATUS_PART = /^[\s\S]*\*\*\s+-\s+<@!?\d+>([^\n]*)/;

/** How far Midjourney says a job is, 0..100: `progress_percent`, else the "(NN%)" of its status words, never the prompt's. */
export function reportedProgress(response: UpstreamJob['response']): number | null {
  const percent = clampPercent(response?.progress_percent);
  if (percent !== null) return percent;
  const status = STATUS_PART.exec(response?.content ?? '')?.[1];
  const match = status === undefined ? null : /\((\d{1,3})%\)/.exec(status);
  return match ? clampPercent(Number(match[1])) : null;
}

/** Midjourney's words for an account in trouble (not "Banned prompt detected", which is about one prompt). */
export const ACCOUNT_WARNING = /captcha|verify (?:that )?you are (?:a )?human|(?:account|you) (?:has|have) been (?:banned|suspended|blocked)|pending moderation/i;

/**
 * Midjourney's notice about the account in a job record, if any: only its system embeds and
 * useapi's error fields can carry one. The message text holds the prompt, which anyone can write,
 * so it is never read for this; the prompt, and anything quoted as `code`, is cut out of the rest.
 */
function accountWarningIn(upstream: UpstreamJob): string | null {
  const prompt = upstream.request?.prompt?.trim();
  const texts = [...(upstream.response?.embeds ?? []).flatMap((e) => [e.title, e.description]), upstream.error, upstream.errorDetails];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    const words = ACCOUNT_WARNING.exec((prompt ? text.split(prompt).join(' ') : text).replace(/`[^`]*`/g, ' '));
    if (words) return words[0];
  }
  return null;
}

const STAGES: Record<string, Stage> = {
  created: { label: 'Queued', note: "Midjourney accepted the job; it's waiting in the queue.", withPercent: false },
  started: { label: 'Starting', note: 'Midjourney is starting the job.', withPercent: false },
  progress: { label: 'Rendering', note: null, withPercent: true },
  completed: { label: 'Completed', note: null, withPercent: false },
  failed: { label: 'Failed', note: null, withPercent: false },
  moderated: { label: 'Moderated', note: null, withPercent: false },
};

function statusOf(job: UpstreamJob): JobStatus {
  switch (job.status) {
    case 'created':
      return 'queued';
    case 'started':
    case 'progress':
      return 'running';
    case 'completed':
    case 'failed':
      return job.status;
    case 'moderated':
      return isRefusedRequest(job) ? 'refused' : 'moderated';
    default:
      // `cancelled` (v2) and anything new: shown as it is, and the job is over.
      return 'unknown';
  }
}

/** The prompt inside Midjourney's message text: `**prompt** - <@id> (31%) (fast)`. */
export function promptFromContent(content: string): string | null {
  const bold = /^\s*\*\*([\s\S]*)\*\*\s+-\s+/.exec(content);
  if (bold?.[1]?.trim()) return bold[1];
  const stripped = content.replace(/\s+-\s+<@[^>]*>[\s\S]*$/, '').trim();
  return stripped || null;
}

function promptOf(job: UpstreamJob): string | null {
  const prompt = job.request?.prompt;
  if (typeof prompt === 'string' && prompt.trim()) return prompt;
  return typeof job.response?.content === 'string' ? promptFromContent(job.response.content) : null;
}

/** The grid (the Discord attachment, else the first image), the `imageUx` images, and for a video job the `videoUx` videos. */
function mediaOf(job: UpstreamJob): ResultMedia[] {
  if (!keepsMedia(statusOf(job))) return [];
  const r = job.response;
  const media: ResultMedia[] = [];
  const grid = r?.attachments?.[0]?.url ?? r?.imageUx?.[0]?.url;
  if (typeof grid === 'string') media.push({ kind: 'image', url: grid, role: 'grid' });
  for (const item of r?.imageUx ?? []) media.push({ kind: 'image', url: item.url });
  const isVideo = job.jobType === 'video' || (r?.videoUx?.length ?? 0) > 0;
  if (isVideo) for (const item of r?.videoUx ?? []) media.push({ kind: 'video', url: item.url });
  // The grid is a Discord attachment, signed with `ex=`; the cdn.midjourney.com links are not signed.
  return media.map(withLinkExpiry);
}

const textOf = (value: unknown): string | null => stringifyUpstream(value) || null;

/** Midjourney's embeds (moderation notices), then useapi's error, errorDetails and code. */
function detailsOf(job: UpstreamJob, status: JobStatus): ReadingDetail[] {
  const out: ReadingDetail[] = [];
  if (status === 'moderated') {
    for (const e of (job.response?.embeds ?? []).slice(0, 3)) {
      const title = typeof e?.title === 'string' ? e.title.replace(/\s+/g, ' ').trim() : '';
      const description = typeof e?.description === 'string' ? e.description : '';
      if (description.trim()) out.push({ name: `Midjourney: ${title || 'message'}`, text: description, ...(title ? { covers: title } : {}) });
      else if (title) out.push({ name: 'Midjourney', text: title });
    }
  }
  for (const [name, value] of [
    ['Error', job.error],
    ['Details', job.errorDetails],
  ] as const) {
    const text = textOf(value);
    if (text) out.push({ name, text });
  }
  if (typeof job.code === 'number' && Number.isFinite(job.code)) out.push({ name: 'Code', text: String(job.code) });
  return out;
}

/** The normalized reading of one v3 record. */
export function readingOf(job: UpstreamJob, channel: string | null): JobReading {
  const status = statusOf(job);
  const warning = accountWarningIn(job);
  const onChannel = channel ? ` on Midjourney channel ${channel}` : '';
  // `verb` can say "imagine" for a video job; `jobType` is the one to trust.
  const meta = [job.jobType, job.verb].find((x): x is string => typeof x === 'string' && /^[\w-]{1,24}$/.test(x)) ?? null;
  return {
    status,
    upstreamStatus: job.status,
    stage: STAGES[job.status] ?? { label: job.status, note: null, withPercent: false },
    progress: job.status === 'completed' ? 100 : reportedProgress(job.response),
    prompt: promptOf(job),
    media: mediaOf(job),
    makes: job.jobType === 'video' || (job.response?.videoUx?.length ?? 0) > 0 ? 'video' : 'image',
    error: textOf(job.errorDetails) ?? textOf(job.error),
    details: detailsOf(job, status),
    createdAt: job.created ?? null,
    updatedAt: job.updated ?? null,
    meta,
    accountWarning: warning ? { scope: channel, detail: `Midjourney said: “${warning}”${onChannel}` } : null,
    raw: job,
  };
}
