/**
 * The playground's page API and scenario controls, over HTTP against a running playground (the
 * real bot between the emulators): jobs per scenario, ephemeral answers only for who ran the
 * command, Discord faults and account incidents the bot lives through, and bad input refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../src/playground';
import { GENERAL_CHANNEL_ID, PERSONAS } from '../../src/playground/guild';
import { scenarioJob, type Scenario, type Upstream } from '../../src/playground/scenarios';
import { jobAnswerAt, terminalTimeOf } from '../../src/playground/useapi';
import { ComponentType, MessageFlags } from 'discord.js';
import { loadJob } from '../../src/db/jobs';
import { messageText, type ApiMessage } from '../../src/playground/discord';
import { makeDreaminaJobId, terminalTimeOf as dreaminaTerminalTimeOf } from '../../src/playground/dreamina';
import { makeGoogleFlowJobId, terminalTimeOf as flowTerminalTimeOf } from '../../src/playground/google-flow';
import { makeMjProxyTaskId, terminalTimeOf as mjTerminalTimeOf } from '../../src/playground/mj-proxy';

const [ADA, BEN, CLEO] = PERSONAS as [(typeof PERSONAS)[0], (typeof PERSONAS)[0], (typeof PERSONAS)[0]];
const T0 = Date.parse('2026-11-30T12:00:00Z');

describe('scenario jobs', () => {
  const job = (scenario: Parameters<typeof scenarioJob>[0]['scenario'], speed: 1 | 5 | 20 = 1) =>
    scenarioJob({ scenario, durationS: 60, speed, serial: 0, now: T0 });

  it('a completing job of 60 s ends after its queue and 60 s at ×1, twenty times sooner at ×20', () => {
    expect(terminalTimeOf(job('completes').script!)).toBe(T0 + 3000 + 60_000);
    expect(terminalTimeOf(job('completes', 20).script!)).toBe(T0 + 150 + 3000);
  });

  it('a refused job answers 422 "Invalid request" with no images and no buttons', () => {
    const { script } = job('refused');
    const answer = jobAnswerAt(script!, T0 + 10_000);
    expect(answer.status).toBe(200);
    const record = answer.status === 200 ? answer.body : undefined;
    expect(record).toMatchObject({ status: 'moderated', code: 422, error: 'Invalid request', errorDetails: 'No start frame provided' });
    expect(record?.response.imageUx).toBeUndefined();
    expect(record?.response.buttons).toBeUndefined();
  });

  it('an expired job answers 410 and a not-found one is unknown upstream', () => {
    expect(jobAnswerAt(job('expired').script!, T0).status).toBe(410);
    expect(job('not-found').script).toBeUndefined();
  });

  it('makes each upstream’s job with its own id, ending after its queue and duration, and not-found as an id alone', () => {
    const on = (upstream: Upstream, kind?: 'image' | 'video', scenario: Scenario = 'completes') =>
      scenarioJob({ upstream, ...(kind && { kind }), scenario, durationS: 60, speed: 20, serial: 0, now: T0 });
    expect(on('google-flow', 'video').jobid).toMatch(/^j\d+v-u\d+-email:.+-bot:google-flow$/);
    expect(on('google-flow', 'image').jobid).toMatch(/^j\d+i-u\d+-email:.+-bot:google-flow$/);
    expect(on('dreamina', 'video').jobid).toMatch(/^j\d+v-u\d+-US:.+-bot:dreamina$/);
    expect(on('dreamina', 'image').jobid).toMatch(/^j\d+i-u\d+-US:.+-bot:dreamina$/);
    expect(on('mj-proxy').jobid).toMatch(/^\d{16}$/);
    const flow = on('google-flow', 'image');
    const dreamina = on('dreamina', 'image');
    const proxy = on('mj-proxy');
    expect(flow.upstream === 'google-flow' && flowTerminalTimeOf(flow.script!)).toBe(T0 + 150 + 3000);
    expect(dreamina.upstream === 'dreamina' && dreaminaTerminalTimeOf(dreamina.script!)).toBe(T0 + 150 + 3000);
    expect(proxy.upstream === 'mj-proxy' && mjTerminalTimeOf(proxy.script!)).toBe(T0 + 150 + 3000);
    for (const upstream of ['google-flow', 'dreamina', 'mj-proxy'] as const) expect(on(upstream, undefined, 'not-found').script).toBeUndefined();
  });
});

describe('page API', () => {
  let dir: string;
  let playground: Playground;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, playground.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const view = async (userId: string, channel = GENERAL_CHANNEL_ID) =>
    (await (await fetch(new URL(`/api/view?user=${userId}&channel=${channel}`, playground.url))).json()) as {
      messages: Array<{ id: string; ephemeral: boolean; data: Parameters<typeof messageText>[0] }>;
      jobs: Array<{ jobid: string }>;
    };
  const newJob = async (scenario: string, durationS = 20, on: { upstream?: string; kind?: string } = {}) => (await post('/api/job', { ...on, scenario, durationS })).body.jobid as string;
  const track = (user: { id: string }, jobid: string) =>
    post('/api/command', { user: user.id, channelId: GENERAL_CHANNEL_ID, name: 'track', options: [{ name: 'jobid', type: 3, value: jobid }] });
  const trackingMessage = (jobid: string) => playground.discord.channelMessages(GENERAL_CHANNEL_ID).find((m) => messageText(m.data).includes(jobid));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'playground-api-'));
    playground = await startPlayground({ port: 0, databasePath: join(dir, 'playground.db'), pollIntervalMs: 100, logLevel: 'silent' });
    expect((await post('/api/speed', { speed: 20 })).status).toBe(200);
  });
  afterAll(async () => {
    await playground.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the other upstreams’ emulators: Google Flow and Dreamina on the useapi base URL, midjourney-proxy on its own', async () => {
    const { useapi, googleFlow, dreamina, mjProxy } = playground;
    const flowJob = makeGoogleFlowJobId();
    const dreaminaJob = makeDreaminaJobId();
    googleFlow.addJob({ jobid: flowJob, steps: [{ afterMs: 0, status: 'started' }] });
    dreamina.addJob({ jobid: dreaminaJob, steps: [{ afterMs: 0, status: 'created' }] });
    const headers = { authorization: `Bearer ${useapi.token}` };
    const flow = await fetch(`${useapi.url}/v1/google-flow/jobs/${flowJob}`, { headers });
    const video = await fetch(`${useapi.url}/v1/dreamina/videos/${dreaminaJob}`, { headers });
    expect([flow.status, video.status]).toEqual([200, 200]);
    const unknown = await fetch(`${mjProxy.baseUrl}/task/${makeMjProxyTaskId()}/fetch`, { headers: mjProxy.authHeaders() });
    expect([unknown.status, await unknown.text()]).toEqual([200, '']);
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const jobsBefore = (await view(ADA.id)).jobs.length;
    const answers = await Promise.all([
      post('/api/job', { scenario: 'explodes' }),
      post('/api/job', { scenario: 'completes', durationS: -3 }),
      post('/api/account', { status: 500 }),
      post('/api/discord-fault', { kind: 'meteor', seconds: 5 }),
      post('/api/speed', { speed: 3 }),
      post('/api/command', { user: 'nobody', channelId: GENERAL_CHANNEL_ID, name: 'track' }),
      post('/api/command', { user: ADA.id, channelId: GENERAL_CHANNEL_ID, name: 'rm-rf' }),
      post('/api/job', { upstream: 'stable-diffusion', scenario: 'completes' }),
      post('/api/job', { upstream: 'dreamina', scenario: 'refused' }),
      post('/api/job', { upstream: 'google-flow', kind: 'audio', scenario: 'completes' }),
      post('/api/job', { upstream: 'mj-proxy', kind: 'video', scenario: 'completes' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    expect(answers.map((a) => a.body.error)).toEqual([
      'unknown scenario explodes',
      'duration must be 1–3600 seconds',
      'account incident must be 401, 402, 596 or null',
      'kind must be rate-limit or failure, seconds 1–600',
      'speed must be 1, 5 or 20',
      'unknown user nobody',
      '/rm-rf is not a command of this bot',
      'unknown upstream stable-diffusion',
      'Dreamina via useapi.net has no “refused” scenario',
      'kind must be image or video',
      'midjourney-proxy jobs have no kind',
    ]);
    expect((await view(ADA.id)).jobs.length).toBe(jobsBefore);
    expect(playground.discord.counters.interactionsSent).toBe(0);
    expect((await fetch(new URL(`/media?url=${encodeURIComponent('https://example.com/cat.png')}`, playground.url))).status).toBe(404);
  });

  it('shows an ephemeral answer only to who ran the command, and the tracking message to everyone', async () => {
    const jobid = await newJob('completes', 600);
    // The answer to /track is the tracking message; tracking it twice gets a private "already".
    expect((await track(ADA, jobid)).status).toBe(200);
    await playground.discord.waitFor(() => /Queued|Rendering|%/.test(trackingMessage(jobid) ? messageText(trackingMessage(jobid)!.data) : ''), 10_000, 'the job to be read');
    expect((await track(ADA, jobid)).status).toBe(200);
    const [ada, ben] = [await view(ADA.id), await view(BEN.id)];
    const tracked = (v: typeof ada) => v.messages.filter((m) => messageText(m.data).includes(jobid)).map((m) => m.ephemeral);
    expect(tracked(ada)).toEqual([false, true]);
    expect(tracked(ben)).toEqual([false]);
  });

  /** The media gallery items of a Components V2 message, in the order they are shown. */
  const galleryItems = (message: ApiMessage) => {
    const items: Array<{ media: { url: string } }> = [];
    const visit = (component: unknown) => {
      if (!component || typeof component !== 'object') return;
      const c = component as { type?: number; items?: typeof items; components?: unknown[] };
      if (c.type === ComponentType.MediaGallery) items.push(...(c.items ?? []));
      c.components?.forEach(visit);
    };
    message.components.forEach(visit);
    return items;
  };
  const served = async (url: string | URL) => {
    const answer = await fetch(url);
    return { status: answer.status, type: answer.headers.get('content-type'), bytes: Buffer.from(await answer.arrayBuffer()) };
  };

  // Where each upstream documents its result (a video's, not its still's: the gallery shows the video itself).
  const completedOn = [
    { job: 'Google Flow image', on: { upstream: 'google-flow', kind: 'image' }, host: 'flow-content.google' },
    { job: 'Google Flow video', on: { upstream: 'google-flow', kind: 'video' }, host: 'flow-content.google' },
    { job: 'Dreamina image', on: { upstream: 'dreamina', kind: 'image' }, host: 'p9-sign.douyinpic.com' },
    { job: 'Dreamina video', on: { upstream: 'dreamina', kind: 'video' }, host: 'v3-web.douyinvod.com' },
    { job: 'midjourney-proxy', on: { upstream: 'mj-proxy' }, host: 'cdn.discordapp.com' },
  ] as const;
  it.each(completedOn)('a $job job made with the scenario panel is tracked to Completed with its results from $host (on the media CDN) uploaded in a gallery, which the page shows', async ({ on, host }) => {
    const jobid = await newJob('completes', 20, on);
    expect((await track(ADA, jobid)).status).toBe(200);
    await playground.discord.waitFor(() => /Completed/.test(trackingMessage(jobid) ? messageText(trackingMessage(jobid)!.data) : ''), 10_000, 'the job to complete');
    const message = trackingMessage(jobid)!.data;
    expect(message.flags & MessageFlags.IsComponentsV2).toBe(MessageFlags.IsComponentsV2);

    // The results as the upstream reported them (the grid only repeats the four images), each a
    // documented link that the playground's media CDN serves as https://localhost:PORT/<host>/….
    const key = on.upstream === 'mj-proxy' ? `mj-proxy:${jobid}` : jobid; // midjourney-proxy's bare ids are stored under their prefix
    const results = loadJob(playground.bot.db, key)!.reading!.media.filter((m) => m.role !== 'grid');
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(new URL(result.url).pathname.split('/')[1]).toBe(host);
    const fromCdn = await Promise.all(results.map((result) => served(result.url)));
    expect(fromCdn.map((f) => f.status)).toEqual(results.map(() => 200));

    // What a person sees: each result uploaded to Discord, shown from its attachment URL, byte for byte.
    const items = galleryItems(message);
    const discordOrigin = new URL(playground.discord.apiUrl).origin;
    for (const item of items) expect(item.media.url.startsWith(`${discordOrigin}/attachments/${GENERAL_CHANNEL_ID}/`), item.media.url).toBe(true);
    const shown = await Promise.all(items.map((item) => served(new URL(`/media?url=${encodeURIComponent(item.media.url)}`, playground.url))));
    expect(shown).toEqual(fromCdn);
    expect(JSON.stringify(message)).not.toContain(host);
  });

  it.each([
    { upstream: 'google-flow', scenario: 'fails', shown: /Failed/ },
    { upstream: 'dreamina', scenario: 'moderated', shown: /Moderated/ },
    { upstream: 'mj-proxy', scenario: 'moderated', shown: /Moderated/ },
  ])('a $upstream job that ends “$scenario” shows $shown', async ({ upstream, scenario, shown }) => {
    const jobid = await newJob(scenario, 20, { upstream });
    await track(BEN, jobid);
    await playground.discord.waitFor(() => shown.test(trackingMessage(jobid) ? messageText(trackingMessage(jobid)!.data) : ''), 10_000, `the job to show ${String(shown)}`);
  });

  it('Discord rate-limiting the bot for a while delays the messages but loses none', async () => {
    expect((await post('/api/discord-fault', { kind: 'rate-limit', seconds: 1 })).status).toBe(200);
    const jobid = await newJob('completes');
    await track(BEN, jobid);
    await playground.discord.waitFor(() => /Completed/.test(trackingMessage(jobid) ? messageText(trackingMessage(jobid)!.data) : ''), 15_000, 'the job to complete');
    expect(playground.discord.counters.injectedFailures).toBeGreaterThan(0);
  });

  it('an account incident reaches the owner by DM and shows on the tracked job', async () => {
    const jobid = await newJob('completes', 600);
    await track(ADA, jobid);
    await playground.discord.waitFor(() => trackingMessage(jobid) !== undefined, 5000, 'the tracking message');
    expect((await post('/api/account', { status: 402 })).status).toBe(200);
    await playground.discord.waitFor(() => playground.discord.dmsTo(CLEO.id).some((m) => /402|subscription/i.test(messageText(m.data))), 10_000, 'the account alert DM');
    await playground.discord.waitFor(() => /subscription inactive \(402\)/.test(trackingMessage(jobid) ? messageText(trackingMessage(jobid)!.data) : ''), 10_000, 'the job to show the incident');
    // Its end is noticed by the bot's next probe (every 30 s at least), which this test does not wait for.
    await post('/api/account', { status: null });
    playground.discord.assertClean();
  });

  it('an account incident refuses the same useapi.net token on Google Flow and Dreamina too, and not midjourney-proxy’s secret', async () => {
    expect((await post('/api/account', { status: 401 })).status).toBe(200);
    const { useapi, googleFlow, dreamina, mjProxy } = playground;
    const headers = { authorization: `Bearer ${useapi.token}` };
    const answers = await Promise.all([
      fetch(`${useapi.url}/v3/midjourney/jobs/${await newJob('completes', 600)}`, { headers }),
      fetch(`${googleFlow.url}/v1/google-flow/jobs/${await newJob('completes', 600, { upstream: 'google-flow' })}`, { headers }),
      fetch(`${dreamina.url}/v1/dreamina/images/${await newJob('completes', 600, { upstream: 'dreamina', kind: 'image' })}`, { headers }),
      fetch(`${mjProxy.baseUrl}/task/${await newJob('completes', 600, { upstream: 'mj-proxy' })}/fetch`, { headers: mjProxy.authHeaders() }),
    ]);
    await post('/api/account', { status: null });
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 200]);
  });
});
