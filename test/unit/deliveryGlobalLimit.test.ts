import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTEvents } from 'discord.js';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { insertJob } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { jobs } from '../../src/db/schema';
import { follow, staleSubscriptions } from '../../src/db/subscriptions';
import { createDiscordClient } from '../../src/discord/client';
import { createDelivery, type Delivery } from '../../src/discord/delivery';
import { createLogger } from '../../src/log';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord';
import { makeJobId } from '../../src/playground/useapi';

const T0 = 1_700_000_000_000;
const GUILD = '900000000000000001';
const GLOBAL_PER_SECOND = 50;
/** One more tracking message than the global limit lets through in a second, each in its own channel. */
const CHANNELS = Array.from({ length: GLOBAL_PER_SECOND + 5 }, (_, i) => ({ id: String(910000000000000000n + BigInt(i)) }));

let discord: FakeDiscord | undefined;
let delivery: Delivery | undefined;
let db: Db;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-delivery-global-'));
  db = openDatabase(join(dir, 'tracker.db'));
});

afterEach(async () => {
  await delivery?.stop();
  db.$client.close();
  await discord?.close();
  rmSync(dir, { recursive: true, force: true });
  delivery = undefined;
  discord = undefined;
});

it("keeps under Discord's global limit when the first request of a second is slow to arrive", async () => {
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels: CHANNELS }], rateLimits: { globalPerSecond: GLOBAL_PER_SECOND } });
  CHANNELS.forEach(({ id: channelId }, n) => {
    const jobId = makeJobId({ at: new Date(T0 + n * 1000), suffix: n });
    insertJob(db, { jobId, upstream: 'useapi-midjourney', account: 'useapi', scope: null }, { trackedAt: T0, nextPollAt: T0, problem: null });
    db.update(jobs).set({ status: 'running', progress: 10 }).where(eq(jobs.jobId, jobId)).run();
    follow(db, undefined, { jobId, userId: `8000000000000${String(n).padStart(5, '0')}`, guildId: GUILD, channelId, dm: false }, T0);
  });
  const client = createDiscordClient(discord.apiUrl);
  client.rest.setToken(discord.token);
  // The first request reaches Discord late (a slow network, a busy server): Discord's second starts
  // with its arrival, later than the client's second, which starts when it is sent.
  discord.setLatency(300);
  client.rest.once(RESTEvents.Response, () => discord!.setLatency(0));
  let posted = 0;
  const allPosted = new Promise<void>((resolve) =>
    client.rest.on(RESTEvents.Response, (_request, response) => {
      if (response.status === 200 && ++posted === CHANNELS.length) resolve();
    }),
  );
  delivery = createDelivery({ db, rest: client.rest, log: createLogger({ level: 'silent', secrets: [] }), concurrency: 1 });
  delivery.start();
  await allPosted;
  await delivery.stop();

  expect(staleSubscriptions(db, 1)).toEqual([]);

  expect(discord.requests.filter((r) => r.route === 'POST /channels/:id/messages' && r.status === 200)).toHaveLength(CHANNELS.length);
  expect(discord.counters.rateLimited429).toBe(0);
});
