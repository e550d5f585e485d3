import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/open';
import type { DiscordOutcome, DiscordRouteClass } from './discord';
import type { GatewayEvent } from './gateway';
import { readOpsSnapshot } from './snapshot';
import type { UpstreamEndpoint, UpstreamHealth, UpstreamOutcome } from './upstream';

export const METRICS_PREFIX = 'tracker_';

export interface MetricsSources {
  db: Db;
  now: () => number;
  upstream: UpstreamHealth;
  /** Delivery lanes (channels, DMs) waiting out a rate limit or Discord trouble. */
  lanesWaiting: () => number;
  gatewayReady: () => boolean;
}

export interface OpsMetrics {
  readonly registry: Registry;
  upstreamRequest(endpoint: UpstreamEndpoint, outcome: UpstreamOutcome, seconds: number): void;
  discordResponse(route: DiscordRouteClass, outcome: DiscordOutcome, scope: string | null): void;
  gatewayEvent(event: GatewayEvent): void;
  pruned(table: string, rows: number): void;
  /** A result file downloaded (`ok`, with its size) or left to a link. */
  mediaDownload(outcome: 'ok' | 'too_big' | 'refused' | 'failed', bytes: number): void;
  /** The exposition text, with the gauges read from the database now. */
  scrape(): Promise<string>;
}

/**
 * The bot's metrics in a registry of its own (several bots can share a process in tests). Labels
 * are small fixed sets: never a job, user or guild id.
 */
export function createMetrics(sources: MetricsSources): OpsMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  const registers = [registry];
  const name = (suffix: string) => `${METRICS_PREFIX}${suffix}`;

  const upstreamRequests = new Counter({ name: name('upstream_requests_total'), help: 'Requests to useapi.net, by endpoint and outcome.', labelNames: ['endpoint', 'outcome'], registers });
  const upstreamDuration = new Histogram({
    name: name('upstream_request_duration_seconds'),
    help: 'How long useapi.net took to answer, by endpoint.',
    labelNames: ['endpoint'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers,
  });
  const discordRequests = new Counter({ name: name('discord_requests_total'), help: 'Discord REST responses, by route class and status class.', labelNames: ['route', 'outcome'], registers });
  const discordRateLimited = new Counter({ name: name('discord_rate_limited_total'), help: 'Discord 429 answers, by route class and scope (user, shared, global).', labelNames: ['route', 'scope'], registers });
  const gatewayEvents = new Counter({ name: name('gateway_events_total'), help: 'Gateway connection events: closed, reconnecting, resumed, invalid_session, disconnected, error.', labelNames: ['event'], registers });
  const mediaFiles = new Counter({ name: name('media_files_total'), help: 'Result files of completed jobs: downloaded for upload (ok), or linked instead (too_big, refused, failed).', labelNames: ['outcome'], registers });
  const mediaBytes = new Counter({ name: name('media_bytes_total'), help: 'Bytes of result files downloaded for upload.', registers });
  const prunedRows = new Counter({ name: name('retention_pruned_rows_total'), help: 'Rows deleted by retention, by table.', labelNames: ['table'], registers });

  const gauge = (suffix: string, help: string, labelNames: string[] = []) => new Gauge({ name: name(suffix), help, labelNames, registers });
  const jobs = gauge('jobs', 'Jobs in the database: those being polled by upstream status, unfollowed (untracked by everyone before they ended), finished.', ['state']);
  const subscriptions = gauge('subscriptions', 'Subscriptions by state.', ['state']);
  const dueDepth = gauge('due_queue_depth', 'Job reads whose time has come.');
  const dueLag = gauge('due_queue_lag_seconds', 'How late the oldest due job read is.');
  const budgetUse = gauge('upstream_budget_use_ratio', 'Upstream requests over the last 10 s as a share of UPSTREAM_MAX_RPS.');
  const budgetLimit = gauge('upstream_budget_requests_per_second', 'UPSTREAM_MAX_RPS.');
  const lastAnswerAge = gauge('upstream_last_answer_age_seconds', 'Seconds since useapi.net last answered (-1: not yet).');
  const paused = gauge('upstream_paused', '1 while polling is paused because the useapi account is refused (401/402).');
  const lanesWaiting = gauge('discord_lanes_waiting', 'Delivery lanes (channels, DMs) waiting out a rate limit or Discord trouble.');
  const outboxPending = gauge('outbox_pending', 'Effects (DMs, posts, alerts) not sent yet.');
  const outboxOldest = gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest effect not sent yet (0: none).');
  const incidents = gauge('account_incidents_open', 'Open useapi account incidents, by kind.', ['kind']);
  const reviewsPending = gauge('reviews_pending', 'Reviews waiting for an admin, across servers.');
  const gatewayReady = gauge('gateway_ready', '1 while the gateway connection is ready.');

  function refresh(): void {
    const now = sources.now();
    const snapshot = readOpsSnapshot(sources.db, now);
    jobs.reset();
    for (const [state, n] of Object.entries(snapshot.followedJobs)) jobs.set({ state }, n);
    jobs.set({ state: 'unfollowed' }, snapshot.unfollowedJobs);
    jobs.set({ state: 'finished' }, snapshot.finishedJobs);
    for (const [state, n] of Object.entries(snapshot.subscriptions)) subscriptions.set({ state }, n);
    dueDepth.set(snapshot.due.depth);
    dueLag.set(snapshot.due.lagMs / 1000);
    budgetUse.set(sources.upstream.budgetUse());
    budgetLimit.set(sources.upstream.maxRequestsPerSecond);
    const answeredAt = sources.upstream.lastAnswerAt;
    lastAnswerAge.set(answeredAt === null ? -1 : Math.max(0, now - answeredAt) / 1000);
    paused.set(snapshot.account.problem ? 1 : 0);
    lanesWaiting.set(sources.lanesWaiting());
    outboxPending.set(snapshot.outbox.pending);
    outboxOldest.set(snapshot.outbox.oldestAgeMs / 1000);
    incidents.reset();
    for (const kind of ['unauthorized', 'payment_required', 'warning']) incidents.set({ kind }, snapshot.openIncidents[kind] ?? 0);
    reviewsPending.set(snapshot.pendingReviews);
    gatewayReady.set(sources.gatewayReady() ? 1 : 0);
  }

  return {
    registry,
    upstreamRequest(endpoint, outcome, seconds) {
      upstreamRequests.inc({ endpoint, outcome });
      upstreamDuration.observe({ endpoint }, seconds);
    },
    discordResponse(route, outcome, scope) {
      discordRequests.inc({ route, outcome });
      if (outcome === '429') discordRateLimited.inc({ route, scope: scope ?? 'user' });
    },
    gatewayEvent(event) {
      gatewayEvents.inc({ event });
    },
    pruned(table, rows) {
      prunedRows.inc({ table }, rows);
    },
    mediaDownload(outcome, bytes) {
      mediaFiles.inc({ outcome });
      if (bytes > 0) mediaBytes.inc(bytes);
    },
    async scrape() {
      refresh();
      return registry.metrics();
    },
  };
}
