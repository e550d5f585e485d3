import { z } from 'zod';

/** Statuses useapi documents; anything else is kept as a string and treated as terminal. */
export const RUNNING_STATUSES = ['created', 'started', 'progress'] as const;
export const FINISHED_STATUSES = ['completed', 'failed', 'moderated'] as const;
export type RunningStatus = (typeof RUNNING_STATUSES)[number];

export function isRunningStatus(status: string): status is RunningStatus {
  return (RUNNING_STATUSES as readonly string[]).includes(status);
}

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
export const upstreamJobSchema = z
  .object({
    jobid: z.string(),
    verb: z.string().optional(),
    jobType: z.string().optional(),
    status: z.string(),
    created: z.string().optional(),
    updated: z.string().optional(),
    error: z.unknown().optional(),
    errorDetails: z.unknown().optional(),
    code: z.number().optional(),
    request: z.object({ prompt: z.string().optional() }).loose().optional(),
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
  })
  .loose();

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

export function clampPercent(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.min(100, Math.max(0, Math.round(value)));
}
