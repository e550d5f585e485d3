import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';

describe('loadConfig', () => {
  it('names every missing key at once', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ DISCORD_TOKEN: '  ' })).toThrow(/DISCORD_TOKEN is missing; USEAPI_TOKEN is missing/);
  });

  it('applies the documented defaults', () => {
    expect(loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u' })).toMatchObject({
      discordApiUrl: 'https://discord.com/api',
      useapiBaseUrl: 'https://api.useapi.net',
      databasePath: './data/tracker.db',
      pollIntervalMs: 5000,
      maxActiveJobsPerUser: 25,
      tracksPerMinute: 10,
      discordRetryBaseMs: 1000,
      discordRetryMaxMs: 60_000,
    });
  });

  it('re-hosts media by default, and takes the operator\'s media hosts as names only', () => {
    expect(loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u' }).media).toMatchObject({ mode: 'upload', operatorHosts: [], maxFileBytes: 8 * 1024 * 1024, concurrency: 2 });
    expect(loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u', MEDIA_HOSTS: ' Localhost, media.example.com ,' }).media.operatorHosts).toEqual(['localhost', 'media.example.com']);
    expect(() => loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u', MEDIA_HOSTS: 'localhost,127.0.0.1' })).toThrow(/MEDIA_HOSTS.*not IP addresses/);
    expect(() => loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u', MEDIA_HOSTS: 'http://x.com' })).toThrow(/MEDIA_HOSTS.*host names/);
    expect(() => loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u', RESULT_MEDIA: 'both' })).toThrow(/RESULT_MEDIA/);
  });

  it('rejects a bad number with its key and never echoes the secrets', () => {
    const attempt = () => loadConfig({ DISCORD_TOKEN: 'secret-discord', USEAPI_TOKEN: 'secret-useapi', POLL_INTERVAL_MS: 'fast' });
    expect(attempt).toThrow(/POLL_INTERVAL_MS/);
    try {
      attempt();
    } catch (error) {
      expect(String(error)).not.toMatch(/secret-/);
    }
  });
});

describe('createLogger', () => {
  it('scrubs secrets wherever they appear in a line', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger({ level: 'info', secrets: ['user:12345-topsecretvalue'], destination: sink });
    log.info({ token: 'abc', headers: { authorization: 'Bearer xyz' } }, 'token user:12345-topsecretvalue leaked?');
    log.error({ err: new Error('fetch failed for user:12345-topsecretvalue') }, 'boom');
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(lines).toHaveLength(2);
    expect(text).not.toContain('topsecretvalue');
    expect(text).not.toContain('Bearer xyz');
    expect(text).toContain('[REDACTED]');
  });
});
