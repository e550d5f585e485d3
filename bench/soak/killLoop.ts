/**
 * The kill loop: jobs tracked by several people in several channels while the bot is SIGKILLed
 * again and again, some kills at random moments, some placed in the dangerous windows by the
 * process's own crash points (src/crashPoint.ts).
 */
import type { CrashPointName } from '../../src/crashPoint';
import { makeJobId, timeline } from '../../src/playground/useapi';
import { ALICE, BOB, CHANNEL, CHANNEL_B, GUILD, GUILD_B, MEMBER, OTHER_CHANNEL, World } from '../../test/e2e/world';
import type { Rng } from '../prng';
import { settle, type Follow, type Outcome, type Verdicts } from './audit';
import { crashesOf, killNow, startBotProcess, stopBot, type BotProcess } from './bot';

const CAROL = { id: '800000000000000003', username: 'carol' };
const DAVE = { id: '800000000000000004', username: 'dave' };
const PEOPLE = [ALICE, BOB, CAROL, DAVE];
const PLACES = [
  { channelId: CHANNEL, guildId: GUILD },
  { channelId: OTHER_CHANNEL, guildId: GUILD },
  { channelId: CHANNEL_B, guildId: GUILD_B },
];
// A delivery post (message_created) happens only where a /track answer failed: the e2e crash tests place that one.
const POINTS: CrashPointName[] = ['track_answered', 'outbox_sent', 'poll_transaction'];
type KillKind = CrashPointName | 'random';

export interface KillLoopResult {
  jobs: number;
  follows: number;
  kills: number;
  /** Kills per window: placed ones that landed there, and random ones. */
  landed: Record<KillKind, number>;
  /** Placed kills whose point was not reached in time (then killed at once, counted as random). */
  placedMissed: number;
  crashes: number;
  verdicts: Verdicts;
  problems: string[];
  seconds: number;
}

interface Action {
  run(world: World): Promise<void>;
}

export async function killLoop(rng: Rng, opts: { jobs: number; kills: number }): Promise<KillLoopResult> {
  const started = Date.now();
  const world = await World.start({
    inProcess: false,
    env: { POLL_INTERVAL_MS: '150', MAX_ACTIVE_JOBS_PER_USER: '100', NOT_FOUND_GRACE_MS: '10000' },
  });
  const follows: Follow[] = [];
  const batches: Action[][] = Array.from({ length: opts.kills }, () => []);
  for (let i = 0; i < opts.jobs; i++) planJob(rng, follows, batches[Math.floor((i * opts.kills) / opts.jobs)]!, batches[Math.floor((i * opts.kills) / opts.jobs) + 1], i);

  const kinds: KillKind[] = Array.from({ length: opts.kills }, (_, i) => (i % 4 === 3 ? 'random' : POINTS[i % 4]!));
  const landed: Record<KillKind, number> = { message_created: 0, track_answered: 0, outbox_sent: 0, poll_transaction: 0, random: 0 };
  let placedMissed = 0;
  let crashes = 0;
  const problems: string[] = [];
  let pending: Action[] = [];
  let bot: BotProcess | null = null;
  try {
    for (let k = 0; k < opts.kills; k++) {
      const kind = kinds[k]!;
      const crashAt: Record<string, string> = kind === 'random' ? {} : { TRACKER_CRASH_AT: `${kind}:${rng.int(1, 3)}` };
      bot = await startBotProcess({ ...world.env, ...crashAt });
      pending = await runActions(world, [...pending, ...batches[k]!]);
      if (kind === 'random') {
        await Promise.race([bot.exited, pause(rng.between(200, 2500))]);
      } else {
        await Promise.race([bot.exited, pause(8000)]);
      }
      const selfKilled = bot.stderr().includes('crash_point');
      await killNow(bot);
      if (kind !== 'random' && selfKilled) landed[kind]++;
      else landed.random++;
      if (kind !== 'random' && !selfKilled) placedMissed++;
      const found = crashesOf(bot, { killedOnPurpose: true });
      crashes += found.length;
      problems.push(...found);
    }
    bot = await startBotProcess(world.env);
    pending = await runActions(world, pending);
    if (pending.length > 0) problems.push(`${pending.length} /track or /untrack never answered`);
    const { verdicts, problems: found } = await settle(world, follows, 60_000);
    problems.push(...found);
    const exitCode = await stopBot(bot);
    if (exitCode !== 0) {
      crashes++;
      problems.push(`SIGTERM exit code ${exitCode}`);
    }
    crashes += crashesOf(bot, { killedOnPurpose: true }).length;
    bot = null;
    world.discord.assertClean();
    return {
      jobs: opts.jobs,
      follows: follows.length,
      kills: opts.kills,
      landed,
      placedMissed,
      crashes,
      verdicts,
      problems,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    if (bot) await killNow(bot);
    await world.close();
  }
}

/** One job: its script, who follows it where, and when (in which round of the loop) each action comes. */
function planJob(rng: Rng, follows: Follow[], batch: Action[], nextBatch: Action[] | undefined, index: number): void {
  const outcome = rng.pick<Outcome>(['completed', 'completed', 'failed', 'moderated']);
  const jobid = makeJobId({ suffix: rng.int(0, 999_999) });
  const runMs = rng.int(2000, 9000);
  const untrack = index % 7 === 5;
  const first = { user: PEOPLE[index % PEOPLE.length]!, ...rng.pick(PLACES), dm: index % 5 !== 2 };
  const followers: Array<Omit<Follow, 'jobid' | 'outcome'>> = [first];
  if (index % 4 === 1) followers.push({ user: PEOPLE[(index + 1) % PEOPLE.length]!, ...rng.pick(PLACES), dm: true });
  let trackedAt = 0;
  batch.push({
    async run(w) {
      // The job exists upstream from the first time someone asks for it.
      if (trackedAt === 0) {
        trackedAt = Date.now();
        w.useapi.addJob({ jobid, steps: timeline({ queueMs: rng.int(100, 800), runMs: untrack ? runMs + 6000 : runMs, stepMs: 400, outcome }) });
      }
      for (const f of followers) await trackOnce(w, f, jobid);
    },
  });
  const entries = followers.map((f) => ({ ...f, jobid, outcome }));
  follows.push(...entries);
  if (untrack) {
    (nextBatch ?? batch).push({
      async run(w) {
        const handle = await w.command('untrack', [{ name: 'jobid', type: 3, value: jobid }], {
          user: first.user,
          guildId: first.guildId,
          channelId: first.channelId,
          memberPermissions: MEMBER,
        });
        if (!/Stopped tracking|not tracking/.test(handle.text())) throw new Error(`untrack: ${handle.text()}`);
        const end = w.useapi.terminalAt(jobid);
        entries[0]!.untracked = end !== undefined && Date.now() < end ? 'before_end' : 'maybe_after_end';
      },
    });
  }
}

async function trackOnce(world: World, follow: Omit<Follow, 'jobid' | 'outcome'>, jobid: string): Promise<void> {
  const handle = await world.track(follow.user, jobid, { channelId: follow.channelId, guildId: follow.guildId, dm: follow.dm });
  if (!/Tracking|already tracking|already finished/.test(handle.text())) throw new Error(`track: ${handle.text()}`);
}

/** Runs the actions in order while the bot is up; those cut short by a kill are returned, to be run again. */
async function runActions(world: World, actions: Action[]): Promise<Action[]> {
  for (let i = 0; i < actions.length; i++) {
    try {
      await actions[i]!.run(world);
    } catch {
      return actions.slice(i);
    }
  }
  return [];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
