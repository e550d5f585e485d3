/**
 * A server's privacy switches, end to end: the real bot between the loopback Discord and the
 * emulators. Prompts hidden from public tracking messages (never from the person's DM or /jobs).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guildSettings } from '../../src/db/schema';
import { flowTimeline, localMediaUrl, makeGoogleFlowJobId, startGoogleFlowEmulator, type GoogleFlowEmulator } from '../../src/playground/google-flow';
import { makeJobId, timeline } from '../../src/playground/useapi';
import { ADMIN, ALICE, BOB, CHANNEL, GUILD, MEMBER, messageText, quickTimeline, REVIEW_CHANNEL, World } from './world';

let world: World;
let flow: GoogleFlowEmulator;
/** Google Flow's links live this long here, so a test can see one expire. */
const LINK_LIFETIME_MS = 1500;
beforeEach(async () => {
  world = await World.start({ inProcess: false });
  flow = await startGoogleFlowEmulator({ server: world.useapi.server, token: world.useapi.token, urlLifetimeMs: LINK_LIFETIME_MS });
  await world.startBot();
});
afterEach(async () => {
  world.discord.assertClean();
  await world.stopBot();
  await flow.close();
  await world.close();
});

const PROMPT = 'a secret garden at night';
const hideSetting = (value: boolean) => [{ name: 'set', type: 1, options: [{ name: 'hide_prompts', type: 5, value }] }];
/** Everything the message holds, as one lower-case string: text, links, file names. */
const everything = (data: unknown) => JSON.stringify(data).toLowerCase();

async function jobsAnswer(user: { id: string; username: string }): Promise<string> {
  const handle = world.discord.slashCommand({ name: 'jobs', user, guildId: GUILD, channelId: CHANNEL });
  await handle.waitFor((h) => /Your tracked jobs/.test(h.text()), 5000);
  expect(handle.ephemeral()).toBe(true);
  return handle.text();
}

describe('hide prompts', () => {
  it('the channel message shows no prompt; the DM and /jobs do', async () => {
    await world.configure(GUILD, [{ name: 'hide_prompts', type: 5, value: true }]);
    const jobid = world.addJob('completed', { prompt: PROMPT });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(messageText(message.data)).toContain("Prompt hidden by this server's settings");
    expect(everything(message.data)).not.toContain('secret garden');
    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dm!.data)).toContain(PROMPT);
    expect(await jobsAnswer(ALICE)).toContain(PROMPT);
    const shown = await world.command('tracker-settings', [{ name: 'show', type: 1 }], { user: ADMIN });
    expect(shown.text()).toContain('hidden (shown only to the person, by DM and in /jobs)');
  });

  it('changing the setting redraws the live messages of that server at once, and back', async () => {
    // Queued for a minute: nothing about the job changes while the setting does.
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, prompt: PROMPT, steps: timeline({ queueMs: 60_000, runMs: 61_000, stepMs: 500, outcome: 'completed' }) });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /secret garden/);
    await world.deliveryIdle();
    const edits = message.versions.length;
    await world.configure(GUILD, [{ name: 'hide_prompts', type: 5, value: true }]);
    await world.messageShows(ALICE.id, jobid, /Prompt hidden by this server's settings/);
    expect(everything(message.data)).not.toContain('secret garden');
    expect(message.versions.length).toBe(edits + 1);
    await world.command('tracker-settings', [{ name: 'clear', type: 1, options: [{ name: 'setting', type: 3, value: 'hide_prompts' }] }], { user: ADMIN });
    await world.messageShows(ALICE.id, jobid, /secret garden/);
  });

  it('a member without Manage Server cannot change it: a private refusal, nothing saved, nothing redrawn', async () => {
    const jobid = world.addJob('completed', { prompt: PROMPT });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    const refused = await world.command('tracker-settings', hideSetting(true), { user: BOB, memberPermissions: MEMBER });
    expect(refused.ephemeral()).toBe(true);
    expect(refused.text()).toMatch(/Only members with \*\*Manage Server\*\*/);
    expect(world.db.select().from(guildSettings).all()).toEqual([]);
    await world.deliveryIdle();
    expect(messageText(message.data)).toContain(PROMPT);
  });
});

describe('fresh links in /jobs', () => {
  const SIGNED = /https:\/\/flow-content\.google\/image\/[\w-]+\.png\?Expires=(\d+)&Signature=\w+/;
  /** What the emulator's CDN answers for a flow-content.google link. */
  const opens = async (link: string) => (await fetch(localMediaUrl(flow.url, link)!)).status;

  async function completedFlowImage(): Promise<{ jobid: string; link: string }> {
    const jobid = makeGoogleFlowJobId({ type: 'i' });
    flow.addJob({ jobid, prompt: 'a lighthouse in fog', steps: flowTimeline({ queueMs: 50, runMs: 200, outcome: 'completed' }) });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    const link = SIGNED.exec(JSON.stringify(message.data))![0];
    expect(messageText(message.data)).toMatch(/Links work until <t:\d+:f>/);
    // The link the message holds dies.
    await world.discord.waitFor(() => Date.now() > Number(SIGNED.exec(link)![1]) * 1000, 5000, 'the signed link to expire');
    expect(await opens(link)).toBe(403);
    return { jobid, link };
  }

  it('an expired Google Flow link is fetched afresh for the private answer only; it opens; the public message keeps the old one', async () => {
    const { jobid, link } = await completedFlowImage();
    const message = await world.trackingMessage(ALICE.id, jobid);
    const answer = await jobsAnswer(ALICE);
    const fresh = SIGNED.exec(answer)![0];
    expect(fresh).not.toBe(link);
    expect(await opens(fresh)).toBe(200);
    expect(answer).toMatch(/Links work until <t:\d+:f>/);
    expect(flow.requests.filter((r) => r.route === 'asset')).toHaveLength(1);
    await world.deliveryIdle();
    expect(everything(message.data)).not.toContain(fresh.toLowerCase());
    expect(world.db.$client.prepare('select count(*) as n from jobs where reading like ?').get(`%${SIGNED.exec(fresh)![1]}%`)).toEqual({ n: 0 });
  });

  it('when the upstream will not give one, the answer says so plainly', async () => {
    await completedFlowImage();
    flow.setAccountFault(401);
    const answer = await jobsAnswer(ALICE);
    expect(answer).toContain('Could not refresh the link');
    expect(answer).toMatch(/The links expired <t:\d+:f>/);
  });
});

describe('the review channel', () => {
  it('pictures a moderated job left are behind spoilers in the review post, and nowhere in the public message', async () => {
    await world.configure(GUILD, [{ name: 'review_channel', type: 7, value: REVIEW_CHANNEL }]);
    const jobid = makeJobId();
    const imageUx = [1, 2, 3, 4].map((id) => ({ id, url: `https://cdn.midjourney.com/5e1f3c0a-9b8d/0_${id - 1}.png` }));
    const steps = quickTimeline('moderated');
    const last = steps.at(-1)!;
    last.extra = {
      response: {
        content: '**a prompt the moderators dislike** - <@1> (fast)',
        embeds: [{ title: 'Image denied', description: 'Sorry! Our AI moderators feel this image might be against our community standards.' }],
        imageUx,
      },
    };
    world.useapi.addJob({ jobid, prompt: 'a prompt the moderators dislike', steps });
    await world.track(ALICE, jobid);
    await world.discord.waitFor(() => world.discord.channelMessages(REVIEW_CHANNEL).some((m) => messageText(m.data).includes(jobid)), 5000, 'the review post');
    const post = world.discord.channelMessages(REVIEW_CHANNEL).find((m) => messageText(m.data).includes(jobid))!;
    const embed = (post.data.embeds as Array<{ image?: unknown; fields: Array<{ name: string; value: string }> }>)[0]!;
    const media = embed.fields.find((f) => f.name.startsWith('What it made'))!;
    for (const { url } of imageUx) expect(media.value).toContain(`](${url})||`);
    expect(media.value.match(/\|\|\[Image \d\]\([^)]+\)\|\|/g)).toHaveLength(4);
    expect(embed.image).toBeUndefined();
    const message = await world.messageShows(ALICE.id, jobid, /Moderated/);
    expect(JSON.stringify(message.data)).not.toContain('cdn.midjourney.com');
  });
});
