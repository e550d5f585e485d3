/**
 * The playground: the real bot (the same startBot, poller, delivery, commands and views) between
 * the loopback Discord and the upstreams' emulators, with a Discord-like page in the browser. Nothing
 * here leaves 127.0.0.1, and nothing in the bot knows it runs here.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { startBot, type Bot } from '../bot';
import { loadConfig } from '../config';
import { deployCommands } from '../discord/deploy';
import { createLogger } from '../log';
import { startFakeDiscord, type FakeDiscord } from './discord';
import { startDreaminaEmulator, type DreaminaEmulator } from './dreamina';
import { startMediaCdn } from './emulator/cdn';
import { startGoogleFlowEmulator, type GoogleFlowEmulator } from './google-flow';
import { startMjProxyEmulator, type MjProxyEmulator } from './mj-proxy';
import { startUseapiEmulator, type UseapiEmulator } from './useapi';
import { BOT_NAME, GENERAL_CHANNEL_ID, GUILD_ID, PERSONAS, REVIEW_CHANNEL_ID } from './guild';
import { startPlaygroundServer, type PlaygroundServer } from './web/server';

export interface PlaygroundOptions {
  /** Port of the page; 0 picks a free one. */
  port: number;
  /** Deleted and created afresh on start: the emulators start empty, so old rows would point at nothing. */
  databasePath: string;
  /** The bot's base poll interval (ms). */
  pollIntervalMs?: number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface Playground {
  /** http://127.0.0.1:PORT/ */
  url: string;
  discord: FakeDiscord;
  useapi: UseapiEmulator;
  /** Google Flow and Dreamina share the useapi emulator's base URL and token, as on api.useapi.net. */
  googleFlow: GoogleFlowEmulator;
  dreamina: DreaminaEmulator;
  mjProxy: MjProxyEmulator;
  bot: Bot;
  stop(): Promise<void>;
}

export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const stack: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of stack.splice(0).reverse()) await close();
  };
  try {
    const discord = await startFakeDiscord({
      botUsername: BOT_NAME,
      guilds: [
        {
          id: GUILD_ID,
          name: 'Playground',
          channels: [
            { id: GENERAL_CHANNEL_ID, name: 'general' },
            { id: REVIEW_CHANNEL_ID, name: 'mod-review' },
          ],
        },
      ],
    });
    stack.push(() => discord.close());
    // The results are served over https, as the real CDNs serve them (TEST-ONLY certificate, ./tls/).
    const cdn = await startMediaCdn();
    stack.push(() => cdn.close());
    const mediaOrigin = cdn.url;
    const useapi = await startUseapiEmulator({ mediaOrigin });
    stack.push(() => useapi.close());
    const googleFlow = await startGoogleFlowEmulator({ server: useapi.server, token: useapi.token, mediaOrigin });
    stack.push(() => googleFlow.close());
    const dreamina = await startDreaminaEmulator({ server: useapi.server, token: useapi.token, mediaOrigin });
    stack.push(() => dreamina.close());
    const mjProxy = await startMjProxyEmulator({ mediaOrigin });
    stack.push(() => mjProxy.close());
    // midjourney-proxy's Discord attachments are told from useapi's by their channel, so it is asked first.
    for (const emulator of [mjProxy, googleFlow, dreamina, useapi]) cdn.serve((link) => emulator.localMediaUrl(link));

    await deployCommands({ apiUrl: discord.apiUrl, token: discord.token, guildId: GUILD_ID });

    for (const suffix of ['', '-wal', '-shm']) rmSync(`${opts.databasePath}${suffix}`, { force: true });
    mkdirSync(dirname(opts.databasePath), { recursive: true });
    const config = loadConfig({
      DISCORD_TOKEN: discord.token,
      USEAPI_TOKEN: useapi.token,
      DISCORD_API_URL: discord.apiUrl,
      USEAPI_BASE_URL: useapi.url,
      MEDIA_HOSTS: new URL(cdn.url).hostname,
      MJ_PROXY_URL: mjProxy.baseUrl,
      MJ_PROXY_SECRET: mjProxy.token,
      MJ_PROXY_AUTH: mjProxy.auth,
      DATABASE_PATH: opts.databasePath,
      POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 1000),
      NOT_FOUND_GRACE_MS: '5000',
      OWNER_USER_IDS: PERSONAS.filter((p) => p.about.startsWith('admin')).map((p) => p.id).join(','),
      LOG_LEVEL: opts.logLevel ?? 'warn',
    });
    const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.useapiToken ?? '', mjProxy.token] });
    const bot = await startBot(config, log);
    stack.push(() => bot.stop());

    const server: PlaygroundServer = await startPlaygroundServer({ port: opts.port, discord, upstreams: { useapi, googleFlow, dreamina, mjProxy }, cdn });
    stack.push(() => server.close());
    return { url: server.url, discord, useapi, googleFlow, dreamina, mjProxy, bot, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
