import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { ADMIN, ALICE, BOB, CHANNEL, messageText, OTHER_CHANNEL, quickTimeline, World } from './world';

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
    // The answer to /track is the tracking message itself, for everyone in the channel.
    expect(reply.ephemeral()).toBe(false);
    expect(reply.text()).toContain('useapi.net');

    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(message.id).toBe(reply.responses[0]!.messageId);
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
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    // Brought up to date through the interaction's own token: nothing queued in the channel's bucket.
    const toChannel = world.discord.requests.filter((r) => r.path.startsWith(`/channels/${CHANNEL}/`));
    expect(toChannel).toEqual([]);
    expect(world.discord.requests.filter((r) => r.route === 'PATCH /webhooks/:id/:token/messages/@original').length).toBeGreaterThan(1);
  });

  it('once the interaction token no longer works, the same message is edited through the channel', async () => {
    const jobid = world.addSteppedJob();
    const reply = await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /10%/);
    world.discord.expireInteraction(reply.id);

    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(message.id).toBe(reply.responses[0]!.messageId);
    const statuses = (route: string) => world.discord.requests.filter((r) => r.route === route).map((r) => r.status);
    expect(statuses('PATCH /webhooks/:id/:token/messages/@original')).toContain(401);
    expect(statuses('PATCH /channels/:id/messages/:id').filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    await world.dmsArrive(ALICE.id, 1);
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  });

  it('when the /track reply fails, delivery posts the tracking message in the channel instead', async () => {
    const jobid = world.addJob('completed');
    world.trackWithFailedReply(ALICE, jobid);

    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(world.discord.requests.some((r) => r.route === 'POST /channels/:id/messages' && r.path === `/channels/${CHANNEL}/messages` && r.status === 200)).toBe(true);
    await world.dmsArrive(ALICE.id, 1);
    await world.deliveryIdle();
    expect(world.discord.channelMessages(CHANNEL).map((m) => m.id)).toEqual([message.id]);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  });

  it('refuses an invalid id with an ephemeral answer, storing nothing and asking useapi nothing', async () => {
    const reply = await world.track(ALICE, 'not-a-job-id');
    expect(reply.ephemeral()).toBe(true);
    expect(reply.text()).toMatch(/does not look like a useapi\.net Midjourney v3, .* job id/);
    const v2 = await world.track(ALICE, 'job:20250822143812123-user:12345-channel:1122334455667788990-bot:midjourney');
    expect(v2.text()).toMatch(/v2/);
    // Nothing stored means nothing for the poller to read, however long it runs.
    expect(world.db.$client.prepare('select count(*) as n from jobs').get()).toEqual({ n: 0 });
    await world.pollerCatchesUp();
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

describe('/track of a job that has ended', () => {
  /** The one result DM a person is owed, sent, and the only DM they got. */
  async function exactlyOneResultDm(userId: string) {
    const dms = await world.dmsArrive(userId, 1);
    await world.discord.waitFor(() => world.outboxFor(userId).every((row) => row.state === 'sent'), 3000, 'outbox sent');
    expect(world.outboxFor(userId).map((row) => row.kind)).toEqual(['result_dm']);
    expect(world.discord.dmsTo(userId)).toHaveLength(1);
    return dms[0]!;
  }

  it('ended upstream: the result at once in a new message, and the promised DM (none with dm:false)', async () => {
    const jobid = world.addJob('completed');
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await exactlyOneResultDm(ALICE.id);

    const reply = await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });
    expect(reply.text()).toMatch(/It had already ended/);
    const message = await world.messageShows(BOB.id, jobid, /Completed/, OTHER_CHANNEL);
    expect(message.id).toBe(reply.responses[0]!.messageId);
    expect(message.versions).toHaveLength(1);
    expect(messageText((await exactlyOneResultDm(BOB.id)).data)).toMatch(/done/i);

    const quiet = await world.track(ADMIN, jobid, { dm: false });
    expect(quiet.text()).toMatch(/It had already ended/);
    await world.messageShows(ADMIN.id, jobid, /Completed/);
    expect(world.outboxFor(ADMIN.id)).toEqual([]);

    const again = await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });
    expect(again.text()).toMatch(/already finished: https:\/\/discord\.com\/channels\//);
    expect(world.outboxFor(BOB.id)).toHaveLength(1);
  });

  it('not found: /track again starts afresh — a new message follows it to the end, one DM; other followers see it too', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, gone: 404, steps: [] });
    await world.track(ALICE, jobid);
    await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });
    const first = await world.messageShows(ALICE.id, jobid, /not found \(404\)/i);
    const bobs = await world.messageShows(BOB.id, jobid, /not found \(404\)/i, OTHER_CHANNEL);
    await world.discord.waitFor(() => world.subscription(BOB.id, jobid)?.state === 'done', 3000, "Bob's message final");

    // The id was right after all: useapi knows the job now.
    world.useapi.addJob({ jobid, steps: quickTimeline('completed') });
    const reply = await world.track(ALICE, jobid);
    expect(reply.text()).toMatch(/Following it again: I had stopped \(not found\)/);

    await world.discord.waitFor(() => {
      const id = world.subscription(ALICE.id, jobid)?.messageId;
      return id !== null && id !== undefined && id !== first.id;
    }, 3000, 'a new tracking message');
    const second = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(second.id).not.toBe(first.id);
    expect(messageText(first.data)).toMatch(/not found \(404\)/i);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(2);
    await exactlyOneResultDm(ALICE.id);

    // Bob's message, which said "not found", now tells the truth, and Bob gets the DM he asked for.
    await world.discord.waitFor(() => /Completed/.test(messageText(bobs.data)), 5000, "Bob's message to show the result");
    expect(world.discord.channelMessages(OTHER_CHANNEL)).toHaveLength(1);
    await exactlyOneResultDm(BOB.id);
  });

  it('expired (410): final; a second /track says so and changes nothing', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, gone: 410, steps: [] });
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /expired \(410\)/i);
    const reply = await world.track(BOB, jobid);
    expect(reply.text()).toMatch(/has expired/);
    expect(world.subscription(BOB.id, jobid)).toBeUndefined();
    expect(world.useapi.jobReads(jobid)).toBe(1);
  });

  it('tracking again after /untrack posts a new message (a fresh nonce), not the old one', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, steps: [{ afterMs: 0, status: 'started' }] });
    await world.track(ALICE, jobid);
    const first = await world.trackingMessage(ALICE.id, jobid);
    await world.command('untrack', [{ name: 'jobid', type: 3, value: jobid }], { user: ALICE });
    await world.track(ALICE, jobid);
    await world.discord.waitFor(() => {
      const id = world.subscription(ALICE.id, jobid)?.messageId;
      return id !== null && id !== undefined && id !== first.id;
    }, 3000, 'a new tracking message');
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(2);
  });
});
