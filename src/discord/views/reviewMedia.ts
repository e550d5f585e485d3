/**
 * What a moderated or refused job made, as admins see it in the review channel: behind spoilers, so
 * nobody sees it by scrolling past. Embed images cannot be spoilered, so these are `||links||` in a
 * field, never the embed's picture or a button. Pure.
 */
import type { APIEmbedField } from 'discord.js';
import type { JobSnapshot, MediaKind } from '../../domain/job';
import { DISCORD_LIMITS } from './limits';
import { safeLink } from './text';

const WORD: Record<MediaKind, string> = { image: 'Image', video: 'Video', audio: 'Audio' };

/** A field of spoilered links to the job's media, or null when it is not moderated or refused, or left none. */
export function spoileredMediaField(job: JobSnapshot): APIEmbedField | null {
  if (job.status !== 'moderated' && job.status !== 'refused') return null;
  const counts: Partial<Record<MediaKind, number>> = {};
  const parts: string[] = [];
  let length = 0;
  for (const media of job.reading?.media ?? []) {
    const url = safeLink(media.url);
    if (!url) continue;
    let label = 'Grid';
    if (media.role !== 'grid') {
      const n = (counts[media.kind] ?? 0) + 1;
      counts[media.kind] = n;
      label = `${WORD[media.kind]} ${n}`;
    }
    const part = `||[${label}](${url})||`;
    if (length + part.length + 3 > DISCORD_LIMITS.fieldValue) break;
    parts.push(part);
    length += part.length + 3;
  }
  if (parts.length === 0) return null;
  return { name: 'What it made (hidden: click to show)', value: parts.join(' · '), inline: false };
}
