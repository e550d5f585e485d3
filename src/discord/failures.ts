/** Discord's answers to a request, read as what they mean for the work that made it. */
import { DiscordAPIError, RateLimitError, RESTJSONErrorCodes } from 'discord.js';

/** What a failed Discord request means for the work that made it. */
export type Failure =
  | { kind: 'lost'; reason: 'deleted' | 'no_access' }
  | { kind: 'dms_closed' }
  | { kind: 'rejected'; detail: string }
  /**
   * Discord is down, slow or rate limiting: try again later (when Discord says, for a rate limit).
   * `global`: Discord's global limit, which holds every request, not only this one's lane.
   */
  | { kind: 'later'; detail: string; retryAfterMs?: number; global?: boolean };

export function failureOf(error: unknown): Failure {
  if (error instanceof RateLimitError) {
    const retryAfterMs = Math.max(error.retryAfter, error.timeToReset, 50);
    // discord.js reports a 429 on a route it rejects (client.ts) as this error, never as a DiscordAPIError.
    if (error.global) return { kind: 'later', retryAfterMs, global: true, detail: `rate limited by Discord's global limit on ${error.route}` };
    return { kind: 'later', retryAfterMs, detail: `rate limited on ${error.route}` };
  }
  if (error instanceof DiscordAPIError) {
    switch (error.code) {
      case RESTJSONErrorCodes.UnknownMessage:
      case RESTJSONErrorCodes.UnknownChannel:
        return { kind: 'lost', reason: 'deleted' };
      case RESTJSONErrorCodes.MissingAccess:
      case RESTJSONErrorCodes.MissingPermissions:
        return { kind: 'lost', reason: 'no_access' };
      case RESTJSONErrorCodes.CannotSendMessagesToThisUser:
        return { kind: 'dms_closed' };
    }
    if (error.status >= 500) return { kind: 'later', detail: `HTTP ${error.status}` };
    return { kind: 'rejected', detail: `${error.status} ${error.code}: ${error.message.slice(0, 200)}` };
  }
  // HTTPError (5xx after discord.js' own retries), timeouts and network failures.
  return { kind: 'later', detail: error instanceof Error ? error.message.slice(0, 200) : String(error) };
}

/** The words a log line or an outbox row keeps for a failure. */
export function failureDetail(failure: Failure): string {
  switch (failure.kind) {
    case 'lost':
      return failure.reason === 'deleted' ? 'the channel or message no longer exists' : 'missing access';
    case 'dms_closed':
      return 'dms_closed';
    default:
      return failure.detail;
  }
}
