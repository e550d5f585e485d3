/** How long a result that can only be linked stays reachable: a line for the messages that link it. Pure. */
import type { ResultMedia } from '../../domain/job';
import { namesOf } from '../../domain/upstream';
import { isKnownTime, whenText } from './markup';

/** The first link to stop working takes the others' usefulness with it: a result is its set. */
export function earliestExpiry(media: readonly ResultMedia[]): number | null {
  const times = media.map((m) => m.expiresAt).filter((t): t is number => isKnownTime(t ?? null));
  return times.length === 0 ? null : Math.min(...times);
}

/**
 * "Links work until <t:…:f> (<t:…:R>)." from the earliest `expiresAt`; "The links expired …" once
 * past; "Links may expire." for an upstream that signs its links without saying until when; null
 * when there is nothing to say (no links, or links that last).
 */
export function expiryLine(media: readonly ResultMedia[], upstream: string, now: number): string | null {
  if (media.length === 0) return null;
  const at = earliestExpiry(media);
  if (at === null) return namesOf(upstream).signsLinks ? 'Links may expire.' : null;
  return at > now ? `Links work until ${whenText(at)}.` : `The links expired ${whenText(at)}.`;
}
