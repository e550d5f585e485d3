/** /track with fuzzed ids through the real bot: a clear ephemeral answer, nothing stored, useapi never asked. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobId } from '../../src/upstreams/useapi-midjourney/jobId';
import { ALICE, World } from './world';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(async () => {
  world.discord.assertClean();
  await world.close();
});

const J = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
/** Ids that are almost right are the interesting ones: mutate a real one, or send anything at all. */
const nearlyAnId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.tuple(fc.nat({ max: J.length }), fc.string({ unit: 'binary', maxLength: 3 })).map(([at, junk]) => J.slice(0, at) + junk + J.slice(at + 1)),
  fc.constantFrom('job:20250822143812123-user:12345-channel:1122334455667788990-bot:midjourney', '   ', '%E0%A4%A', `${J}%00`, J.toUpperCase(), J.repeat(3)),
);

describe('/track with fuzzed ids', () => {
  it('answers every malformed id privately, stores nothing and asks useapi nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyAnId, async (input) => {
        // A mutation that lands on a digit can still make a well-formed id: that one is not bad input.
        fc.pre(!parseJobId(input).ok);
        const reply = await world.track(ALICE, input);
        expect(reply.ephemeral()).toBe(true);
        expect(reply.text().length).toBeGreaterThan(0);
        const rows = world.db.$client.prepare('select (select count(*) from jobs) as jobs, (select count(*) from subscriptions) as subs').get();
        expect(rows).toEqual({ jobs: 0, subs: 0 });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
    expect(world.useapi.requests).toHaveLength(0);
  }, 120_000);
});
