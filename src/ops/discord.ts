import { RESTEvents, type APIRequest, type REST, type ResponseLike } from 'discord.js';

export type DiscordRouteClass = 'message_create' | 'message_edit' | 'dm_channel' | 'interaction_callback' | 'interaction_webhook' | 'other';
export type DiscordOutcome = '2xx' | '4xx' | '5xx' | '429';

/** Which kind of request this is, from its method and path: a label with a handful of values, never an id. */
export function routeClassOf(method: string, path: string): DiscordRouteClass {
  const m = method.toUpperCase();
  if (/^\/channels\/\d+\/messages\/?$/.test(path) && m === 'POST') return 'message_create';
  if (/^\/channels\/\d+\/messages\/\d+\/?$/.test(path) && m === 'PATCH') return 'message_edit';
  if (path === '/users/@me/channels' && m === 'POST') return 'dm_channel';
  if (/^\/interactions\/\d+\/[^/]+\/callback/.test(path)) return 'interaction_callback';
  if (/^\/webhooks\/\d+\/[^/]+/.test(path)) return 'interaction_webhook';
  return 'other';
}

export function outcomeOfStatus(status: number): DiscordOutcome {
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return '2xx';
}

/** Tells `observe` about every answer Discord gives the bot's REST client; returns the way to stop. */
export function watchDiscordRequests(rest: REST, observe: (route: DiscordRouteClass, outcome: DiscordOutcome, scope: string | null) => void): () => void {
  const listener = (request: APIRequest, response: ResponseLike) => {
    const path = String(request.path).split('?')[0]!;
    observe(routeClassOf(request.method, path), outcomeOfStatus(response.status), response.status === 429 ? response.headers.get('x-ratelimit-scope') : null);
  };
  rest.on(RESTEvents.Response, listener);
  return () => rest.off(RESTEvents.Response, listener);
}
