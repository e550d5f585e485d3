/**
 * A loopback emulator of useapi.net's Google Flow v1 job API.
 *
 * Routes (all behind `Authorization: Bearer <token>`):
 * - GET /v1/google-flow/jobs/{jobId}                   the job record (jobId raw; `%` in it answers 400)
 * - GET /v1/google-flow/jobs?options=summary|executing|history   the jobs list
 * - GET /v1/google-flow/assets/{mediaGenerationId}     a freshly signed link to a result
 * Without auth and outside the request log: GET /flow-content/… serves the bytes of signed links (403 once expired).
 */
import { DEFAULT_TOKEN } from '../useapi/server';
import { jobPicture } from '../useapi/pictures';
import { hostEmulator, json, mp4, png, text, type EmulatorRequest, type Outcome, type Reply } from '../emulator/http';
import { answerUseapi, useapiErrorBody, useapiFaultsAndLog } from '../emulator/useapi';
import { scriptControls } from '../emulator/steps';
import { GOOGLE_FLOW_JOB_ID_PATTERN } from './ids';
import {
  DEFAULT_PROMPT,
  MEDIA_ORIGIN,
  MEDIA_PATH,
  URL_LIFETIME_MS,
  checkSignedUrl,
  flowAnswerAt,
  flowJobsList,
  jobTypeOf,
  localMediaUrl,
  mediaGenerationIds,
  mediaPath,
  signedUrl,
  terminalTimeOf,
  type LinkSigning,
} from './records';
import type { FlowJobRecord, FlowJobScript, FlowRoute, GoogleFlowEmulator, GoogleFlowEmulatorOptions } from './types';

export const API_PATH = '/v1/google-flow';
const JOBS_PATH = `${API_PATH}/jobs`;
const ASSETS_PATH = `${API_PATH}/assets/`;

type Route = { kind: 'list' } | { kind: 'job'; jobid: string } | { kind: 'bad-id'; raw: string } | { kind: 'asset'; id: string } | { kind: 'other' };

function routeOf(path: string): Route {
  if (path === JOBS_PATH || path === `${JOBS_PATH}/`) return { kind: 'list' };
  if (path.startsWith(ASSETS_PATH) && !path.slice(ASSETS_PATH.length).includes('/')) return { kind: 'asset', id: path.slice(ASSETS_PATH.length) };
  if (!path.startsWith(`${JOBS_PATH}/`)) return { kind: 'other' };
  const raw = path.slice(JOBS_PATH.length + 1);
  // Two clients report that a %-encoded id (`%3A`, `%40`) answers 400 [SRC-3P].
  return raw.includes('%') || !GOOGLE_FLOW_JOB_ID_PATTERN.test(raw) ? { kind: 'bad-id', raw } : { kind: 'job', jobid: raw };
}

function loggedRoute(route: Route): FlowRoute {
  return route.kind === 'bad-id' ? 'job' : route.kind;
}

export async function startGoogleFlowEmulator(opts: GoogleFlowEmulatorOptions = {}): Promise<GoogleFlowEmulator> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const now = opts.now ?? Date.now;
  const lifetimeMs = opts.urlLifetimeMs ?? URL_LIFETIME_MS;
  const jobs = new Map<string, FlowJobScript>();
  const log = useapiFaultsAndLog<FlowRoute>((jobid) => `{"jobid":"${jobid ?? ''}","type":"video","status":"started","response":{"operations":[`);
  const signing: LinkSigning = { lifetimeMs };

  function recordsAt(t: number): FlowJobRecord[] {
    return [...jobs.values()].flatMap((script) => {
      const answer = flowAnswerAt(script, t, signing);
      return answer.status === 200 ? [answer.body] : [];
    });
  }

  /** The job and result number of a media id. */
  function mediaOwner(id: string): { script: FlowJobScript; index: number } | undefined {
    for (const script of jobs.values()) {
      const index = mediaGenerationIds(script.jobid, script.count ?? 1).indexOf(id);
      if (index >= 0) return { script, index };
    }
    return undefined;
  }

  /** A fresh link to a result of a completed job. */
  function asset(id: string, t: number): Reply {
    const owner = mediaOwner(id);
    const record = owner && flowAnswerAt(owner.script, t, signing);
    if (!owner || record?.status !== 200 || record.body.status !== 'completed') return json(404, useapiErrorBody(404));
    const kind = jobTypeOf(owner.script) === 'video' ? 'video' : 'image';
    return json(200, { url: signedUrl(mediaPath(kind, id), t + lifetimeMs), mediaGenerationId: id });
  }

  function normalReply(req: EmulatorRequest, route: Route): Reply {
    if (route.kind === 'other') return json(404, { error: 'Not found' });
    if (req.method !== 'GET') return json(405, { error: 'Method not allowed' }, { allow: 'GET' });
    switch (route.kind) {
      case 'list':
        return json(200, flowJobsList(recordsAt(req.time), req.time, req.query.get('options')));
      case 'bad-id':
        return json(400, { error: 'Invalid job ID format' });
      case 'asset':
        return asset(route.id, req.time);
      case 'job': {
        const script = jobs.get(route.jobid);
        const answer = script ? flowAnswerAt(script, req.time, signing) : { status: 404, body: useapiErrorBody(404) };
        return json(answer.status, answer.body);
      }
    }
  }

  function media(req: EmulatorRequest): Reply {
    const path = req.path.slice(MEDIA_PATH.length);
    const match = /^\/(video|thumbnail|image)\/([\w-]+)\.(mp4|png)$/.exec(path);
    const owner = match && mediaOwner(match[2]!);
    if (!match || !owner) return json(404, { error: 'Not found' });
    const check = checkSignedUrl(path, req.query, req.time);
    if (check !== 'ok') {
      const code = check === 'expired' ? 'ExpiredToken' : 'SignatureDoesNotMatch';
      return text(403, `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code></Error>`, 'application/xml; charset=UTF-8');
    }
    if (match[1] === 'video') return mp4();
    const prompt = owner.script.prompt ?? DEFAULT_PROMPT;
    const size = match[1] === 'thumbnail' ? { width: 480, height: 270 } : { width: 512, height: 288 };
    return png(jobPicture({ prompt, ...size, image: owner.index + 1 }));
  }

  function handle(req: EmulatorRequest): Outcome {
    if (req.method === 'GET' && req.path.startsWith(`${MEDIA_PATH}/`)) return { reply: media(req) };
    const route = routeOf(req.path);
    return answerUseapi(log, req, token, {
      route: loggedRoute(route),
      jobid: route.kind === 'job' ? route.jobid : undefined,
      faultable: req.method === 'GET' && (route.kind === 'job' || route.kind === 'list'),
      normal: () => normalReply(req, route),
    });
  }

  const host = await hostEmulator({ prefixes: [`${API_PATH}/`, `${MEDIA_PATH}/`], now, handle, mediaHosts: [new URL(MEDIA_ORIGIN).host] }, opts);

  return {
    ...host,
    token,
    ...log.controls(),
    ...scriptControls(jobs, now, terminalTimeOf),
    localMediaUrl: (link) => localMediaUrl(host.url, link),
    peek(jobid, t = now()) {
      const script = jobs.get(jobid);
      return host.relink(script ? flowAnswerAt(script, t, signing) : { status: 404, body: useapiErrorBody(404) });
    },
  };
}
