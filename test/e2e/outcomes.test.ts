import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedCompletedStep, makeJobId } from '../../src/playground/useapi';
import { ALICE, messageText, World } from './world';

let world: World;
beforeEach(async () => {
  world = await World.start();
});
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

describe('every way a job can end, end to end', () => {
  it('failed: shows the error, its details and code, and DMs once', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'started' },
        { afterMs: 150, status: 'progress', progress: 30 },
        { afterMs: 300, status: 'failed', error: 'Failed to process your command :c', errorDetails: 'Invalid parameter --ar 99:1', code: 400 },
      ],
    });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Failed/);
    const text = messageText(message.data);
    expect(text).toContain('Failed to process your command');
    expect(text).toContain('Invalid parameter --ar 99:1');
    expect(text).toContain('400');
    const dms = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dms[0]!.data)).toMatch(/failed/i);
  });

  it('progress comes from Midjourney\'s status words, not from a percentage in the prompt', async () => {
    const jobid = makeJobId();
    // Like real records: the message text only, no progress_percent.
    const statusWords = (words: string) => ({ response: { content: `**sale (90%) poster** - <@1111111111111111111> ${words}` } });
    world.useapi.addJob({
      jobid,
      prompt: 'sale (90%) poster',
      steps: [
        { afterMs: 0, status: 'started', extra: statusWords('(Waiting to start)') },
        { afterMs: 150, status: 'progress', extra: statusWords('(31%) (fast)') },
        { afterMs: 1150, status: 'completed' },
      ],
    });
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Rendering — 31%/);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(message.versions.map((v) => messageText(v)).filter((t) => /\b90%(?!\) poster)/.test(t))).toEqual([]);
  });

  it('moderated: marked as moderated with Midjourney\'s moderation details, and DMs once', async () => {
    const jobid = world.addJob('moderated');
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Moderated/i);
    expect(messageText(message.data)).toContain('Action needed to continue');
    const dms = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dms[0]!.data)).toMatch(/moderated/i);
  });

  it('completed, as the real API sends it (raw Discord message, no progress_percent): result images and a DM', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, steps: [{ afterMs: 0, status: 'progress', progress: 50 }, capturedCompletedStep(200)] });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /Completed/);
    expect(messageText(message.data)).toContain('Image 4');
    const dms = await world.dmsArrive(ALICE.id, 1);
    expect(messageText(dms[0]!.data)).toMatch(/is done/);
  });

  it('401: every affected message shows the token problem; polling pauses, then resumes and finishes', async () => {
    const first = world.addJob('completed');
    const second = world.addJob('completed');
    world.useapi.setAccountFault(401);
    await world.track(ALICE, first);
    await world.track(ALICE, second);
    await world.messageShows(ALICE.id, first, /token refused \(401\)/i);
    await world.messageShows(ALICE.id, second, /token refused \(401\)/i);
    // Paused: one probe at a time, not one read per job per poll.
    const before = world.useapi.requests.length;
    await world.pollerCatchesUp(8);
    expect(world.useapi.requests.length - before).toBeLessThanOrEqual(1);

    world.useapi.setAccountFault(null);
    // The probe interval is at least 30 s; bring it forward instead of waiting.
    world.db.$client.prepare('update upstream_account set next_probe_at = 0').run();
    await world.messageShows(ALICE.id, first, /Completed/, undefined, 8000);
    await world.messageShows(ALICE.id, second, /Completed/, undefined, 8000);
    await world.dmsArrive(ALICE.id, 2);
    await world.deliveryIdle();
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(2);
  });

  it('402: shows the subscription problem', async () => {
    const jobid = world.addJob('completed');
    world.useapi.setAccountFault(402);
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /subscription inactive \(402\)/i);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(0);
  });

  it('404: after a short grace the job is "not found", and polling stops', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, gone: 404, steps: [] });
    await world.track(ALICE, jobid);
    const message = await world.messageShows(ALICE.id, jobid, /not found \(404\)/i);
    // Within a few polls it says so, once, not at every poll of the grace.
    const notYet = message.versions.map((v) => messageText(v)).filter((t) => /Not found yet \(404\)/.test(t));
    expect(notYet).toHaveLength(1);
    expect(notYet[0]).toMatch(/still checking until <t:\d+:T>/);
    const reads = world.useapi.jobReads(jobid);
    expect(reads).toBeGreaterThan(1);
    await world.pollerCatchesUp();
    expect(world.useapi.jobReads(jobid)).toBe(reads);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(0);
  });

  it('a job that appears during the 404 grace is followed normally', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, visibleAfterMs: 150, steps: [{ afterMs: 0, status: 'started' }, { afterMs: 300, status: 'completed' }] });
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/);
  });

  it('410: expired, final at once', async () => {
    const jobid = makeJobId();
    world.useapi.addJob({ jobid, gone: 410, steps: [] });
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /expired \(410\)/i);
    await world.pollerCatchesUp();
    expect(world.useapi.jobReads(jobid)).toBe(1);
  });

  it('rides out 429 with Retry-After, 5xx, slow, malformed and reset answers', async () => {
    const jobid = world.addJob('completed');
    world.useapi.queueFaults(
      jobid,
      { kind: 'status', status: 429, retryAfter: '0.2' },
      { kind: 'status', status: 503 },
      { kind: 'slow', delayMs: 800 },
      { kind: 'malformed' },
      { kind: 'wrong-shape' },
      { kind: 'reset' },
    );
    await world.track(ALICE, jobid);
    await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 10_000);
    const statuses = world.useapi.requests.filter((r) => r.jobid === jobid).map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([429, 503]);
    const afterRetryAfter = world.useapi.requests.filter((r) => r.jobid === jobid).map((r) => r.time);
    expect(afterRetryAfter[1]! - afterRetryAfter[0]!).toBeGreaterThanOrEqual(200);
    await world.dmsArrive(ALICE.id, 1);
  });
});
