/**
 * A loopback emulator of a midjourney-proxy (novicezk / trueai-org, and the new-api gateways that speak
 * its protocol), under a configurable path prefix (default /mj).
 *
 * Routes (behind the configured secret):
 * - GET  {prefix}/task/{id}/fetch               one task (unknown: per `unknownTaskStyle`)
 * - POST {prefix}/task/list-by-condition {"ids":[…]}   the known tasks among the ids (also …/list-by-ids)
 * Without auth and outside the request log: GET {prefix}/image/… serves the tasks' pictures, which the
 * tasks link as Discord attachments (`imageUrl` "is often a Discord CDN attachment link" [DOC]).
 */
import { jobPicture } from '../useapi/pictures';
import { dimensions } from '../useapi/message';
import { FaultsAndLog } from '../emulator/faults';
import { decodeSegment, hostEmulator, json, noContent, png, text, type EmulatorRequest, type Outcome, type Reply } from '../emulator/http';
import { scriptControls } from '../emulator/steps';
import { DEFAULT_PROMPT, mjTaskAt, terminalTimeOf } from './records';
import type { MjProxyAccountFault, MjProxyEmulator, MjProxyEmulatorOptions, MjProxyRoute, MjTask, MjTaskScript } from './types';

export const DEFAULT_SECRET = 'emulator-mj-secret';
export const DEFAULT_PREFIX = '/mj';
/** The Discord channel the proxy's Midjourney bot posts in: its pictures are that channel's attachments. */
export const MEDIA_BASE = 'https://cdn.discordapp.com/attachments/1180000000000000001';

type Route = { kind: 'job'; id: string } | { kind: 'list' } | { kind: 'image'; id: string; image: string | undefined } | { kind: 'other' };

function routeOf(path: string, prefix: string): Route {
  const rest = path.slice(prefix.length);
  const fetchMatch = /^\/task\/([^/]+)\/fetch$/.exec(rest);
  if (fetchMatch) return { kind: 'job', id: decodeSegment(fetchMatch[1]!) };
  if (rest === '/task/list-by-condition' || rest === '/task/list-by-ids') return { kind: 'list' };
  const imageMatch = /^\/image\/([^/_.]+)(?:_(\d|preview))?\.png$/.exec(rest);
  if (imageMatch) return { kind: 'image', id: imageMatch[1]!, image: imageMatch[2] };
  return { kind: 'other' };
}

export async function startMjProxyEmulator(opts: MjProxyEmulatorOptions = {}): Promise<MjProxyEmulator> {
  const secret = opts.secret ?? opts.token ?? DEFAULT_SECRET;
  const auth = opts.auth ?? 'mj-api-secret';
  const prefix = (opts.prefix ?? DEFAULT_PREFIX).replace(/\/+$/, '');
  const now = opts.now ?? Date.now;
  const tasks = new Map<string, MjTaskScript>();

  const unauthorized = (): Reply => (opts.unauthorizedStyle === 'trueai' ? text(401, 'Authorization header missing.') : text(401, ''));
  const log = new FaultsAndLog<MjProxyRoute, MjProxyAccountFault>(
    {
      errorBody: (status) => ({ code: status, description: status === 429 ? 'Too Many Requests' : 'Error' }),
      malformedBody: (id) => `{"id":"${id ?? ''}","status":"IN_PROGRESS","progress":"4`,
      accountReply: (status) => (status === 401 ? unauthorized() : text(status, status === 403 ? 'Forbidden' : 'Too Many Requests')),
    },
    'POST',
  );
  const [authHeader, authValue] = auth === 'mj-api-secret' ? ['mj-api-secret', secret] : ['authorization', auth === 'bearer' ? `Bearer ${secret}` : secret];

  function taskAt(id: string, t: number): MjTask | undefined {
    const script = tasks.get(id);
    return script && mjTaskAt(script, t, MEDIA_BASE);
  }

  function unknownTask(): Reply {
    if (opts.unknownTaskStyle === 'trueai') return noContent();
    if (opts.unknownTaskStyle === 'new-api') return json(200, { code: 4, description: 'task_no_found' });
    return text(200, '');
  }

  function list(req: EmulatorRequest): Reply {
    let ids: unknown;
    try {
      ids = (JSON.parse(req.body || '{}') as { ids?: unknown }).ids ?? [];
    } catch {
      return json(400, { code: 400, description: 'Invalid JSON body' });
    }
    if (!Array.isArray(ids)) return json(400, { code: 400, description: 'ids must be an array' });
    return json(200, ids.flatMap((id) => (typeof id === 'string' ? (taskAt(id, req.time) ?? []) : [])));
  }

  function normalReply(req: EmulatorRequest, route: Route): Reply {
    if (route.kind === 'job' && req.method === 'GET') {
      const task = taskAt(route.id, req.time);
      return task ? json(200, task) : unknownTask();
    }
    if (route.kind === 'list' && req.method === 'POST') return list(req);
    return json(route.kind === 'other' ? 404 : 405, { code: 404, description: 'Not Found' });
  }

  function image(route: Extract<Route, { kind: 'image' }>, t: number): Reply {
    const task = taskAt(route.id, t);
    if (!task || task.imageUrl === null) return json(404, { code: 404, description: 'Not Found' });
    const prompt = tasks.get(route.id)?.prompt ?? DEFAULT_PROMPT;
    if (route.image === undefined || route.image === 'preview') {
      return png(jobPicture({ prompt, ...dimensions(prompt, 768), image: 'grid', preview: route.image === 'preview' }));
    }
    return png(jobPicture({ prompt, ...dimensions(prompt, 512), image: Number(route.image) + 1 }));
  }

  function handle(req: EmulatorRequest): Outcome {
    const route = routeOf(req.path, prefix);
    if (route.kind === 'image' && req.method === 'GET') return { reply: image(route, req.time) };
    return log.answer(req, {
      route: route.kind === 'image' ? 'other' : route.kind,
      ...(route.kind === 'job' && { jobid: route.id }),
      authOk: req.headers[authHeader] === authValue,
      unauthorized: unauthorized(),
      faultable: (route.kind === 'job' && req.method === 'GET') || (route.kind === 'list' && req.method === 'POST'),
      normal: () => normalReply(req, route),
    });
  }

  const host = await hostEmulator({ prefixes: [`${prefix}/`], now, handle, mediaHosts: [new URL(MEDIA_BASE).host] }, opts);
  const baseUrl = `${host.url}${prefix}`;

  return {
    ...host,
    baseUrl,
    token: secret,
    auth,
    ...log.controls(),
    authHeaders: () => ({ [authHeader]: authValue }),
    ...scriptControls(tasks, now, terminalTimeOf),
    localMediaUrl(link) {
      const file = link.startsWith(`${MEDIA_BASE}/`) ? /^\/\d+\/([^/?]+)/.exec(link.slice(MEDIA_BASE.length))?.[1] : undefined;
      return file ? `${baseUrl}/image/${file}` : null;
    },
    peek: (id, t = now()) => host.relink(taskAt(id, t)),
  };
}
