import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { startBot, type Bot } from '../../src/bot';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/open';
import { outbox, subscriptions } from '../../src/db/schema';
import { staleSubscriptions } from '../../src/db/subscriptions';
import { createLogger } from '../../src/log';
import { messageText, startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type FakeMessage, type InteractionHandle } from '../../src/playground/discord';
import { startMediaCdn, type MediaCdn } from '../../src/playground/emulator/cdn';
import { makeJobId, startUseapiEmulator, timeline, type UseapiEmulator } from '../../src/playground/useapi';

export const GUILD = '900000000000000001';
export const CHANNEL = '900000000000000011';
export const OTHER_CHANNEL = '900000000000000012';
export const REVIEW_CHANNEL = '900000000000000013';
/** A second server, to check the two never see each other's data. */
export const GUILD_B = '900000000000000002';
export const CHANNEL_B = '900000000000000021';
export const REVIEW_CHANNEL_B = '900000000000000023';
export const ALICE = { id: '800000000000000001', username: 'alice' };
export const BOB = { id: '800000000000000002', username: 'bob' };
export const ADMIN = { id: '800000000000000009', username: 'admin' };
export const ADMIN_B = { id: '800000000000000019', username: 'admin-b' };
/** Member permission bitfields: Manage Server, and an ordinary member's. */
export const MANAGE_SERVER = String(1n << 5n);
export const MEMBER = String((1n << 10n) | (1n << 11n));

/** The two servers of every world; `extraChannels` are added to the first. */
export function worldGuilds(extraChannels: Array<{ id: string; name: string }> = []) {
  return [
    {
      id: GUILD,
      name: 'Test server',
      channels: [{ id: CHANNEL, name: 'general' }, { id: OTHER_CHANNEL, name: 'art' }, { id: REVIEW_CHANNEL, name: 'mod-review' }, ...extraChannels],
    },
    { id: GUILD_B, name: 'Other server', channels: [{ id: CHANNEL_B, name: 'general' }, { id: REVIEW_CHANNEL_B, name: 'review' }] },
  ];
}

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
    readonly cdn: MediaCdn | null = null,
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
      // Polling every 60 ms needs more than the default budget; the budget has its own test.
      UPSTREAM_MAX_RPS: '500',
      // Tests track many jobs quickly as one person; the /track rate has its own test.
      TRACKS_PER_MINUTE: '1000',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // Tests that want /metrics or /readyz pick a free port; the others must not fight over 9464.
      HTTP_PORT: '0',
      ...env,
    };
    this.config = loadConfig(this.env);
  }

  /** `inProcess: false` leaves starting the bot to the test (e.g. as a child process). */
  /**
   * `media: true` links results on the https media CDN (TEST-ONLY certificate) and re-hosts them;
   * without it results stay links (`RESULT_MEDIA=link`): the emulator's records name the real CDN
   * hosts, which a test must never look up.
   */
  static async start(opts: { env?: Record<string, string>; discord?: FakeDiscordOptions; inProcess?: boolean; media?: boolean } = {}): Promise<World> {
    const discord = await startFakeDiscord({ guilds: worldGuilds(), ...opts.discord });
    const cdn = opts.media ? await startMediaCdn() : null;
    const useapi = await startUseapiEmulator(cdn ? { mediaOrigin: cdn.url } : {});
    cdn?.serve((link) => useapi.localMediaUrl(link));
    const mediaEnv: Record<string, string> = cdn ? { MEDIA_HOSTS: 'localhost' } : { RESULT_MEDIA: 'link' };
    const world = new World(discord, useapi, mkdtempSync(join(tmpdir(), 'tracker-e2e-')), { ...mediaEnv, ...opts.env }, cdn);
    if (opts.inProcess !== false) await world.startBot();
    return world;
  }

  /** `log`: to read what the bot logs (the default writes to stdout at LOG_LEVEL). */
  async startBot(log = createLogger({ level: this.config.logLevel, secrets: [this.config.discordToken, this.config.useapiToken ?? ''] })): Promise<Bot> {
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
    await this.cdn?.close();
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

  /** A job at 10 % at once, 60 % after 600 ms, completed after 1.2 s: time to change something while it runs. */
  addSteppedJob(): string {
    const jobid = makeJobId();
    this.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'progress', progress: 10 },
        { afterMs: 600, status: 'progress', progress: 60 },
        { afterMs: 1200, status: 'completed' },
      ],
    });
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

  /**
   * /track whose reply Discord refuses (404 Unknown interaction): the job is followed, and delivery
   * has to post its tracking message itself. Nothing to wait for here: the answer never comes.
   */
  trackWithFailedReply(user: { id: string; username: string }, jobid: string, opts: { dm?: boolean } = {}): void {
    this.discord.failNext('POST /interactions/:id/:token/callback', 404, 1, { message: 'Unknown interaction', code: 10062 });
    const options: Array<{ name: string; type: number; value: string | boolean }> = [{ name: 'jobid', type: 3, value: jobid }];
    if (opts.dm !== undefined) options.push({ name: 'dm', type: 5, value: opts.dm });
    this.discord.slashCommand({ name: 'track', options, user, guildId: GUILD, channelId: CHANNEL });
  }

  /** Runs a slash command as someone in a server (an admin's permissions unless told otherwise). */
  async command(
    name: string,
    options: Array<{ name: string; type: number; value?: string | number | boolean; options?: Array<{ name: string; type: number; value: string | number | boolean }> }>,
    as: { user: { id: string; username: string }; guildId?: string; channelId?: string; memberPermissions?: string; roles?: string[] },
  ): Promise<InteractionHandle> {
    const guildId = as.guildId ?? GUILD;
    const handle = this.discord.slashCommand({
      name,
      options,
      user: as.user,
      guildId,
      // Elsewhere than the main server, the fake picks that server's first channel.
      channelId: as.channelId ?? (guildId === GUILD ? CHANNEL : undefined),
      memberPermissions: as.memberPermissions ?? MANAGE_SERVER,
      roles: as.roles,
    });
    await handle.waitForResponse();
    return handle;
  }

  /** `/tracker-settings set …` as an admin of that server. */
  async configure(guildId: string, settings: Array<{ name: string; type: number; value: string | number | boolean }>, admin = ADMIN): Promise<void> {
    const handle = await this.command('tracker-settings', [{ name: 'set', type: 1, options: settings }], { user: admin, guildId });
    if (!handle.text().includes('Saved')) throw new Error(`settings not saved: ${handle.text()}`);
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

  /**
   * Waits until delivery owes Discord nothing: every tracking message shows its job's latest state
   * and no DM or post is pending. Anything sent twice would have been sent by then.
   */
  async deliveryIdle(timeoutMs = 5000): Promise<void> {
    const pending = this.db.$client.prepare("select count(*) as n from outbox where state = 'pending'");
    await this.discord.waitFor(
      () => staleSubscriptions(this.db, 1).length === 0 && (pending.get() as { n: number }).n === 0,
      timeoutMs,
      'delivery to owe Discord nothing',
    );
  }

  /**
   * Waits until `intervals` poll intervals have passed and the poller has run full passes after
   * that: a job that was due in that time has been read. On a slow machine it waits for the passes,
   * not for the clock.
   */
  async pollerCatchesUp(intervals = 4): Promise<void> {
    const bot = this.bot;
    if (!bot) throw new Error('pollerCatchesUp needs the bot in this process');
    const from = Date.now() + intervals * this.config.pollIntervalMs;
    let mark: number | null = null;
    await this.discord.waitFor(
      () => {
        if (mark === null && Date.now() >= from) mark = bot.pollerPasses();
        return mark !== null && bot.pollerPasses() >= mark + 2;
      },
      10_000,
      `the poller to run ${intervals} intervals`,
    );
  }

  async dmsArrive(userId: string, count: number, timeoutMs = 5000): Promise<FakeMessage[]> {
    await this.discord.waitFor(() => this.discord.dmsTo(userId).length >= count, timeoutMs, `${count} DM(s) to ${userId}`);
    return this.discord.dmsTo(userId);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export { messageText };
