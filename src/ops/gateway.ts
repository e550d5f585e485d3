import { Events, WebSocketShardEvents, type Client, type CloseEvent } from 'discord.js';
import type { Logger } from '../log';

export type GatewayEvent = 'closed' | 'reconnecting' | 'resumed' | 'invalid_session' | 'disconnected' | 'error';

/** discord.js v14 reports invalid sessions only in its debug stream (the shard event is deprecated and never fires). */
const INVALID_SESSION = /Invalid session; will attempt to resume: (true|false)/;

/**
 * Logs the gateway connection's life (each close with its code, reconnects, resumes, invalid
 * sessions, give-ups) and counts each event. A resumable close is routine; a disconnect that
 * discord.js will not recover from is an error.
 */
export function watchGateway(client: Client, log: Logger, count: (event: GatewayEvent) => void): void {
  const watchedShards = new WeakSet<object>();

  client.on(Events.ShardReady, (shardId) => {
    log.info({ event: 'gateway_ready', shardId }, 'gateway ready');
    const shard = client.ws.shards.get(shardId);
    if (!shard || watchedShards.has(shard)) return;
    watchedShards.add(shard);
    // Close codes are only on the shard's own event: the client hears of resumable closes as "reconnecting".
    shard.on(WebSocketShardEvents.Close, (event: CloseEvent) => {
      count('closed');
      log.warn({ event: 'gateway_closed', shardId, code: event.code }, 'gateway connection closed');
    });
  });
  client.on(Events.ShardReconnecting, (shardId) => {
    count('reconnecting');
    log.info({ event: 'gateway_reconnecting', shardId }, 'gateway reconnecting');
  });
  client.on(Events.ShardResume, (shardId, replayedEvents) => {
    count('resumed');
    log.info({ event: 'gateway_resumed', shardId, replayedEvents }, 'gateway session resumed');
  });
  client.on(Events.ShardDisconnect, (event, shardId) => {
    count('disconnected');
    log.error({ event: 'gateway_disconnected', shardId, code: event.code }, 'gateway closed for good; discord.js will not reconnect');
  });
  client.on(Events.ShardError, (error, shardId) => {
    count('error');
    log.warn({ event: 'gateway_error', shardId, err: error }, 'gateway connection error');
  });
  client.on(Events.Debug, (message) => {
    const invalid = INVALID_SESSION.exec(message);
    if (!invalid) return;
    count('invalid_session');
    log.warn({ event: 'gateway_invalid_session', resumable: invalid[1] === 'true' }, 'gateway session invalidated');
  });
}
