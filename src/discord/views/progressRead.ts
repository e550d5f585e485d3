import { TimestampStyles } from 'discord.js';
import { isRunningStatus, type JobSnapshot } from '../../domain/job';
import { isKnownTime, safeTime } from './markup';

/**
 * "Progress last read <t:…:R>" under a running job whose record was last read more than
 * `staleAfterMs` ago (the list of running jobs says it still runs, but its progress is that old);
 * null otherwise. Discord keeps the relative time current by itself.
 */
export function progressReadLine(job: JobSnapshot, now: number, staleAfterMs: number | undefined): string | null {
  if (staleAfterMs === undefined || job.terminal || !isRunningStatus(job.status)) return null;
  const readAt = job.readAt ?? null;
  if (!isKnownTime(readAt) || now - readAt <= staleAfterMs) return null;
  return `Progress last read ${safeTime(readAt, TimestampStyles.RelativeTime)}`;
}
