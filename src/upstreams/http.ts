import type { TransportFailure } from './port';

export type JsonAnswer = { kind: 'json'; status: number; body: unknown } | { kind: 'empty'; status: number } | TransportFailure;

/**
 * One request; the body parsed as JSON, an empty body reported as such, any other status than
 * 200/201/204 as an `http` failure carrying a short, safe excerpt of the error. Never throws.
 */
export async function requestJson(
  url: string,
  init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: unknown; timeoutMs: number; now: () => number },
): Promise<JsonAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { Accept: 'application/json', ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return { kind: 'timeout' };
    return { kind: 'network', message: describeNetworkError(error) };
  }
  if (![200, 201, 204].includes(response.status)) {
    return {
      kind: 'http',
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), init.now()),
      message: errorMessageOf(text),
    };
  }
  if (text.trim() === '') return { kind: 'empty', status: response.status };
  try {
    return { kind: 'json', status: response.status, body: JSON.parse(text) };
  } catch {
    return { kind: 'malformed', message: `body is not JSON (${text.length} bytes)` };
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Errors are `{"error": "..."}`, the error may also be an object, or `{"description": …}`. Only a short, safe excerpt is kept. */
function errorMessageOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: unknown; description?: unknown };
    const error = body.error ?? body.description;
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

