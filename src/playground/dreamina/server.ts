/**
 * A loopback emulator of useapi.net's Dreamina v1 job API.
 *
 * Routes (all behind `Authorization: Bearer <token>`):
 * - GET /v1/dreamina/videos/{jobid}   a video job (`…v-u…` ids, raw; an image id here answers 404, `%` 400)
 * - GET /v1/dreamina/images/{jobid}   an image job (`…i-u…` ids)
 * - GET /v1/dreamina/scheduler        the running jobs per account
 * Without auth and outside the request log: GET /dreamina-content/… serves the result bytes.
 */
import { jobPicture } from '../useapi/pictures';
import { DEFAULT_TOKEN } from '../useapi/server';
import { hostEmulator, json, mp4, png, type EmulatorRequest, type Outcome, type Reply } from '../emulator/http';
import { answerUseapi, useapiErrorBody, useapiFaultsAndLog } from '../emulator/useapi';
import { scriptControls } from '../emulator/steps';
import { collectionOf } from './ids';
import { DEFAULT_PROMPT, MEDIA_PATH, PICTURE_ORIGIN, VIDEO_ORIGIN, dreaminaAnswerAt, dreaminaScheduler, localMediaUrl, mediaIdsOf, terminalTimeOf } from './records';
import type { DreaminaEmulator, DreaminaEmulatorOptions, DreaminaJobAnswer, DreaminaJobRecord, DreaminaJobScript, DreaminaRoute } from './types';

export const API_PATH = '/v1/dreamina';

type Route = { kind: 'list' } | { kind: 'job'; jobid: string; collection: 'videos' | 'images' } | { kind: 'other' };

function routeOf(path: string): Route {
  if (path === `${API_PATH}/scheduler` || path === `${API_PATH}/scheduler/`) return { kind: 'list' };
  const match = /^\/v1\/dreamina\/(videos|images)\/([^/]+)$/.exec(path);
  return match ? { kind: 'job', collection: match[1] as 'videos' | 'images', jobid: match[2]! } : { kind: 'other' };
}

export async function startDreaminaEmulator(opts: DreaminaEmulatorOptions = {}): Promise<DreaminaEmulator> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const now = opts.now ?? Date.now;
  const jobs = new Map<string, DreaminaJobScript>();
  const log = useapiFaultsAndLog<DreaminaRoute>((jobid) => `{"jobid":"${jobid ?? ''}","status":"created","response":{"forecastCost":`);

  function answerAt(jobid: string, t: number): DreaminaJobAnswer {
    const script = jobs.get(jobid);
    return script ? dreaminaAnswerAt(script, t) : { status: 404, body: useapiErrorBody(404) };
  }

  function normalReply(req: EmulatorRequest, route: Route): Reply {
    if (route.kind === 'other') return json(404, { error: 'Not found' });
    if (req.method !== 'GET') return json(405, { error: 'Method not allowed' }, { allow: 'GET' });
    if (route.kind === 'list') {
      const records: DreaminaJobRecord[] = [];
      for (const jobid of jobs.keys()) {
        const answer = answerAt(jobid, req.time);
        if (answer.status === 200) records.push(answer.body);
      }
      return json(200, dreaminaScheduler(records, req.time));
    }
    // As on Google Flow, a %-encoded id breaks the lookup [SRC-3P]; the 400 body is Google Flow's [INF].
    if (route.jobid.includes('%')) return json(400, { error: 'Invalid job ID format' });
    // A video id under /images/ (or the reverse) names no job there [INF].
    if (collectionOf(route.jobid) !== route.collection) return json(404, useapiErrorBody(404));
    const answer = answerAt(route.jobid, req.time);
    return json(answer.status, answer.body);
  }

  function media(path: string): Reply {
    const match = /^\/dreamina-content\/(video|cover|image)\/(\w+?)(?:-(\d+))?\.(mp4|png)$/.exec(path);
    const script = match && [...jobs.values()].find((job) => Object.values(mediaIdsOf(job.jobid)).includes(match[2]!));
    if (!match || !script) return json(404, { error: 'Not found' });
    if (match[1] === 'video') return mp4();
    const prompt = script.prompt ?? DEFAULT_PROMPT;
    const size = match[1] === 'cover' ? { width: 640, height: 360 } : { width: 512, height: 512 };
    return png(jobPicture({ prompt, ...size, image: Number(match[3] ?? 0) + 1 }));
  }

  function handle(req: EmulatorRequest): Outcome {
    if (req.method === 'GET' && req.path.startsWith(`${MEDIA_PATH}/`)) return { reply: media(req.path) };
    const route = routeOf(req.path);
    return answerUseapi(log, req, token, {
      route: route.kind,
      jobid: route.kind === 'job' ? route.jobid : undefined,
      faultable: req.method === 'GET' && route.kind !== 'other',
      normal: () => normalReply(req, route),
    });
  }

  const host = await hostEmulator({ prefixes: [`${API_PATH}/`, `${MEDIA_PATH}/`], now, handle, mediaHosts: [VIDEO_ORIGIN, PICTURE_ORIGIN].map((o) => new URL(o).host) }, opts);

  return {
    ...host,
    token,
    ...log.controls(),
    ...scriptControls(jobs, now, terminalTimeOf),
    localMediaUrl: (link) => localMediaUrl(host.url, link),
    peek: (jobid, t = now()) => host.relink(answerAt(jobid, t)),
  };
}
