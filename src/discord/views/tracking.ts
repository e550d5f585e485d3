import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { ResultFiles } from '../../db/media';
import type { JobSnapshot } from '../../domain/job';
import { galleryMessage, readyFiles, type Rendered } from './gallery';
import { deriveJobView } from './jobView';
import { renderJob } from './render';

export { EMBED_COLORS } from './jobView';
export { embedLength } from './limits';

/**
 * The channel message that follows one job: status headline, cleaned prompt, progress, what a
 * problem means, results (grid image + link buttons) and upstream error details. Pure.
 */
export function trackingMessage(
  job: JobSnapshot,
  now: number,
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  return renderJob(deriveJobView(job, now), { now });
}

/**
 * The tracking message as re-hosting left it: a gallery of the uploaded files once they are ready
 * (Components V2, kept from then on), else the embed with links and the plain note on what could
 * not be re-hosted.
 */
export function trackingRender(job: JobSnapshot, media: ResultFiles | null, now: number): Rendered {
  const ready = readyFiles(job, media);
  if (ready) return galleryMessage(job, ready.files, { now, note: ready.note });
  const note = job.status === 'completed' ? (media?.note ?? null) : null;
  return { body: renderJob(deriveJobView(job, now), { now, lead: note ? [note] : [] }), uploads: [] };
}
