import { afterEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { kill, startBotProcess, type BotProcess } from './botProcess';
import { ALICE, BOB, CHANNEL, OTHER_CHANNEL, sleep, World } from './world';

let world: World;
let child: BotProcess | null = null;

afterEach(async () => {
  child?.proc.kill('SIGKILL');
  world.discord.assertClean();
  await world.close();
});

describe('crash safety of the real process', () => {
  it('SIGKILL at random moments loses nothing and repeats nothing', async () => {
    world = await World.start({ inProcess: false });
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'progress', progress: 10 },
        { afterMs: 1500, status: 'progress', progress: 50 },
        { afterMs: 3000, status: 'completed' },
      ],
    });
    child = await startBotProcess(world.env);
    await world.track(ALICE, jobid);
    await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });

    // Kill the bot a few times while the job runs and ends, at moments the test does not choose.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await sleep(100 + Math.random() * 700);
      await kill(child, 'SIGKILL');
      child = await startBotProcess(world.env);
    }
    await world.discord.waitFor(() => world.discord.dmsTo(ALICE.id).length >= 1 && world.discord.dmsTo(BOB.id).length >= 1, 10_000, 'both DMs');
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.messageShows(BOB.id, jobid, /Completed/, OTHER_CHANNEL);
    await world.deliveryIdle();
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.discord.channelMessages(OTHER_CHANNEL)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.dmsTo(BOB.id)).toHaveLength(1);

    // SIGTERM stops it cleanly.
    expect(await kill(child, 'SIGTERM')).toBe(0);
    child = null;
  }, 60_000);

  it('a SIGKILL at track_answered where the bot may not read the channel: a second message rather than none', async () => {
    world = await World.start({ inProcess: false });
    const jobid = world.addJob('completed');
    child = await startBotProcess({ ...world.env, TRACKER_CRASH_AT: 'track_answered:1' });
    await world.track(ALICE, jobid);
    expect(await child.exited).toBeNull();
    // Without Read Message History the answer cannot be found again: delivery posts the message itself.
    world.discord.failNext('GET /channels/:id/messages', 403, 1, { message: 'Missing Access', code: 50001 });

    child = await startBotProcess(world.env);
    await world.dmsArrive(ALICE.id, 1);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.deliveryIdle();
    expect(world.subscription(ALICE.id, jobid)).toMatchObject({ state: 'done', messageId: message.id });
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(2);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  }, 30_000);

  // Each kill lands in a window where Discord has done something the database does not know yet.
  it.each([
    ['message_created', 'between posting the tracking message (the /track reply failed) and storing its id'],
    ['track_answered', 'between the /track answer (the tracking message) and storing its id'],
    ['outbox_sent', 'between sending the DM and marking it sent'],
    ['poll_transaction', "inside the poller's transaction"],
  ])('a SIGKILL at %s (%s) loses nothing and repeats nothing', async (point) => {
    world = await World.start({ inProcess: false });
    const jobid = world.addJob('completed');
    child = await startBotProcess({ ...world.env, TRACKER_CRASH_AT: `${point}:1` });
    // Delivery posts the message (and can crash doing it) only where the /track reply failed.
    if (point === 'message_created') world.trackWithFailedReply(ALICE, jobid);
    else await world.track(ALICE, jobid);
    expect(await child.exited).toBeNull();
    expect(child.stderr()).toContain(`crash_point ${point}`);

    child = await startBotProcess(world.env);
    await world.dmsArrive(ALICE.id, 1);
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.deliveryIdle();
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  }, 30_000);
});
