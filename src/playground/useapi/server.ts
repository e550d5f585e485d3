/**
 * A loopback emulator of useapi.net's Midjourney v3 job API, on node:http.
 *
 * Routes (all behind `Authorization: Bearer <token>`):
 * - GET    /v3/midjourney/jobs/{jobid}   the job record (jobid raw or %-encoded)
 * - GET    /v3/midjourney/jobs           the running jobs, grouped by channel
 * - DELETE /v3/midjourney/jobs/{jobid}   cancels a running job (204)
 *
 * Order of checks for every request: auth (401), account fault, route (404/405), queued fault, normal answer.
 */
import { decodeSegment, hostEmulator, json, mp4, noContent, png, type EmulatorRequest, type Reply } from '../emulator/http';
import { answerUseapi, useapiFaultsAndLog } from '../emulator/useapi';
import { scriptControls } from '../emulator/steps';
import { userOf } from './ids';
import { dimensions, mediaIdsOf } from './message';
import { jobPicture } from './pictures';
import {
  cancelledScript,
  DEFAULT_PROMPT,
  isRunning,
  jobAnswerAt,
  notFoundBody,
  runningJobsList,
  terminalTimeOf,
} from './records';
import type {
  EmulatorOptions,
  JobAnswer,
  JobRecord,
  JobScript,
  RecordedRequest,
  UseapiEmulator,
} from './types';

export const DEFAULT_TOKEN = 'user:12345-emulatortoken';
export const JOBS_PATH = '/v3/midjourney/jobs';
/** The CDN hosts of the records' media links; the emulator serves their pictures below /media/<host>/. */
export const MEDIA_HOSTS = ['cdn.midjourney.com', 'cdn.discordapp.com', 'media.discordapp.net'];
const MEDIA_PREFIX = '/media/';

/** Where the emulator at `emulatorUrl` serves the picture of a record's media link, or null for other links. */
export function localMediaUrl(emulatorUrl: string, remoteUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || !MEDIA_HOSTS.includes(url.hostname)) return null;
  return `${emulatorUrl}${MEDIA_PREFIX}${url.hostname}${url.pathname}`;
}

// ---------------------------------------------------------------------------------------------
// Routing

type Route = { kind: 'list' } | { kind: 'job'; jobid: string } | { kind: 'other' };

function routeOf(path: string): Route {
  if (path === JOBS_PATH || path === `${JOBS_PATH}/`) return { kind: 'list' };
  if (!path.startsWith(`${JOBS_PATH}/`)) return { kind: 'other' };
  const raw = path.slice(JOBS_PATH.length + 1);
  if (raw.includes('/')) return { kind: 'other' };
  return { kind: 'job', jobid: decodeSegment(raw) }; // not decodable: looked up as is (and not found)
}

const ALLOWED_METHODS: Record<Route['kind'], string[]> = { list: ['GET'], job: ['GET', 'DELETE'], other: [] };

// ---------------------------------------------------------------------------------------------

function answerReply(answer: JobAnswer): Reply {
  return json(answer.status, answer.body);
}

export async function startUseapiEmulator(opts: EmulatorOptions = {}): Promise<UseapiEmulator> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const now = opts.now ?? Date.now;
  const tokenUser = /^user:(\d+)-/.exec(token)?.[1];

  const jobs = new Map<string, JobScript>();
  const log = useapiFaultsAndLog<RecordedRequest['route']>((jobid) => `{"jobid":"${jobid ?? ''}","status":"progress","response":{"progress_percent":4`);

  /** The script a request may see, honouring ownerCheck. */
  function visibleScript(jobid: string): JobScript | undefined {
    if (opts.ownerCheck && userOf(jobid) !== tokenUser) return undefined;
    return jobs.get(jobid);
  }

  function answerAt(jobid: string, t: number): JobAnswer {
    const script = visibleScript(jobid);
    return script ? jobAnswerAt(script, t) : { status: 404, body: notFoundBody() };
  }

  function listAt(t: number): Reply {
    const records: JobRecord[] = [];
    for (const jobid of jobs.keys()) {
      const answer = answerAt(jobid, t);
      if (answer.status === 200) records.push(answer.body);
    }
    return json(200, runningJobsList(records, t));
  }

  function cancel(jobid: string, t: number): Reply {
    const script = visibleScript(jobid);
    if (!script) return json(404, notFoundBody());
    const answer = jobAnswerAt(script, t);
    if (answer.status !== 200) return answerReply(answer);
    if (!isRunning(answer.body.status)) {
      return json(400, { error: `Job ${jobid} is not running (status ${answer.body.status}) and cannot be cancelled` });
    }
    jobs.set(jobid, cancelledScript(script, t));
    return noContent();
  }

  function normalReply(method: string, route: Route, t: number): Reply {
    if (route.kind === 'other') return json(404, { error: 'Not found' });
    if (!ALLOWED_METHODS[route.kind].includes(method)) {
      return json(405, { error: 'Method not allowed' }, { allow: ALLOWED_METHODS[route.kind].join(', ') });
    }
    if (route.kind === 'list') return listAt(t);
    if (method === 'DELETE') return cancel(route.jobid, t);
    return answerReply(answerAt(route.jobid, t));
  }

  const pictures = new Map<string, Buffer>();

  /** The job a media link belongs to (the link's ids are derived from the job id). */
  function ownerOf(path: string): JobScript | undefined {
    return [...jobs.values()].find((job) => {
      const ids = mediaIdsOf(job.jobid);
      return path.includes(ids.uuid) || path.includes(`/${ids.messageId}/`);
    });
  }

  /** The picture behind a media link of one of the jobs. */
  function picture(path: string): Buffer | undefined {
    const known = pictures.get(path);
    if (known) return known;
    const script = ownerOf(path);
    if (!script || path.endsWith('.mp4')) return undefined;
    const prompt = script.prompt ?? DEFAULT_PROMPT;
    const image = /\/0_(\d)\.png$/.exec(path);
    const bytes = image
      ? jobPicture({ prompt, ...dimensions(prompt, 512), image: Number(image[1]) + 1 })
      : jobPicture({ prompt, ...dimensions(prompt, 768), image: 'grid', preview: path.endsWith('/grid_0.webp') });
    pictures.set(path, bytes);
    return bytes;
  }

  function handle(req: EmulatorRequest) {
    if (req.method === 'GET' && req.path.startsWith(MEDIA_PREFIX)) {
      if (req.path.endsWith('.mp4')) return { reply: ownerOf(req.path) ? mp4() : json(404, { error: 'Not found' }) };
      const bytes = picture(req.path);
      return { reply: bytes ? png(bytes) : json(404, { error: 'Not found' }) };
    }
    const route = routeOf(req.path);
    return answerUseapi(log, req, token, {
      route: route.kind,
      jobid: route.kind === 'job' ? route.jobid : undefined,
      faultable: req.method === 'GET' && route.kind !== 'other',
      normal: () => normalReply(req.method, route, req.time),
    });
  }

  const host = await hostEmulator({ prefixes: ['/'], now, handle, mediaHosts: MEDIA_HOSTS }, opts);

  return {
    ...host,
    port: host.server.port,
    token,
    ...log.controls(),
    ...scriptControls(jobs, now, terminalTimeOf),

    localMediaUrl: (link) => localMediaUrl(host.url, link),
    peek(jobid, t = now()) {
      return host.relink(answerAt(jobid, t));
    },
  };
}
