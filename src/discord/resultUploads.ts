/** A completed job's re-hosted files on their way to Discord, and what happens when Discord will not take them. */
import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { saveResultFiles, type ResultFiles, type ResultMediaSource } from '../db/media';
import type { Db } from '../db/open';
import type { JobSnapshot } from '../domain/job';
import type { Logger } from '../log';
import type { Upload } from './views/gallery';

/** How often a result DM looks again whether its job's files are fetched (the fetch is bounded by its own timeouts). */
export const MEDIA_WAIT_MS = 2000;

/** The re-hosted files a job's final messages show; null while it runs, when it did not complete, or with re-hosting off. */
export function filesToShow(job: JobSnapshot, media: ResultMediaSource | undefined): ResultFiles | null {
  return job.terminal && job.status === 'completed' ? (media?.filesFor(job.jobId) ?? null) : null;
}

/** discord.js' REST files; undefined without any, so a body without files stays JSON. */
export function uploadsFor(uploads: readonly Upload[]) {
  return uploads.length > 0 ? uploads.map((u) => ({ name: u.name, data: u.data, contentType: u.contentType })) : undefined;
}

/**
 * Why Discord would not take a message's uploaded files, in words for the message; null when the
 * error is about something else. 40005: over the upload limit; 50035: a body it refuses.
 */
export function uploadRefused(error: unknown): string | null {
  if (!(error instanceof DiscordAPIError)) return null;
  if (error.code === RESTJSONErrorCodes.RequestEntityTooLarge) return 'The result files are too large to upload to Discord, so they are shown as links.';
  if (error.code === RESTJSONErrorCodes.InvalidFormBodyOrContentType) return 'Discord did not accept the result files, so they are shown as links.';
  return null;
}

/**
 * Discord would not take the job's files: from now on its messages and DMs show links and say why,
 * instead of trying the same upload again (for every follower: the files are the same for all).
 */
export function fallBackToLinks(db: Db, log: Logger, jobId: string, why: string, at: number): void {
  saveResultFiles(db, jobId, [], why, at);
  log.warn({ event: 'upload_refused', jobId, why }, 'Discord refused the result files; showing links');
}
