import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { ResultFiles } from '../../db/media';
import type { JobSnapshot } from '../../domain/job';
import { galleryMessage, readyFiles, type Rendered } from './gallery';
import { deriveJobView } from './jobView';
import { progressReadLine } from './progressRead';
import { PROMPT_HIDDEN, withoutPrompt } from './promptPrivacy';
import { renderJob } from './render';

export { EMBED_COLORS } from './jobView';
export { embedLength } from './limits';

export interface TrackingOptions {
  /** The server keeps prompts out of its public messages (`/tracker-settings hide_prompts`). */
  hidePrompt?: boolean;
  /** A running job whose record was read longer ago than this says when it was. */
  readStaleAfterMs?: number;
}

/**
 * The channel message that follows one job as an embed: status headline, cleaned prompt (unless
 * the server hides prompts), progress and when it was last read if that is long ago, what a
 * problem means, results (grid image + link buttons), upstream error details and `lead` lines
 * first. Pure.
 */
export function trackingMessage(
  job: JobSnapshot,
  now: number,
  opts: TrackingOptions = {},
  lead: string[] = [],
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const readLine = progressReadLine(job, now, opts.readStaleAfterMs);
  const lines = [...(opts.hidePrompt ? [PROMPT_HIDDEN] : []), ...(readLine ? [readLine] : []), ...lead];
  const view = deriveJobView(job, now);
  return renderJob(opts.hidePrompt ? withoutPrompt(view, job.reading?.prompt ?? null) : view, { now, lead: lines });
}

/**
 * The tracking message as re-hosting left it: a gallery of the uploaded files once they are ready
 * (Components V2, kept from then on), else the embed with links and the plain note on what could
 * not be re-hosted.
 */
export function trackingRender(job: JobSnapshot, media: ResultFiles | null, now: number, opts: TrackingOptions = {}): Rendered {
  const ready = readyFiles(job, media);
  if (ready) return galleryMessage(job, ready.files, { now, note: ready.note, hidePrompt: opts.hidePrompt });
  const note = job.status === 'completed' ? (media?.note ?? null) : null;
  return { body: trackingMessage(job, now, opts, note ? [note] : []), uploads: [] };
}
