import type { z } from 'zod';
import { requestJson } from '../http';
import type { TransportFailure } from '../port';

export interface UseapiSettings {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  maxRequestsPerSecond: number;
  /** The account number in the token (`user:<n>-…`): ids of other accounts cannot be read. */
  account: string | null;
  now?: () => number;
}

export const USEAPI_ACCOUNT_KEY = 'useapi';

/** One GET with the headers and error handling every useapi.net read shares. */
export function useapiGet(settings: UseapiSettings, path: string) {
  return requestJson(`${settings.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${settings.token}` },
    timeoutMs: settings.timeoutMs,
    now: settings.now ?? Date.now,
  });
}


/** One GET whose body must match `schema` (`what` names it in the failure). */
export async function useapiGetParsed<T>(settings: UseapiSettings, path: string, schema: z.ZodType<T>, what: string): Promise<{ kind: 'ok'; data: T } | TransportFailure> {
  const answer = await useapiGet(settings, path);
  if (answer.kind === 'empty') return { kind: 'malformed', message: 'empty body' };
  if (answer.kind !== 'json') return answer;
  const parsed = schema.safeParse(answer.body);
  return parsed.success ? { kind: 'ok', data: parsed.data } : { kind: 'malformed', message: `body is not ${what}` };
}
