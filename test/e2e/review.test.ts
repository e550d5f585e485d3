import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../src/playground/discord';
import { makeJobId, REFUSED_DETAILS, refusedStep } from '../../src/playground/useapi';
import {
  ADMIN,
  ADMIN_B,
  ALICE,
  BOB,
  CHANNEL_B,
  GUILD,
  GUILD_B,
  MEMBER,
  messageText,
  OTHER_CHANNEL,
  REVIEW_CHANNEL,
  REVIEW_CHANNEL_B,
  World,
} from './world';

let world: World;
beforeEach(async () => {
  world = await World.start({ env: { OWNER_USER_IDS: '800000000000000077' } });
  await world.configure(GUILD, [{ name: 'review_channel', type: 7, value: REVIEW_CHANNEL }]);
});
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

const reviewPosts = (channelId = REVIEW_CHANNEL) =>
  world.discord.channelMessages(channelId).filter((m) => /Moderated prompt/.test(messageText(m.data)));

async function moderatedJobReviewed(user = ALICE, opts: { guildId?: string; channelId?: string; reviewChannel?: string } = {}): Promise<{ jobid: string; post: FakeMessage }> {
  const jobid = world.addJob('moderated', { prompt: 'something Midjourney refuses' });
  await world.track(user, jobid, { guildId: opts.guildId, channelId: opts.channelId });
  const reviewChannel = opts.reviewChannel ?? REVIEW_CHANNEL;
  await world.discord.waitFor(() => reviewPosts(reviewChannel).some((m) => messageText(m.data).includes(jobid)), 5000, 'the review post');
  return { jobid, post: reviewPosts(reviewChannel).find((m) => messageText(m.data).includes(jobid))! };
}

const buttonId = (post: FakeMessage, action: string) =>
  (post.data.components as Array<{ components: Array<{ custom_id?: string }> }>)
    .flatMap((r) => r.components)
    .map((b) => b.custom_id)
    .find((id) => id?.endsWith(`:${action}`))!;

function click(post: FakeMessage, action: string, as: { user: { id: string; username: string }; memberPermissions?: string; roles?: string[]; guildId?: string }) {
  return world.discord.clickButton({
    customId: buttonId(post, action),
    messageId: post.id,
    channelId: post.channelId,
    guildId: as.guildId ?? GUILD,
    user: as.user,
    memberPermissions: as.memberPermissions ?? String(1n << 5n),
    roles: as.roles,
  });
}

describe('review queue, end to end', () => {
  it('a moderated job makes exactly one review post, with who, what and why, even across a restart', async () => {
    const { jobid, post } = await moderatedJobReviewed();
    const text = messageText(post.data);
    expect(text).toContain(`<@${ALICE.id}>`);
    expect(text).toContain('something Midjourney refuses');
    expect(text).toContain('Action needed to continue');
    expect(text).toContain(jobid);
    await world.stopBot();
    await world.startBot();
    await world.pollerCatchesUp();
    await world.deliveryIdle();
    expect(reviewPosts()).toHaveLength(1);
    expect(world.db.$client.prepare('select count(*) as n from reviews').get()).toEqual({ n: 1 });
  });

  it('Dismiss by an admin records who and when, and disables the buttons', async () => {
    const { post } = await moderatedJobReviewed();
    const handle = click(post, 'dismiss', { user: ADMIN });
    const response = await handle.waitForResponse();
    expect(response.type).toBe(7);
    await world.discord.waitFor(() => /Dismissed/.test(messageText(post.data)), 2000, 'the post to show the outcome');
    expect(messageText(post.data)).toContain(`<@${ADMIN.id}>`);
    const buttons = (post.data.components as Array<{ components: Array<{ disabled?: boolean }> }>).flatMap((r) => r.components);
    expect(buttons.every((b) => b.disabled)).toBe(true);
    expect(world.db.$client.prepare('select status, acted_by as actedBy from reviews').get()).toEqual({ status: 'dismissed', actedBy: ADMIN.id });
  });

  it('Warn DMs the person a fixed notice, once', async () => {
    const { post } = await moderatedJobReviewed();
    await world.dmsArrive(ALICE.id, 1); // the result of the job itself
    await click(post, 'warn', { user: ADMIN }).waitForResponse();
    await world.dmsArrive(ALICE.id, 2);
    await world.deliveryIdle();
    const notices = world.discord.dmsTo(ALICE.id).filter((m) => /note from the admins/.test(messageText(m.data)));
    expect(notices).toHaveLength(1);
    expect(messageText(notices[0]!.data)).toMatch(/moderation/i);
    expect(messageText(notices[0]!.data)).not.toContain('something Midjourney refuses');
  });

  it('Block stops the person tracking in this server until unblocked in /tracker-settings', async () => {
    const { post } = await moderatedJobReviewed();
    await click(post, 'block', { user: ADMIN }).waitForResponse();
    const refused = await world.track(ALICE, world.addJob('completed'));
    expect(refused.text()).toMatch(/blocked you/);
    expect(refused.ephemeral()).toBe(true);

    const blocks = await world.command('tracker-settings', [{ name: 'blocks', type: 1 }], { user: ADMIN });
    expect(blocks.text()).toContain(`<@${ALICE.id}>`);
    const lifted = await world.command('tracker-settings', [{ name: 'unblock', type: 1, options: [{ name: 'user', type: 6, value: ALICE.id }] }], { user: ADMIN });
    expect(lifted.text()).toMatch(/may use \/track here again/);
    const allowed = await world.track(ALICE, world.addJob('completed'));
    expect(allowed.text()).toMatch(/\nTracking Midjourney/);
  });

  it('refuses the same clicks, /review and /tracker-settings to a non-admin, and changes nothing', async () => {
    const { post } = await moderatedJobReviewed();
    for (const action of ['dismiss', 'warn', 'block']) {
      const handle = click(post, action, { user: BOB, memberPermissions: MEMBER });
      await handle.waitForResponse();
      expect(handle.ephemeral()).toBe(true);
      expect(handle.text()).toMatch(/Only members with \*\*Manage Server\*\*/);
    }
    const list = await world.command('review', [{ name: 'list', type: 1 }], { user: BOB, memberPermissions: MEMBER });
    expect(list.text()).toMatch(/Only members/);
    const settings = await world.command('tracker-settings', [{ name: 'show', type: 1 }], { user: BOB, memberPermissions: MEMBER });
    expect(settings.text()).toMatch(/Only members/);
    expect(world.db.$client.prepare('select status from reviews').get()).toEqual({ status: 'pending' });
    expect(world.db.$client.prepare('select count(*) as n from blocks').get()).toEqual({ n: 0 });
  });

  it('the admin role may review too', async () => {
    const ROLE = '700000000000000001';
    await world.configure(GUILD, [{ name: 'admin_role', type: 8, value: ROLE }]);
    const { post } = await moderatedJobReviewed();
    const handle = click(post, 'dismiss', { user: BOB, memberPermissions: MEMBER, roles: [ROLE] });
    expect((await handle.waitForResponse()).type).toBe(7);
  });

  it('two admins clicking at once: one action wins, the other is told', async () => {
    const { post } = await moderatedJobReviewed();
    const first = click(post, 'warn', { user: ADMIN });
    const second = click(post, 'block', { user: { id: '800000000000000010', username: 'admin2' } });
    await Promise.all([first.waitForResponse(), second.waitForResponse()]);
    const types = [first, second].map((h) => h.responses[0]!.type).sort();
    expect(types).toEqual([4, 7]);
    const loser = [first, second].find((h) => h.responses[0]!.type === 4)!;
    expect(loser.text()).toMatch(/Already handled/);
    const { status } = world.db.$client.prepare('select status from reviews').get() as { status: string };
    expect(['warned', 'blocked']).toContain(status);
    expect(world.db.$client.prepare('select count(*) as n from blocks').get()).toEqual({ n: status === 'blocked' ? 1 : 0 });
  });

  it('a click after a restart works (routed by custom_id)', async () => {
    const { post } = await moderatedJobReviewed();
    await world.stopBot();
    await world.startBot();
    const handle = click(post, 'dismiss', { user: ADMIN });
    expect((await handle.waitForResponse()).type).toBe(7);
    expect(world.db.$client.prepare('select status from reviews').get()).toEqual({ status: 'dismissed' });
  });

  it('/review list and show page through this server\'s queue with history', async () => {
    const { jobid, post } = await moderatedJobReviewed();
    await click(post, 'dismiss', { user: ADMIN }).waitForResponse();
    const pending = await world.command('review', [{ name: 'list', type: 1 }], { user: ADMIN });
    expect(pending.text()).not.toContain(jobid);
    const all = await world.command('review', [{ name: 'list', type: 1, options: [{ name: 'status', type: 3, value: 'all' }] }], { user: ADMIN });
    expect(all.text()).toContain(jobid);
    const shown = await world.command('review', [{ name: 'show', type: 1, options: [{ name: 'jobid', type: 3, value: jobid }] }], { user: ADMIN });
    expect(shown.text()).toMatch(/Dismissed/);
    expect(shown.text()).toContain(`<@${ADMIN.id}>`);
  });

  it('/review list pages with its buttons, 10 a page', async () => {
    const ids = Array.from({ length: 11 }, () => world.addJob('moderated'));
    for (const jobid of ids) await world.track(ALICE, jobid);
    await world.discord.waitFor(() => (world.db.$client.prepare('select count(*) as n from reviews').get() as { n: number }).n === 11, 8000, '11 reviews');
    const list = await world.command('review', [{ name: 'list', type: 1 }], { user: ADMIN });
    expect(list.text()).toMatch(/Page 1 of 2/);
    const message = list.original()!;
    const next = (message.data.components as Array<{ components: Array<{ custom_id: string; disabled?: boolean }> }>)
      .flatMap((r) => r.components)
      .find((b) => b.custom_id === 'reviews:pending:2' && !b.disabled)!;
    const page2 = world.discord.clickButton({ customId: next.custom_id, messageId: message.id, channelId: message.channelId, guildId: GUILD, user: ADMIN, memberPermissions: String(1n << 5n) });
    expect((await page2.waitForResponse()).type).toBe(7);
    await world.discord.waitFor(() => /Page 2 of 2/.test(messageText(world.discord.message(message.channelId, message.id)!.data)), 2000, 'page 2');
    // The oldest review is alone on page 2.
    const oldest = world.db.$client.prepare('select job_id as jobId from reviews order by created_at, id limit 1').get() as { jobId: string };
    expect(messageText(world.discord.message(message.channelId, message.id)!.data)).toContain(oldest.jobId);
  });

  it('servers are sealed from each other; a job tracked from a DM belongs to no queue', async () => {
    await world.configure(GUILD_B, [{ name: 'review_channel', type: 7, value: REVIEW_CHANNEL_B }], ADMIN_B);
    const { jobid: inA } = await moderatedJobReviewed(ALICE);
    const { jobid: inB } = await moderatedJobReviewed(BOB, { guildId: GUILD_B, channelId: CHANNEL_B, reviewChannel: REVIEW_CHANNEL_B });
    expect(reviewPosts(REVIEW_CHANNEL).map((m) => messageText(m.data)).join()).not.toContain(inB);
    expect(reviewPosts(REVIEW_CHANNEL_B).map((m) => messageText(m.data)).join()).not.toContain(inA);

    const listB = await world.command('review', [{ name: 'list', type: 1, options: [{ name: 'status', type: 3, value: 'all' }] }], { user: ADMIN_B, guildId: GUILD_B, channelId: CHANNEL_B });
    expect(listB.text()).toContain(inB);
    expect(listB.text()).not.toContain(inA);
    const showA = await world.command('review', [{ name: 'show', type: 1, options: [{ name: 'jobid', type: 3, value: inA }] }], { user: ADMIN_B, guildId: GUILD_B, channelId: CHANNEL_B });
    expect(showA.text()).toMatch(/No moderated job/);

    const fromDm = world.addJob('moderated');
    await world.track(ALICE, fromDm, { guildId: null });
    await world.discord.waitFor(() => world.subscription(ALICE.id, fromDm)?.state === 'done', 5000, 'the DM-tracked job to end');
    expect(world.db.$client.prepare('select count(*) as n from reviews where job_id = ?').get(fromDm)).toEqual({ n: 0 });
  });

  it('without a review channel the queue still fills and /review still works', async () => {
    const jobid = world.addJob('moderated');
    await world.track(BOB, jobid, { guildId: GUILD_B, channelId: CHANNEL_B });
    await world.discord.waitFor(() => world.subscription(BOB.id, jobid)?.state === 'done', 5000, 'the job to end');
    const list = await world.command('review', [{ name: 'list', type: 1 }], { user: ADMIN_B, guildId: GUILD_B, channelId: CHANNEL_B });
    expect(list.text()).toContain(jobid);
    expect(world.discord.channelMessages(REVIEW_CHANNEL_B)).toHaveLength(0);
  });
});

describe('server settings, end to end', () => {
  it('the server\'s cap and DM default apply to /track there, and show in /tracker-settings show', async () => {
    await world.configure(GUILD, [
      { name: 'max_jobs', type: 4, value: 1 },
      { name: 'dm_default', type: 5, value: false },
    ]);
    const shown = await world.command('tracker-settings', [{ name: 'show', type: 1 }], { user: ADMIN });
    expect(shown.text()).toContain(`<#${REVIEW_CHANNEL}>`);
    const first = world.addJob('completed');
    expect((await world.track(ALICE, first)).text()).toMatch(/\nTracking Midjourney .* on useapi\.net\./);
    const refused = await world.track(ALICE, world.addJob('completed'));
    expect(refused.text()).toMatch(/already following 1 jobs .* in this server/);
    await world.messageShows(ALICE.id, first, /Completed/);
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(0);

    await world.command('tracker-settings', [{ name: 'clear', type: 1, options: [{ name: 'setting', type: 3, value: 'dm_default' }] }], { user: ADMIN });
    const second = world.addJob('completed');
    await world.track(ALICE, second);
    await world.dmsArrive(ALICE.id, 1);
  });
});

describe('review posts that cannot go out, end to end', () => {
  it('set review_channel to a channel the bot cannot post in is refused and changes nothing', async () => {
    world.discord.revokeAccess(OTHER_CHANNEL, 50013);
    const handle = await world.command('tracker-settings', [{ name: 'set', type: 1, options: [{ name: 'review_channel', type: 7, value: OTHER_CHANNEL }] }], { user: ADMIN });
    expect(handle.text()).toMatch(new RegExp(`cannot post in <#${OTHER_CHANNEL}>.*Send Messages`));
    expect(handle.ephemeral()).toBe(true);
    const shown = await world.command('tracker-settings', [{ name: 'show', type: 1 }], { user: ADMIN });
    expect(shown.text()).toContain(`<#${REVIEW_CHANNEL}>`);
    expect(shown.text()).not.toContain(`<#${OTHER_CHANNEL}>`);
  });

  it('a post Discord refuses is recorded once and shows in /review show and /tracker-settings show', async () => {
    world.discord.revokeAccess(REVIEW_CHANNEL, 50001);
    const jobid = world.addJob('moderated', { prompt: 'something Midjourney refuses' });
    await world.track(ALICE, jobid);
    const failedPosts = () =>
      world.db.$client.prepare(`select detail from review_events where action = 'post_failed'`).all() as Array<{ detail: string }>;
    await world.discord.waitFor(() => failedPosts().length > 0, 5000, 'the post_failed event');
    expect(failedPosts()).toEqual([{ detail: `${REVIEW_CHANNEL}: missing access` }]);

    const shown = await world.command('review', [{ name: 'show', type: 1, options: [{ name: 'jobid', type: 3, value: jobid }] }], { user: ADMIN });
    expect(shown.text()).toContain(`Could not post to <#${REVIEW_CHANNEL}>: missing access`);
    const settings = await world.command('tracker-settings', [{ name: 'show', type: 1 }], { user: ADMIN });
    expect(settings.text()).toMatch(new RegExp(`Last post to <#${REVIEW_CHANNEL}> failed <t:\\d+:R>: missing access`));
  });
});

describe('a refused request, end to end', () => {
  it('shows the refusal and DMs the person, with no review post and no review row', async () => {
    const refused = makeJobId({ type: 'v' });
    world.useapi.addJob({ jobid: refused, prompt: 'a cat dancing --video', steps: [{ afterMs: 0, status: 'created' }, refusedStep(150)] });
    await world.track(ALICE, refused);
    await world.messageShows(ALICE.id, refused, /Request refused/);
    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dm!.data)).toContain(`Midjourney refused the request: ${REFUSED_DETAILS}.`);

    // A real moderation tracked afterwards is reviewed: the queue is working, and holds only that one.
    const { jobid: moderated } = await moderatedJobReviewed(BOB);
    expect(reviewPosts().map((m) => messageText(m.data)).join('\n')).not.toContain(refused);
    expect(world.db.$client.prepare('select job_id as jobId from reviews').all()).toEqual([{ jobId: moderated }]);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
  });
});

describe('account alerts, end to end', () => {
  it('a 401 across many jobs raises one alert per server and owner, and one recovery notice', async () => {
    const OWNER = '800000000000000077';
    await world.configure(GUILD_B, [{ name: 'review_channel', type: 7, value: REVIEW_CHANNEL_B }], ADMIN_B);
    world.useapi.setAccountFault(401);
    const jobs = [world.addJob('completed'), world.addJob('completed'), world.addJob('completed')];
    for (const jobid of jobs) await world.track(ALICE, jobid);
    await world.track(BOB, world.addJob('completed'), { guildId: GUILD_B, channelId: CHANNEL_B });
    await world.messageShows(ALICE.id, jobs[0]!, /token refused/);
    await world.discord.waitFor(() => world.discord.channelMessages(REVIEW_CHANNEL).some((m) => /token refused/i.test(messageText(m.data))), 3000, 'the alert');
    await world.pollerCatchesUp();
    await world.deliveryIdle();
    const alerts = (channel: string, pattern: RegExp) => world.discord.channelMessages(channel).filter((m) => pattern.test(messageText(m.data)));
    expect(alerts(REVIEW_CHANNEL, /token refused/i)).toHaveLength(1);
    expect(world.discord.dmsTo(OWNER).filter((m) => /token refused/i.test(messageText(m.data)))).toHaveLength(1);

    world.useapi.setAccountFault(null);
    world.db.$client.prepare('update upstream_account set next_probe_at = 0').run();
    await world.discord.waitFor(() => alerts(REVIEW_CHANNEL, /Resolved/).length > 0, 5000, 'the recovery notice');
    await Promise.all(jobs.map((jobid) => world.messageShows(ALICE.id, jobid, /Completed/, undefined, 8000)));
    await world.deliveryIdle();
    expect(alerts(REVIEW_CHANNEL, /Resolved/)).toHaveLength(1);
    expect(alerts(REVIEW_CHANNEL, /token refused/i)).toHaveLength(1);
    expect(world.discord.dmsTo(OWNER)).toHaveLength(2);
    // The second server had a job affected too: its own alert and notice, in its own channel.
    expect(alerts(REVIEW_CHANNEL_B, /token refused/i)).toHaveLength(1);
    expect(alerts(REVIEW_CHANNEL_B, /Resolved/)).toHaveLength(1);
  });

  it('HTTP 596 (pending moderation on the account) raises one warning, resolved when reads work again', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, steps: [{ afterMs: 0, status: 'progress', progress: 10 }, { afterMs: 1200, status: 'completed' }] });
    world.useapi.queueFaults(jobid, { kind: 'status', status: 596 }, { kind: 'status', status: 596 });
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 8000);
    await world.deliveryIdle();
    const texts = world.discord.channelMessages(REVIEW_CHANNEL).map((m) => messageText(m.data));
    expect(texts.filter((t) => /flagged the shared account/i.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /Resolved/.test(t))).toHaveLength(1);
  });
});
