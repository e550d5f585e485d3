/**
 * A job on each newer upstream, end to end: the real bot between the loopback Discord and the
 * Google Flow, Dreamina and midjourney-proxy emulators (the first two on the useapi.net base URL,
 * with the same token).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobs, reviews } from '../../src/db/schema';
import { makeDreaminaJobId, startDreaminaEmulator, dreaminaTimeline, type DreaminaEmulator } from '../../src/playground/dreamina';
import { flowTimeline, makeGoogleFlowJobId, startGoogleFlowEmulator, type GoogleFlowEmulator } from '../../src/playground/google-flow';
import { makeMjProxyTaskId, mjTimeline, startMjProxyEmulator, type MjProxyEmulator } from '../../src/playground/mj-proxy';
import { ALICE, BOB, messageText, World } from './world';

let world: World;
let flow: GoogleFlowEmulator;
let dreamina: DreaminaEmulator;
let proxy: MjProxyEmulator;

beforeEach(async () => {
  proxy = await startMjProxyEmulator({ auth: 'bearer' });
  world = await World.start({ inProcess: false, env: { MJ_PROXY_URL: proxy.baseUrl, MJ_PROXY_SECRET: proxy.token, MJ_PROXY_AUTH: proxy.auth } });
  flow = await startGoogleFlowEmulator({ server: world.useapi.server, token: world.useapi.token });
  dreamina = await startDreaminaEmulator({ server: world.useapi.server, token: world.useapi.token });
  await world.startBot();
});

afterEach(async () => {
  world.discord.assertClean();
  await world.stopBot();
  await flow.close();
  await dreamina.close();
  await proxy.close();
  await world.close();
});

const footerOf = (message: { data: unknown }) => (message.data as { embeds?: Array<{ footer?: { text: string } }> }).embeds?.[0]?.footer?.text;

describe('Google Flow', () => {
  it('a video job: accepted in plain words, queued, generating, completed, one DM; its id sent raw', async () => {
    const jobid = makeGoogleFlowJobId({ type: 'v' });
    flow.addJob({ jobid, prompt: 'waves at dusk', steps: flowTimeline({ queueMs: 150, runMs: 600, outcome: 'completed' }) });
    const reply = await world.track(ALICE, jobid);
    expect(reply.ephemeral()).toBe(false);
    expect(reply.text()).toMatch(/\nTracking Google Flow video job `j\d{19}v-u12345-email:someone@example\.com-bot:google-flow` on useapi\.net\./);
    await world.messageShows(ALICE.id, jobid, /Generating/);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(messageText(message.data)).toContain('waves at dusk');
    expect(footerOf(message)).toBe('useapi.net Google Flow v1 · video');
    const dms = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dms[0]!.data)).toContain('Your Google Flow job is done');
    const reads = flow.requests.filter((r) => r.route === 'job');
    expect(reads.length).toBeGreaterThan(1);
    expect(reads.every((r) => r.path === `/v1/google-flow/jobs/${jobid}` && r.authOk)).toBe(true);
  });

  it('a moderated job: "moderated" with what Google said, and it goes to the review queue', async () => {
    const jobid = makeGoogleFlowJobId({ type: 'i' });
    flow.addJob({ jobid, steps: flowTimeline({ queueMs: 50, runMs: 200, outcome: 'moderated' }) });
    await world.track(ALICE, jobid);
    const text = messageText((await world.messageShows(ALICE.id, jobid, /Moderated/)).data);
    expect(text).toContain("Google Flow's moderation blocked this prompt");
    expect(text).toContain('PUBLIC\\_ERROR\\_UNSAFE\\_GENERATION');
    await world.dmsArrive(ALICE.id, 1);
    expect(world.db.select().from(reviews).all().map((r) => r.jobId)).toEqual([jobid]);
  });

  it('many running jobs are watched through one ?options=executing request', async () => {
    const ids = Array.from({ length: 5 }, () => makeGoogleFlowJobId());
    for (const jobid of ids) flow.addJob({ jobid, steps: flowTimeline({ queueMs: 50, runMs: 1500, outcome: 'completed' }) });
    for (const jobid of ids) await world.track(ALICE, jobid);
    for (const jobid of ids) await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 8000);
    expect(flow.listReads()).toBeGreaterThan(0);
    expect(flow.requests.filter((r) => r.route === 'list').every((r) => r.status === 200)).toBe(true);
  });
});

describe('Dreamina', () => {
  it('an image job: read under /images/, "Processing", completed, one DM', async () => {
    const jobid = makeDreaminaJobId({ type: 'i' });
    dreamina.addJob({ jobid, steps: dreaminaTimeline({ runMs: 500, outcome: 'completed' }) });
    const reply = await world.track(BOB, jobid);
    expect(reply.text()).toMatch(/\nTracking Dreamina image job /);
    await world.messageShows(BOB.id, jobid, /Processing/);
    const message = await world.messageShows(BOB.id, jobid, /Completed/);
    expect(footerOf(message)).toBe('useapi.net Dreamina v1 · image');
    await world.dmsArrive(BOB.id, 1);
    expect(dreamina.requests.filter((r) => r.route === 'job').every((r) => r.path.startsWith('/v1/dreamina/images/'))).toBe(true);
  });

  it('a video that failed the content review [INF: the wording of a risk failure] is moderated, with what Dreamina said', async () => {
    const jobid = makeDreaminaJobId({ type: 'v' });
    dreamina.addJob({ jobid, steps: dreaminaTimeline({ runMs: 300, outcome: 'failed' }) });
    await world.track(BOB, jobid);
    const text = messageText((await world.messageShows(BOB.id, jobid, /Moderated/)).data);
    expect(text).toContain('fail\\_code: 2043');
    expect(text).toContain('did not pass the content review');
    await world.dmsArrive(BOB.id, 1);
  });

  it('a plain failure is a failure', async () => {
    const jobid = makeDreaminaJobId({ type: 'v' });
    dreamina.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }, { afterMs: 300, status: 'failed', error: 'fail_code: 1000', errorDetails: 'Service busy' }] });
    await world.track(BOB, jobid);
    const text = messageText((await world.messageShows(BOB.id, jobid, /Failed/)).data);
    expect(text).toContain('Service busy');
    await world.dmsArrive(BOB.id, 1);
  });
});

describe('midjourney-proxy', () => {
  it('a task by its bare id: progress from "NN%", completed, one DM; stored as mj-proxy:<id>, shown bare', async () => {
    const task = makeMjProxyTaskId();
    proxy.addJob({ jobid: task, prompt: 'a cat in a hat', steps: mjTimeline({ queueMs: 100, runMs: 700, stepMs: 150, outcome: 'SUCCESS' }) });
    const reply = await world.track(ALICE, task);
    expect(reply.text()).toMatch(new RegExp(`\\nTracking Midjourney task \`${task}\` on midjourney-proxy\\.`));
    await world.messageShows(ALICE.id, `mj-proxy:${task}`, /Rendering — \d+%/);
    const message = await world.messageShows(ALICE.id, `mj-proxy:${task}`, /Completed/);
    expect(messageText(message.data)).toContain(`\`${task}\``);
    expect(messageText(message.data)).not.toContain('mj-proxy:');
    expect(footerOf(message)).toBe('midjourney-proxy · imagine');
    await world.dmsArrive(ALICE.id, 1);
    expect(world.db.select().from(jobs).all().map((j) => [j.jobId, j.upstream, j.account])).toEqual([[`mj-proxy:${task}`, 'mj-proxy', 'mj-proxy']]);
    expect(proxy.requests.every((r) => r.authOk)).toBe(true);
  });

  it('a banned prompt is moderated; /untrack takes the bare id', async () => {
    const banned = makeMjProxyTaskId();
    proxy.addJob({ jobid: banned, steps: mjTimeline({ queueMs: 50, runMs: 200, stepMs: 100, outcome: 'banned' }) });
    await world.track(ALICE, banned);
    await world.messageShows(ALICE.id, `mj-proxy:${banned}`, /Moderated/);

    const running = makeMjProxyTaskId();
    proxy.addJob({ jobid: running, steps: mjTimeline({ queueMs: 50, runMs: 60_000, stepMs: 1000, outcome: 'SUCCESS' }) });
    await world.track(BOB, running);
    await world.trackingMessage(BOB.id, `mj-proxy:${running}`);
    const untrack = world.discord.slashCommand({ name: 'untrack', options: [{ name: 'jobid', type: 3, value: running }], user: BOB, guildId: '900000000000000001', channelId: '900000000000000011' });
    await untrack.waitForResponse();
    expect(untrack.text()).not.toMatch(/not tracking/);
    expect(world.subscription(BOB.id, `mj-proxy:${running}`)?.state).toBe('untracked');
  });

  it('many tasks are read through one list-by-condition request', async () => {
    const tasks = Array.from({ length: 5 }, (_, i) => makeMjProxyTaskId({ suffix: i }));
    for (const task of tasks) proxy.addJob({ jobid: task, steps: mjTimeline({ queueMs: 50, runMs: 1500, stepMs: 300, outcome: 'SUCCESS' }) });
    for (const task of tasks) await world.track(ALICE, task);
    for (const task of tasks) await world.messageShows(ALICE.id, `mj-proxy:${task}`, /Completed/, undefined, 8000);
    expect(proxy.listReads()).toBeGreaterThan(0);
  });
});
