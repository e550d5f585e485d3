/** What each tracking problem (401, 402, 404, 410, stalled, too old) is called and what it tells the person. */
import { time, TimestampStyles } from 'discord.js';
import type { Problem } from '../../domain/job';
import { DEFAULT_UPSTREAM, namesOf, type UpstreamNames } from '../../domain/upstream';

/** Title per problem. */
export function problemHeadlines({ service }: UpstreamNames): Record<Problem, string> {
  return {
    unauthorized: `${service} token refused (401)`,
    payment_required: `${service} subscription inactive (402)`,
    not_found_yet: 'Not found yet (404)',
    not_found: 'Job not found (404)',
    expired: 'Job expired (410)',
    stalled: 'Stalled',
    max_age: 'Stopped tracking',
  };
}

/** The titles for useapi.net (the admin views' account alerts speak of that account). */
export const PROBLEM_HEADLINES = problemHeadlines(namesOf(DEFAULT_UPSTREAM));

/** One plain sentence per problem: what it means and what to do (a 404 within its grace: `notFoundYetText`). */
export function problemTexts({ service, engine, tokenSetting, keepsJobs }: UpstreamNames): Record<Exclude<Problem, 'not_found_yet'>, string> {
  return {
    unauthorized: `${service} refused this bot's API token (HTTP 401), so nobody's jobs can be read there right now. A bot admin needs to fix ${tokenSetting}; polling is paused and resumes by itself once the token works again.`,
    payment_required: `${service} says the account this bot uses has no active subscription (HTTP 402). A bot admin needs to renew it on ${service}; polling is paused and resumes by itself once the subscription is active again.`,
    not_found: `${service} does not know this job id (HTTP 404). Check that the id is complete and that the job was made with the ${service} account this bot uses — other accounts' jobs cannot be read. Tracking has stopped; if the id is right, /track it again to look once more.`,
    expired: `${keepsJobs ? `${service} keeps jobs for ${keepsJobs} and this one is older` : `${service} no longer keeps this job`}, so it can no longer be read (HTTP 410). Tracking has stopped.`,
    stalled: `${engine} has not reported any change for 14 minutes or more, so the job may be stuck. I'll keep checking and update this message if it moves or fails.`,
    max_age: 'I stopped following this job because it ran longer than this bot tracks a job. What it last showed is below; run /track again to follow it anew.',
  };
}

/** The problem texts for useapi.net Midjourney v3 (the admin views' account alerts speak of that account). */
export const PROBLEM_TEXTS = problemTexts(namesOf(DEFAULT_UPSTREAM));

/** A 404 within its grace: the id may be mistyped or too new; checking goes on until `until`. */
export function notFoundYetText(service: string, until: number | null): string {
  const deadline = until === null ? 'for a little while' : `until ${time(new Date(until), TimestampStyles.LongTime)}`;
  return `${service} does not know this job id yet (HTTP 404): it may be mistyped, or too new to be known. I'm still checking ${deadline}, then I'll stop.`;
}
