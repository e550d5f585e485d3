/**
 * useapi.net Dreamina v1 (Seedance video, Seedream images): `GET /v1/dreamina/videos/{jobid}` and
 * `/images/{jobid}`, the running list `GET /v1/dreamina/scheduler`. Facts and their tags:
 * providers.md §1.2.
 */
import { z } from 'zod';
import type { ResultMedia } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { withLinkExpiry } from '../../domain/linkExpiry';
import type { ListResult, UpstreamAdapter } from '../port';
import { USEAPI_ACCOUNT_KEY, useapiGetParsed, type UseapiSettings } from '../useapi/client';
import { errorTexts, makesOf, readJob, readingOf, recogniseJobId, useapiJobSchema, type JobFamilySpec, type UseapiJob } from '../useapi/jobRecord';

/** [INF] from the documented example: a 19-digit stamp, v|i, the useapi account, the region and the Dreamina account. */
const JOB_ID = /^j\d{19}(?<type>[vi])-u(?<account>\d+)-(?<scope>(?:US|CA):[^\s/?#]+)-bot:dreamina$/;

/** Moderation [INF, unverified]: the failed example's `fail_code: 2043` / "OutputVi…" is cut in the docs; only plain risk wording is read. */
const MODERATION = /risk|moderat|sensitive|violat|policy|prohibited/i;

const optionalLink = z.string().min(1).optional();
const videoSchema = z.object({ videoUrl: optionalLink, videoUrlWatermarked: optionalLink, coverUrl: optionalLink }).loose();
const imagesSchema = z.array(z.object({ imageUrl: optionalLink }).loose());

/** `response.videoUrl` (else the watermarked one) with its cover, and `response.images[].imageUrl` [DOC]; their links are signed. */
function mediaOf(job: UseapiJob): ResultMedia[] {
  const out: ResultMedia[] = [];
  const video = videoSchema.safeParse(job.response ?? {}).data;
  const videoUrl = video?.videoUrl ?? video?.videoUrlWatermarked;
  if (videoUrl) out.push({ kind: 'video', url: videoUrl, ...(video?.coverUrl && { preview: video.coverUrl }) });
  for (const image of imagesSchema.safeParse(job.response?.images).data ?? []) {
    if (image.imageUrl) out.push({ kind: 'image', url: image.imageUrl });
  }
  return out.map(withLinkExpiry);
}

const SPEC: JobFamilySpec = {
  engine: 'Dreamina',
  statuses: {
    // The docs label `created` "Processing" [DOC]: there is no queued stage to see.
    created: {
      status: 'running',
      stage: { label: 'Processing', note: 'Dreamina is generating it. It reports no percentage, so the time elapsed is shown instead.', withPercent: false },
    },
    completed: { status: 'completed', stage: { label: 'Completed', note: null, withPercent: false } },
    failed: { status: 'failed', stage: { label: 'Failed', note: null, withPercent: false } },
  },
  media: mediaOf,
  moderated: (job) => MODERATION.test(errorTexts(job)),
};

/** `{executing: {"<REGION:email>": [{jobid, …}]}, total}` [DOC]. */
const schedulerSchema = z.object({ executing: z.record(z.string(), z.array(z.object({ jobid: z.string() }).loose())) }).loose();

export function useapiDreamina(settings: UseapiSettings): UpstreamAdapter {
  const id = 'useapi-dreamina';
  // Sent raw: encoding gives 400 "Invalid job ID format" [SRC-3P, two codebases].
  const encodeIdForPath = (jobId: string) => jobId;
  const scopeOf = (jobId: string) => JOB_ID.exec(jobId)?.groups?.scope ?? null;
  // Videos and images live under two paths, told apart by the id's type letter [INF].
  const pathOf = (jobId: string) => `/v1/dreamina/${makesOf(jobId) === 'video' ? 'videos' : 'images'}/${encodeIdForPath(jobId)}`;

  return {
    id,
    names: namesOf(id),
    example: 'j0223140530123456789v-u12345-US:user@example.com-bot:dreamina',
    accountKey: USEAPI_ACCOUNT_KEY,
    maxRequestsPerSecond: settings.maxRequestsPerSecond,
    // The documented examples use v3-web.douyinvod.com (videos) and p9-sign.douyinpic.com (covers, images) [DOC, providers.md §1.2e];
    // ByteDance numbers its edge hosts (`v3-`, `p9-`), so any of those two domains' subdomains [INF].
    mediaHosts: ['*.douyinvod.com', '*.douyinpic.com'],
    encodeIdForPath,
    recognise: (pasted) => recogniseJobId(pasted, { upstream: id, pattern: JOB_ID, engine: 'Dreamina', account: settings.account }),
    read: (jobId) => readJob(settings, pathOf(jobId), jobId, SPEC, scopeOf(jobId)),

    async listRunning(): Promise<ListResult> {
      const answer = await useapiGetParsed(settings, '/v1/dreamina/scheduler', schedulerSchema, 'the scheduler list');
      if (answer.kind !== 'ok') return answer;
      return { kind: 'ok', running: new Set(Object.values(answer.data.executing).flatMap((jobs) => jobs.map((job) => job.jobid))) };
    },

    normalize(raw) {
      const parsed = useapiJobSchema.safeParse(raw);
      return parsed.success ? readingOf(parsed.data, SPEC) : null;
    },
  };
}
