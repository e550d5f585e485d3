/**
 * useapi.net Google Flow v1 (Veo, Imagen, Nano Banana): `GET /v1/google-flow/jobs/{jobId}`, the
 * running list `GET /v1/google-flow/jobs?options=executing`, fresh links `GET /assets/{id}`.
 * Facts and their tags: providers.md §1.1.
 */
import { z } from 'zod';
import type { ResultMedia } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { withLinkExpiry } from '../../domain/linkExpiry';
import type { ListResult, UpstreamAdapter } from '../port';
import { USEAPI_ACCOUNT_KEY, useapiGet, useapiGetParsed, type UseapiSettings } from '../useapi/client';
import { errorTexts, readJob, readingOf, recogniseJobId, useapiJobSchema, type JobFamilySpec, type UseapiJob } from '../useapi/jobRecord';

/** [INF] from the documented and third-party examples: a 13–19 digit stamp, i|v, the useapi account, the Google account. */
const JOB_ID = /^j\d{13,19}(?<type>[iv])-u(?<account>\d+)-(?<scope>email:[^\s/?#]+)-bot:google-flow$/;

/**
 * Moderation [INF]: Google's `PUBLIC_ERROR_*` reasons and `INVALID_ARGUMENT` (400) in the error
 * fields. The throttling and quota reasons share the prefix and are not moderation.
 */
const MODERATION = /PUBLIC_ERROR_(?!USER_REQUESTS_THROTTLED|USER_QUOTA_REACHED|PER_MODEL_DAILY_QUOTA_REACHED)[A-Z_]+|INVALID_ARGUMENT/;

const link = z.string().min(1);
const mediaSchema = z.array(
  z
    .object({
      videoUrl: link.optional(),
      thumbnailUrl: link.optional(),
      mediaGenerationId: z.string().optional(),
      image: z.object({ generatedImage: z.object({ fifeUrl: link.optional(), mediaGenerationId: z.string().optional() }).loose().optional() }).loose().optional(),
    })
    .loose(),
);
const operationsSchema = z.array(z.object({ video: z.object({ fifeUrl: link.optional(), uri: link.optional() }).loose().optional() }).loose());

/** `response.media[]` (May 2026 docs), else the older `response.operations[].video` [DOC]; links are signed and expire (`Expires=`). */
function mediaOf(job: UseapiJob): ResultMedia[] {
  const out: ResultMedia[] = [];
  for (const m of mediaSchema.safeParse(job.response?.media).data ?? []) {
    const id = m.mediaGenerationId ?? m.image?.generatedImage?.mediaGenerationId;
    if (m.videoUrl) out.push(withLinkExpiry({ kind: 'video', url: m.videoUrl, ...(m.thumbnailUrl && { preview: m.thumbnailUrl }), ...(id && { id }) }));
    const fife = m.image?.generatedImage?.fifeUrl;
    if (fife) out.push(withLinkExpiry({ kind: 'image', url: fife, ...(id && { id }) }));
  }
  if (out.length > 0) return out;
  for (const op of operationsSchema.safeParse(job.response?.operations).data ?? []) {
    const url = op.video?.fifeUrl ?? op.video?.uri;
    if (url) out.push(withLinkExpiry({ kind: 'video', url }));
  }
  return out;
}

const SPEC: JobFamilySpec = {
  engine: 'Google Flow',
  statuses: {
    // `created` is the async 201 record before `started` [INF]; whether `started` is emitted live is unconfirmed (providers.md §6).
    created: { status: 'queued', stage: { label: 'Queued', note: "Google Flow accepted the job; it's waiting to start.", withPercent: false } },
    started: {
      status: 'running',
      stage: { label: 'Generating', note: 'Google Flow is generating it. It reports no percentage, so the time elapsed is shown instead.', withPercent: false },
    },
    completed: { status: 'completed', stage: { label: 'Completed', note: null, withPercent: false } },
    failed: { status: 'failed', stage: { label: 'Failed', note: null, withPercent: false } },
  },
  media: mediaOf,
  moderated: (job) => MODERATION.test(errorTexts(job)),
};

/** `GET /jobs?options=executing`: `{videos|images|combined: {executing: {<jobid>: {email, timestamp, elapsed}}}}` [SRC-3P]. */
const executingSchema = z
  .object({
    videos: z.object({ executing: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
    images: z.object({ executing: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
    combined: z.object({ executing: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
  })
  .loose();

export function useapiGoogleFlow(settings: UseapiSettings): UpstreamAdapter {
  const id = 'useapi-google-flow';
  // Sent raw: two independent clients report that `%3A` / `%40` give 400 "Invalid job ID format" [SRC-3P].
  const encodeIdForPath = (jobId: string) => jobId;
  const scopeOf = (jobId: string) => JOB_ID.exec(jobId)?.groups?.scope ?? null;

  return {
    id,
    names: namesOf(id),
    example: 'j1731859234567v-u12345-email:jo@example.com-bot:google-flow',
    accountKey: USEAPI_ACCOUNT_KEY,
    maxRequestsPerSecond: settings.maxRequestsPerSecond,
    // Signed links on flow-content.google (May 2026 docs), storage.googleapis.com in an older revision [DOC, providers.md §1.1e].
    mediaHosts: ['flow-content.google', 'storage.googleapis.com'],
    encodeIdForPath,
    recognise: (pasted) => recogniseJobId(pasted, { upstream: id, pattern: JOB_ID, engine: 'Google Flow', account: settings.account }),
    read: (jobId) => readJob(settings, `/v1/google-flow/jobs/${encodeIdForPath(jobId)}`, jobId, SPEC, scopeOf(jobId)),

    async listRunning(): Promise<ListResult> {
      const answer = await useapiGetParsed(settings, '/v1/google-flow/jobs?options=executing', executingSchema, 'the jobs summary');
      if (answer.kind !== 'ok') return answer;
      const { videos, images, combined } = answer.data;
      const running = new Set([videos, images, combined].flatMap((group) => Object.keys(group?.executing ?? {})));
      return { kind: 'ok', running };
    },

    normalize(raw) {
      const parsed = useapiJobSchema.safeParse(raw);
      return parsed.success ? readingOf(parsed.data, SPEC) : null;
    },

    /** A fresh signed link for one result (`GET /assets/{mediaGenerationId}` → `{url}` [SRC-3P]), for re-hosting media. */
    async freshMediaUrl(media) {
      if (!media.id) return null;
      const answer = await useapiGet(settings, `/v1/google-flow/assets/${encodeURIComponent(media.id)}`);
      if (answer.kind !== 'json') return null;
      const url = (answer.body as { url?: unknown } | null)?.url;
      return typeof url === 'string' ? url : null;
    },
  };
}
