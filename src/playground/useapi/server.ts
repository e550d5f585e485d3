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
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userOf } from './ids';
import { jobPicture } from './pictures';
import {
  cancelledScript,
  DEFAULT_PROMPT,
  dimensions,
  mediaIdsOf,
  expiredBody,
  isRunning,
  jobAnswerAt,
  notFoundBody,
  runningJobsList,
  sortSteps,
  terminalTimeOf,
} from './records';
import type {
  AccountFault,
  EmulatorOptions,
  Fault,
  JobAnswer,
  JobRecord,
  JobScript,
  RecordedRequest,
  UseapiEmulator,
} from './types';

export const DEFAULT_TOKEN = 'user:12345-emulatortoken';
export const JOBS_PATH = '/v3/midjourney/jobs';
/** The CDN hosts of the records' media links; the emulator serves their pictures below /media/<host>/. */
const MEDIA_HOSTS = ['cdn.midjourney.com', 'cdn.discordapp.com', 'media.discordapp.net'];
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

const ACCOUNT_FAULT_MESSAGES: Record<AccountFault, string> = {
  401: 'Unauthorized',
  402: 'Account has no subscription or subscription expired',
  596: 'Account has pending moderation message',
};

// ---------------------------------------------------------------------------------------------
// Replies

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A reply, or the socket destroyed without one. */
type Outcome = { reply: Reply; delayMs?: number; fault?: RecordedRequest['fault'] } | { reset: true };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function noContent(): Reply {
  return { status: 204, headers: {}, body: '' };
}

/** The usual `{"error": …}` for a status. */
function errorBodyFor(status: number, jobid?: string): { error: string } {
  if (status === 404) return notFoundBody();
  if (status === 410) return jobid === undefined ? { error: 'Job has expired' } : expiredBody(jobid);
  if (status in ACCOUNT_FAULT_MESSAGES) return { error: ACCOUNT_FAULT_MESSAGES[status as AccountFault] };
  return { error: STATUS_CODES[status] ?? `HTTP ${status}` };
}

function answerReply(answer: JobAnswer): Reply {
  return json(answer.status, answer.body);
}

/** The outcome of an injected fault; `normal` is the reply the request would otherwise get. */
function faultOutcome(fault: Fault, normal: Reply, jobid?: string): Outcome {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
      if (typeof fault.body === 'string') {
        const contentType = fault.contentType ?? 'text/plain; charset=utf-8';
        return { reply: { status: fault.status, headers: { 'content-type': contentType, ...headers }, body: fault.body }, fault: 'status' };
      }
      return { reply: json(fault.status, fault.body ?? errorBodyFor(fault.status, jobid), headers), fault: 'status' };
    }
    case 'slow':
      return { reply: normal, delayMs: fault.delayMs, fault: 'slow' };
    case 'malformed':
      // A JSON document cut off in the middle, as from a truncated upstream answer.
      return {
        reply: { status: 200, headers: { 'content-type': 'application/json' }, body: `{"jobid":"${jobid ?? ''}","status":"progress","response":{"progress_percent":4` },
        fault: 'malformed',
      };
    case 'wrong-shape':
      return { reply: json(200, { foo: 1 }), fault: 'wrong-shape' };
    case 'reset':
      return { reset: true };
  }
}

// ---------------------------------------------------------------------------------------------
// Routing

type Route = { kind: 'list' } | { kind: 'job'; jobid: string } | { kind: 'other' };

function routeOf(path: string): Route {
  if (path === JOBS_PATH || path === `${JOBS_PATH}/`) return { kind: 'list' };
  if (!path.startsWith(`${JOBS_PATH}/`)) return { kind: 'other' };
  const raw = path.slice(JOBS_PATH.length + 1);
  if (raw.includes('/')) return { kind: 'other' };
  try {
    return { kind: 'job', jobid: decodeURIComponent(raw) };
  } catch {
    return { kind: 'job', jobid: raw }; // not decodable: looked up as is (and not found)
  }
}

const ALLOWED_METHODS: Record<Route['kind'], string[]> = { list: ['GET'], job: ['GET', 'DELETE'], other: [] };

// ---------------------------------------------------------------------------------------------

function validateScript(script: JobScript): void {
  if (typeof script.jobid !== 'string' || script.jobid === '') throw new Error('addJob: jobid is required');
  if (!script.gone && script.steps.length === 0) throw new Error(`addJob(${script.jobid}): steps must not be empty`);
  for (const step of script.steps) {
    if (!Number.isFinite(step.afterMs) || step.afterMs < 0) {
      throw new Error(`addJob(${script.jobid}): afterMs must be a finite number >= 0, got ${step.afterMs}`);
    }
  }
}

export async function startUseapiEmulator(opts: EmulatorOptions = {}): Promise<UseapiEmulator> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const now = opts.now ?? Date.now;
  const tokenUser = /^user:(\d+)-/.exec(token)?.[1];

  const jobs = new Map<string, JobScript>();
  const requests: RecordedRequest[] = [];
  const jobFaults = new Map<string, Fault[]>();
  let listFaults: Fault[] = [];
  let accountFault: AccountFault | null = null;
  const pendingTimers = new Set<NodeJS.Timeout>();

  /** The script a request may see, honouring ownerCheck. */
  function visibleScript(jobid: string): JobScript | undefined {
    if (opts.ownerCheck && userOf(jobid) !== tokenUser) return undefined;
    return jobs.get(jobid);
  }

  function answerAt(jobid: string, t: number): JobAnswer {
    const script = visibleScript(jobid);
    return script ? jobAnswerAt(script, t) : { status: 404, body: notFoundBody() };
  }

  function takeJobFault(jobid: string): Fault | undefined {
    return jobFaults.get(jobid)?.shift() ?? jobFaults.get('*')?.shift();
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

  function decide(method: string, route: Route, authOk: boolean, t: number): Outcome {
    if (!authOk) return { reply: json(401, errorBodyFor(401)) };
    if (accountFault !== null) return { reply: json(accountFault, errorBodyFor(accountFault)), fault: 'account' };
    if (route.kind === 'other') return { reply: json(404, { error: 'Not found' }) };
    if (!ALLOWED_METHODS[route.kind].includes(method)) {
      return { reply: json(405, { error: 'Method not allowed' }, { allow: ALLOWED_METHODS[route.kind].join(', ') }) };
    }
    if (route.kind === 'list') {
      const normal = listAt(t);
      const fault = listFaults.shift();
      return fault ? faultOutcome(fault, normal) : { reply: normal };
    }
    if (method === 'DELETE') return { reply: cancel(route.jobid, t) };
    const normal = answerReply(answerAt(route.jobid, t));
    const fault = takeJobFault(route.jobid);
    return fault ? faultOutcome(fault, normal, route.jobid) : { reply: normal };
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return; // the client went away meanwhile
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }

  const pictures = new Map<string, Buffer>();

  /** The picture behind a media link of one of the jobs (the link's ids are derived from the job id). */
  function picture(path: string): Buffer | undefined {
    const known = pictures.get(path);
    if (known) return known;
    const script = [...jobs.values()].find((job) => {
      const ids = mediaIdsOf(job.jobid);
      return path.includes(ids.uuid) || path.includes(`/${ids.messageId}/`);
    });
    if (!script || script.jobType === 'video' || path.endsWith('.mp4')) return undefined;
    const prompt = script.prompt ?? DEFAULT_PROMPT;
    const image = /\/0_(\d)\.png$/.exec(path);
    const bytes = image
      ? jobPicture({ prompt, ...dimensions(prompt, 512), image: Number(image[1]) + 1 })
      : jobPicture({ prompt, ...dimensions(prompt, 768), image: 'grid', preview: path.endsWith('/grid_0.webp') });
    pictures.set(path, bytes);
    return bytes;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const t = now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (method === 'GET' && path.startsWith(MEDIA_PREFIX)) {
      const bytes = picture(path);
      if (!bytes) return send(res, json(404, { error: 'Not found' }));
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bytes.length), 'cache-control': 'max-age=3600' });
      res.end(bytes);
      return;
    }
    const route = routeOf(path);
    const authOk = req.headers.authorization === `Bearer ${token}`;
    const outcome = decide(method, route, authOk, t);

    const record: RecordedRequest = {
      method,
      path,
      route: route.kind,
      status: 'reset' in outcome ? 0 : outcome.reply.status,
      time: t,
      authOk,
    };
    if (route.kind === 'job') record.jobid = route.jobid;
    const fault = 'reset' in outcome ? 'reset' : outcome.fault;
    if (fault) record.fault = fault;
    requests.push(record);

    if ('reset' in outcome) {
      req.socket.destroy();
      return;
    }
    const { reply, delayMs = 0 } = outcome;
    if (delayMs <= 0) {
      send(res, reply);
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      send(res, reply);
    }, delayMs);
    pendingTimers.add(timer);
  }

  const server = createServer(handle);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    requests,

    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    },

    addJob(script) {
      validateScript(script);
      jobs.set(script.jobid, {
        ...script,
        startAt: script.startAt ?? now(),
        steps: sortSteps(script.steps.map((step) => ({ ...step }))),
      });
    },

    jobReads(jobid) {
      return requests.filter((r) => r.method === 'GET' && r.route === 'job' && r.jobid === jobid).length;
    },

    listReads() {
      return requests.filter((r) => r.method === 'GET' && r.route === 'list').length;
    },

    setAccountFault(status) {
      accountFault = status;
    },

    queueFaults(jobid, ...faults) {
      jobFaults.set(jobid, [...(jobFaults.get(jobid) ?? []), ...faults]);
    },

    queueListFaults(...faults) {
      listFaults = [...listFaults, ...faults];
    },

    clearFaults() {
      jobFaults.clear();
      listFaults = [];
      accountFault = null;
    },

    terminalAt(jobid) {
      const script = jobs.get(jobid);
      return script && terminalTimeOf(script);
    },

    peek(jobid, t = now()) {
      return answerAt(jobid, t);
    },
  };
}
