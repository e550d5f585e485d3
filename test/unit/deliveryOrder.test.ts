import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertJob } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { jobs } from '../../src/db/schema';
import { follow, staleSubscriptions } from '../../src/db/subscriptions';
import { createDiscordClient } from '../../src/discord/client';
import { createDelivery, type Delivery } from '../../src/discord/delivery';
import { createLogger } from '../../src/log';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type RecordedRequest } from '../../src/playground/discord';
import { makeJobId } from '../../src/playground/useapi';

const T0 = 1_700_000_000_000;
const GUILD = '900000000000000001';
const CHANNEL = '910000000000000001';
const USER = '800000000000000001';

let discord: FakeDiscord | undefined;
let delivery: Delivery | undefined;
let db: Db;
let dir: string;
let t: number;

async function setUp(opts: { rateLimits?: FakeDiscordOptions['rateLimits']; clock?: 'injected' | 'real' }): Promise<void> {
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }], rateLimits: opts.rateLimits ?? false });
  const client = createDiscordClient(discord.apiUrl);
  client.rest.setToken(discord.token);
  delivery = createDelivery({
    db,
    rest: client.rest,
    log: createLogger({ level: 'silent', secrets: [] }),
    ...(opts.clock === 'injected' ? { now: () => t } : {}),
    random: () => 0.5,
    // Only Discord's answers and delivery's own timers may wake it.
    idleScanMs: 3_600_000,
  });
}

const jobIds: string[] = [];
/** A running job followed in the channel by subscription `n` (its id), not posted yet. */
function track(n: number): void {
  const jobId = makeJobId({ at: new Date(T0 + n * 1000), suffix: n });
  jobIds[n] = jobId;
  insertJob(db, { jobId, upstream: 'useapi-midjourney', account: 'useapi', scope: null }, { trackedAt: T0, nextPollAt: T0, problem: null });
  db.update(jobs).set({ status: 'running', progress: 10 }).where(eq(jobs.jobId, jobId)).run();
  const sub = follow(db, undefined, { jobId, userId: `${USER.slice(0, -2)}${String(n).padStart(2, '0')}`, guildId: GUILD, channelId: CHANNEL, dm: false }, T0);
  expect(sub.id).toBe(n);
}

function progress(n: number, percent: number): void {
  db.update(jobs).set({ progress: percent, version: sql`${jobs.version} + 1` }).where(eq(jobs.jobId, jobIds[n]!)).run();
}

const isChannelMessage = (r: RecordedRequest) => r.path.startsWith(`/channels/${CHANNEL}/messages`) && r.status === 200;

const allShown = () => staleSubscriptions(db, 1).length === 0;

beforeEach(() => {
  t = T0;
  dir = mkdtempSync(join(tmpdir(), 'tracker-delivery-order-'));
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

describe('a channel that owes more than its rate limit allows', () => {
  it('holds progress back near the end of the bucket, and sends it when the bucket is full again', async () => {
    const windowMs = 1000;
    await setUp({ rateLimits: { perChannelMessages: { limit: 5, windowMs } } });
    const fake = discord!;
    delivery!.start();
    for (let n = 1; n <= 4; n++) track(n);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'four tracking messages posted');
    const firstPost = fake.requests.find(isChannelMessage)!;

    // One request is left in this window: progress leaves it to final states and new messages.
    for (let n = 1; n <= 4; n++) progress(n, 30);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'the progress edits, once the bucket is full again');

    const edits = fake.requests.filter((r) => isChannelMessage(r) && r.method === 'PATCH');
    expect(edits).toHaveLength(4);
    expect(edits[0]!.at).toBeGreaterThanOrEqual(firstPost.at + windowMs);
  });
});
