/**
 * Pure functions from a job script and a moment to what Dreamina v1 shows: the job record, the answer of
 * GET /videos|images/{jobid}, and the scheduler's list of running jobs.
 */
import { createHash } from 'node:crypto';
import { firstEndOf, iso, scriptedAnswerAt, stepAt } from '../emulator/steps';
import { DEFAULT_ACCOUNT, accountOf, collectionOf } from './ids';
import type { DreaminaJobAnswer, DreaminaJobRecord, DreaminaJobScript, DreaminaScheduler, DreaminaStep } from './types';

/** "Jobs are retained for 30 days" [DOC]. */
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const RUNNING_STATUSES: readonly string[] = ['created'];
export const DEFAULT_PROMPT = 'a lighthouse on a cliff at dusk';
export const DEFAULT_FAILED_ERROR = 'fail_code: 2043';
/** The doc's example is cut after "OutputVi…"; the rest is made up [INF]. */
export const DEFAULT_FAILED_DETAILS = 'OutputVideoRisk: the generated video did not pass the content review';
/** The CDN hosts of the documented examples [DOC]: videos on one, covers and images on the other. */
export const VIDEO_ORIGIN = 'https://v3-web.douyinvod.com';
export const PICTURE_ORIGIN = 'https://p9-sign.douyinpic.com';
/** Where the emulator serves the bytes behind its media links: `${VIDEO_ORIGIN}/x` is `${emulator}${MEDIA_PATH}/x`. */
export const MEDIA_PATH = '/dreamina-content';
const VIDEO_SIZE = { width: 1280, height: 720 };
const IMAGE_SIZE = { width: 1024, height: 1024 };
const VIDEO_DURATION_MS = 5042;

/** created ("Processing") at 0, the outcome at runMs. */
export function dreaminaTimeline(opts: { runMs: number; outcome: 'completed' | 'failed' }): DreaminaStep[] {
  return [
    { afterMs: 0, status: 'created' },
    { afterMs: opts.runMs, status: opts.outcome },
  ];
}

export function isRunning(status: string): boolean {
  return RUNNING_STATUSES.includes(status);
}

/** Stable ids of a job (submitId, videoId, asset ids), derived from the job id. */
export function mediaIdsOf(jobid: string): { submitId: string; videoId: string; assetId: string } {
  const hex = createHash('sha256').update(jobid).digest('hex');
  return { submitId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`, videoId: `v0${hex.slice(32, 50)}`, assetId: String(BigInt(`0x${hex.slice(50, 62)}`)) };
}

export function modelOf(script: DreaminaJobScript): string {
  return script.model ?? (collectionOf(script.jobid) === 'images' ? 'seedream-4.0' : 'seedance-2.0');
}

/** Where the emulator at `emulatorUrl` serves a result link of its records, or null for other links. */
export function localMediaUrl(emulatorUrl: string, link: string): string | null {
  const origin = [VIDEO_ORIGIN, PICTURE_ORIGIN].find((o) => link.startsWith(`${o}/`));
  return origin ? `${emulatorUrl}${MEDIA_PATH}${link.slice(origin.length)}` : null;
}

/** The job record at `t`, or undefined before the first step. */
export function dreaminaRecordAt(script: DreaminaJobScript, t: number): DreaminaJobRecord | undefined {
  const startAt = script.startAt ?? 0;
  const step = stepAt(script.steps, t - startAt);
  if (!step) return undefined;
  const ids = mediaIdsOf(script.jobid);
  const video = collectionOf(script.jobid) !== 'images';
  const finishedAt = startAt + step.afterMs;
  const record: DreaminaJobRecord = {
    jobid: script.jobid,
    status: step.status,
    created: iso(startAt),
    ...(step.status === 'created' ? {} : { updated: iso(finishedAt) }),
    request: { prompt: script.prompt ?? DEFAULT_PROMPT, model: modelOf(script) },
    response: { submitId: ids.submitId },
    code: step.code ?? 200,
  };
  if (isRunning(step.status)) record.response.forecastCost = video ? 50 : 4;
  if (step.status === 'completed' && video) {
    Object.assign(record.response, {
      videoUrl: `${VIDEO_ORIGIN}/video/${ids.videoId}.mp4`,
      coverUrl: `${PICTURE_ORIGIN}/cover/${ids.videoId}.png`,
      videoId: ids.videoId,
      ...VIDEO_SIZE,
      durationMs: VIDEO_DURATION_MS,
      hasAudio: true,
      finishTime: Math.floor(finishedAt / 1000),
      assetId: ids.assetId,
    });
  }
  if (step.status === 'completed' && !video) {
    record.response.images = Array.from({ length: script.count ?? 4 }, (_, n) => ({
      imageUrl: `${PICTURE_ORIGIN}/image/${ids.assetId}-${n}.png`,
      imageUri: `tos-alisg-i-${ids.assetId}-${n}`,
      ...IMAGE_SIZE,
      format: 'png',
      assetId: `${ids.assetId}${n}`,
      itemId: `${ids.assetId}${n}`,
    }));
  }
  if (step.status === 'failed') {
    record.error = step.error ?? DEFAULT_FAILED_ERROR;
    record.errorDetails = step.errorDetails ?? DEFAULT_FAILED_DETAILS;
  }
  if (step.extra) Object.assign(record, step.extra);
  return record;
}

export function dreaminaAnswerAt(script: DreaminaJobScript, t: number): DreaminaJobAnswer {
  return scriptedAnswerAt(script, t, RETENTION_MS, () => dreaminaRecordAt(script, t));
}

/** Emulator time of the first non-running step. */
export function terminalTimeOf(script: DreaminaJobScript): number | undefined {
  return firstEndOf(script, (status) => !isRunning(status));
}

/** GET /scheduler for the visible records at `t`: the running jobs grouped by `<REGION>:<email>`. */
export function dreaminaScheduler(records: readonly DreaminaJobRecord[], t: number): DreaminaScheduler {
  const scheduler: DreaminaScheduler = { executing: {}, total: 0 };
  const running = records.filter((record) => isRunning(record.status));
  running.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.jobid.localeCompare(b.jobid));
  for (const record of running) {
    (scheduler.executing[accountOf(record.jobid) ?? DEFAULT_ACCOUNT] ??= []).push({
      jobid: record.jobid,
      submitId: record.response.submitId,
      model: record.request.model,
      elapsedSeconds: Math.max(0, Math.floor((t - Date.parse(record.created)) / 1000)),
    });
    scheduler.total += 1;
  }
  return scheduler;
}
