import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertJob } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { enqueue } from '../../src/db/outbox';
import { jobs, subscriptions } from '../../src/db/schema';
import { follow, staleSubscriptions } from '../../src/db/subscriptions';
import { createDiscordClient } from '../../src/discord/client';
import { createDelivery, type Delivery } from '../../src/discord/delivery';
import { createLogger } from '../../src/log';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type RecordedRequest } from '../../src/playground/discord';
import { makeJobId } from '../../src/playground/useapi';

const T0 = 1_700_000_000_000;
const GUILD = '900000000000000001';
const CHANNEL = '910000000000000001';
const OTHER_CHANNEL = '910000000000000002';
const USER = '800000000000000001';

let discord: FakeDiscord | undefined;
let delivery: Delivery | undefined;
let db: Db;
let dir: string;
let t: number;

async function setUp(opts: { rateLimits?: FakeDiscordOptions['rateLimits']; clock?: 'injected' | 'real' }): Promise<void> {
  discord = await startFakeDiscord({ guilds: [{ id: GUILD, channels: [{ id: CHANNEL }, { id: OTHER_CHANNEL }] }], rateLimits: opts.rateLimits ?? false });
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
function track(n: number, channelId = CHANNEL): void {
  const jobId = makeJobId({ at: new Date(T0 + n * 1000), suffix: n });
  jobIds[n] = jobId;
  insertJob(db, { jobId, upstream: 'useapi-midjourney', account: 'useapi', scope: null }, { trackedAt: T0, nextPollAt: T0, problem: null });
  db.update(jobs).set({ status: 'running', progress: 10 }).where(eq(jobs.jobId, jobId)).run();
  const sub = follow(db, undefined, { jobId, userId: `${USER.slice(0, -2)}${String(n).padStart(2, '0')}`, guildId: GUILD, channelId, dm: false }, T0);
  expect(sub.id).toBe(n);
}

function progress(n: number, percent: number): void {
  db.update(jobs).set({ progress: percent, version: sql`${jobs.version} + 1` }).where(eq(jobs.jobId, jobIds[n]!)).run();
}

function end(n: number, finishedAt: number): void {
  db.update(jobs)
    .set({ status: 'completed', progress: 100, terminal: true, finishedAt, nextPollAt: null, version: sql`${jobs.version} + 1` })
    .where(eq(jobs.jobId, jobIds[n]!))
    .run();
}

const isChannelMessage = (r: RecordedRequest) => r.path.startsWith(`/channels/${CHANNEL}/messages`) && r.status === 200;

/** Which subscription (or outbox row) each request to the channel was for: `post 3`, `edit 3`, `effect`. */
function sent(requests: readonly RecordedRequest[]): string[] {
  const subOfMessage = new Map(db.select().from(subscriptions).all().map((s) => [s.messageId, s.id]));
  return requests.filter(isChannelMessage).map((r) => {
    if (r.method === 'PATCH') return `edit ${subOfMessage.get(r.path.split('/')[4]!)}`;
    const nonce = String((r.body as { nonce?: string }).nonce);
    return nonce.startsWith('o') ? 'effect' : `post ${nonce.slice(1)}`;
  });
}

const allShown = () => staleSubscriptions(db, 1).length === 0;

/** Scans until a scan sends nothing and nothing is in flight: what delivery would send now has been sent. */
async function settle(): Promise<void> {
  for (;;) {
    const before = discord!.requests.length;
    await delivery!.flush();
    if (discord!.requests.length === before && delivery!.stats().inFlight === 0) return;
  }
}

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
  it('sends every final state first, in the order the jobs ended, then new messages, then progress', async () => {
    await setUp({ rateLimits: { perChannelMessages: { limit: 5, windowMs: 400 } } });
    const fake = discord!;
    delivery!.start();
    for (let n = 1; n <= 6; n++) track(n);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'six tracking messages posted');

    const mark = fake.requests.length;
    progress(1, 50);
    progress(2, 40);
    // Job 8 ends before its message is posted: its final state is a post.
    track(7);
    track(8);
    end(6, T0 + 10);
    end(4, T0 + 20);
    end(8, T0 + 30);
    end(3, T0 + 40);
    end(5, T0 + 50);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'every message up to date');

    expect(sent(fake.requests.slice(mark))).toEqual(['edit 6', 'edit 4', 'post 8', 'edit 3', 'edit 5', 'post 7', 'edit 1', 'edit 2']);
    expect(fake.counters.rateLimited429).toBe(0);
    // A final state is the last thing each message shows.
    for (const n of [3, 4, 5, 6]) {
      const messageId = db.select().from(subscriptions).where(eq(subscriptions.id, n)).get()!.messageId!;
      expect(fake.message(CHANNEL, messageId)!.versions).toHaveLength(2);
    }
    fake.assertClean();
  });

  it('holds progress back near the end of the bucket, and sends it when the bucket is full again', async () => {
    const windowMs = 1000;
    await setUp({ rateLimits: { perChannelMessages: { limit: 5, windowMs } } });
    const fake = discord!;
    delivery!.start();
    for (let n = 1; n <= 4; n++) track(n);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'four tracking messages posted');
    const firstPost = fake.requests.find(isChannelMessage)!;

    // One request is left in this window: progress leaves it to final states and outbox posts.
    for (let n = 1; n <= 4; n++) progress(n, 30);
    delivery!.wake();
    await fake.waitFor(allShown, 5000, 'the progress edits, once the bucket is full again');

    const edits = fake.requests.filter((r) => isChannelMessage(r) && r.method === 'PATCH');
    expect(edits).toHaveLength(4);
    expect(edits[0]!.at).toBeGreaterThanOrEqual(firstPost.at + windowMs);
  });
});

describe('the last requests of a rate-limit window', () => {
  it('are kept for final states: new tracking messages wait for the next window', async () => {
    await setUp({ clock: 'injected', rateLimits: { perChannelMessages: { limit: 5, windowMs: 60_000 } } });
    delivery!.start(); // listens to Discord's rate-limit headers
    for (let n = 1; n <= 6; n++) track(n);
    await settle();
    expect(sent(discord!.requests)).toEqual(['post 1', 'post 2', 'post 3']);

    // Two jobs end mid-window, one of them before its message was posted.
    end(1, t);
    end(5, t + 1);
    await settle();
    expect(sent(discord!.requests)).toEqual(['post 1', 'post 2', 'post 3', 'edit 1', 'post 5']);
    expect(discord!.counters.rateLimited429).toBe(0);
  });

  it('leave other channels free: what one channel holds back does not crowd them out', async () => {
    await setUp({ clock: 'injected', rateLimits: { perChannelMessages: { limit: 5, windowMs: 60_000 } } });
    delivery!.start();
    for (let n = 1; n <= 12; n++) track(n);
    await settle();
    expect(sent(discord!.requests)).toEqual(['post 1', 'post 2', 'post 3']);

    // Nine held-back posts in the first channel, more than a scan takes.
    track(13, OTHER_CHANNEL);
    await settle();
    expect(discord!.channelMessages(OTHER_CHANNEL)).toHaveLength(1);
  });
});

describe('where outbox posts to a channel rank', () => {
  it('after final states, before new tracking messages and progress', async () => {
    await setUp({ clock: 'injected' });
    track(1);
    track(2);
    await delivery!.flush();
    await delivery!.flush();
    progress(1, 60);
    end(2, t);
    track(3);
    enqueue(db, { kind: 'account_alert', dedupeKey: 'alert:1', channelId: CHANNEL, payload: { kind: 'unauthorized', detail: null, affectedJobs: 3, since: t, account: 'useapi' } }, t);
    const mark = discord!.requests.length;

    // One request per channel at a time: each flush sends the channel's most urgent one.
    for (let i = 0; i < 4; i++) await delivery!.flush();
    expect(sent(discord!.requests.slice(mark))).toEqual(['edit 2', 'effect', 'post 3', 'edit 1']);
    discord!.assertClean();
  });
});
