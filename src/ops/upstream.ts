import type { ListResult, PollResult, UpstreamAdapter } from '../upstreams/port';

export type UpstreamEndpoint = 'job' | 'list';

/** A bounded set of labels: what one upstream request came back with. */
export type UpstreamOutcome = 'ok' | 'not_found' | 'refused' | 'rate_limited' | 'client_error' | 'server_error' | 'timeout' | 'network' | 'malformed';

export function outcomeOf(result: PollResult | ListResult): UpstreamOutcome {
  switch (result.kind) {
    case 'ok':
      return 'ok';
    case 'http':
      if (result.status === 404 || result.status === 410) return 'not_found';
      if (result.status === 401 || result.status === 402 || result.status === 403) return 'refused';
      if (result.status === 429) return 'rate_limited';
      return result.status >= 500 ? 'server_error' : 'client_error';
    default:
      return result.kind;
  }
}

/** The window over which budget use is averaged. */
const BUDGET_WINDOW_MS = 10_000;

/**
 * What the upstream has been like lately, from the requests themselves: when it last answered
 * (any HTTP answer counts: a 404 or a 402 is an answer), and how much of the request budget the
 * last few seconds used.
 */
export class UpstreamHealth {
  lastAnswerAt: number | null = null;
  lastOutcome: UpstreamOutcome | null = null;
  private readonly recent: number[] = [];

  constructor(
    readonly maxRequestsPerSecond: number,
    private readonly now: () => number,
  ) {}

  record(outcome: UpstreamOutcome, at: number): void {
    this.lastOutcome = outcome;
    if (outcome !== 'timeout' && outcome !== 'network') this.lastAnswerAt = at;
    this.recent.push(at);
  }

  /** Requests per second over the last few seconds, as a share of the budget (0…1). */
  budgetUse(): number {
    const since = this.now() - BUDGET_WINDOW_MS;
    while (this.recent.length > 0 && this.recent[0]! <= since) this.recent.shift();
    return this.recent.length / ((BUDGET_WINDOW_MS / 1000) * this.maxRequestsPerSecond);
  }
}

export type UpstreamObserver = (endpoint: UpstreamEndpoint, outcome: UpstreamOutcome, seconds: number) => void;

/** The same adapter, with every request's outcome and duration told to `observe`. */
export function observeUpstream(inner: UpstreamAdapter, observe: UpstreamObserver): UpstreamAdapter {
  async function timed<T extends PollResult | ListResult>(endpoint: UpstreamEndpoint, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await request();
    observe(endpoint, outcomeOf(result), (performance.now() - started) / 1000);
    return result;
  }
  const observed: UpstreamAdapter = { ...inner, read: (key) => timed('job', () => inner.read(key)) };
  if (inner.listRunning) observed.listRunning = (keys) => timed('list', () => inner.listRunning!(keys));
  return observed;
}
