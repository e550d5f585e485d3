/**
 * HTTP plumbing of the REST side: decode the path, parse JSON or multipart bodies, check auth,
 * apply injected failures, rate limits and schema validation, run the route, record everything.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UploadedFile } from './messages';
import { apiError, ErrorCode, ReplyError, type Reply } from './reply';
import { RateLimiter } from './rate-limits';
import type { RouteDef } from './routes';
import type { DiscordState } from './state';
import { formatProblem, toDiscordErrors } from './problems';
import { BODY_RULES, validateBody } from './validation';
import type { JsonObject, RecordedRequest } from './types';

const API_PREFIX = '/api/v10';

interface InjectedFailure {
  pattern: RegExp;
  status: number;
  remaining: number;
  /** Date.now() after which it stops, for failures that last a while rather than a number of requests. */
  until?: number;
  body?: JsonObject;
  headers?: Record<string, string>;
}

/** 'PATCH /channels/:id/messages/:id', or without the method; '*' is a wildcard. */
function routeRegExp(routePattern: string): RegExp {
  const escaped = routePattern.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(routePattern.trim().startsWith('/') ? `^[A-Z]+ ${escaped}$` : `^${escaped}$`);
}

/** An injected 429 that says, as Discord does, when to come back. */
function rateLimitedUntil(until: number, at: number): Reply {
  const retryAfterS = Math.max(0.001, (until - at) / 1000);
  return {
    status: 429,
    headers: { 'Retry-After': retryAfterS.toFixed(3), 'X-RateLimit-Scope': 'user' },
    body: { message: 'You are being rate limited.', retry_after: retryAfterS, global: false },
  };
}

interface ParsedBody {
  body: unknown;
  files: UploadedFile[];
  invalid?: string;
}

export class RestHandler {
  private readonly failures: InjectedFailure[] = [];
  private readonly limiter: RateLimiter | undefined;
  /** Extra delay before a request (by its number in `counters.requests`) is handled: it "arrives" late. */
  private readonly lateArrivals = new Map<number, number>();

  constructor(
    private readonly state: DiscordState,
    private readonly routes: RouteDef[],
  ) {
    const limits = state.config.rateLimits;
    this.limiter = limits ? new RateLimiter(limits) : undefined;
  }

  delayArrival(requestNumber: number, ms: number): void {
    this.lateArrivals.set(requestNumber, ms);
  }

  failNext(routePattern: string, status: number, times: number, body?: JsonObject, headers?: Record<string, string>): void {
    this.failures.push({ pattern: routeRegExp(routePattern), status, remaining: times, ...(body ? { body } : {}), ...(headers ? { headers } : {}) });
  }

  failFor(routePattern: string, status: number, durationMs: number): void {
    this.failures.push({ pattern: routeRegExp(routePattern), status, remaining: Infinity, until: Date.now() + durationMs });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodePath(url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname);
    const parsed = await parseBody(req.headers['content-type'], raw);
    const record: RecordedRequest = {
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      route: 'UNKNOWN',
      body: parsed.body,
      files: parsed.files.map(({ field, name, size, contentType }) => ({ field, name, size, contentType })),
      status: 0,
      at,
      durationMs: 0,
    };
    this.state.counters.requests++;

    const late = this.lateArrivals.get(this.state.counters.requests) ?? 0;
    if (this.state.config.latencyMs + late > 0) await sleep(this.state.config.latencyMs + late);
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      this.serveAttachment(url.pathname, res);
      return;
    }
    const reply = url.pathname.startsWith(API_PREFIX)
      ? this.dispatch(method, path, url.searchParams, parsed, record, req)
      : this.notFound(method, url.pathname);

    record.status = reply.status;
    record.durationMs = Date.now() - at;
    this.state.requests.push(record);
    send(res, reply);
  }

  /** `/attachments/<channel>/<attachment>/<name>`: the bytes uploaded, as Discord's CDN serves them. */
  private serveAttachment(pathname: string, res: ServerResponse): void {
    const [, , channelId, attachmentId] = pathname.split('/');
    const file = this.state.uploads.file(channelId ?? '', attachmentId ?? '');
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': String(file.data.length) }).end(file.data);
  }

  private dispatch(method: string, path: string, query: URLSearchParams, parsed: ParsedBody, record: RecordedRequest, req: IncomingMessage): Reply {
    const match = matchRoute(this.routes, method, path);
    if (!match) return this.notFound(method, path);
    if ('methodNotAllowed' in match) {
      this.state.violation(`${method} ${path}: method not allowed (the fake knows ${match.methodNotAllowed.join(', ')} for this path)`);
      return apiError(405, ErrorCode.General);
    }
    const { route, params } = match;
    record.route = `${route.method} ${route.path}`;

    const needsAuth = route.auth !== false;
    if (needsAuth && req.headers.authorization !== `Bot ${this.state.config.token}`) return apiError(401, ErrorCode.General);

    const injected = this.failures.find((f) => f.remaining > 0 && (f.until === undefined || record.at < f.until) && f.pattern.test(record.route));
    if (injected) {
      injected.remaining--;
      this.state.counters.injectedFailures++;
      if (injected.status === 429 && injected.until !== undefined) return rateLimitedUntil(injected.until, record.at);
      return { status: injected.status, headers: injected.headers, body: injected.body ?? apiError(injected.status, ErrorCode.General).body };
    }

    let rateHeaders: Record<string, string> = {};
    if (this.limiter) {
      const bucket = route.channelBucket ? params[0] : route.tokenBucket ? `token:${params[1]}` : undefined;
      const decision = this.limiter.take(bucket, needsAuth);
      if (!decision.allowed) {
        this.state.counters.rateLimited429++;
        if (decision.global) this.state.counters.globalRateLimited429++;
        return {
          status: 429,
          headers: decision.headers,
          body: { message: 'You are being rate limited.', retry_after: decision.retryAfterMs / 1000, global: decision.global },
        };
      }
      if (decision.exhausted) this.state.counters.bucketExhausted++;
      rateHeaders = decision.headers;
    }

    if (parsed.invalid) {
      this.state.violation(`${record.route} ${path}: ${parsed.invalid}`);
      return { ...apiError(400, ErrorCode.InvalidJson), headers: rateHeaders };
    }
    if (route.body) {
      const problems = validateBody(route.body, parsed.body);
      if (problems.length > 0) {
        this.state.counters.invalidBodies++;
        const operation = BODY_RULES[route.body].operationIds.join('/');
        this.state.violation(`${record.route} (${operation}) ${path}: invalid body\n  ${problems.map(formatProblem).join('\n  ')}`);
        return { ...apiError(400, ErrorCode.InvalidFormBody, { errors: toDiscordErrors(problems) }), headers: rateHeaders };
      }
    }

    const uploaded = parsed.files.reduce((n, f) => n + f.size, 0);
    if (uploaded > this.state.config.uploadLimitBytes) {
      return { ...apiError(413, ErrorCode.RequestEntityTooLarge), headers: rateHeaders };
    }

    let reply: Reply;
    try {
      reply = route.handle({
        params,
        body: parsed.body,
        query,
        files: parsed.files,
        markDeduped: () => {
          record.dedupedByNonce = true;
        },
      });
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      if (error.violation) this.state.violation(`${record.route} ${path}: ${error.violation}`);
      reply = error.reply;
    }
    // Discord sends the bucket headers on errors too.
    return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
  }

  private notFound(method: string, path: string): Reply {
    this.state.violation(`${method} ${path}: unknown route (404)`);
    return apiError(404, ErrorCode.General);
  }
}

type RouteMatch = { route: RouteDef; params: string[] } | { methodNotAllowed: string[] };

/** The matching route with the most literal segments ('/messages/@original' beats '/messages/:id'). */
function matchRoute(routes: RouteDef[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').filter(Boolean);
  let best: { route: RouteDef; params: string[]; literals: number } | undefined;
  const methods = new Set<string>();
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: string[] = [];
    let literals = 0;
    const fits = pattern.every((part, i) => {
      const segment = segments[i]!;
      if (part === ':id') return /^\d+$/.test(segment) && params.push(segment) > 0;
      if (part === ':token') return params.push(segment) > 0;
      literals++;
      return part === segment;
    });
    if (!fits) continue;
    methods.add(route.method);
    if (route.method === method && (!best || literals > best.literals)) best = { route, params, literals };
  }
  if (best) return { route: best.route, params: best.params };
  return methods.size > 0 ? { methodNotAllowed: [...methods] } : undefined;
}

function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` (what discord.js sends with files). */
async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const files: UploadedFile[] = [];
    let body: unknown = {};
    let invalid: string | undefined;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field !== 'payload_json') continue;
        try {
          body = JSON.parse(value);
        } catch {
          invalid = 'payload_json is not valid JSON';
        }
      } else {
        files.push({ field, name: value.name, size: value.size, contentType: value.type || 'application/octet-stream', data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files, ...(invalid ? { invalid } : {}) };
  }
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [], invalid: `body is not valid JSON (content-type ${type || 'missing'})` };
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  headers['Content-Type'] = 'application/json';
  res.writeHead(reply.status, headers).end(payload);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
