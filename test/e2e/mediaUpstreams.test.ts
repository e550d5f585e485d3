/** Re-hosting each upstream's results from its emulator over https: the bytes stored are the bytes served. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadJob } from '../../src/db/jobs';
import { loadResultFiles, mediaAttempts } from '../../src/db/media';
import { makeDreaminaJobId } from '../../src/playground/dreamina';
import { makeGoogleFlowJobId } from '../../src/playground/google-flow';
import { makeJobId } from '../../src/playground/useapi';
import { MediaWorld } from './mediaWorld';

const HOUR = 60 * 60 * 1000;
let world: MediaWorld;
afterEach(async () => world?.close());

/** A Midjourney image job that completed a minute ago. */
function midjourneyJob(w: MediaWorld): string {
  const jobid = makeJobId();
  w.useapi.addJob({ jobid, startAt: Date.now() - 60_000, steps: [{ afterMs: 0, status: 'started' }, { afterMs: 1000, status: 'completed' }] });
  return jobid;
}

async function expectSameBytes(w: MediaWorld, jobId: string, names: string[]): Promise<void> {
  const stored = loadResultFiles(w.db, jobId)!;
  expect(stored.files.map((f) => f.name)).toEqual(names);
  const media = loadJob(w.db, jobId)!.reading!.media;
  for (const file of stored.files) {
    const source = media[file.sourceIndex]!;
    const link = file.name.startsWith('still-') ? source.preview! : source.url;
    expect(file.bytes.equals(await w.emulatorBytes(link)), file.name).toBe(true);
  }
}

describe('re-hosting from the emulators over https', () => {
  it('Midjourney: the four images and the grid, with browser headers and no token', async () => {
    world = await MediaWorld.start();
    const jobid = midjourneyJob(world);
    await world.completedFromUpstream(jobid);
    const rehost = world.rehost();

    expect(rehost.filesFor(jobid)).toEqual({ state: 'pending', files: [], note: null });
    await world.settled(jobid);

    const stored = loadResultFiles(world.db, jobid)!;
    expect(stored.state).toBe('ready');
    expect(stored.note).toBeNull();
    expect(stored.files.every((f) => f.contentType === 'image/png' && f.kind === 'image')).toBe(true);
    await expectSameBytes(world, jobid, ['image-1.png', 'image-2.png', 'image-3.png', 'image-4.png', 'grid.png']);
    expect(rehost.filesFor(jobid)).toEqual(stored);

    const hosts = world.cdn.requests.map((r) => r.path.split('/')[1]);
    expect(hosts.sort()).toEqual(['cdn.discordapp.com', ...Array<string>(4).fill('cdn.midjourney.com')]);
    for (const request of world.cdn.requests) {
      expect(request.headers['user-agent']).toMatch(/^Mozilla\/5\.0 /);
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(world.useapi.token);
    }
  });

  it('Google Flow: an expired signed link is signed afresh through /assets, once', async () => {
    world = await MediaWorld.start();
    const jobid = makeGoogleFlowJobId({ type: 'i' });
    // Completed two hours ago: the record's links (valid one hour) have expired.
    world.googleFlow.addJob({ jobid, count: 2, startAt: Date.now() - 2 * HOUR, steps: [{ afterMs: 0, status: 'completed' }] });
    await world.completedFromUpstream(jobid);
    const original = loadJob(world.db, jobid)!.reading!.media.map((m) => m.url);
    expect((await fetch(original[0]!)).status).toBe(403);

    world.rehost().filesFor(jobid);
    await world.settled(jobid);

    const stored = loadResultFiles(world.db, jobid)!;
    expect(stored).toMatchObject({ state: 'ready', note: null });
    expect(stored.files.map((f) => f.name)).toEqual(['image-1.png', 'image-2.png']);
    expect(world.googleFlow.requests.filter((r) => r.route === 'asset')).toHaveLength(2);
    // The test's own look at the first link, then each file: its expired link (403) and the fresh one.
    expect(world.cdn.requests).toHaveLength(5);
    const ids = loadJob(world.db, jobid)!.reading!.media.map((m) => m.id!);
    for (const [n, file] of stored.files.entries()) {
      const asset = await fetch(`${world.useapi.url}/v1/google-flow/assets/${ids[n]}`, { headers: { authorization: `Bearer ${world.useapi.token}` } });
      expect(file.bytes.equals(await world.emulatorBytes(((await asset.json()) as { url: string }).url))).toBe(true);
    }
  });

  it('Dreamina: the video and its still', async () => {
    world = await MediaWorld.start();
    const jobid = makeDreaminaJobId({ type: 'v' });
    world.dreamina.addJob({ jobid, startAt: Date.now() - 60_000, steps: [{ afterMs: 0, status: 'completed' }] });
    await world.completedFromUpstream(jobid);

    world.rehost().filesFor(jobid);
    await world.settled(jobid);

    const stored = loadResultFiles(world.db, jobid)!;
    expect(stored).toMatchObject({ state: 'ready', note: null });
    expect(stored.files.map((f) => [f.name, f.kind, f.contentType])).toEqual([
      ['video-1.mp4', 'video', 'video/mp4'],
      ['still-1.png', 'image', 'image/png'],
    ]);
    await expectSameBytes(world, jobid, ['video-1.mp4', 'still-1.png']);
  });
});

describe('retries, limits and restarts', () => {
  it('a 5xx is tried again after a pause, and then the files are kept', async () => {
    world = await MediaWorld.start();
    const jobid = midjourneyJob(world);
    await world.completedFromUpstream(jobid);
    world.cdn.queueFaults(503);

    world.rehost().filesFor(jobid);
    await world.settled(jobid);

    expect(loadResultFiles(world.db, jobid)).toMatchObject({ state: 'ready', note: null });
    expect(loadResultFiles(world.db, jobid)!.files).toHaveLength(5);
    expect(mediaAttempts(world.db, jobid)).toBe(1);
    expect(world.cdn.requests).toHaveLength(10); // the first try fetched all five, the second all five again
  });

  it('when every try fails the job has no files, a plain note, and is not tried again', async () => {
    world = await MediaWorld.start({ MEDIA_ATTEMPTS: '2' });
    const jobid = midjourneyJob(world);
    await world.completedFromUpstream(jobid);
    world.cdn.queueFaults(...Array<number>(10).fill(502));

    const rehost = world.rehost();
    rehost.filesFor(jobid);
    await world.settled(jobid);

    expect(loadResultFiles(world.db, jobid)).toEqual({ state: 'failed', files: [], note: 'The images could not be downloaded (the CDN answered 502), so they are linked.' });
    expect(world.cdn.requests).toHaveLength(10);
    expect(rehost.stats().files.failed).toBe(10);
    expect(rehost.filesFor(jobid)!.state).toBe('failed');
  });

  it('never more than MEDIA_CONCURRENCY downloads at once', async () => {
    world = await MediaWorld.start({ MEDIA_CONCURRENCY: '2' });
    const jobs = [0, 1, 2, 3].map(() => midjourneyJob(world));
    for (const jobid of jobs) await world.completedFromUpstream(jobid);

    const rehost = world.rehost();
    for (const jobid of jobs) rehost.filesFor(jobid);
    await Promise.all(jobs.map((jobid) => world.settled(jobid)));

    expect(world.cdn.requests).toHaveLength(20);
    expect(world.cdn.concurrency().max).toBe(2);
    for (const jobid of jobs) expect(loadResultFiles(world.db, jobid)!.files).toHaveLength(5);
  });

  it('a download cut short by a stop is resumed by the next start', async () => {
    world = await MediaWorld.start();
    const jobid = midjourneyJob(world);
    await world.completedFromUpstream(jobid);
    world.cdn.queueFaults('hang');

    const first = world.rehost();
    first.filesFor(jobid);
    await expect.poll(() => world.cdn.requests.length).toBe(1);
    await first.stop();
    expect(loadResultFiles(world.db, jobid)).toEqual({ state: 'pending', files: [], note: null });

    world.rehost();
    await world.settled(jobid);
    expect(loadResultFiles(world.db, jobid)).toMatchObject({ state: 'ready', note: null });
    expect(mediaAttempts(world.db, jobid)).toBe(0);
  });

  it('RESULT_MEDIA=link asks for nothing', async () => {
    world = await MediaWorld.start({ RESULT_MEDIA: 'link' });
    const jobid = midjourneyJob(world);
    await world.completedFromUpstream(jobid);
    expect(world.rehost().filesFor(jobid)).toBeNull();
    expect(loadResultFiles(world.db, jobid)).toBeNull();
    expect(world.cdn.requests).toHaveLength(0);
  });
});
