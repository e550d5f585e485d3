import { z } from 'zod';
import { namesOf } from '../../domain/upstream';
import { USEAPI_ACCOUNT_KEY, useapiGet, useapiGetParsed, type UseapiSettings } from '../useapi/client';
import { MAX_PASTED_ID_LENGTH, tidyPastedId, type ListResult, type PollResult, type Recognition, type UpstreamAdapter } from '../port';
import { jobIdProblemText, parseJobId } from './jobId';
import { ACCOUNT_WARNING, readingOf, upstreamJobSchema } from './record';

/** useapi.net Midjourney v3: `GET /v3/midjourney/jobs/{jobid}` and the running list `GET /v3/midjourney/jobs`. */
export function useapiMidjourney(settings: UseapiSettings): UpstreamAdapter {
  const id = 'useapi-midjourney';
  // The id holds a ':'; useapi's own examples send it raw, which is a valid path character.
  const encodeIdForPath = (jobId: string) => encodeURI(jobId);
  const channelOf = (jobId: string) => {
    const parsed = parseJobId(jobId);
    return parsed.ok ? parsed.jobId.channel : null;
  };

  return {
    id,
    names: namesOf(id),
    example: 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney',
    accountKey: USEAPI_ACCOUNT_KEY,
    maxRequestsPerSecond: settings.maxRequestsPerSecond,
    // `imageUx`/`videoUx` on cdn.midjourney.com and the grid as a Discord attachment (`attachments[].url`) [DOC, useapi-v3.md §1.2].
    mediaHosts: ['cdn.midjourney.com', 'cdn.discordapp.com'],
    encodeIdForPath,

    recognise(pasted): Recognition {
      const text = tidyPastedId(pasted);
      if (text.length > MAX_PASTED_ID_LENGTH) return { kind: 'not_mine' };
      const parsed = parseJobId(text);
      if (!parsed.ok) {
        if (parsed.reason === 'v2') return { kind: 'refused', why: jobIdProblemText('v2') };
        return { kind: 'not_mine' };
      }
      const { jobId } = parsed;
      if (settings.account !== null && jobId.account !== settings.account) {
        return {
          kind: 'refused',
          why: 'That job was made with a different useapi.net account than the one this bot uses, so the bot cannot read it.',
        };
      }
      return { kind: 'ref', ref: { key: jobId.id, upstream: id, scope: jobId.channel, description: `Midjourney ${jobId.type} job` } };
    },

    async read(jobId): Promise<PollResult> {
      const answer = await useapiGet(settings, `/v3/midjourney/jobs/${encodeIdForPath(jobId)}`);
      if (answer.kind === 'http') return withAccountWarning(answer, channelOf(jobId));
      if (answer.kind === 'empty') return { kind: 'malformed', message: 'empty body' };
      if (answer.kind !== 'json') return answer;
      const parsed = upstreamJobSchema.safeParse(answer.body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a job record' };
      if (parsed.data.jobid !== jobId) return { kind: 'malformed', message: 'body is a different job' };
      return { kind: 'ok', reading: readingOf(parsed.data, channelOf(jobId)) };
    },

    async listRunning(): Promise<ListResult> {
      const answer = await useapiGetParsed(settings, '/v3/midjourney/jobs', runningListSchema, 'a list of running jobs');
      if (answer.kind !== 'ok') return answer;
      const running = new Set<string>();
      for (const channel of Object.values(answer.data.channels)) {
        for (const job of channel.jobs) running.add(job.jobId ?? job.jobid!);
      }
      return { kind: 'ok', running };
    },

    normalize(raw) {
      const parsed = upstreamJobSchema.safeParse(raw);
      return parsed.success ? readingOf(parsed.data, channelOf(parsed.data.jobid)) : null;
    },
  };
}

/**
 * An HTTP failure, with the account warning it carries: useapi's 596 ("pending moderation") or
 * Midjourney's wording in the error body. Both concern one Midjourney channel, named in the job id.
 */
export function withAccountWarning(failure: Extract<PollResult, { kind: 'http' }>, channel: string | null): PollResult {
  const flagged = failure.status === 596 || ACCOUNT_WARNING.test(failure.message ?? '');
  const where = channel ? ` on Midjourney channel ${channel}` : '';
  const detail = `HTTP ${failure.status}${where}${failure.message ? `: ${failure.message}` : ''}`;
  return { ...failure, accountWarning: flagged ? { scope: channel, detail } : null };
}

/** The documented shape of `GET /jobs` (§3.1), lenient to extra fields and to `jobid` spelled either way. */
const runningListSchema = z.object({
  channels: z.record(
    z.string(),
    z.object({
      jobs: z.array(
        z.object({ jobId: z.string().optional(), jobid: z.string().optional() }).refine((j) => j.jobId ?? j.jobid),
      ),
    }),
  ),
});
