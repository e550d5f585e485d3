import { z } from 'zod';
import { upstreamJobSchema, type UpstreamJob } from './job';

/** Everything one read of a job can come back with. Never throws. */
export type PollResult =
  | { kind: 'ok'; job: UpstreamJob }
  | { kind: 'http'; status: number; retryAfterMs: number | null; message: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string }
  | { kind: 'malformed'; message: string };

/** `GET /v3/midjourney/jobs`: the ids of every running job of the account, or why not. */
export type ListResult = { kind: 'ok'; running: Set<string> } | Exclude<PollResult, { kind: 'ok' }>;

export interface UseapiClient {
  fetchJob(jobId: string): Promise<PollResult>;
  listRunning(): Promise<ListResult>;
}

export function createUseapiClient(opts: {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  now?: () => number;
}): UseapiClient {
  const now = opts.now ?? Date.now;

  /** One GET; the body parsed as JSON, or the failure as a PollResult. */
  async function get(path: string): Promise<{ kind: 'json'; body: unknown } | Exclude<PollResult, { kind: 'ok' }>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${opts.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${opts.token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return { kind: 'timeout' };
      }
      return { kind: 'network', message: describeNetworkError(error) };
    }
    if (response.status !== 200) {
      return {
        kind: 'http',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
        message: errorMessageOf(text),
      };
    }
    try {
      return { kind: 'json', body: JSON.parse(text) };
    } catch {
      return { kind: 'malformed', message: `body is not JSON (${text.length} bytes)` };
    }
  }

  return {
    async fetchJob(jobId) {
      // The id holds a ':'; useapi's own examples send it raw, which is a valid path character.
      const answer = await get(`/v3/midjourney/jobs/${encodeURI(jobId)}`);
      if (answer.kind !== 'json') return answer;
      const parsed = upstreamJobSchema.safeParse(answer.body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a job record' };
      if (parsed.data.jobid !== jobId) return { kind: 'malformed', message: 'body is a different job' };
      return { kind: 'ok', job: parsed.data };
    },

    async listRunning() {
      const answer = await get('/v3/midjourney/jobs');
      if (answer.kind !== 'json') return answer;
      const parsed = runningListSchema.safeParse(answer.body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a list of running jobs' };
      const running = new Set<string>();
      for (const channel of Object.values(parsed.data.channels)) {
        for (const job of channel.jobs) running.add(job.jobId ?? job.jobid!);
      }
      return { kind: 'ok', running };
    },
  };
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

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** useapi errors are `{"error": "..."}`; the error may also be an object. Only a short, safe excerpt is kept. */
function errorMessageOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    const error = body.error;
    if (typeof error === 'string') return error.slice(0, 300);
    if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
      return error.message.slice(0, 300);
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
