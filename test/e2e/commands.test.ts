import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { ALICE, BOB, CHANNEL, GUILD, OTHER_CHANNEL, World } from './world';

let world: World;
beforeEach(async () => {
  world = await World.start({ env: { MAX_ACTIVE_JOBS_PER_USER: '2' } });
});
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

/** A job that stays running for the whole test. */
function longJob(): string {
  const jobid = makeJobId();
  world.useapi.addJob({ jobid, steps: [{ afterMs: 0, status: 'progress', progress: 5 }, { afterMs: 60_000, status: 'completed' }] });
  return jobid;
}

describe('commands', () => {
  it('the same person tracking the same job twice gets one subscription and one message', async () => {
    const jobid = longJob();
    await world.track(ALICE, jobid);
    await world.trackingMessage(ALICE.id, jobid);
    const again = await world.track(ALICE, jobid, { channelId: OTHER_CHANNEL });
    expect(again.ephemeral()).toBe(true);
    expect(again.text()).toMatch(/already tracking .*https:\/\/discord\.com\/channels\//);
    await world.deliveryIdle();
    expect(world.db.$client.prepare('select count(*) as n from subscriptions').get()).toEqual({ n: 1 });
    expect(world.discord.channelMessages(OTHER_CHANNEL)).toHaveLength(0);
  });

  it('answers clearly when the per-person cap is reached, and stores nothing', async () => {
    const [a, b, c] = [longJob(), longJob(), longJob()];
    await world.track(ALICE, a);
    await world.track(ALICE, b);
    const refused = await world.track(ALICE, c);
    expect(refused.ephemeral()).toBe(true);
    expect(refused.text()).toMatch(/already following 2 jobs/);
    expect(world.subscription(ALICE.id, c)).toBeUndefined();
    // The cap is per person.
    const bob = await world.track(BOB, c);
    expect(bob.text()).toMatch(/\nTracking Midjourney/);
  });

  it('refuses a job of another useapi account without asking useapi', async () => {
    const foreign = makeJobId({ user: 99999 });
    const reply = await world.track(ALICE, foreign);
    expect(reply.text()).toMatch(/different useapi\.net account/);
    // Nothing stored means nothing for the poller to read, however long it runs.
    expect(world.db.$client.prepare('select count(*) as n from jobs').get()).toEqual({ n: 0 });
    await world.pollerCatchesUp();
    expect(world.useapi.requests).toHaveLength(0);
  });

  it('refuses a channel where the bot cannot post', async () => {
    const jobid = longJob();
    const handle = world.discord.slashCommand({
      name: 'track',
      options: [{ name: 'jobid', type: 3, value: jobid }],
      user: ALICE,
      guildId: GUILD,
      channelId: CHANNEL,
      appPermissions: String(1n << 10n), // View Channel only
    });
    await handle.waitForResponse();
    expect(handle.text()).toMatch(/cannot post in this channel/);
    expect(world.subscription(ALICE.id, jobid)).toBeUndefined();
  });

  it('/untrack stops following (autocompleted), polling stops when nobody follows', async () => {
    const jobid = longJob();
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /5%/);

    const suggestions = world.discord.autocomplete({ name: 'untrack', options: [{ name: 'jobid', type: 3, value: jobid.slice(0, 8), focused: true }], user: ALICE, guildId: GUILD, channelId: CHANNEL });
    const choices = await suggestions.waitForResponse();
    expect((choices.body as { choices: Array<{ value: string }> }).choices.map((c) => c.value)).toEqual([jobid]);

    const handle = world.discord.slashCommand({ name: 'untrack', options: [{ name: 'jobid', type: 3, value: jobid }], user: ALICE, guildId: GUILD, channelId: CHANNEL });
    await handle.waitForResponse();
    expect(handle.text()).toMatch(/Stopped tracking/);
    expect(world.subscription(ALICE.id, jobid)?.state).toBe('untracked');
    await world.pollerCatchesUp(1);
    const reads = world.useapi.jobReads(jobid);
    await world.pollerCatchesUp();
    expect(world.useapi.jobReads(jobid)).toBe(reads);

    const again = world.discord.slashCommand({ name: 'untrack', options: [{ name: 'jobid', type: 3, value: jobid }], user: ALICE, guildId: GUILD, channelId: CHANNEL });
    await again.waitForResponse();
    expect(again.text()).toMatch(/not tracking that job/);
  });

  it('/jobs lists the person\'s jobs with status and a link, and only theirs', async () => {
    const mine = world.addJob('completed');
    const theirs = longJob();
    await world.track(ALICE, mine);
    await world.track(BOB, theirs);
    await world.messageShows(ALICE.id, mine, /Completed/);
    const handle = world.discord.slashCommand({ name: 'jobs', user: ALICE, guildId: GUILD, channelId: CHANNEL });
    await handle.waitForResponse();
    expect(handle.ephemeral()).toBe(true);
    expect(handle.text()).toContain(mine);
    expect(handle.text()).toContain('Completed');
    expect(handle.text()).not.toContain(theirs);
  });

  it('tracking from a DM with the bot keeps the message in that DM', async () => {
    const jobid = world.addJob('completed');
    const handle = world.discord.slashCommand({ name: 'track', options: [{ name: 'jobid', type: 3, value: jobid }, { name: 'dm', type: 5, value: false }], user: ALICE });
    await handle.waitForResponse();
    const dmChannel = world.subscription(ALICE.id, jobid)?.channelId;
    expect(dmChannel).toBeDefined();
    await world.messageShows(ALICE.id, jobid, /Completed/, dmChannel);
    expect(world.subscription(ALICE.id, jobid)?.guildId).toBeNull();
  });
});
