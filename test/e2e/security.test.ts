import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { startBotProcess, type BotProcess } from './botProcess';
import { ADMIN, ALICE, BOB, CHANNEL, GUILD, GUILD_B, MANAGE_SERVER, MEMBER, messageText, REVIEW_CHANNEL, World } from './world';

let world: World;
let child: BotProcess | null = null;
afterEach(async () => {
  child?.proc.kill('SIGKILL');
  child = null;
  world.discord.assertClean();
  await world.close();
});

/** Every row of every table, as text: what a change or a leak would show in. */
function dumpDatabase(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
    return tables.map(({ name }) => `${name}: ${JSON.stringify(db.prepare(`select * from "${name}"`).all())}`).join('\n');
  } finally {
    db.close();
  }
}

type Option = { name: string; type: number; value?: string | number | boolean; options?: Array<{ name: string; type: number; value: string | number | boolean }> };
const sub = (name: string, options: Option['options'] = []): Option[] => [{ name, type: 1, options }];

describe('admin paths', () => {
  it('refuse members without Manage Server or the admin role (commands and buttons), and change nothing', async () => {
    world = await World.start();
    const ADMIN_ROLE = '700000000000000001';
    const OTHER_ROLE = '700000000000000002';
    await world.configure(GUILD, [
      { name: 'review_channel', type: 7, value: REVIEW_CHANNEL },
      { name: 'admin_role', type: 8, value: ADMIN_ROLE },
    ]);
    // The admin role of the other server means nothing here.
    await world.configure(GUILD_B, [{ name: 'admin_role', type: 8, value: OTHER_ROLE }], ADMIN);
    const jobid = world.addJob('moderated');
    await world.track(ALICE, jobid);
    await world.discord.waitFor(() => world.discord.channelMessages(REVIEW_CHANNEL).some((m) => messageText(m.data).includes(jobid)), 5000, 'the review post');
    const post = world.discord.channelMessages(REVIEW_CHANNEL).find((m) => messageText(m.data).includes(jobid))!;
    // Eleven reviews, so that the queue has a second page.
    for (let i = 0; i < 10; i++) await world.track(ALICE, world.addJob('moderated'));
    const reviews = world.db.$client.prepare('select count(*) as n from reviews');
    await world.discord.waitFor(() => (reviews.get() as { n: number }).n === 11, 8000, '11 reviews');
    // The queue's page buttons, as an admin's /review list shows them.
    const list = await world.command('review', sub('list', [{ name: 'status', type: 3, value: 'all' }]), { user: ADMIN });
    const listMessage = list.original()!;
    const pageButtons = (listMessage.data.components as Array<{ components: Array<{ custom_id?: string }> }> | undefined ?? [])
      .flatMap((r) => r.components)
      .flatMap((b) => (b.custom_id ? [b.custom_id] : []));
    expect(pageButtons.length).toBeGreaterThan(0);
    await world.deliveryIdle();
    const before = dumpDatabase(world.config.databasePath);

    const commands: Array<[string, Option[]]> = [
      ['review', sub('list')],
      ['review', sub('list', [{ name: 'status', type: 3, value: 'all' }])],
      ['review', sub('show', [{ name: 'jobid', type: 3, value: jobid }])],
      ['tracker-settings', sub('show')],
      ['tracker-settings', sub('set', [{ name: 'max_jobs', type: 4, value: 1 }])],
      ['tracker-settings', sub('set', [{ name: 'dm_default', type: 5, value: false }])],
      ['tracker-settings', sub('clear', [{ name: 'setting', type: 3, value: 'review_channel' }])],
      ['tracker-settings', sub('blocks')],
      ['tracker-settings', sub('unblock', [{ name: 'user', type: 6, value: BOB.id }])],
    ];
    const buttons = (post.data.components as Array<{ components: Array<{ custom_id?: string }> }>).flatMap((r) => r.components).map((b) => b.custom_id!);
    expect(buttons).toHaveLength(3);
    const strangers = [{ roles: [] }, { roles: [OTHER_ROLE] }];
    for (const { roles } of strangers) {
      for (const [name, options] of commands) {
        const handle = await world.command(name, options, { user: BOB, memberPermissions: MEMBER, roles });
        expect(handle.ephemeral(), `${name} ${JSON.stringify(options)}`).toBe(true);
        expect(handle.text(), `${name} ${JSON.stringify(options)}`).toMatch(/^Only members with \*\*Manage Server\*\*/);
      }
      const clicks = [...buttons.map((customId) => ({ customId, message: post })), ...pageButtons.map((customId) => ({ customId, message: listMessage }))];
      for (const { customId, message } of clicks) {
        const handle = world.discord.clickButton({ customId, messageId: message.id, channelId: message.channelId, guildId: GUILD, user: BOB, memberPermissions: MEMBER, roles });
        await handle.waitForResponse();
        expect(handle.ephemeral(), customId).toBe(true);
        expect(handle.text(), customId).toMatch(/^Only members with \*\*Manage Server\*\*/);
      }
    }
    await world.deliveryIdle();
    expect(dumpDatabase(world.config.databasePath)).toBe(before);
    expect(world.discord.dmsTo(ALICE.id).filter((m) => /note from the admins/.test(messageText(m.data)))).toHaveLength(0);
  });

  it('autocomplete offers a person only their own jobs', async () => {
    world = await World.start();
    const alices = world.addJob('completed');
    await world.track(ALICE, alices);
    const handle = world.discord.autocomplete({ name: 'untrack', options: [{ name: 'jobid', type: 3, value: '', focused: true }], user: BOB, guildId: GUILD, channelId: CHANNEL });
    await handle.waitForResponse();
    expect((handle.responses[0]!.body as { choices: unknown[] }).choices).toEqual([]);
  });
});

describe('secrets', () => {
  it('no token (Discord, useapi, interaction) in any log line at debug level, nor in any stored row', async () => {
    world = await World.start({ inProcess: false, env: { OWNER_USER_IDS: '800000000000000077' } });
    child = await startBotProcess(world.env, { logLevel: 'debug' });
    await world.configure(GUILD, [{ name: 'review_channel', type: 7, value: REVIEW_CHANNEL }]);
    const interactionTokens: string[] = [];
    const jobs = [world.addJob('completed'), world.addJob('failed'), world.addJob('moderated')];
    // Discord trouble on the way, so that failed requests (and their URLs) are logged too.
    world.discord.failNext('POST /interactions/:id/:token/callback', 500, 3);
    world.discord.failNext('POST /channels/:id/messages', 502, 2);
    world.discord.failNext('PATCH /webhooks/:id/:token/messages/@original', 502, 2);
    world.useapi.queueFaults(jobs[0]!, { kind: 'status', status: 500 }, { kind: 'reset' });
    for (const jobid of jobs) {
      const handle = world.discord.slashCommand({ name: 'track', options: [{ name: 'jobid', type: 3, value: jobid }], user: ALICE, guildId: GUILD, channelId: CHANNEL });
      interactionTokens.push(handle.token);
      await handle.waitForResponse(5000).catch(() => undefined);
    }
    const unknown = await world.track(ALICE, makeJobId({ user: 99999 }));
    interactionTokens.push(unknown.token);
    await world.discord.waitFor(() => world.discord.channelMessages(REVIEW_CHANNEL).some((m) => messageText(m.data).includes(jobs[2]!)), 8000, 'the review post');
    const post = world.discord.channelMessages(REVIEW_CHANNEL).find((m) => messageText(m.data).includes(jobs[2]!))!;
    const buttonId = (post.data.components as Array<{ components: Array<{ custom_id?: string }> }>).flatMap((r) => r.components)[0]!.custom_id!;
    const click = world.discord.clickButton({ customId: buttonId, messageId: post.id, channelId: REVIEW_CHANNEL, guildId: GUILD, user: ADMIN, memberPermissions: MANAGE_SERVER });
    interactionTokens.push(click.token);
    await click.waitForResponse();
    await world.dmsArrive(ALICE.id, 3, 8000);
    await world.deliveryIdle();

    const log = child.stdout();
    expect(log).toMatch(/"level":20/); // debug lines were written
    expect(log).toContain('/interactions/'); // and a failed interaction request with its URL among them
    const stored = dumpDatabase(world.config.databasePath);
    for (const secret of [world.discord.token, world.useapi.token, ...interactionTokens]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log.includes(secret), `a token in the log`).toBe(false);
      expect(child.stderr().includes(secret), `a token on stderr`).toBe(false);
      expect(stored.includes(secret), `a token in the database`).toBe(false);
    }
  }, 40_000);
});

describe('/track per person', () => {
  it('a burst of unknown ids from one person is cut off with a clear answer, and others are read as usual', async () => {
    world = await World.start({ env: { TRACKS_PER_MINUTE: '3', UPSTREAM_MAX_RPS: '20' } });
    const burst = Array.from({ length: 8 }, () => makeJobId());
    const answers: string[] = [];
    for (const jobid of burst) answers.push((await world.track(ALICE, jobid)).text());
    expect(answers.slice(0, 3).every((a) => a.includes('\nTracking Midjourney'))).toBe(true);
    for (const answer of answers.slice(3)) expect(answer).toMatch(/^You can start following 3 jobs a minute\. Try again <t:\d+:R>\.$/);
    const stored = world.db.$client.prepare('select job_id from jobs').all() as Array<{ job_id: string }>;
    expect(stored.map((r) => r.job_id).sort()).toEqual(burst.slice(0, 3).sort());

    const bobs = world.addJob('completed');
    expect((await world.track(BOB, bobs)).text()).toMatch(/\nTracking Midjourney/);
    await world.messageShows(BOB.id, bobs, /Completed/);
    await world.pollerCatchesUp();
    for (const jobid of burst.slice(3)) expect(world.useapi.jobReads(jobid)).toBe(0);
  });
});
