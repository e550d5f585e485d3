/**
 * Pure functions from a job script and a moment to what the API shows: the job record (§1.2, §6),
 * the answer of GET /jobs/{jobid} (§1.1) and the running-jobs list (§3.1).
 */
import { createHash } from 'node:crypto';
import { USEAPI_NOT_FOUND, useapiExpiredBody } from '../emulator/useapi';
import { firstEndOf, iso, minutesSeconds, scriptedAnswerAt, sortSteps } from '../emulator/steps';
import { channelOf, jobTypeOf } from './ids';
import type {
  DiscordAttachment,
  Embed,
  ErrorBody,
  JobAnswer,
  JobRecord,
  JobRecordResponse,
  JobScript,
  JobStep,
  JobType,
  RunningChannel,
  RunningJobsList,
} from './types';

export const RUNNING_STATUSES: readonly string[] = ['created', 'started', 'progress'];
/** Jobs are kept 62 days; older ones answer 410 (§5). */
export const RETENTION_MS = 62 * 24 * 60 * 60 * 1000;
/** Per-channel concurrency reported by the list (the v3 quick start's 3/3/3). */
export const CHANNEL_MAX_JOBS = 3;

export const DEFAULT_PROMPT = 'a lighthouse on a cliff at dusk --ar 16:9';
export const DISCORD_USER_MENTION = '<@1111111111111111111>';
export const CANCELLED_ERROR = 'Job cancelled by user';
export const DEFAULT_FAILED_ERROR = 'Failed to process your command :c';
export const DEFAULT_FAILED_CODE = 400;
export const MODERATED_ERROR = 'Action needed to continue';
export const MODERATED_DETAILS =
  'Sorry! Our AI moderators feel your prompt might be against our community standards.\n\n' +
  'If you think this is a mistake, please press the "Appeal" button below and we will send it to a more ' +
  'sophisticated AI to double-check the result.';
export const MODERATED_CODE = 422;

// Seen in records captured from the real v3 API by a third party: facts, not inferences.
/** A request Midjourney would not run (a `--video` prompt without a start image) is reported as moderated. */
export const REFUSED_ERROR = 'Invalid request';
export const REFUSED_DETAILS = 'No start frame provided';
export const REFUSED_CODE = 422;
/** What Midjourney appends to the prompt it echoes in `content`. */
export const CAPTURED_PROMPT_SUFFIX = '--p lqg2fke --raw';
export const CAPTURED_SECOND_LINE = '-# Create, explore, and organize on [midjourney.com](<https://www.midjourney.com/imagine>)';
export const CAPTURED_BUTTONS = ['U1', 'U2', 'U3', 'U4', '🔄', 'V1', 'V2', 'V3', 'V4'];

/** A completed image as captured (see capturedResponseFor); `code` is an integer on every real record. */
export function capturedCompletedStep(afterMs: number): JobStep {
  return { afterMs, status: 'completed', code: 200, shape: 'captured' };
}

/** A refused request as captured: moderated, code 422, and no `imageUx` or `buttons` keys at all. */
export function refusedStep(afterMs: number): JobStep {
  return { afterMs, status: 'moderated', error: REFUSED_ERROR, errorDetails: REFUSED_DETAILS, code: REFUSED_CODE, shape: 'captured' };
}

const IMAGE_BUTTONS = ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔄'];
const VIDEO_BUTTONS = ['U1', 'U2', 'U3', 'U4', '🔄'];
const MODERATION_COLOR = 16711680;
const DISCORD_LINK_LIFETIME_S = 24 * 60 * 60;

export function isRunning(status: string): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function notFoundBody(): ErrorBody {
  return USEAPI_NOT_FOUND;
}

export function expiredBody(jobid: string): ErrorBody {
  return useapiExpiredBody(jobid);
}

interface VisibleState {
  step: JobStep;
  progress: number;
  /** ms after startAt at which the visible state (status, progress) last changed. */
  changedAfterMs: number;
}

function progressOf(step: JobStep, previous: number): number {
  if (step.progress !== undefined) return Math.min(100, Math.max(0, step.progress));
  if (step.status === 'completed') return 100;
  if (step.status === 'created' || step.status === 'started') return 0;
  return previous;
}

function visibleStateAt(steps: readonly JobStep[], elapsedMs: number): VisibleState | undefined {
  let state: VisibleState | undefined;
  for (const step of steps) {
    if (step.afterMs > elapsedMs) break;
    const progress = progressOf(step, state?.progress ?? 0);
    const changedAfterMs =
      state && state.step.status === step.status && state.progress === progress ? state.changedAfterMs : step.afterMs;
    state = { step, progress, changedAfterMs };
  }
  return state;
}

/**
 * The job record at emulator time `t`, or undefined before the first step. A missing `startAt` counts as 0.
 * Ignores `gone`, `visibleAfterMs` and expiry; see {@link jobAnswerAt} for those.
 */
export function jobRecordAt(script: JobScript, t: number): JobRecord | undefined {
  const startAt = script.startAt ?? 0;
  const state = visibleStateAt(sortSteps(script.steps), t - startAt);
  if (!state) return undefined;

  const { step, progress } = state;
  const updatedAt = startAt + state.changedAfterMs;
  const job: JobShape = {
    jobid: script.jobid,
    jobType: script.jobType ?? jobTypeOf(script.jobid),
    prompt: script.prompt ?? DEFAULT_PROMPT,
    speed: script.speed ?? 'fast',
  };

  const record: JobRecord = {
    jobid: script.jobid,
    verb: script.verb ?? 'imagine',
    jobType: job.jobType,
    status: step.status,
    created: iso(startAt),
    ...(step.status === 'created' ? {} : { updated: iso(updatedAt) }),
    request: { prompt: job.prompt },
    response: responseFor(job, step, progress, updatedAt),
  };
  Object.assign(record, errorFieldsFor(step));
  if (step.extra) Object.assign(record, step.extra);
  return record;
}

/** What GET /jobs/{jobid} answers at `t`, before faults: 200 with the record, 404 or 410. */
export function jobAnswerAt(script: JobScript, t: number): JobAnswer {
  return scriptedAnswerAt(script, t, RETENTION_MS, () => jobRecordAt(script, t));
}

/** The script of a job cancelled at `t`: steps after `t` dropped, then failed "Job cancelled by user". */
export function cancelledScript(script: JobScript, t: number): JobScript {
  const elapsed = t - (script.startAt ?? 0);
  const kept = sortSteps(script.steps).filter((step) => step.afterMs <= elapsed);
  return {
    ...script,
    steps: [...kept, { afterMs: elapsed, status: 'failed', error: CANCELLED_ERROR, code: DEFAULT_FAILED_CODE }],
  };
}

/** Emulator time of the first non-running step; undefined for gone jobs or jobs that never end. */
export function terminalTimeOf(script: JobScript): number | undefined {
  return firstEndOf(script, (status) => !isRunning(status));
}

/** The GET /jobs body for the records of the running jobs at `t`. */
export function runningJobsList(records: readonly JobRecord[], t: number): RunningJobsList {
  const list: RunningJobsList = { total: 0, images: 0, videos: 0, channels: {} };
  const running = records.filter((record) => isRunning(record.status));
  running.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.jobid.localeCompare(b.jobid));
  for (const record of running) {
    const channelId = channelOf(record.jobid) ?? 'unknown';
    const channel: RunningChannel = (list.channels[channelId] ??= {
      total: 0,
      images: 0,
      videos: 0,
      maxJobs: CHANNEL_MAX_JOBS,
      maxImageJobs: CHANNEL_MAX_JOBS,
      maxVideoJobs: CHANNEL_MAX_JOBS,
      jobs: [],
    });
    const kind = record.jobType === 'video' ? 'videos' : 'images';
    for (const counts of [list, channel]) {
      counts.total += 1;
      counts[kind] += 1;
    }
    channel.jobs.push({
      jobId: record.jobid,
      channel: channelId,
      jobType: record.jobType,
      created: record.created,
      elapsed: minutesSeconds(t - Date.parse(record.created)),
    });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------

interface JobShape {
  jobid: string;
  jobType: JobType;
  prompt: string;
  speed: string;
}

function responseFor(job: JobShape, step: JobStep, progress: number, updatedAt: number): JobRecordResponse {
  if (step.shape === 'captured') return capturedResponseFor(job, step, updatedAt);
  const content = (suffix: string) => `**${job.prompt}** - ${DISCORD_USER_MENTION} ${suffix}`;
  const percent = content(`(${progress}%) (${job.speed})`);
  let response: JobRecordResponse;
  switch (step.status) {
    case 'created':
      response = {};
      break;
    case 'started':
      response = { content: content('(Waiting to start)'), progress_percent: progress };
      break;
    case 'progress':
      response = { content: percent, progress_percent: progress, attachments: [previewAttachment(job, updatedAt)] };
      break;
    case 'completed': {
      const media = mediaIdsOf(job.jobid);
      const links = [0, 1, 2, 3].map((n) => ({
        id: n + 1,
        url:
          job.jobType === 'video'
            ? `https://cdn.midjourney.com/video/${media.uuid}/${n}.mp4`
            : `https://cdn.midjourney.com/${media.uuid}/0_${n}.png`,
      }));
      response = {
        content: percent,
        progress_percent: progress,
        attachments: [gridAttachment(job, updatedAt)],
        buttons: job.jobType === 'video' ? VIDEO_BUTTONS : IMAGE_BUTTONS,
        ...(job.jobType === 'video' ? { videoUx: links } : { imageUx: links }),
        children: {},
        executeOnce: {},
      };
      break;
    }
    case 'moderated': {
      const embed: Embed = {
        type: 'rich',
        title: step.error ?? MODERATED_ERROR,
        description: step.errorDetails ?? MODERATED_DETAILS,
        color: MODERATION_COLOR,
      };
      return { embeds: step.embeds ?? [embed], buttons: ['Appeal'] };
    }
    default: // failed, and statuses the emulator does not know
      response = { content: percent, progress_percent: progress };
  }
  if (step.embeds) response.embeds = step.embeds;
  return response;
}

/**
 * The whole raw Discord message, with useapi's `buttons` and `imageUx` added only to a completed
 * image, in the key order seen: no `progress_percent`, `children` or `videoUx`, and `embeds: []`.
 */
function capturedResponseFor(job: JobShape, step: JobStep, updatedAt: number): JobRecordResponse {
  const media = mediaIdsOf(job.jobid);
  const completed = step.status === 'completed';
  const response: JobRecordResponse = {
    type: 0,
    channel_id: channelOf(job.jobid) ?? '0',
    content: completed ? `**${job.prompt} ${CAPTURED_PROMPT_SUFFIX}** - ${DISCORD_USER_MENTION} (${job.speed})\n${CAPTURED_SECOND_LINE}` : '',
    attachments: completed ? [gridAttachment(job, updatedAt)] : [],
    embeds: step.embeds ?? [],
    timestamp: iso(updatedAt),
    edited_timestamp: null,
    flags: 0,
    components: [],
    id: media.messageId,
    author: { id: '936929561302675456', username: 'Midjourney Bot', bot: true },
    mentions: [{ id: DISCORD_USER_MENTION.replace(/\D/g, ''), username: 'someone' }],
  };
  if (completed) {
    response.buttons = CAPTURED_BUTTONS;
    response.imageUx = [0, 1, 2, 3].map((n) => ({ id: n + 1, url: `https://cdn.midjourney.com/${media.uuid}/0_${n}.png` }));
  }
  return response;
}

function errorFieldsFor(step: JobStep): Pick<JobRecord, 'error' | 'errorDetails' | 'code'> {
  const given = {
    ...(step.error !== undefined && { error: step.error }),
    ...(step.errorDetails !== undefined && { errorDetails: step.errorDetails }),
    ...(step.code !== undefined && { code: step.code }),
  };
  switch (step.status) {
    case 'failed':
      return { error: DEFAULT_FAILED_ERROR, code: DEFAULT_FAILED_CODE, ...given };
    case 'moderated':
      return { error: MODERATED_ERROR, errorDetails: MODERATED_DETAILS, code: MODERATED_CODE, ...given };
    default:
      return given;
  }
}

/** Stable per-job media ids, derived from the job id so records are reproducible. */
export function mediaIdsOf(jobid: string): { uuid: string; messageId: string; signature: string } {
  const hex = createHash('sha256').update(jobid).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const messageId = String(10n ** 18n + (BigInt(`0x${hex.slice(32, 48)}`) % (9n * 10n ** 18n)));
  return { uuid, messageId, signature: hex };
}

/** Width and height for the prompt's `--ar W:H` (default square), with the long side `longSide`. */
export function dimensions(prompt: string, longSide: number): { width: number; height: number } {
  const match = /--(?:ar|aspect)\s+(\d+):(\d+)/.exec(prompt);
  const w = Number(match?.[1] ?? 1) || 1;
  const h = Number(match?.[2] ?? 1) || 1;
  return w >= h
    ? { width: longSide, height: Math.round((longSide * h) / w) }
    : { width: Math.round((longSide * w) / h), height: longSide };
}

/** A Discord attachment link, which carries its own expiry (`ex`, about a day after `is`). */
function discordAttachment(job: JobShape, filename: string, issuedAt: number, longSide: number): DiscordAttachment {
  const media = mediaIdsOf(job.jobid);
  const issued = Math.floor(issuedAt / 1000);
  const query = `ex=${(issued + DISCORD_LINK_LIFETIME_S).toString(16)}&is=${issued.toString(16)}&hm=${media.signature}`;
  const path = `attachments/${channelOf(job.jobid) ?? '0'}/${media.messageId}/${filename}?${query}`;
  return {
    url: `https://cdn.discordapp.com/${path}`,
    proxy_url: `https://media.discordapp.net/${path}`,
    filename,
    ...dimensions(job.prompt, longSide),
  };
}

function previewAttachment(job: JobShape, issuedAt: number): DiscordAttachment {
  return discordAttachment(job, 'grid_0.webp', issuedAt, 512);
}

function gridAttachment(job: JobShape, issuedAt: number): DiscordAttachment {
  const slug =
    job.prompt
      .replace(/--\S+(\s+[^-\s]\S*)?/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || 'image';
  return discordAttachment(job, `emulator_${slug}_${mediaIdsOf(job.jobid).uuid}.png`, issuedAt, 2048);
}
