/**
 * What every loopback emulator shares: one node:http server on 127.0.0.1 that several emulators can
 * mount on (the useapi.net APIs share one host), replies, injected faults, and the request log with
 * the checks every job request goes through.
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export type Fault =
  | {
      kind: 'status';
      status: number;
      /** Raw Retry-After header value: seconds or an HTTP date. */
      retryAfter?: string;
      /** Default: the emulator's usual error body for the status. A string is sent verbatim as `contentType`. */
      body?: unknown;
      /** Only for a string body. Default: 'text/plain; charset=utf-8'. */
      contentType?: string;
    }
  /** Answers correctly (as computed on arrival) but only after `delayMs` of real time. */
  | { kind: 'slow'; delayMs: number }
  /** 200 with a broken JSON body. */
  | { kind: 'malformed' }
  /** 200 with valid JSON that is not a job: `{"foo":1}`. */
  | { kind: 'wrong-shape' }
  /** Destroys the socket without an answer. */
  | { kind: 'reset' };

export type FaultKind = Fault['kind'];

/** A reply, or the socket destroyed without one. */
export type Outcome = { reply: Reply; delayMs?: number; fault?: FaultKind | 'account' } | { reset: true };

export interface LoggedRequest<Route extends string = string> {
  method: string;
  /** Path as received (query string removed), e.g. with `%3A` still encoded. */
  path: string;
  /** Which endpoint the path names. */
  route: Route;
  /** The decoded job id, for routes of one job. */
  jobid?: string;
  /** Status answered; 0 when the socket was reset. */
  status: number;
  /** Emulator clock (ms) on arrival. */
  time: number;
  /** Whether the request carried the expected credentials. */
  authOk: boolean;
  /** What produced the answer when it was not the normal one. */
  fault?: FaultKind | 'account';
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, headers: body === '' ? {} : { 'content-type': contentType }, body };
}

export function noContent(): Reply {
  return { status: 204, headers: {}, body: '' };
}

export function png(bytes: Buffer): Reply {
  return { status: 200, headers: { 'content-type': 'image/png', 'cache-control': 'max-age=3600' }, body: bytes };
}

/** The start of an MP4 file (an `ftyp` box): enough for a client to see video bytes. */
const VIDEO_BYTES = Buffer.from('00000018667479706973736f0000020069736f6d6d703431', 'hex');

export function mp4(): Reply {
  return { status: 200, headers: { 'content-type': 'video/mp4' }, body: VIDEO_BYTES };
}

// ---------------------------------------------------------------------------------------------
// The useapi.net family's error bodies (Midjourney v3, Google Flow, Dreamina)

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

// ---------------------------------------------------------------------------------------------
// Faults and the request log

export interface FaultStyle {
  /** The body of a `status` fault without its own body. */
  errorBody(status: number, jobid?: string): unknown;
  /** The cut-off JSON of a `malformed` fault. */
  malformedBody(jobid?: string): string;
}

/** The outcome of an injected fault; `normal` is the reply the request would otherwise get. */
export function faultOutcome(fault: Fault, normal: Reply, style: FaultStyle, jobid?: string): Outcome {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
      if (typeof fault.body === 'string') {
        const reply = text(fault.status, fault.body, fault.contentType);
        return { reply: { ...reply, headers: { ...reply.headers, ...headers } }, fault: 'status' };
      }
      return { reply: json(fault.status, fault.body ?? style.errorBody(fault.status, jobid), headers), fault: 'status' };
    }
    case 'slow':
      return { reply: normal, delayMs: fault.delayMs, fault: 'slow' };
    case 'malformed':
      return { reply: { status: 200, headers: { 'content-type': 'application/json' }, body: style.malformedBody(jobid) }, fault: 'malformed' };
    case 'wrong-shape':
      return { reply: json(200, { foo: 1 }), fault: 'wrong-shape' };
    case 'reset':
      return { reset: true };
  }
}

/** How every emulator is started. */
export interface EmulatorOptions {
  /** The secret it demands. Default: the emulator's own (the useapi.net ones share 'user:12345-emulatortoken'). */
  token?: string;
  /** Emulator clock in ms. Default: Date.now. */
  now?: () => number;
  /** Default: 0 (a random free port). Ignored with `server`. */
  port?: number;
  /** Mount on this server (sharing its port, e.g. the useapi emulator's) instead of starting one; close() then unmounts. */
  server?: LoopbackServer;
}

/** What every started emulator offers: its address, its secret, the fault controls and counters. */
export interface EmulatorHandle<Route extends string, AccountFault extends number> extends EmulatorControls<Route, AccountFault> {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The server it is mounted on; other emulators can join it to share the base URL. */
  server: LoopbackServer;
  token: string;
  close(): Promise<void>;
  /** Terminal moment of a job (emulator clock): its first step with a final status (for useapi v3, or its cancel). */
  terminalAt(jobid: string): number | undefined;
}

/** The fault controls and counters every emulator offers its tests. */
export interface EmulatorControls<Route extends string, AccountFault extends number> {
  /** Every request, in arrival order. */
  requests: LoggedRequest<Route>[];
  /** Number of GET requests of one job (any answer, any auth). */
  jobReads(jobid: string): number;
  /** Number of reads of the running-jobs list (any answer, any auth). */
  listReads(): number;
  /** Account-wide fault: every authorised request answers this until cleared with null. */
  setAccountFault(status: AccountFault | null): void;
  /** Faults consumed in order by the next GETs of that job; '*' = any job (used after the job's own queue). */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- '*' is spelled out for readers
  queueFaults(jobid: string | '*', ...faults: Fault[]): void;
  /** Faults consumed in order by the next reads of the list. */
  queueListFaults(...faults: Fault[]): void;
  /** Drops all queued faults and the account fault. */
  clearFaults(): void;
}

/**
 * The request log, the queued faults and the account fault of one emulator, and the order of checks
 * for a request: auth, account fault, route, queued fault, normal answer.
 */
export class FaultsAndLog<Route extends string, AccountFault extends number> {
  readonly requests: LoggedRequest<Route>[] = [];
  private jobFaults = new Map<string, Fault[]>();
  private listFaults: Fault[] = [];
  private accountFault: AccountFault | null = null;

  constructor(
    private readonly style: FaultStyle & { accountReply(status: AccountFault): Reply },
    /** The method that reads the list route. */
    private readonly listMethod = 'GET',
  ) {}

  /**
   * Decides and logs the outcome of a request: without `authOk` the `unauthorized` reply, then the account
   * fault, then `normal()` (the route's own answer), replaced by a queued fault when `faultable`.
   */
  answer(req: EmulatorRequest, call: { route: Route; jobid?: string; authOk: boolean; unauthorized: Reply; faultable: boolean; normal: () => Reply }): Outcome {
    const outcome = this.decide(call);
    const entry: LoggedRequest<Route> = {
      method: req.method,
      path: req.path,
      route: call.route,
      status: 'reset' in outcome ? 0 : outcome.reply.status,
      time: req.time,
      authOk: call.authOk,
    };
    if (call.jobid !== undefined) entry.jobid = call.jobid;
    const fault = 'reset' in outcome ? 'reset' : outcome.fault;
    if (fault) entry.fault = fault;
    this.requests.push(entry);
    return outcome;
  }

  private decide(call: { route: Route; jobid?: string; authOk: boolean; unauthorized: Reply; faultable: boolean; normal: () => Reply }): Outcome {
    if (!call.authOk) return { reply: call.unauthorized };
    if (this.accountFault !== null) return { reply: this.style.accountReply(this.accountFault), fault: 'account' };
    const reply = call.normal();
    if (!call.faultable) return { reply };
    const fault = call.route === 'list' ? this.listFaults.shift() : call.jobid === undefined ? undefined : this.takeJobFault(call.jobid);
    return fault ? faultOutcome(fault, reply, this.style, call.jobid) : { reply };
  }

  private takeJobFault(jobid: string): Fault | undefined {
    return this.jobFaults.get(jobid)?.shift() ?? this.jobFaults.get('*')?.shift();
  }

  /** The controls, bound, to spread into an emulator's handle. */
  controls(): EmulatorControls<Route, AccountFault> {
    return {
      requests: this.requests,
      jobReads: (jobid) => this.jobReads(jobid),
      listReads: () => this.listReads(),
      setAccountFault: (status) => this.setAccountFault(status),
      queueFaults: (jobid, ...faults) => this.queueFaults(jobid, ...faults),
      queueListFaults: (...faults) => this.queueListFaults(...faults),
      clearFaults: () => this.clearFaults(),
    };
  }

  jobReads(jobid: string): number {
    return this.requests.filter((r) => r.route === 'job' && r.jobid === jobid && r.method === 'GET').length;
  }

  listReads(): number {
    return this.requests.filter((r) => r.route === 'list' && r.method === this.listMethod).length;
  }

  setAccountFault(status: AccountFault | null): void {
    this.accountFault = status;
  }

  queueFaults(jobid: string, ...faults: Fault[]): void {
    this.jobFaults.set(jobid, [...(this.jobFaults.get(jobid) ?? []), ...faults]);
  }

  queueListFaults(...faults: Fault[]): void {
    this.listFaults = [...this.listFaults, ...faults];
  }

  clearFaults(): void {
    this.jobFaults.clear();
    this.listFaults = [];
    this.accountFault = null;
  }
}

// ---------------------------------------------------------------------------------------------
// The server

export interface EmulatorRequest {
  method: string;
  /** Without the query string, still %-encoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The request body as text ('' for none). */
  body: string;
  /** Emulator clock (ms) on arrival, from the handler's own clock. */
  time: number;
}

/** One emulator's routes: it answers every request whose path starts with one of `prefixes`. */
export interface Mount {
  prefixes: string[];
  now: () => number;
  handle(req: EmulatorRequest): Outcome;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Adds an emulator; the longest matching prefix wins. Returns the function that removes it. */
  mount(mount: Mount): () => void;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 (port 0: a free one). Paths no mount claims answer 404 `{"error":"Not found"}`. */
export async function startLoopbackServer(port = 0): Promise<LoopbackServer> {
  const mounts = new Set<Mount>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  function mountFor(path: string): { mount: Mount; prefix: string } | undefined {
    let best: { mount: Mount; prefix: string } | undefined;
    for (const mount of mounts) {
      for (const prefix of mount.prefixes) {
        if (path.startsWith(prefix) && prefix.length > (best?.prefix.length ?? -1)) best = { mount, prefix };
      }
    }
    return best;
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return; // the client went away meanwhile
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }

  function deliver(req: IncomingMessage, res: ServerResponse, outcome: Outcome): void {
    if ('reset' in outcome) {
      req.socket.destroy();
      return;
    }
    const { reply, delayMs = 0 } = outcome;
    if (delayMs <= 0) return send(res, reply);
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      send(res, reply);
    }, delayMs);
    pendingTimers.add(timer);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const found = mountFor(path);
    if (!found) return send(res, json(404, { error: 'Not found' }));
    const time = found.mount.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        time,
      };
      deliver(req, res, found.mount.handle(request));
    });
  }

  const server = createServer(handle);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    mount(mount) {
      mounts.add(mount);
      return () => mounts.delete(mount);
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Mounts an emulator on `server` when given (its close() then only unmounts), else on a server of its own
 * at `port` (its close() stops it).
 */
export async function hostEmulator(mount: Mount, opts: { server?: LoopbackServer; port?: number }): Promise<{ url: string; server: LoopbackServer; close(): Promise<void> }> {
  if (opts.server) {
    const unmount = opts.server.mount(mount);
    return { url: opts.server.url, server: opts.server, close: () => Promise.resolve(void unmount()) };
  }
  const server = await startLoopbackServer(opts.port);
  server.mount(mount);
  return { url: server.url, server, close: () => server.close() };
}

/** The decoded path segment, or the raw one when it does not decode. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
