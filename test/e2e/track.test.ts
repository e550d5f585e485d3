import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, CHANNEL, messageText, OTHER_CHANNEL, sleep, World } from './world';

let world: World;
beforeEach(async () => {
  world = await World.start();
});
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

const linkButtons = (data: { components: unknown[] }) =>
  (data.components as Array<{ components: Array<{ style: number; url?: string; label?: string }> }>)
    .flatMap((row) => row.components)
    .filter((b) => b.style === 5);

describe('/track, end to end', () => {
  it('follows a job to completion: one message, four image links and the grid, exactly one DM', async () => {
    const jobid = world.addJob('completed', { prompt: '**a lighthouse** <@123> at dusk --ar 16:9' });
    const reply = await world.track(ALICE, jobid);
    expect(reply.ephemeral()).toBe(true);
    expect(reply.text()).toContain('Tracking');

    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    const embed = message.data.embeds[0] as { image?: { url: string }; description?: string };
    expect(embed.image?.url).toMatch(/^https:\/\//);
    expect(embed.description).toContain('a lighthouse');
    expect(embed.description).not.toContain('<@123>');
    const imageLinks = linkButtons(message.data).filter((b) => b.url?.includes('cdn.midjourney.com'));
    expect(imageLinks).toHaveLength(4);

    // It went through intermediate states, and never back.
    const texts = message.versions.map((v) => messageText(v));
    expect(texts.some((t) => /Rendering|%/.test(t))).toBe(true);

    const dms = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dms[0]!.data)).toMatch(/done/i);
    await sleep(300);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('refuses an invalid id with an ephemeral answer, storing nothing and asking useapi nothing', async () => {
    const reply = await world.track(ALICE, 'not-a-job-id');
    expect(reply.ephemeral()).toBe(true);
    expect(reply.text()).toMatch(/does not look like a useapi\.net Midjourney v3 job id/);
    const v2 = await world.track(ALICE, 'job:20250822143812123-user:12345-channel:1122334455667788990-bot:midjourney');
    expect(v2.text()).toMatch(/v2/);
    await sleep(200);
    expect(world.useapi.requests).toHaveLength(0);
    expect(world.subscription(ALICE.id, 'not-a-job-id')).toBeUndefined();
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(0);
  });

  it('one job followed by two people: one upstream read per poll, two messages, two DMs', async () => {
    const jobid = world.addJob('completed');
    await world.track(ALICE, jobid);
    await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.messageShows(BOB.id, jobid, /Completed/, OTHER_CHANNEL);
    await world.dmsArrive(ALICE.id, 1);
    await world.dmsArrive(BOB.id, 1);

    const reads = world.useapi.requests.filter((r) => r.jobid === jobid).map((r) => r.time);
    // Never two reads of the same job at (nearly) the same moment: one read serves both people.
    const gaps = reads.slice(1).map((t, i) => t - reads[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(30);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.dmsTo(BOB.id)).toHaveLength(1);
  });
});
