import type { Client } from 'discord.js';
import type { Config } from './config';
import { upgradeStoredRecords } from './db/jobs';
import { lockDatabase } from './db/lock';
import { openDatabase, type Db } from './db/open';
import { createDiscordClient, loginAndWaitReady, routeInteractions } from './discord/client';
import { createDelivery } from './discord/delivery';
import { TrackingReplies } from './discord/replies';
import { createMediaRehost } from './discord/media';
import type { Logger } from './log';
import { createOps } from './ops/ops';
import { ensureIncrementalVacuum } from './ops/retention';
import { createFreshLinks } from './tracker/freshLinks';
import { readStaleAfter } from './tracker/policy';
import { createPoller } from './tracker/poller';
import { createRegistry } from './upstreams/registry';
import { TrackRate } from './discord/commands/trackRate';

export interface Bot {
  client: Client;
  db: Db;
  /** Passes of the poller's loop so far. */
  pollerPasses(): number;
  /** Stops polling and delivery, waits for work in flight, logs out, closes the database. */
  stop(): Promise<void>;
}

/**
 * Composes the bot from its parts: config → db → upstreams → Discord → poller and delivery. Refuses
 * (DatabaseInUseError) while another bot runs on the same database.
 */
export async function startBot(config: Config, log: Logger, clock: { now?: () => number } = {}): Promise<Bot> {
  const now = clock.now ?? Date.now;
  const lock = lockDatabase(config.databasePath);
  let db: Db;
  try {
    db = openDatabase(config.databasePath);
  } catch (error) {
    lock.release();
    throw error;
  }
  ensureIncrementalVacuum(db, log);
  const upstreams = createRegistry(config, now);
  const upgraded = upgradeStoredRecords(db, upstreams.normalizeStored, upstreams.scopeOf);
  if (upgraded > 0) log.info({ event: 'records_upgraded', jobs: upgraded }, 'stored upstream records read into normalized readings');
  const client = createDiscordClient(config.discordApiUrl);
  const media = createMediaRehost({
    db,
    upstreams,
    settings: config.media,
    log: log.child({ part: 'media' }),
    now,
    onSettled: () => delivery.wake(),
    onDownload: (outcome, bytes) => ops.metrics.mediaDownload(outcome, bytes),
  });
  const replies = new TrackingReplies();
  const delivery = createDelivery({
    db,
    rest: client.rest,
    log: log.child({ part: 'delivery' }),
    now,
    retryBaseMs: config.discordRetryBaseMs,
    retryMaxMs: config.discordRetryMaxMs,
    media,
    readStaleAfterMs: readStaleAfter(config),
    replies,
  });
  const ops = createOps({ config, db, client, log: log.child({ part: 'ops' }), now, lanesWaiting: () => delivery.stats().blockedLanes });
  const poller = createPoller({
    db,
    upstreams: upstreams.adapters.map((adapter) => ops.observeUpstream(adapter)),
    log: log.child({ part: 'poller' }),
    now,
    settings: {
      pollIntervalMs: config.pollIntervalMs,
      notFoundGraceMs: config.notFoundGraceMs,
      maxTrackingAgeMs: config.maxTrackingAgeMs,
    },
    ownerUserIds: config.ownerUserIds,
    onChange: () => delivery.wake(),
  });
  routeInteractions(client, {
    db,
    log: log.child({ part: 'commands' }),
    now,
    maxActiveJobsPerUser: config.maxActiveJobsPerUser,
    upstreams,
    trackRate: new TrackRate(config.tracksPerMinute),
    onChange: () => delivery.wake(),
    replies,
    media,
    ownerUserIds: config.ownerUserIds,
    opsStatus: () => ops.status(),
    freshLinks: createFreshLinks({ adapterOf: (upstream) => upstreams.get(upstream), spare: (upstream) => poller.spare(upstream), now }),
  });

  ops.start();
  try {
    await loginAndWaitReady(client, config.discordToken);
  } catch (error) {
    await ops.stop();
    await media.stop();
    await client.destroy();
    db.$client.close();
    lock.release();
    throw error;
  }
  log.info({ event: 'ready', user: client.user?.tag, applicationId: client.application?.id }, 'connected to Discord');
  poller.start();
  media.start();
  delivery.start();

  return {
    client,
    db,
    pollerPasses: () => poller.passes(),
    async stop() {
      await ops.stop();
      await poller.stop();
      await delivery.stop();
      await media.stop();
      await client.destroy();
      db.$client.close();
      lock.release();
    },
  };
}
