/** The useapi.net family's error bodies, auth and fault style (Midjourney v3, Google Flow, Dreamina). */
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { FaultsAndLog, type FaultStyle } from './faults';
import { json, type EmulatorRequest, type Outcome, type Reply } from './http';

export type UseapiAccountFault = 401 | 402 | 596;

const USEAPI_ACCOUNT_MESSAGES: Record<UseapiAccountFault, string> = {
  401: 'Unauthorized',
  402: 'Account has no subscription or subscription expired',
  596: 'Account has pending moderation message',
};

export const USEAPI_NOT_FOUND = { error: 'Job not found' };

export function useapiExpiredBody(jobid?: string): { error: string } {
  return { error: jobid === undefined ? 'Job has expired' : `Job ${jobid} has expired` };
}

/** The usual `{"error": …}` of a useapi.net API for a status. */
export function useapiErrorBody(status: number, jobid?: string): { error: string } {
  if (status === 404) return USEAPI_NOT_FOUND;
  if (status === 410) return useapiExpiredBody(jobid);
  if (status in USEAPI_ACCOUNT_MESSAGES) return { error: USEAPI_ACCOUNT_MESSAGES[status as UseapiAccountFault] };
  return { error: STATUS_CODES[status] ?? `HTTP ${status}` };
}

export function useapiAuthOk(headers: IncomingHttpHeaders, token: string): boolean {
  return headers.authorization === `Bearer ${token}`;
}

/** The request log and faults of a useapi.net API, whose truncated answers start like `malformedBody`. */
export function useapiFaultsAndLog<Route extends string>(malformedBody: FaultStyle['malformedBody']): FaultsAndLog<Route, UseapiAccountFault> {
  return new FaultsAndLog<Route, UseapiAccountFault>({
    errorBody: useapiErrorBody,
    malformedBody,
    accountReply: (status) => json(status, useapiErrorBody(status)),
  });
}

/** `log.answer` behind the useapi.net auth: `Authorization: Bearer <token>`, else 401 `{"error":"Unauthorized"}`. */
export function answerUseapi<Route extends string>(
  log: FaultsAndLog<Route, UseapiAccountFault>,
  req: EmulatorRequest,
  token: string,
  call: { route: Route; jobid?: string | undefined; faultable: boolean; normal: () => Reply },
): Outcome {
  const { jobid, ...rest } = call;
  return log.answer(req, { ...rest, ...(jobid !== undefined && { jobid }), authOk: useapiAuthOk(req.headers, token), unauthorized: json(401, useapiErrorBody(401)) });
}
