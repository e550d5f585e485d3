import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../domain/job';
import { deriveJobView } from './jobView';
import { PROMPT_HIDDEN, withoutPrompt } from './promptPrivacy';
import { renderJob } from './render';

export { EMBED_COLORS } from './jobView';
export { embedLength } from './limits';

/**
 * The channel message that follows one job: status headline, cleaned prompt (unless the server
 * hides prompts), progress, what a problem means, results (grid image + link buttons) and upstream
 * error details. Pure.
 */
export function trackingMessage(
  job: JobSnapshot,
  now: number,
  opts: { hidePrompt?: boolean } = {},
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const view = deriveJobView(job, now);
  if (!opts.hidePrompt) return renderJob(view, { now });
  return renderJob(withoutPrompt(view, job.reading?.prompt ?? null), { now, lead: [PROMPT_HIDDEN] });
}
