/** Injected faults and the request log of an emulator, with the checks every job request goes through. */
import { json, text, type EmulatorRequest, type LoopbackServer, type Outcome, type Reply } from './http';

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
  /**
   * A media CDN's `https://localhost:PORT` (cdn.ts): records then link their media there
   * (`https://localhost:PORT/<documented host>/…`) instead of on the documented hosts. Default: the documented hosts.
   */
  mediaOrigin?: string;
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
