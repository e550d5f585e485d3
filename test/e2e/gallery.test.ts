/**
 * A completed job's re-hosted files, end to end: the real bot between the loopback Discord (which
 * checks V2 bodies and uploads) and the useapi emulator, whose records link their media on the
 * https media CDN (TEST-ONLY certificate) that the bot's downloader fetches them from.
 */
import { MessageFlags } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadJob } from '../../src/db/jobs';
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

/** A job that renders for a moment and completes. */
function addJob(prompt?: string): string {
  const jobid = makeJobId();
  world.useapi.addJob({ jobid, prompt, steps: timeline({ queueMs: 300, runMs: 1500, stepMs: 300, outcome: 'completed' }) });
  return jobid;
}

/** The bytes the CDN serves for the media the job's record links, in the record's order. */
async function cdnBytes(jobid: string, kind: 'image' | 'grid'): Promise<Buffer[]> {
  const media = loadJob(world.db, jobid)!.reading!.media.filter((m) => (kind === 'grid' ? m.role === 'grid' : m.role !== 'grid'));
  return Promise.all(media.map((m) => servedBytes(m.url)));
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

/** As a browser asks (the Midjourney CDN turns other clients away). */
async function servedBytes(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url, { headers: { 'user-agent': 'Mozilla/5.0 (test)' } })).arrayBuffer());
}

describe('re-hosted results in a gallery', () => {
  it('the final message and the DM hold the images downloaded from the CDN; no Midjourney CDN or signed link in the public message', async () => {
    world = await World.start({ media: true });
    const jobid = addJob('a lighthouse at dusk');
    await world.track(ALICE, jobid);
    const message = await world.trackingMessage(ALICE.id, jobid);
    await world.discord.waitFor(() => (message.data.flags & V2) !== 0, 10_000, 'the gallery');

    const images = await cdnBytes(jobid, 'image');
    expect(images).toHaveLength(4);
    expect(message.data.embeds).toEqual([]);
    expect(message.data.attachments.map((a) => a.filename)).toEqual(['image-1.png', 'image-2.png', 'image-3.png', 'image-4.png']);
    const items = galleryItems(message);
    expect(items.map((i) => i.description)).toEqual(['Image 1', 'Image 2', 'Image 3', 'Image 4']);
    for (const [i, item] of items.entries()) expect(await servedBytes(item.media.url)).toEqual(images[i]);
    expect(messageText(message.data)).toMatch(/Completed/);
    expect(messageText(message.data)).toContain('a lighthouse at dusk');
    // No version ever linked the results: while the files were fetched, the message waited.
    for (const version of message.versions) expect(JSON.stringify(version)).not.toMatch(PRIVATE_OR_SIGNED);

    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(dm!.data.flags & V2).toBe(V2);
    expect(dm!.data.attachments).toHaveLength(4);
    expect(await servedBytes(galleryItems(dm!)[3]!.media.url)).toEqual(images[3]);
    const dmText = messageText(dm!.data);
    expect(dmText).toContain('a lighthouse at dusk');
    expect(dmText).toContain(`/channels/${world.discord.guilds[0]!.id}/${CHANNEL}/${message.id}`);
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.cdn!.requests.length).toBeGreaterThanOrEqual(4);
  });

  it('files that could not be fetched: links and the plain explanation, in the message and the DM', async () => {
    world = await World.start({ media: true, env: { MEDIA_RETRY_BASE_MS: '20' } });
    world.cdn!.queueFaults(...Array.from({ length: 100 }, () => 503));
    const jobid = addJob();
    await world.track(ALICE, jobid);

    const message = await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 15_000);
    expect(message.data.flags & V2).toBe(0);
    expect(messageText(message.data)).toMatch(/could not be downloaded \(.*\), so they are linked/);
    expect(JSON.stringify(message.data.components)).toContain('https://');
    const [dm] = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dm!.data)).toContain('could not be downloaded');
  });

  it('files over the upload limit: Discord answers 413 40005 once, then links with the reason; one message, one DM', async () => {
    world = await World.start({ media: true, discord: { uploadLimitBytes: 1000 } });
    const jobid = addJob();
    await world.track(ALICE, jobid);

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
    world = await World.start({ media: true, inProcess: false, env: { DISCORD_RETRY_BASE_MS: '50', DISCORD_RETRY_MAX_MS: '200' } });
    // No message before the job has ended, so the first post is the gallery.
    world.discord.failFor('POST /channels/:id/messages', 503, 60_000);
    child = await startBotProcess({ ...world.env, TRACKER_CRASH_AT: `${point}:1` });
    const jobid = addJob();
    // Delivery posts the message (and can crash doing it) only where the /track reply failed.
    if (point === 'message_created') world.trackWithFailedReply(ALICE, jobid);
    else await world.track(ALICE, jobid);
    await world.discord.waitFor(() => loadJob(world.db, jobid)?.terminal === true, 10_000, 'the job to complete');
    world.discord.clearFailures();
    expect(await child.exited).toBeNull();
    expect(child.stderr()).toContain(`crash_point ${point}`);

    child = await startBotProcess(world.env);
    await world.dmsArrive(ALICE.id, 1, 10_000);
    await world.deliveryIdle(10_000);
    const messages = world.discord.channelMessages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.data.attachments, messageText(messages[0]!.data)).toHaveLength(4);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)[0]!.data.attachments).toHaveLength(4);
    expect(world.discord.requests.some((r) => r.dedupedByNonce)).toBe(true);
    expect(await kill(child, 'SIGTERM')).toBe(0);
    child = null;
  }, 30_000);
});
