/**
 * A completed job's re-hosted files, end to end: the real bot between the loopback Discord (which
 * checks V2 bodies and uploads) and the useapi emulator, with the files stored in the real SQLite
 * file as the downloader stores them.
 */
import { MessageFlags } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadJob } from '../../src/db/jobs';
import { requestMedia, saveResultFiles, type ResultFile } from '../../src/db/media';
import type { FakeMessage } from '../../src/playground/discord';
import { makeJobId, timeline } from '../../src/playground/useapi';
import { kill, startBotProcess, type BotProcess } from './botProcess';
import { ALICE, CHANNEL, messageText, World } from './world';

let world: World;
let child: BotProcess | null = null;
afterEach(async () => {
  child?.proc.kill('SIGKILL');
  child = null;
  world.discord.assertClean();
  await world.close();
});

/** Upstream hosts that tie a result to the Midjourney account, and the query of a signed, expiring URL. */
const PRIVATE_OR_SIGNED = /cdn\.midjourney\.com|[?&](ex|is|hm|Expires|Signature|X-Amz-Signature|x-expires|x-signature)=/i;
const V2 = MessageFlags.IsComponentsV2;

/** One stored file per media entry of the completed job, as the downloader would store them. */
function filesOf(jobid: string, size = 64): ResultFile[] {
  const media = loadJob(world.db, jobid)!.reading!.media;
  return media.map((m, i) => {
    const name = m.role === 'grid' ? 'grid.png' : m.kind === 'video' ? `video-${i}.mp4` : `image-${i}.png`;
    const bytes = Buffer.alloc(size, i + 1);
    return { position: i, name, contentType: m.kind === 'video' ? 'video/mp4' : 'image/png', sourceIndex: i, kind: m.kind, bytes };
  });
}

/** A job that runs long enough for the test to ask for its files before it completes, even on a busy machine. */
function addJob(prompt?: string): string {
  const jobid = makeJobId();
  world.useapi.addJob({ jobid, prompt, steps: timeline({ queueMs: 300, runMs: 1500, stepMs: 300, outcome: 'completed' }) });
  return jobid;
}

async function completedWhileFetching(jobid: string): Promise<void> {
  await world.discord.waitFor(() => loadJob(world.db, jobid) !== undefined, 3000, 'the job row');
  requestMedia(world.db, jobid, Date.now());
  await world.discord.waitFor(() => loadJob(world.db, jobid)?.terminal === true, 5000, 'the job to complete');
}

function galleryItems(message: FakeMessage): Array<{ media: { url: string }; description: string | null }> {
  const items: Array<{ media: { url: string }; description: string | null }> = [];
  const walk = (list: unknown) => {
    for (const c of (Array.isArray(list) ? list : []) as Array<Record<string, unknown>>) {
      if (c.type === 12) items.push(...(c.items as typeof items));
      walk(c.components);
    }
  };
  walk(message.data.components);
  return items;
}

async function servedBytes(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe('re-hosted results in a gallery', () => {
  it('the final message and the DM hold the uploaded images; no Midjourney CDN or signed link in the public message', async () => {
    world = await World.start();
    const jobid = addJob('a lighthouse at dusk');
    await world.track(ALICE, jobid);
    const message = await world.trackingMessage(ALICE.id, jobid);
    await completedWhileFetching(jobid);
    // While the files are fetched the message waits: it never shows the links.
    await world.pollerCatchesUp(2);
    expect(messageText(message.data)).not.toMatch(/Completed/);

    const files = filesOf(jobid);
    saveResultFiles(world.db, jobid, files, null, Date.now());
    await world.discord.waitFor(() => (message.data.flags & V2) !== 0, 5000, 'the gallery');

    const images = files.filter((f) => f.name.startsWith('image-'));
    expect(images).toHaveLength(4);
    expect(message.data.embeds).toEqual([]);
    expect(message.data.attachments.map((a) => a.filename)).toEqual(images.map((f) => f.name));
    const items = galleryItems(message);
    expect(items.map((i) => i.description)).toEqual(['Image 1', 'Image 2', 'Image 3', 'Image 4']);
    expect(await servedBytes(items[0]!.media.url)).toEqual(images[0]!.bytes);
    expect(messageText(message.data)).toMatch(/Completed/);
    expect(messageText(message.data)).toContain('a lighthouse at dusk');
    for (const version of message.versions) expect(JSON.stringify(version)).not.toMatch(PRIVATE_OR_SIGNED);
    expect(JSON.stringify(message.data)).not.toMatch(PRIVATE_OR_SIGNED);

    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(dm!.data.flags & V2).toBe(V2);
    expect(dm!.data.attachments).toHaveLength(4);
    expect(await servedBytes(galleryItems(dm!)[3]!.media.url)).toEqual(images[3]!.bytes);
    const dmText = messageText(dm!.data);
    expect(dmText).toContain('a lighthouse at dusk');
    expect(dmText).toContain(`/channels/${world.discord.guilds[0]!.id}/${CHANNEL}/${message.id}`);
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('files that could not be fetched: links and the plain explanation, in the message and the DM', async () => {
    world = await World.start();
    const jobid = addJob();
    await world.track(ALICE, jobid);
    await completedWhileFetching(jobid);
    saveResultFiles(world.db, jobid, [], 'The result files could not be downloaded, so they are shown as links.', Date.now());

    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(message.data.flags & V2).toBe(0);
    expect(messageText(message.data)).toContain('could not be downloaded, so they are shown as links');
    expect(JSON.stringify(message.data.components)).toContain('https://');
    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dm!.data)).toContain('could not be downloaded');
  });

  it('files over the upload limit: Discord answers 413 40005 once, then links with the reason; one message, one DM', async () => {
    world = await World.start({ discord: { uploadLimitBytes: 1000 } });
    const jobid = addJob();
    await world.track(ALICE, jobid);
    await completedWhileFetching(jobid);
    saveResultFiles(world.db, jobid, filesOf(jobid, 400), null, Date.now());

    const message = await world.messageShows(ALICE.id, jobid, /too large to upload/);
    expect(message.data.flags & V2).toBe(0);
    await world.dmsArrive(ALICE.id, 1);
    await world.deliveryIdle();
    expect(world.discord.requests.filter((r) => r.status === 413)).toHaveLength(1);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(messageText(world.discord.dmsTo(ALICE.id)[0]!.data)).toContain('too large to upload');
  });

  it.each([
    ['message_created', 'after the gallery was posted, before its id was stored'],
    ['outbox_sent', 'after the DM with the images was sent, before it was marked sent'],
  ])('a SIGKILL at %s (%s) posts nothing twice', async (point) => {
    // Short backoffs: the posts refused below must not leave a lane waiting past the test's patience.
    world = await World.start({ inProcess: false, env: { DISCORD_RETRY_BASE_MS: '50', DISCORD_RETRY_MAX_MS: '200' } });
    // No message before the files are stored, so the first post is the gallery.
    world.discord.failFor('POST /channels/:id/messages', 503, 60_000);
    child = await startBotProcess({ ...world.env, TRACKER_CRASH_AT: `${point}:1` });
    // Made once the bot is up, so it is still running when the test asks for its files.
    const jobid = addJob();
    await world.track(ALICE, jobid);
    await completedWhileFetching(jobid);
    world.discord.clearFailures();
    saveResultFiles(world.db, jobid, filesOf(jobid), null, Date.now());
    expect(await child.exited).toBeNull();
    expect(child.stderr()).toContain(`crash_point ${point}`);

    child = await startBotProcess(world.env);
    await world.dmsArrive(ALICE.id, 1, 10_000);
    await world.deliveryIdle(10_000);
    const messages = world.discord.channelMessages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.data.attachments).toHaveLength(4);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)[0]!.data.attachments).toHaveLength(4);
    expect(world.discord.requests.some((r) => r.dedupedByNonce)).toBe(true);
    expect(await kill(child, 'SIGTERM')).toBe(0);
    child = null;
  }, 30_000);
});
