import type { JobReading, JobSnapshot, ResultMedia } from '../../src/domain/job';
import { readingOf, type UpstreamJob } from '../../src/upstreams/useapi-midjourney/record';
import { parseJobId } from '../../src/upstreams/useapi-midjourney/jobId';

/** A snapshot showing this v3 record, read through the Midjourney adapter's normalizer. */
export function withRecord<T extends JobSnapshot>(job: T, record: UpstreamJob | null): T {
  if (record === null) return { ...job, reading: null, status: null };
  const parsed = parseJobId(record.jobid);
  const reading = readingOf(record, parsed.ok ? parsed.jobId.channel : null);
  return { ...job, reading, status: reading.status };
}

/** The v3 record a snapshot shows. */
export const rawOf = (job: JobSnapshot): UpstreamJob => job.reading!.raw as UpstreamJob;


/** Midjourney's moderation as useapi passes it on (useapi-v3.md §6), for view tests. */
export const MODERATED_FIELDS = {
  status: 'moderated',
  updated: '2025-10-23T14:15:24.000Z',
  error: 'Action needed to continue',
  errorDetails: 'Sorry! Our AI moderators feel your prompt might be against our community standards…',
  code: 422,
  response: {
    embeds: [
      {
        type: 'rich',
        title: 'Action needed to continue',
        description:
          'Sorry! Our AI moderators feel your prompt might be against our community standards.\n\nIf you think this is a mistake, please press the "Appeal" button below…',
        color: 16711680,
      },
    ],
    buttons: ['Appeal'],
  },
} satisfies Partial<UpstreamJob>;

/** A completed reading linking these media. */
export function readingWith(media: ResultMedia[], prompt: string | null = 'a test'): JobReading {
  return {
    status: 'completed',
    upstreamStatus: 'completed',
    stage: { label: 'Completed', note: null, withPercent: false },
    progress: 100,
    prompt,
    media,
    makes: media[0]?.kind ?? 'image',
    error: null,
    details: [],
    createdAt: null,
    updatedAt: null,
    meta: null,
    accountWarning: null,
    raw: {},
  };
}
