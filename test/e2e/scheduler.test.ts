import { afterEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { ALICE, messageText, POLL_MS, World } from './world';

let world: World;
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

/** Jobs that render for `runMs` and then complete. */
function jobs(count: number, runMs: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'progress', progress: 5 },
        { afterMs: runMs / 2, status: 'progress', progress: 50 },
        { afterMs: runMs + i * 40, status: 'completed' },
      ],
    });
    return jobid;
  });
}

describe('scheduler against the useapi emulator', () => {
  it('with many jobs, reads the list of running jobs instead of asking each job "done yet?"', async () => {
    world = await World.start();
    const ids = jobs(8, 2000);
    for (const jobid of ids) await world.track(ALICE, jobid);
    for (const jobid of ids) await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 8000);
    expect(world.useapi.listReads()).toBeGreaterThan(5);
    // Without the list, a rendering job is read every POLL_MS (about 33 times in 2 s); with it,
    // only rarely for progress (the policy's progress interval), plus the final read.
    const perJob = ids.map((jobid) => world.useapi.jobReads(jobid));
    expect(Math.max(...perJob)).toBeLessThan(2000 / POLL_MS / 2);
    await world.dmsArrive(ALICE.id, 8);
  });

  it('falls back to per-job polling when the list fails', async () => {
    world = await World.start();
    world.useapi.queueListFaults(...Array.from({ length: 50 }, () => ({ kind: 'status' as const, status: 500 })));
    const ids = jobs(5, 800);
    for (const jobid of ids) await world.track(ALICE, jobid);
    for (const jobid of ids) await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 8000);
    expect(world.useapi.requests.filter((r) => r.route === 'list' && r.status === 200)).toHaveLength(0);
  });

  it('never exceeds the global upstream budget, however many jobs', async () => {
    world = await World.start({ env: { UPSTREAM_MAX_RPS: '15' } });
    const ids = jobs(12, 1500);
    for (const jobid of ids) await world.track(ALICE, jobid);
    for (const jobid of ids) await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 15_000);
    const times = world.useapi.requests.map((r) => r.time).sort((a, b) => a - b);
    const busiestSecond = Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));
    expect(busiestSecond).toBeLessThanOrEqual(15);
    expect(busiestSecond).toBeGreaterThanOrEqual(10); // the budget was actually the limit
  }, 30_000);

  it('many jobs in one rate-limited channel: no 429, final states first, never an older state after a newer one', async () => {
    world = await World.start({ discord: { rateLimits: { perChannelMessages: { limit: 3, windowMs: 600 } } } });
    const ids = jobs(8, 1200);
    // Tokens spent (as 15 minutes after /track): every edit shares the channel's bucket.
    for (const jobid of ids) world.discord.expireInteraction((await world.track(ALICE, jobid, { dm: false })).id);
    for (const jobid of ids) await world.messageShows(ALICE.id, jobid, /Completed/, undefined, 15_000);
    expect(world.discord.counters.rateLimited429).toBe(0);
    expect(world.discord.counters.bucketExhausted).toBeGreaterThan(0); // the limit was really met
    for (const jobid of ids) {
      const versions = (await world.trackingMessage(ALICE.id, jobid)).versions.map((v) => messageText(v));
      const finalAt = versions.findIndex((t) => /Completed/.test(t));
      expect(finalAt).toBe(versions.length - 1);
      const percents = versions.map((t) => Number(/(\d+)%/.exec(t)?.[1] ?? 0));
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
    }
  }, 30_000);
});
