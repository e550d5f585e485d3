/** What a route handler answers, and Discord's error shapes. */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

/** Discord's JSON error codes the fake answers with. */
export const ErrorCode = {
  General: 0,
  UnknownApplication: 10002,
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownUser: 10013,
  UnknownWebhook: 10015,
  UnknownInteraction: 10062,
  RequestEntityTooLarge: 40005,
  InteractionAlreadyAcknowledged: 40060,
  MissingAccess: 50001,
  CannotSendEmptyMessage: 50006,
  CannotSendMessagesToUser: 50007,
  MissingPermissions: 50013,
  InvalidWebhookToken: 50027,
  InvalidFormBody: 50035,
  InvalidJson: 50109,
} as const;

const messages: Record<number, string> = {
  [ErrorCode.UnknownApplication]: 'Unknown Application',
  [ErrorCode.UnknownChannel]: 'Unknown Channel',
  [ErrorCode.UnknownGuild]: 'Unknown Guild',
  [ErrorCode.UnknownMember]: 'Unknown Member',
  [ErrorCode.UnknownMessage]: 'Unknown Message',
  [ErrorCode.UnknownUser]: 'Unknown User',
  [ErrorCode.UnknownWebhook]: 'Unknown Webhook',
  [ErrorCode.UnknownInteraction]: 'Unknown interaction',
  [ErrorCode.RequestEntityTooLarge]: 'Request entity too large',
  [ErrorCode.InteractionAlreadyAcknowledged]: 'Interaction has already been acknowledged.',
  [ErrorCode.MissingAccess]: 'Missing Access',
  [ErrorCode.CannotSendEmptyMessage]: 'Cannot send an empty message',
  [ErrorCode.CannotSendMessagesToUser]: 'Cannot send messages to this user',
  [ErrorCode.MissingPermissions]: 'Missing Permissions',
  [ErrorCode.InvalidWebhookToken]: 'Invalid Webhook Token',
  [ErrorCode.InvalidFormBody]: 'Invalid Form Body',
  [ErrorCode.InvalidJson]: 'The request body contains invalid JSON.',
};

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `{ code, message }` as Discord answers; code 0 gives Discord's generic "404: Not Found" style. */
export function apiError(status: number, code: number, extra?: Record<string, unknown>): Reply {
  const message = messages[code] ?? `${status}: ${statusText[status] ?? 'Error'}`;
  return { status, body: { message, code, ...extra } };
}

/** Thrown by handlers to answer an error from deep inside (caught by the server). */
export class ReplyError extends Error {
  constructor(
    readonly reply: Reply,
    /** Also recorded as a violation (the bot did something Discord would refuse as a bug). */
    readonly violation?: string,
  ) {
    super(violation ?? `HTTP ${reply.status}`);
  }
}

export function fail(status: number, code: number, violation?: string): never {
  throw new ReplyError(apiError(status, code), violation);
}
