import { readFileSync } from 'node:fs';
import { Status, type Client } from 'discord.js';
import type { Config } from '../config';
import type { Db } from '../db/open';
import type { StatusFacts } from '../discord/views/status';
import type { Logger } from '../log';
import type { UpstreamAdapter } from '../upstreams/port';
import { watchDiscordRequests } from './discord';
import { watchGateway } from './gateway';
import { checkReadiness, startOpsServer } from './health';
import { createMetrics, type OpsMetrics } from './metrics';
import { startRetention } from './retention';
import { readOpsSnapshot, totalOf } from './snapshot';
import { observeUpstream, UpstreamHealth } from './upstream';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface OpsOptions {
  config: Config;
  db: Db;
  client: Client;
  log: Logger;
  now: () => number;
  /** Delivery lanes waiting out a rate limit or Discord trouble. */
  lanesWaiting: () => number;
}

export interface Ops {
  metrics: OpsMetrics;
  /** An upstream adapter, with every request counted and timed. */
  observeUpstream(adapter: UpstreamAdapter): UpstreamAdapter;
  /** What /tracker-status shows. */
  status(): StatusFacts;
  /** Health and metrics endpoints, retention. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * What an operator needs of the running bot: metrics, health endpoints, gateway events in the log,
 * retention. It watches the other parts (REST and gateway events, a wrapper around the upstream
 * client) rather than living inside them.
 */
export function createOps(opts: OpsOptions): Ops {
  const { config, db, client, log, now } = opts;
  const startedAt = now();
  const upstream = new UpstreamHealth(config.upstreamMaxRps, now);
  const gatewayReady = () => client.isReady() && client.ws.shards.every((shard) => shard.status === Status.Ready);
  const metrics = createMetrics({ db, now, upstream, lanesWaiting: opts.lanesWaiting, gatewayReady });
  watchGateway(client, log, (event) => metrics.gatewayEvent(event));
  const unwatchRest = watchDiscordRequests(client.rest, (route, outcome, scope) => metrics.discordResponse(route, outcome, scope));
  let server: { close(): Promise<void> } | null = null;
  let retention: { stop(): void } | null = null;

  return {
    metrics,
    observeUpstream(inner) {
      return observeUpstream(inner, (endpoint, outcome, seconds) => {
        upstream.record(outcome, now());
        metrics.upstreamRequest(endpoint, outcome, seconds);
      });
    },
    status() {
      const snapshot = readOpsSnapshot(db, now());
      return {
        version: VERSION,
        startedAt,
        jobsFollowed: totalOf(snapshot.followedJobs),
        due: snapshot.due,
        upstream: {
          paused: snapshot.account.problem,
          pausedSince: snapshot.account.since,
          lastAnswerAt: upstream.lastAnswerAt,
          lastOutcome: upstream.lastOutcome,
          budgetUse: upstream.budgetUse(),
          maxRequestsPerSecond: upstream.maxRequestsPerSecond,
        },
        lanesWaiting: opts.lanesWaiting(),
        outbox: snapshot.outbox,
        openIncidents: snapshot.openIncidents,
        pendingReviews: snapshot.pendingReviews,
      };
    },
    start() {
      if (config.httpPort !== 0) {
        server = startOpsServer({
          host: config.httpHost,
          port: config.httpPort,
          log,
          metrics: () => metrics.scrape(),
          readiness: () =>
            checkReadiness({ db, now, upstream, gatewayReady, startedAt, upstreamSilenceMs: Math.max(60_000, 12 * config.pollIntervalMs) }),
        });
      }
      retention = startRetention({
        db,
        log,
        now,
        retentionDays: config.retentionDays,
        reviewRetentionDays: config.reviewRetentionDays,
        onPruned: (pruned) => {
          for (const [table, rows] of Object.entries(pruned)) if (rows > 0) metrics.pruned(table, rows);
        },
      });
    },
    async stop() {
      retention?.stop();
      unwatchRest();
      await server?.close();
    },
  };
}
