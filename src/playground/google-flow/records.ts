/**
 * Pure functions from a job script and a moment to what Google Flow v1 shows: the job record, the answer
 * of GET /jobs/{jobId}, the jobs list (?options=…), and the signed media URLs.
 */
import { createHash } from 'node:crypto';
import { firstEndOf, iso, minutesSeconds, scriptedAnswerAt, stepAt } from '../emulator/steps';
import { DEFAULT_EMAIL, emailOf } from './ids';
import type { FlowImageMedia, FlowJobAnswer, FlowJobRecord, FlowJobScript, FlowJobsGroup, FlowJobsList, FlowJobType, FlowStep, FlowVideoMedia, GoogleError } from './types';

export const RUNNING_STATUSES: readonly string[] = ['created', 'started'];
/** api-evangelist's 7 days [3P], not confirmed for Google Flow. */
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const URL_LIFETIME_MS = 60 * 60 * 1000;
export const DEFAULT_PROMPT = 'a lighthouse on a cliff at dusk';
export const DEFAULT_FAILED_ERROR = 'API error: 500';
export const DEFAULT_FAILED_CODE = 500;
export const DEFAULT_RESPONSE_ERROR: GoogleError = { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' };
export const MODERATION_REASON = 'PUBLIC_ERROR_UNSAFE_GENERATION';
/** The host of the signed links, as in the documented examples [DOC]. */
export const MEDIA_ORIGIN = 'https://flow-content.google';
/** Where the emulator serves the bytes behind its signed links: `${MEDIA_ORIGIN}/x` is `${emulator}${MEDIA_PATH}/x`. */
export const MEDIA_PATH = '/flow-content';

/** The outcome step of a moderated job: failed, 400 INVALID_ARGUMENT with a PUBLIC_ERROR_… reason [INF]. */
export function moderatedStep(afterMs: number, reason = MODERATION_REASON): FlowStep {
  return {
    afterMs,
    status: 'failed',
    error: 'API error: 400',
    errorDetails: `Request contains an invalid argument. reason: ${reason}`,
    code: 400,
    responseError: {
      code: 400,
      message: 'Request contains an invalid argument.',
      status: 'INVALID_ARGUMENT',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'aisandbox-pa.googleapis.com' }],
    },
  };
}

/** created at 0, started at queueMs, the outcome at queueMs + runMs. */
export function flowTimeline(opts: { queueMs: number; runMs: number; outcome: 'completed' | 'failed' | 'moderated' }): FlowStep[] {
  const end = opts.queueMs + opts.runMs;
  return [
    { afterMs: 0, status: 'created' },
    { afterMs: opts.queueMs, status: 'started' },
    opts.outcome === 'moderated' ? moderatedStep(end) : { afterMs: end, status: opts.outcome },
  ];
}

export function isRunning(status: string): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function jobTypeOf(script: Pick<FlowJobScript, 'jobid' | 'type'>): FlowJobType {
  return script.type ?? (/^j\d+i-/.test(script.jobid) ? 'image' : 'video');
}

/** Stable media ids of a job's results, derived from the job id. */
export function mediaGenerationIds(jobid: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `CAUS${createHash('sha256').update(`${jobid}#${n}`).digest('base64url').slice(0, 40)}`);
}

function signature(path: string, expires: number): string {
  return createHash('sha256').update(`${path}?Expires=${expires}`).digest('hex').slice(0, 32);
}

/** A link to `path` on flow-content.google, valid until `expiresAtMs`. */
export function signedUrl(path: string, expiresAtMs: number): string {
  const expires = Math.floor(expiresAtMs / 1000);
  return `${MEDIA_ORIGIN}${path}?Expires=${expires}&Signature=${signature(path, expires)}`;
}

/** Where the emulator at `emulatorUrl` serves a flow-content.google link, or null for other links. */
export function localMediaUrl(emulatorUrl: string, link: string): string | null {
  return link.startsWith(`${MEDIA_ORIGIN}/`) ? `${emulatorUrl}${MEDIA_PATH}${link.slice(MEDIA_ORIGIN.length)}` : null;
}

/** 'ok' for a well-signed link still valid at `t`; 'expired' or 'forged' otherwise. */
export function checkSignedUrl(path: string, query: URLSearchParams, t: number): 'ok' | 'expired' | 'forged' {
  const expires = Number(query.get('Expires'));
  if (!Number.isInteger(expires) || query.get('Signature') !== signature(path, expires)) return 'forged';
  return t >= expires * 1000 ? 'expired' : 'ok';
}

export function mediaPath(kind: 'video' | 'thumbnail' | 'image', mediaGenerationId: string): string {
  return `/${kind}/${mediaGenerationId}.${kind === 'video' ? 'mp4' : 'png'}`;
}

/** How long the links last. */
export interface LinkSigning {
  lifetimeMs: number;
}

function modelOf(script: FlowJobScript): string {
  return script.model ?? (jobTypeOf(script) === 'video' ? 'veo-3.1-fast' : 'imagen-4');
}

function media(script: FlowJobScript, issuedAt: number, signing: LinkSigning): (FlowVideoMedia | FlowImageMedia)[] {
  const prompt = script.prompt ?? DEFAULT_PROMPT;
  const expiresAt = issuedAt + signing.lifetimeMs;
  const link = (kind: 'video' | 'thumbnail' | 'image', id: string) => signedUrl(mediaPath(kind, id), expiresAt);
  return mediaGenerationIds(script.jobid, script.count ?? 1).map((id, n) =>
    jobTypeOf(script) === 'video'
      ? {
          name: id,
          videoUrl: link('video', id),
          thumbnailUrl: link('thumbnail', id),
          mediaGenerationId: id,
          mediaMetadata: { mediaStatus: { mediaGenerationStatus: 'MEDIA_GENERATION_STATUS_SUCCESSFUL' }, mediaTitle: prompt },
        }
      : {
          name: id,
          workflowId: `workflow-${id.slice(4, 12)}`,
          image: {
            generatedImage: {
              seed: 1000 + n,
              mediaGenerationId: id,
              prompt,
              fifeUrl: link('image', id),
              aspectRatio: 'IMAGE_ASPECT_RATIO_LANDSCAPE',
              modelNameType: modelOf(script).toUpperCase().replace(/[^A-Z0-9]+/g, '_'),
            },
          },
        },
  );
}

/** The job record at `t`, or undefined before the first step. Ignores `gone`, `visibleAfterMs` and expiry. */
export function flowRecordAt(script: FlowJobScript, t: number, signing: LinkSigning): FlowJobRecord | undefined {
  const startAt = script.startAt ?? 0;
  const step = stepAt(script.steps, t - startAt);
  if (!step) return undefined;
  const updatedAt = startAt + step.afterMs;
  const type = jobTypeOf(script);
  const pending = type === 'video' && isRunning(step.status);
  const record: FlowJobRecord = {
    jobid: script.jobid,
    type,
    status: step.status,
    created: iso(startAt),
    ...(step.status === 'created' ? {} : { updated: iso(updatedAt) }),
    request: { prompt: script.prompt ?? DEFAULT_PROMPT, model: modelOf(script), count: script.count ?? 1, email: emailOf(script.jobid) ?? DEFAULT_EMAIL },
    response: pending
      ? {
          operations: mediaGenerationIds(script.jobid, script.count ?? 1).map((id) => ({
            operation: { name: id.toLowerCase() },
            sceneId: id.slice(4, 40),
            status: 'MEDIA_GENERATION_STATUS_PENDING',
          })),
        }
      : {},
  };
  if (step.status === 'completed') record.response = { media: media(script, updatedAt, signing), remainingCredits: 100 };
  if (step.status === 'failed') {
    Object.assign(record, { error: step.error ?? DEFAULT_FAILED_ERROR, code: step.code ?? DEFAULT_FAILED_CODE });
    const responseError = step.responseError ?? DEFAULT_RESPONSE_ERROR;
    record.errorDetails = step.errorDetails ?? responseError.message;
    record.response = { error: responseError };
  }
  if (step.extra) Object.assign(record, step.extra);
  return record;
}

export function flowAnswerAt(script: FlowJobScript, t: number, signing: LinkSigning): FlowJobAnswer {
  return scriptedAnswerAt(script, t, RETENTION_MS, () => flowRecordAt(script, t, signing));
}

/** Emulator time of the first non-running step. */
export function terminalTimeOf(script: FlowJobScript): number | undefined {
  return firstEndOf(script, (status) => !isRunning(status));
}

/** `history`: "top 10 completed jobs in the last 15 min" [DOC]. */
const HISTORY_WINDOW_MS = 15 * 60 * 1000;
const HISTORY_SIZE = 10;

/** GET /jobs?options=summary|executing|history for the visible records at `t`. */
export function flowJobsList(records: readonly FlowJobRecord[], t: number, option: string | null): FlowJobsList {
  const group = (): FlowJobsGroup => ({
    summary: {},
    ...(option === 'executing' && { executing: {} }),
    ...(option === 'history' && { history: {} }),
  });
  const list: FlowJobsList = { emails: [], videos: group(), images: group(), combined: group() };
  const sorted = [...records].sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.jobid.localeCompare(b.jobid));
  for (const record of sorted) {
    const email = record.request.email;
    if (!list.emails.includes(email)) list.emails.push(email);
    for (const group of [record.type === 'video' ? list.videos : list.images, list.combined]) {
      const counts = (group.summary[email] ??= { executing: 0, completed: 0, failed: 0, rateLimited: 0, avgResponseTime: 0, score: 100 });
      const finishedAt = Date.parse(record.updated ?? record.created);
      if (isRunning(record.status)) {
        counts.executing += 1;
        if (group.executing) group.executing[record.jobid] = { email, timestamp: record.created, elapsed: minutesSeconds(t - Date.parse(record.created)) };
      } else if (record.status === 'completed') {
        counts.completed += 1;
        if (group.history && t - finishedAt <= HISTORY_WINDOW_MS) {
          group.history[record.jobid] = { email, timestamp: record.updated ?? record.created, httpStatus: 200, responseTime: finishedAt - Date.parse(record.created) };
        }
      } else if (record.status === 'failed') {
        counts.failed += 1;
      }
    }
  }
  for (const group of [list.videos, list.images, list.combined]) {
    if (group.history) group.history = Object.fromEntries(Object.entries(group.history).sort(([, a], [, b]) => Date.parse(b.timestamp) - Date.parse(a.timestamp)).slice(0, HISTORY_SIZE));
  }
  return list;
}
