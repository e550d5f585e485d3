/**
 * The job record that useapi.net's v1 APIs (Google Flow, Dreamina) share: `jobid / type / status /
 * created / updated / request / response / error / errorDetails / code` (providers.md §1.1, §1.2).
 * One reader for the family; each adapter says how its statuses, results and moderation read.
 */
import { z } from 'zod';
import { keepsMedia, type JobReading, type JobStatus, type MediaKind, type ReadingDetail, type ResultMedia, type Stage } from '../../domain/job';
import { stringifyUpstream } from '../../domain/text';
import { MAX_PASTED_ID_LENGTH, tidyPastedId, type PollResult, type Recognition, type TransportFailure } from '../port';
import { useapiGet, type UseapiSettings } from './client';

/** Lenient on purpose: unknown fields pass through, optional parts may be missing. */
export const useapiJobSchema = z
  .object({
    jobid: z.string(),
    type: z.string().optional(),
    status: z.string(),
    created: z.string().optional(),
    updated: z.string().optional(),
    error: z.unknown().optional(),
    errorDetails: z.unknown().optional(),
    code: z.number().optional(),
    request: z.object({ prompt: z.string().optional() }).loose().optional(),
    response: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export type UseapiJob = z.infer<typeof useapiJobSchema>;

/** How one API of the family reads. */
export interface JobFamilySpec {
  engine: string;
  /** The normalized status and how it is put, per upstream status word. */
  statuses: Record<string, { status: JobStatus; stage: Stage }>;
  media(job: UseapiJob): ResultMedia[];
  /** A failed job that the upstream's moderation stopped [INF per adapter]. */
  moderated(job: UseapiJob): boolean;
}

const textOf = (value: unknown): string | null => stringifyUpstream(value) || null;

/** Every error text a record carries, nested fields included (Google's reasons sit in `details`), for wording checks. */
export function errorTexts(job: UseapiJob): string {
  return [job.error, job.errorDetails, job.response?.error].map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))).join('\n');
}

function detailsOf(job: UseapiJob, engine: string): ReadingDetail[] {
  const out: ReadingDetail[] = [];
  for (const [name, value] of [
    ['Error', job.error],
    ['Details', job.errorDetails],
    [engine, job.response?.error],
  ] as const) {
    const text = textOf(value);
    if (text) out.push({ name, text });
  }
  if (typeof job.code === 'number' && Number.isFinite(job.code)) out.push({ name: 'Code', text: String(job.code) });
  return out;
}

/** The letter after the stamp: `i` image, `v` video [INF from the documented examples]. */
export const makesOf = (jobid: string): MediaKind => (/^j\d+v-/.test(jobid) ? 'video' : 'image');

export function readingOf(job: UseapiJob, spec: JobFamilySpec): JobReading {
  const known = spec.statuses[job.status];
  let status: JobStatus = known?.status ?? 'unknown';
  if (status === 'failed' && spec.moderated(job)) status = 'moderated';
  const makes = job.type === 'video' || job.type === 'image' ? job.type : makesOf(job.jobid);
  return {
    status,
    upstreamStatus: job.status,
    stage: known?.stage ?? { label: job.status, note: null, withPercent: false },
    progress: job.status === 'completed' ? 100 : null,
    prompt: typeof job.request?.prompt === 'string' && job.request.prompt.trim() ? job.request.prompt : null,
    media: keepsMedia(status) ? spec.media(job) : [],
    makes,
    error: textOf(job.errorDetails) ?? textOf(job.error),
    details: detailsOf(job, spec.engine),
    createdAt: job.created ?? null,
    updatedAt: job.updated ?? null,
    meta: makes,
    accountWarning: null,
    raw: job,
  };
}

/** useapi's 596: the linked account (the email in the id) is in an error state and needs its owner. */
export function withAccountWarning(failure: Extract<TransportFailure, { kind: 'http' }>, scope: string | null): PollResult {
  if (failure.status !== 596) return failure;
  const detail = `HTTP 596${scope ? ` on ${scope}` : ''}${failure.message ? `: ${failure.message}` : ''}`;
  return { ...failure, accountWarning: { scope, detail } };
}

/** Reads one record at `path` and checks it is the job asked for. */
export async function readJob(settings: UseapiSettings, path: string, jobId: string, spec: JobFamilySpec, scope: string | null): Promise<PollResult> {
  const answer = await useapiGet(settings, path);
  if (answer.kind === 'http') return withAccountWarning(answer, scope);
  if (answer.kind === 'empty') return { kind: 'malformed', message: 'empty body' };
  if (answer.kind !== 'json') return answer;
  const parsed = useapiJobSchema.safeParse(answer.body);
  if (!parsed.success) return { kind: 'malformed', message: 'body is not a job record' };
  if (parsed.data.jobid !== jobId) return { kind: 'malformed', message: 'body is a different job' };
  return { kind: 'ok', reading: readingOf(parsed.data, spec) };
}

/**
 * A pasted id of one API of the family: `pattern` captures the type letter, the useapi account
 * and the linked account (the scope); other accounts' jobs are refused with a reason.
 */
export function recogniseJobId(
  pasted: string,
  opts: { upstream: string; pattern: RegExp; engine: string; account: string | null },
): Recognition {
  const text = tidyPastedId(pasted);
  if (text.length > MAX_PASTED_ID_LENGTH) return { kind: 'not_mine' };
  const match = opts.pattern.exec(text);
  if (!match?.groups) return { kind: 'not_mine' };
  const { type, account, scope } = match.groups as { type: string; account: string; scope: string };
  if (opts.account !== null && account !== opts.account) {
    return {
      kind: 'refused',
      why: `That ${opts.engine} job was made with a different useapi.net account than the one this bot uses, so the bot cannot read it.`,
    };
  }
  const makes = type === 'v' ? 'video' : 'image';
  return { kind: 'ref', ref: { key: text, upstream: opts.upstream, scope, description: `${opts.engine} ${makes} job` } };
}
