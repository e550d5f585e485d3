import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { deriveJobView } from './jobView';
import { progressReadLine } from './progressRead';
import { renderJob } from './render';

export { EMBED_COLORS } from './jobView';
export { embedLength } from './limits';

/**
 * The channel message that follows one job: status headline, cleaned prompt, progress, what a
 * problem means, results (grid image + link buttons) and upstream error details. Pure.
 * `readStaleAfterMs`: a running job whose record was read longer ago says when.
 */
export function trackingMessage(
  job: JobSnapshot,
  now: number,
  readStaleAfterMs?: number,
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const readLine = progressReadLine(job, now, readStaleAfterMs);
  return renderJob(deriveJobView(job, now), { now, lead: readLine ? [readLine] : [] });
}
