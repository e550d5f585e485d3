import { afterEach, describe, expect, it } from 'vitest';
import { makeJobId, timeline } from '../../src/playground/useapi';
import { ALICE, CHANNEL, messageText, World } from './world';

let world: World;
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

describe('faults around the bot, end to end', () => {
  it('a restart mid-job on the same database finishes the same message, with one DM in all', async () => {
    world = await World.start();
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'started' },
        { afterMs: 100, status: 'progress', progress: 20 },
        { afterMs: 1200, status: 'progress', progress: 70 },
        { afterMs: 1500, status: 'completed' },
      ],
    });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /20%/);
    await world.stopBot();
    await world.startBot();
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.dmsArrive(ALICE.id, 1);
    await world.deliveryIdle();
    expect(world.subscription(ALICE.id, jobid)?.messageId).toBe(message.id);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  });

  it('DMs closed: recorded once, not retried, and the channel message still completes', async () => {
    world = await World.start();
    world.discord.closeDms(ALICE.id);
    const jobid = world.addJob('completed');
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.discord.waitFor(() => world.outboxFor(ALICE.id).some((o) => o.state === 'failed'), 3000, 'the DM to be given up');
    await world.deliveryIdle();
    const dmAttempts = world.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${world.discord.dmChannelOf(ALICE.id)}/messages`);
    expect(dmAttempts).toHaveLength(1);
    expect(world.outboxFor(ALICE.id)).toMatchObject([{ kind: 'result_dm', state: 'failed', lastError: 'dms_closed', attempts: 1 }]);
  });

  it('tracking message deleted: editing stops and the person hears by DM, result included', async () => {
    world = await World.start();
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'progress', progress: 10 },
        { afterMs: 400, status: 'progress', progress: 60 },
        { afterMs: 700, status: 'completed' },
      ],
    });
    await world.track(ALICE, jobid, { dm: false });
    const message = await world.trackingMessage(ALICE.id, jobid);
    world.discord.deleteMessage(CHANNEL, message.id);
    const dms = await world.dmsArrive(ALICE.id, 2);
    expect(messageText(dms[0]!.data)).toMatch(/deleted/);
    expect(messageText(dms[1]!.data)).toMatch(/done/i);
    expect(world.subscription(ALICE.id, jobid)).toMatchObject({ state: 'lost', lostReason: 'deleted' });
    // Edited through the /track interaction's token (its @original) or the channel: one try either way.
    const editsAfterDelete = world.discord.requests.filter((r) => r.method === 'PATCH' && (r.path.endsWith(message.id) || r.path.endsWith('/@original')) && r.status === 404);
    expect(editsAfterDelete).toHaveLength(1);
  });

  it('access to the channel lost: the person is told by DM', async () => {
    world = await World.start();
    const jobid = world.addSteppedJob();
    const reply = await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /10%/);
    // The interaction's token edits the message without the channel's permissions; once it is gone, the channel route finds no access.
    world.discord.revokeAccess(CHANNEL, 50013);
    world.discord.expireInteraction(reply.id);
    const dms = await world.dmsArrive(ALICE.id, 2);
    expect(messageText(dms[0]!.data)).toMatch(/access/);
    expect(world.subscription(ALICE.id, jobid)).toMatchObject({ state: 'lost', lostReason: 'no_access' });
  });

  it('every Discord REST call failing while six jobs end: afterwards each DM is sent once and each message is final', async () => {
    // Short backoff so that more tries than the old limit (8) fit in a couple of seconds.
    world = await World.start({ env: { DISCORD_RETRY_BASE_MS: '20', DISCORD_RETRY_MAX_MS: '200' } });
    const people = Array.from({ length: 6 }, (_, i) => ({ id: `80000000000000010${i}`, username: `person${i}` }));
    const jobids = people.map(() => {
      const jobid = makeJobId();
      // The jobs end a few seconds from now, inside the outage.
      world.useapi.addJob({ jobid, steps: timeline({ queueMs: 100, runMs: 4000, stepMs: 500, outcome: 'completed' }) });
      return jobid;
    });
    for (const [i, person] of people.entries()) await world.track(person, jobids[i]!);
    for (const [i, person] of people.entries()) await world.trackingMessage(person.id, jobids[i]!);

    world.discord.failNext('*', 502, Infinity);
    await world.discord.waitFor(
      () => people.every((p) => world.outboxFor(p.id).some((o) => o.state === 'pending' && o.attempts > 8)),
      15_000,
      'every result DM to have been refused more than 8 times',
    );
    world.discord.clearFailures();

    for (const [i, person] of people.entries()) await world.messageShows(person.id, jobids[i]!, /Completed/);
    await world.discord.waitFor(() => people.every((p) => world.outboxFor(p.id).every((o) => o.state === 'sent')), 5000, 'every DM to be sent');
    for (const person of people) {
      expect(world.outboxFor(person.id)).toHaveLength(1);
      expect(world.discord.dmsTo(person.id)).toHaveLength(1);
    }
  });

  it('Discord 5xx on an edit is retried later and the message still finishes', async () => {
    world = await World.start();
    const jobid = world.addJob('completed');
    world.discord.failNext('PATCH /webhooks/:id/:token/messages/@original', 502, 4);
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/, CHANNEL, 8000);
    await world.dmsArrive(ALICE.id, 1);
  });

  it('an edit Discord refuses (400) is skipped, not retried in a loop, and later states still go out', async () => {
    world = await World.start();
    const jobid = world.addJob('completed');
    await world.track(ALICE, jobid);
    await world.trackingMessage(ALICE.id, jobid);
    world.discord.failNext('PATCH /webhooks/:id/:token/messages/@original', 400, 1, { code: 50035, message: 'Invalid Form Body' });
    await world.messageShows(ALICE.id, jobid, /Completed/);
    const refused = world.discord.requests.filter((r) => r.path.endsWith('/@original') && r.status === 400);
    expect(refused).toHaveLength(1);
  });

  it('a tracking message Discord refuses to create leaves the subscription aside instead of looping', async () => {
    world = await World.start();
    const jobid = world.addJob('completed');
    // Without a /track reply (it failed), delivery posts the message itself: Discord refuses that too.
    world.discord.failNext('POST /channels/:id/messages', 400, 1, { code: 50035, message: 'Invalid Form Body' });
    world.trackWithFailedReply(ALICE, jobid, { dm: false });
    await world.discord.waitFor(() => world.subscription(ALICE.id, jobid)?.state === 'lost', 3000, 'the subscription to be set aside');
    expect(world.subscription(ALICE.id, jobid)).toMatchObject({ lostReason: 'rejected', messageId: null });
    // The job goes on changing until it ends; a message set aside must not be tried again for it.
    const terminal = world.db.$client.prepare('select terminal from jobs where job_id = ?');
    await world.discord.waitFor(() => (terminal.get(jobid) as { terminal: number }).terminal === 1, 5000, 'the job to end');
    await world.deliveryIdle();
    expect(world.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL}/messages`)).toHaveLength(1);
  });
});
