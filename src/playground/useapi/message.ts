/**
 * The Discord message inside a job record (`response`, §1.2): content, embeds, buttons and
 * attachments as Midjourney posts them at each step, and the stable media ids behind their URLs.
 */
import { createHash } from 'node:crypto';
import { iso } from '../emulator/steps';
import { channelOf } from './ids';
import type { DiscordAttachment, Embed, JobRecordResponse, JobStep, JobType } from './types';

export const MODERATED_ERROR = 'Action needed to continue';
export const MODERATED_DETAILS =
  'Sorry! Our AI moderators feel your prompt might be against our community standards.\n\n' +
  'If you think this is a mistake, please press the "Appeal" button below and we will send it to a more ' +
  'sophisticated AI to double-check the result.';
export const MODERATED_CODE = 422;

export const DISCORD_USER_MENTION = '<@1111111111111111111>';

// Seen in records captured from the real v3 API by a third party: facts, not inferences.
/** What Midjourney appends to the prompt it echoes in `content`. */
export const CAPTURED_PROMPT_SUFFIX = '--p lqg2fke --raw';
export const CAPTURED_SECOND_LINE = '-# Create, explore, and organize on [midjourney.com](<https://www.midjourney.com/imagine>)';
export const CAPTURED_BUTTONS = ['U1', 'U2', 'U3', 'U4', '🔄', 'V1', 'V2', 'V3', 'V4'];

const IMAGE_BUTTONS = ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔄'];
const VIDEO_BUTTONS = ['U1', 'U2', 'U3', 'U4', '🔄'];
const MODERATION_COLOR = 16711680;
const DISCORD_LINK_LIFETIME_S = 24 * 60 * 60;

export interface JobShape {
  jobid: string;
  jobType: JobType;
  prompt: string;
  speed: string;
}

export function responseFor(job: JobShape, step: JobStep, progress: number, updatedAt: number): JobRecordResponse {
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
