/** Discord's answers to a request, read as what they mean for the work that made it. */
import { DiscordAPIError, RateLimitError, RESTJSONErrorCodes } from 'discord.js';

/** What a failed Discord request means for the work that made it. */
export type Failure =
  | { kind: 'lost'; reason: 'deleted' | 'no_access' }
  | { kind: 'dms_closed' }
  | { kind: 'rejected'; detail: string }
  /** Discord is down, slow or rate limiting: try again later (when Discord says, for a rate limit). */
  | { kind: 'later'; detail: string; retryAfterMs?: number };

export function failureOf(error: unknown): Failure {
  if (error instanceof RateLimitError) {
    return { kind: 'later', retryAfterMs: Math.max(error.retryAfter, error.timeToReset, 50), detail: `rate limited on ${error.route}` };
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
