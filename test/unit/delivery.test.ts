import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueue } from '../../src/db/outbox';
import { openDatabase, type Db } from '../../src/db/open';
import { outbox } from '../../src/db/schema';
import { createDiscordClient } from '../../src/discord/client';
import { createDelivery, OUTBOX_DEADLINE_MS, type Delivery } from '../../src/discord/delivery';
import { createLogger } from '../../src/log';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord';

const T0 = 1_700_000_000_000;
const ALICE = '800000000000000001';

let discord: FakeDiscord;
let db: Db;
let dir: string;
let delivery: Delivery;
let t: number;

function startDelivery(opts: { dmChannelCacheSize?: number } = {}): Delivery {
  const client = createDiscordClient(discord.apiUrl);
  client.rest.setToken(discord.token);
  return createDelivery({ db, rest: client.rest, log: createLogger({ level: 'silent', secrets: [] }), now: () => t, random: () => 0.5, idleScanMs: 3_600_000, ...opts });
}

function warnDm(userId: string, key = userId): number {
  enqueue(db, { kind: 'warn_dm', dedupeKey: `warn:${key}`, userId, payload: { guildName: 'Test server', jobId: 'j1' } }, t);
  return db.select().from(outbox).where(eq(outbox.dedupeKey, `warn:${key}`)).get()!.id;
}

const row = (id: number) => db.select().from(outbox).where(eq(outbox.id, id)).get()!;

beforeEach(async () => {
  t = T0;
  discord = await startFakeDiscord();
  dir = mkdtempSync(join(tmpdir(), 'tracker-delivery-'));
  db = openDatabase(join(dir, 'tracker.db'));
});

afterEach(async () => {
  await delivery.stop();
  db.$client.close();
  await discord.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('delivery through a long Discord outage (injected clock)', () => {
  it('keeps a DM pending with a growing, capped next attempt, then sends it exactly once', async () => {
    delivery = startDelivery();
    const id = warnDm(ALICE);
    discord.failNext('*', 502, Infinity);

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 14; attempt++) {
      await delivery.flush();
      const pending = row(id);
      expect(pending).toMatchObject({ state: 'pending', attempts: attempt });
      delays.push(pending.nextAttemptAt - t);
      t = pending.nextAttemptAt;
    }
    // 1 s, 2 s, 4 s … with jitter 0.5 → three quarters of each ceiling, then capped at 60 s.
    expect(delays.slice(0, 4)).toEqual([750, 1500, 3000, 6000]);
    expect(Math.max(...delays)).toBe(45_000);
    expect(delays.at(-1)).toBe(45_000);
    expect(discord.dmsTo(ALICE)).toHaveLength(0);

    discord.clearFailures();
    await delivery.flush();
    expect(row(id)).toMatchObject({ state: 'sent' });
    t += 120_000;
    await delivery.flush();
    expect(discord.dmsTo(ALICE)).toHaveLength(1);
  });

  it('gives an effect up only once its deadline has passed', async () => {
    delivery = startDelivery();
    const id = warnDm(ALICE);
    discord.failNext('*', 502, Infinity);
    await delivery.flush();
    t = T0 + OUTBOX_DEADLINE_MS - 5000;
    let lastRetryAt = t;
    for (let tries = 0; row(id).state === 'pending' && tries < 10; tries++) {
      lastRetryAt = row(id).nextAttemptAt;
      t = Math.max(t, lastRetryAt);
      await delivery.flush();
    }
    expect(row(id)).toMatchObject({ state: 'failed' });
    expect(lastRetryAt).toBeLessThan(T0 + OUTBOX_DEADLINE_MS);
    expect(row(id).lastError).toMatch(/gave up after 24 h/);
  });

  it('ends at once on a definitive answer (DMs closed)', async () => {
    delivery = startDelivery();
    discord.closeDms(ALICE);
    const id = warnDm(ALICE);
    await delivery.flush();
    expect(row(id)).toMatchObject({ state: 'failed', lastError: 'dms_closed', attempts: 1 });
  });
});

describe('delivery forgets what no longer matters', () => {
  it('prunes lane blocks, failure streaks and buckets once their time has passed, and bounds DM channels', async () => {
    await discord.close();
    discord = await startFakeDiscord({ rateLimits: { perChannelMessages: { limit: 1, windowMs: 60_000 } } });
    delivery = startDelivery({ dmChannelCacheSize: 5 });
    delivery.start(); // listens to Discord's rate-limit headers
    const users = Array.from({ length: 12 }, (_, i) => `8000000000000001${String(i).padStart(2, '0')}`);

    // Every DM lane fails once: a block and a streak per lane.
    discord.failNext('POST /users/@me/channels', 502, Infinity);
    for (const user of users) warnDm(user);
    for (let i = 0; i < 3; i++) await delivery.flush();
    expect(delivery.stats()).toMatchObject({ blockedLanes: 12, failingLanes: 12 });

    // Discord is back: each DM goes out and announces its channel's bucket (1 message a minute).
    discord.clearFailures();
    t += 2000;
    for (let i = 0; i < 3; i++) await delivery.flush();
    expect(discord.counters.dmChannelsCreated).toBe(12);
    const busy = delivery.stats();
    expect(busy.buckets).toBe(12);
    expect(busy.dmChannels).toBe(5);
    expect(busy.failingLanes).toBe(0);

    t += 10 * 60_000;
    await delivery.flush();
    expect(delivery.stats()).toMatchObject({ blockedLanes: 0, failingLanes: 0, buckets: 0, dmChannels: 5, inFlight: 0 });
  });

  it('forgets the failure streak of a lane that has gone quiet', async () => {
    delivery = startDelivery();
    discord.failNext('*', 502, Infinity);
    const id = warnDm(ALICE);
    await delivery.flush();
    // Nothing is left to send on that lane (the effect ended some other way).
    db.update(outbox).set({ state: 'sent' }).where(eq(outbox.id, id)).run();
    expect(delivery.stats().failingLanes).toBe(1);
    t += 10 * 60_000;
    await delivery.flush();
    expect(delivery.stats()).toMatchObject({ blockedLanes: 0, failingLanes: 0 });
  });
});
