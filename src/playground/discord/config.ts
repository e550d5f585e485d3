/** The fake's options with every default filled in. */
import { SnowflakeGenerator } from './snowflake';
import { DEFAULT_UPLOAD_LIMIT_BYTES } from './uploads';
import type { FakeDiscordOptions, FakeGuild, RateLimitOptions } from './types';

export interface ResolvedConfig {
  token: string;
  applicationId: string;
  botUsername: string;
  guilds: FakeGuild[];
  rateLimits: false | RateLimitOptions;
  latencyMs: number;
  heartbeatIntervalMs: number;
  interactionAckTimeoutMs: number;
  nonceWindowMs: number;
  uploadLimitBytes: number;
}

export function resolveConfig(opts: FakeDiscordOptions): ResolvedConfig {
  const ids = new SnowflakeGenerator(2n);
  const guilds: FakeGuild[] = (
    opts.guilds ?? [{ id: ids.next(), name: 'Fake Guild', channels: [{ id: ids.next(), name: 'general' }, { id: ids.next(), name: 'jobs' }] }]
  ).map((g, i) => ({
    id: g.id,
    name: g.name ?? `Guild ${i + 1}`,
    channels: g.channels.map((c, j) => ({ id: c.id, name: c.name ?? `channel-${j + 1}` })),
  }));
  return {
    token: opts.token ?? 'fake-bot-token',
    applicationId: opts.applicationId ?? ids.next(),
    botUsername: opts.botUsername ?? 'Tracker Bot',
    guilds,
    rateLimits: opts.rateLimits ?? false,
    latencyMs: opts.latencyMs ?? 0,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
    interactionAckTimeoutMs: opts.interactionAckTimeoutMs ?? 3000,
    nonceWindowMs: opts.nonceWindowMs ?? 10 * 60 * 1000,
    uploadLimitBytes: opts.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES,
  };
}
