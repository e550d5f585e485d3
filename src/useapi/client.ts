import { upstreamJobSchema, type UpstreamJob } from './job';

/** Everything one read of a job can come back with. Never throws. */
export type PollResult =
  | { kind: 'ok'; job: UpstreamJob }
  | { kind: 'http'; status: number; retryAfterMs: number | null; message: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string }
  | { kind: 'malformed'; message: string };

export interface UseapiClient {
  fetchJob(jobId: string): Promise<PollResult>;
}

export function createUseapiClient(opts: {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  now?: () => number;
}): UseapiClient {
  const now = opts.now ?? Date.now;
  return {
    async fetchJob(jobId) {
      // The id holds a ':'; useapi's own examples send it raw, which is a valid path character.
      const url = `${opts.baseUrl}/v3/midjourney/jobs/${encodeURI(jobId)}`;
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
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
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { kind: 'malformed', message: `body is not JSON (${text.length} bytes)` };
      }
      const parsed = upstreamJobSchema.safeParse(body);
      if (!parsed.success) return { kind: 'malformed', message: 'body is not a job record' };
      if (parsed.data.jobid !== jobId) return { kind: 'malformed', message: 'body is a different job' };
      return { kind: 'ok', job: parsed.data };
    },
  };
}

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
