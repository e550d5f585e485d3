/**
 * The Discord fault matrix: the loopback Discord rate limits every route class, goes down, slows
 * down, drops the gateway, forgets the session and answers with the error codes that end a
 * message or a DM for good. Once Discord is back, every effect must be there exactly once.
 */
import { makeJobId, timeline } from '../../src/playground/useapi';
import { ALICE, BOB, CHANNEL, CHANNEL_B, GUILD, GUILD_B, OTHER_CHANNEL, World, worldGuilds } from '../../test/e2e/world';
import type { Rng } from '../prng';
import { settle, type Follow } from './audit';
import { crashesOf, startBotProcess, stopBot } from './bot';

const GONE_CHANNEL = '900000000000000014';
const LOCKED_CHANNEL = '900000000000000015';
const HIDDEN_CHANNEL = '900000000000000016';
const CAROL = { id: '800000000000000003', username: 'carol' };
const DAVE = { id: '800000000000000004', username: 'dave' };
const ERIN = { id: '800000000000000005', username: 'erin' };

export interface DiscordResult {
  faults: string[];
  crashes: number;
  effectsLost: number;
  effectsDoubled: number;
  messagesNotFinal: number;
  gateway: { resumes: number; identifies: number };
  problems: string[];
  seconds: number;
}

export async function discordFaults(rng: Rng, opts: { outageMs: number }): Promise<DiscordResult> {
  const started = Date.now();
  const world = await World.start({
    inProcess: false,
    env: { POLL_INTERVAL_MS: '150', DISCORD_RETRY_BASE_MS: '200', DISCORD_RETRY_MAX_MS: '2000', NOT_FOUND_GRACE_MS: '10000' },
    discord: {
      // A short heartbeat, so that discord.js notices a dropped connection quickly.
      heartbeatIntervalMs: 2000,
      guilds: worldGuilds([
        { id: GONE_CHANNEL, name: 'soon-deleted' },
        { id: LOCKED_CHANNEL, name: 'soon-locked' },
        { id: HIDDEN_CHANNEL, name: 'soon-hidden' },
      ]),
    },
  });
  const { discord } = world;
  const follows: Follow[] = [];
  const faults: string[] = [];
  const problems: string[] = [];

  /** The /track interaction of each follow: its token edits the message until it expires. */
  const interactionOf = new Map<Follow, string>();

  /** A job that runs for `runMs`, followed by `user` in `channelId`; resolves once /track has been answered. */
  async function follow(user: Follow['user'], channelId: string, runMs: number, extra: Partial<Follow> = {}): Promise<Follow> {
    const outcome = rng.pick(['completed', 'completed', 'failed'] as const);
    const jobid = makeJobId({ suffix: rng.int(0, 999_999) });
    world.useapi.addJob({ jobid, steps: timeline({ queueMs: 200, runMs, stepMs: 400, outcome }) });
    const entry: Follow = { user, jobid, outcome, channelId, guildId: channelId === CHANNEL_B ? GUILD_B : GUILD, dm: true, ...extra };
    follows.push(entry);
    const handle = discord.slashCommand({
      name: 'track',
      options: [
        { name: 'jobid', type: 3, value: jobid },
        { name: 'dm', type: 5, value: entry.dm },
      ],
      user,
      guildId: entry.guildId,
      channelId,
    });
    interactionOf.set(entry, handle.id);
    await handle.waitForResponse(15_000).catch(() => problems.push(`no answer to /track of ${jobid}`));
    return entry;
  }

  async function messageOf(entry: Follow): Promise<string> {
    let id: string | null | undefined;
    await discord.waitFor(() => (id = world.subscription(entry.user.id, entry.jobid)?.messageId) != null, 15_000, `message of ${entry.jobid}`);
    return id!;
  }

  const bot = await startBotProcess(world.env);
  try {
    // INVALID_SESSION first: one landing within the same tick as a RESUMED trips discord.js (its RESUMED handler reads the session it just dropped).
    faults.push('INVALID_SESSION');
    const identifiesBefore = discord.counters.identifies;
    discord.sendInvalidSession();
    await discord.waitFor(() => discord.counters.identifies > identifiesBefore, 15_000, 'a new IDENTIFY');
    await follow(BOB, OTHER_CHANNEL, 1500);

    faults.push('gateway close 4000 + RESUME');
    const resumesBefore = discord.counters.resumes;
    discord.disconnectGateway(4000);
    await follow(ALICE, CHANNEL, 1500);
    await discord.waitFor(() => discord.counters.resumes > resumesBefore, 15_000, 'a RESUME');

    faults.push('429 on every route class (body retry_after and headers; one global)');
    const limited = { message: 'You are being rate limited.', retry_after: 0.4, global: false };
    const headers = { 'retry-after': '1', 'x-ratelimit-scope': 'shared' };
    for (const route of ['POST /channels/:id/messages', 'PATCH /channels/:id/messages/:id', 'POST /users/@me/channels', 'POST /interactions/:id/:token/callback']) {
      discord.failNext(route, 429, 2, limited, headers);
    }
    discord.failNext('POST /channels/:id/messages', 429, 1, { ...limited, global: true }, { 'retry-after': '1', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
    await follow(CAROL, CHANNEL, 1500);
    await follow(DAVE, CHANNEL_B, 2000);

    faults.push('slow REST (700 ms per request)');
    discord.setLatency(700);
    const slow = await follow(ALICE, OTHER_CHANNEL, 1500, { dm: false });
    await messageOf(slow);

    faults.push('50027 on the answer to /track (interaction token refused)');
    discord.setLatency(0);
    discord.failNext('POST /interactions/:id/:token/callback', 401, 1, { message: 'Invalid Webhook Token', code: 50027 });
    await follow(BOB, CHANNEL, 1500);

    faults.push('10008 (message deleted), 10003 (channel deleted), 50001 and 50013 (access lost), 50007 (DMs closed)');
    const deleted = await follow(CAROL, CHANNEL, 3000, { dm: false, lost: true });
    const gone = await follow(DAVE, GONE_CHANNEL, 3000, { lost: true });
    const locked = await follow(ALICE, LOCKED_CHANNEL, 3000, { lost: true });
    const hidden = await follow(BOB, HIDDEN_CHANNEL, 3000, { dm: false, lost: true });
    discord.closeDms(ERIN.id);
    await follow(ERIN, CHANNEL_B, 1500, { dmsClosed: true });
    discord.deleteMessage(CHANNEL, await messageOf(deleted));
    await messageOf(gone);
    discord.deleteChannel(GONE_CHANNEL);
    // A token edits its /track answer whatever the channel's permissions: access lost shows once it has expired.
    await messageOf(locked);
    discord.revokeAccess(LOCKED_CHANNEL, 50001);
    discord.expireInteraction(interactionOf.get(locked)!);
    await messageOf(hidden);
    discord.revokeAccess(HIDDEN_CHANNEL, 50013);
    discord.expireInteraction(interactionOf.get(hidden)!);

    faults.push(`5xx on every route for ${opts.outageMs / 1000} s while jobs end`);
    const during = [await follow(CAROL, OTHER_CHANNEL, 800), await follow(DAVE, CHANNEL, 1200, { dm: false })];
    discord.failNext('*', 502, Infinity);
    await waitMs(opts.outageMs);
    discord.clearFailures();
    if (during.some((f) => (world.useapi.terminalAt(f.jobid) ?? Infinity) > Date.now())) problems.push('a job meant to end during the outage did not');

    const { verdicts, problems: found } = await settle(world, follows, 60_000);
    problems.push(...found);
    const crashes = crashesOf(bot, { killedOnPurpose: false });
    problems.push(...crashes);
    const exitCode = await stopBot(bot);
    if (exitCode !== 0) problems.push(`SIGTERM exit code ${exitCode}`);
    problems.push(...discord.takeViolations().map((v) => `violation: ${v}`));
    return {
      faults,
      crashes: crashes.length + (exitCode === 0 ? 0 : 1),
      effectsLost: verdicts.jobsLost + verdicts.dmsMissing,
      effectsDoubled: verdicts.messagesDuplicated + verdicts.dmsDuplicated,
      messagesNotFinal: verdicts.messagesNotFinal,
      gateway: { resumes: discord.counters.resumes, identifies: discord.counters.identifies },
      problems,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    bot.proc.kill('SIGKILL');
    await world.close();
  }
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
