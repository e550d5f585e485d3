import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTEvents, type Client } from 'discord.js';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { insertJob } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { jobs } from '../../src/db/schema';
import { follow, staleSubscriptions } from '../../src/db/subscriptions';
import { createDiscordClient } from '../../src/discord/client';
import { createDelivery, type Delivery } from '../../src/discord/delivery';
import { createLogger, type Logger } from '../../src/log';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord';
import { makeJobId } from '../../src/playground/useapi';

const T0 = 1_700_000_000_000;
const GUILD = '900000000000000001';
const GLOBAL_PER_SECOND = 50;
/** How long Discord's global 429 below holds every request. */
const RETRY_AFTER_MS = 600;
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

/** A running job tracked in each channel: each needs its tracking message posted. */
function trackOneJobIn(channels: ReadonlyArray<{ id: string }>): void {
  channels.forEach(({ id: channelId }, n) => {
    const jobId = makeJobId({ at: new Date(T0 + n * 1000), suffix: n });
    insertJob(db, { jobId, upstream: 'useapi-midjourney', account: 'useapi', scope: null }, { trackedAt: T0, nextPollAt: T0, problem: null });
    db.update(jobs).set({ status: 'running', progress: 10 }).where(eq(jobs.jobId, jobId)).run();
    follow(db, undefined, { jobId, userId: `8000000000000${String(n).padStart(5, '0')}`, guildId: GUILD, channelId, dm: false }, T0);
  });
}

/** A discord.js client of the loopback Discord, REST only. */
function clientOfFake(): Client {
  const client = createDiscordClient(discord!.apiUrl);
  client.rest.setToken(discord!.token);
  return client;
}

/** Runs delivery through `client` until `count` requests have been answered 200, then stops it. */
async function deliverUntilPosted(client: Client, count: number, opts: { concurrency: number; log?: Logger }): Promise<void> {
  const allPosted = answeredOk(client, count);
  delivery = createDelivery({ db, rest: client.rest, log: opts.log ?? createLogger({ level: 'silent', secrets: [] }), concurrency: opts.concurrency });
  delivery.start();
  await allPosted;
  await delivery.stop();
}

/** Resolves once `count` requests have been answered 200. */
function answeredOk(client: Client, count: number): Promise<void> {
  let ok = 0;
  return new Promise<void>((resolve) =>
    client.rest.on(RESTEvents.Response, (_request, response) => {
      if (response.status === 200 && ++ok === count) resolve();
    }),
  );
}

it("keeps under Discord's global limit when the first request of a second is slow to arrive", async () => {
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels: CHANNELS }], rateLimits: { globalPerSecond: GLOBAL_PER_SECOND } });
  trackOneJobIn(CHANNELS);
  const client = clientOfFake();
  // The first request reaches Discord late (a slow network, a busy server): Discord's second starts
  // with its arrival, later than the client's second, which starts when it is sent.
  discord.setLatency(300);
  client.rest.once(RESTEvents.Response, () => discord!.setLatency(0));
  await deliverUntilPosted(client, CHANNELS.length, { concurrency: 1 });

  expect(staleSubscriptions(db, 1)).toEqual([]);

  expect(discord.requests.filter((r) => r.route === 'POST /channels/:id/messages' && r.status === 200)).toHaveLength(CHANNELS.length);
  expect(discord.counters.rateLimited429).toBe(0);
});

it("keeps under Discord's global limit when a request of one second reaches Discord in the next", async () => {
  const channels = Array.from({ length: 2 * GLOBAL_PER_SECOND + 10 }, (_, i) => ({ id: String(920000000000000000n + BigInt(i)) }));
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels }], rateLimits: { globalPerSecond: GLOBAL_PER_SECOND } });
  trackOneJobIn(channels);
  // The last request of the client's first second reaches Discord late, after Discord's first second
  // ended: it counts in Discord's next one, with the requests the client sends then.
  discord.delayArrivalOfRequest(GLOBAL_PER_SECOND, 1100);
  await deliverUntilPosted(clientOfFake(), channels.length, { concurrency: 4 });

  expect(staleSubscriptions(db, 1)).toEqual([]);
  expect(discord.counters.rateLimited429).toBe(0);
});

it("holds every lane, not only the one that met it, until a global 429's retry-after has passed", async () => {
  const channels = CHANNELS.slice(0, 6);
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels }] });
  trackOneJobIn(channels);
  // Discord's global limit as Discord reports it, met by the first tracking message.
  discord.failNext(
    'POST /channels/:id/messages',
    429,
    1,
    { message: 'You are being rate limited.', retry_after: RETRY_AFTER_MS / 1000, global: true },
    { 'Retry-After': (RETRY_AFTER_MS / 1000).toFixed(3), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
  );
  const client = clientOfFake();
  // discord.js announces each request it holds back before sending it (there, a global limit it knows of).
  const heldBackByDiscordJs: string[] = [];
  client.rest.on(RESTEvents.RateLimited, (info) => heldBackByDiscordJs.push(info.url));
  const postponedLanes: string[] = [];
  const write = (line: string) => {
    const { event, lane } = JSON.parse(line) as { event?: string; lane?: string };
    if (event === 'delivery_postponed' && lane) postponedLanes.push(lane);
  };
  const log = createLogger({ level: 'debug', secrets: [], destination: { write } });
  // One request at a time: with more, those already on their way when the 429 comes back reach
  // Discord during the limit, which no client can prevent.
  await deliverUntilPosted(client, channels.length, { concurrency: 1, log });

  expect(staleSubscriptions(db, 1)).toEqual([]);
  const limited = discord.requests.filter((r) => r.status === 429);
  expect(limited.map((r) => r.path)).toEqual([`/channels/${channels[0]!.id}/messages`]);
  // Nothing reached Discord while the limit lasted...
  const duringLimit = discord.requests.filter((r) => r !== limited[0] && r.at < limited[0]!.at + RETRY_AFTER_MS);
  expect(duringLimit.map((r) => r.path)).toEqual([]);
  // ...because delivery itself waited: it started no other lane's request, for discord.js to hold back or refuse.
  expect(heldBackByDiscordJs).toEqual([]);
  expect(postponedLanes).toEqual([channels[0]!.id]);
});
