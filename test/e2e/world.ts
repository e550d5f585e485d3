import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { startBot, type Bot } from '../../src/bot';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/open';
import { outbox, subscriptions } from '../../src/db/schema';
import { createLogger } from '../../src/log';
import { messageText, startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type FakeMessage, type InteractionHandle } from '../emulators/discord';
import { makeJobId, startUseapiEmulator, timeline, type UseapiEmulator } from '../emulators/useapi';

export const GUILD = '900000000000000001';
export const CHANNEL = '900000000000000011';
export const OTHER_CHANNEL = '900000000000000012';
export const ALICE = { id: '800000000000000001', username: 'alice' };
export const BOB = { id: '800000000000000002', username: 'bob' };

/** Short enough for tests, long enough that a poll lands between timeline steps. */
export const POLL_MS = 60;

/** A compressed job: queued briefly, a few progress steps, then the outcome. */
export const quickTimeline = (outcome: 'completed' | 'failed' | 'moderated') =>
  timeline({ queueMs: 100, runMs: 500, stepMs: 150, outcome });

/**
 * The whole system on loopback: the real bot (real SQLite file, real discord.js client) between a
 * fake Discord and the useapi emulator.
 */
export class World {
  bot: Bot | null = null;
  readonly config: Config;
  /** The environment the bot is configured with (also for running it as a child process). */
  readonly env: Record<string, string>;

  private constructor(
    readonly discord: FakeDiscord,
    readonly useapi: UseapiEmulator,
    readonly dir: string,
    env: Record<string, string>,
  ) {
    this.env = {
      DISCORD_TOKEN: discord.token,
      USEAPI_TOKEN: useapi.token,
      DISCORD_API_URL: discord.apiUrl,
      USEAPI_BASE_URL: useapi.url,
      DATABASE_PATH: join(dir, 'tracker.db'),
      POLL_INTERVAL_MS: String(POLL_MS),
      NOT_FOUND_GRACE_MS: '300',
      USEAPI_TIMEOUT_MS: '500',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    };
    this.config = loadConfig(this.env);
  }

  /** `inProcess: false` leaves starting the bot to the test (e.g. as a child process). */
  static async start(opts: { env?: Record<string, string>; discord?: FakeDiscordOptions; inProcess?: boolean } = {}): Promise<World> {
    const discord = await startFakeDiscord({
      guilds: [{ id: GUILD, name: 'Test server', channels: [{ id: CHANNEL, name: 'general' }, { id: OTHER_CHANNEL, name: 'art' }] }],
      ...opts.discord,
    });
    const useapi = await startUseapiEmulator();
    const world = new World(discord, useapi, mkdtempSync(join(tmpdir(), 'tracker-e2e-')), opts.env ?? {});
    if (opts.inProcess !== false) await world.startBot();
    return world;
  }

  async startBot(): Promise<Bot> {
    const log = createLogger({ level: this.config.logLevel, secrets: [this.config.discordToken, this.config.useapiToken] });
    this.bot = await startBot(this.config, log);
    return this.bot;
  }

  async stopBot(): Promise<void> {
    await this.bot?.stop();
    this.bot = null;
  }

  async close(): Promise<void> {
    await this.stopBot();
    this.ownDb?.$client.close();
    await this.discord.close();
    await this.useapi.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ownDb: Db | null = null;

  /** The bot's database; with no bot in this process, the same file opened by the test. */
  get db(): Db {
    if (this.bot) return this.bot.db;
    this.ownDb ??= openDatabase(this.config.databasePath);
    return this.ownDb;
  }

  /** A job in the emulator that runs its course from now. */
  addJob(outcome: 'completed' | 'failed' | 'moderated', extra: { prompt?: string; type?: 'i' | 'v' } = {}): string {
    const jobid = makeJobId({ type: extra.type });
    this.useapi.addJob({ jobid, prompt: extra.prompt, steps: quickTimeline(outcome) });
    return jobid;
  }

  async track(user: { id: string; username: string }, jobid: string, opts: { dm?: boolean; channelId?: string; guildId?: string | null } = {}): Promise<InteractionHandle> {
    const options: Array<{ name: string; type: number; value: string | boolean }> = [{ name: 'jobid', type: 3, value: jobid }];
    if (opts.dm !== undefined) options.push({ name: 'dm', type: 5, value: opts.dm });
    const handle = this.discord.slashCommand({
      name: 'track',
      options,
      user,
      ...(opts.guildId === null ? {} : { guildId: opts.guildId ?? GUILD, channelId: opts.channelId ?? CHANNEL }),
    });
    await handle.waitForResponse();
    return handle;
  }

  subscription(userId: string, jobid: string) {
    return this.db.select().from(subscriptions).all().find((s) => s.userId === userId && s.jobId === jobid);
  }

  outboxFor(userId: string) {
    return this.db.select().from(outbox).where(eq(outbox.userId, userId)).all();
  }

  /** The tracking message a person's subscription owns, once delivery has posted it. */
  async trackingMessage(userId: string, jobid: string, channelId = CHANNEL): Promise<FakeMessage> {
    let found: FakeMessage | undefined;
    await this.discord.waitFor(
      () => {
        const id = this.subscription(userId, jobid)?.messageId;
        found = id ? this.discord.message(channelId, id) : undefined;
        return found !== undefined;
      },
      3000,
      `tracking message of ${jobid} for ${userId}`,
    );
    return found!;
  }

  /** Waits until the person's tracking message shows text matching `pattern`. */
  async messageShows(userId: string, jobid: string, pattern: RegExp, channelId = CHANNEL, timeoutMs = 5000): Promise<FakeMessage> {
    const message = await this.trackingMessage(userId, jobid, channelId);
    await this.discord.waitFor(() => pattern.test(messageText(message.data)), timeoutMs, `message to show ${pattern}: ${messageText(message.data)}`);
    return message;
  }

  async dmsArrive(userId: string, count: number, timeoutMs = 5000): Promise<FakeMessage[]> {
    await this.discord.waitFor(() => this.discord.dmsTo(userId).length >= count, timeoutMs, `${count} DM(s) to ${userId}`);
    return this.discord.dmsTo(userId);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export { messageText };
