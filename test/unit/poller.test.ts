import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadAccount } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { guildSettings, jobs, outbox, subscriptions } from '../../src/db/schema';
import { createLogger } from '../../src/log';
import { WARNING_CALM_MS } from '../../src/tracker/account';
import type { LifecycleSettings } from '../../src/tracker/lifecycle';
import { createPoller, type Poller } from '../../src/tracker/poller';
import { LIST_MIN_JOBS, listInterval } from '../../src/tracker/policy';
import { mjProxy } from '../../src/upstreams/mj-proxy';
import type { UpstreamAdapter } from '../../src/upstreams/port';
import { useapiMidjourney } from '../../src/upstreams/useapi-midjourney';
import { makeJobId, startUseapiEmulator, type Fault, type JobStep, type UseapiEmulator } from '../../src/playground/useapi';

/**
 * The real poller, a real SQLite file and real HTTP to the useapi emulator, on an injected clock:
 * every pass ticks once and then waits for the reads it started to be recorded, no sleeps.
 */
const T0 = Date.UTC(2026, 0, 10, 12);
const OWNER = '800000000000000077';
const settings: LifecycleSettings = { pollIntervalMs: 5000, notFoundGraceMs: 3600_000, maxTrackingAgeMs: 6 * 3600_000 };
const CHANNEL_X = '1111111111111111111';
const CHANNEL_Y = '2222222222222222222';

let clock: number;
let dir: string;
let db: Db;
let useapi: UseapiEmulator;
let poller: Poller;
let adapter: UpstreamAdapter;

beforeEach(async () => {
  clock = T0;
  dir = mkdtempSync(join(tmpdir(), 'poller-unit-'));
  db = openDatabase(join(dir, 'tracker.db'));
  useapi = await startUseapiEmulator({ now: () => clock });
  adapter = useapiMidjourney({ baseUrl: useapi.url, token: useapi.token, timeoutMs: 5000, maxRequestsPerSecond: 10, account: null, now: () => clock });
  poller = createPoller({
    db,
    upstreams: [adapter],
    log: createLogger({ level: 'silent', secrets: [] }),
    settings,
    now: () => clock,
    random: () => 0.5,
    ownerUserIds: [OWNER],
  });
});

afterEach(async () => {
  await poller.stop();
  await useapi.close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A job in the emulator, tracked as /track would store it. */
function trackJob(steps: JobStep[], opts: { channel?: string; prompt?: string; nextPollAt?: number } = {}): string {
  const jobid = makeJobId({ at: new Date(clock), channel: opts.channel });
  useapi.addJob({ jobid, prompt: opts.prompt, steps });
  const recognised = adapter.recognise(jobid);
  const scope = recognised.kind === 'ref' ? recognised.ref.scope : null;
  db.insert(jobs).values({ jobId: jobid, scope, trackedAt: clock, nextPollAt: opts.nextPollAt ?? 0 }).run();
  return jobid;
}

const runsFor = (ms: number): JobStep[] => [
  { afterMs: 0, status: 'progress', progress: 10 },
  { afterMs: ms, status: 'completed' },
];

/** One tick, then every read it started is recorded. */
async function pass(): Promise<void> {
  await poller.tick();
  await poller.stop();
}

/** Passes every `stepMs` of simulated time for `ms`. */
async function runFor(ms: number, stepMs = 250): Promise<void> {
  for (const end = clock + ms; clock < end; clock += stepMs) await pass();
}

const outboxOf = (kind: string) => db.select().from(outbox).where(eq(outbox.kind, kind)).all();
const many = (fault: Fault, n = 2000): Fault[] => Array.from({ length: n }, () => fault);

describe('probing a paused account', () => {
  it.each([
    ['5xx', { kind: 'status', status: 503 }],
    ['404', { kind: 'status', status: 404 }],
    ['596', { kind: 'status', status: 596 }],
    ['a broken body', { kind: 'malformed' }],
  ] as const)('a probe answered by %s still waits for the next probe time', async (_name, fault) => {
    const jobid = trackJob(runsFor(3600_000));
    useapi.setAccountFault(401);
    await pass();
    expect(loadAccount(db, 'useapi').problem).toBe('unauthorized');

    useapi.setAccountFault(null);
    useapi.queueFaults('*', ...many(fault));
    const before = useapi.jobReads(jobid);
    await runFor(5 * 60_000);
    // One probe every 30 s (±20 %), not one per tick (1200 ticks).
    const probes = useapi.jobReads(jobid) - before;
    expect(probes).toBeGreaterThanOrEqual(8);
    expect(probes).toBeLessThanOrEqual(11);
    expect(loadAccount(db, 'useapi').problem).toBe('unauthorized');
  });
});

describe('a read in flight when an incident began', () => {
  it('does not resolve the incident that began after it was sent', async () => {
    const early = trackJob(runsFor(3600_000));
    const later = trackJob(runsFor(3600_000), { nextPollAt: T0 + 1000 });
    useapi.queueFaults(early, { kind: 'slow', delayMs: 1000 });
    await poller.tick();
    // `early` has arrived: its answer (200, sent late) is settled before the account fails.
    await vi.waitFor(() => expect(useapi.jobReads(early)).toBe(1));

    useapi.setAccountFault(401);
    clock += 1000;
    await poller.tick(); // `later` is read: 401, the account pauses
    await vi.waitFor(() => expect(loadAccount(db, 'useapi').problem).toBe('unauthorized'));
    await poller.stop(); // the 200 of `early` is recorded now

    expect(useapi.jobReads(later)).toBe(1);
    expect(loadAccount(db, 'useapi')).toMatchObject({ problem: 'unauthorized', since: T0 + 1000 });
    expect(outboxOf('account_recovered')).toHaveLength(0);
    expect(db.select().from(jobs).where(eq(jobs.jobId, later)).get()?.problem).toBe('unauthorized');
  });

  it('does not resolve a warning on its channel that began after it was sent', async () => {
    const early = trackJob(runsFor(3600_000), { channel: CHANNEL_X });
    const later = trackJob(runsFor(3600_000), { channel: CHANNEL_X, nextPollAt: T0 + 1000 });
    useapi.queueFaults(early, { kind: 'slow', delayMs: 1000 });
    useapi.queueFaults(later, { kind: 'status', status: 596 });
    await poller.tick();
    await vi.waitFor(() => expect(useapi.jobReads(early)).toBe(1));
    clock += 1000;
    await poller.tick();
    await vi.waitFor(() => expect(outboxOf('account_alert')).toHaveLength(1));
    await poller.stop();
    expect(db.select().from(jobs).where(eq(jobs.jobId, early)).get()?.lastHttpStatus).toBe(200);
    expect(outboxOf('account_recovered')).toHaveLength(0);
  });
});

describe('account warnings over a poll loop', () => {
  it('a prompt that talks of CAPTCHAs raises no alert', async () => {
    trackJob(runsFor(2 * 60_000), { prompt: 'solve the CAPTCHA to verify you are human; your account has been banned' });
    trackJob(runsFor(3 * 60_000));
    await runFor(4 * 60_000, 1000);
    expect(db.select().from(jobs).all().every((j) => j.status === 'completed')).toBe(true);
    expect(outboxOf('account_alert')).toHaveLength(0);
    expect(outboxOf('account_recovered')).toHaveLength(0);
  });

  it("Midjourney's CAPTCHA notice raises one alert for its channel", async () => {
    trackJob([
      { afterMs: 0, status: 'progress', progress: 10, embeds: [{ type: 'rich', title: 'Verify you are human', description: 'Please solve the CAPTCHA to continue.' }] },
      { afterMs: 20 * 60_000, status: 'completed' },
    ], { channel: CHANNEL_X });
    await runFor(10 * 60_000, 1000);
    expect(outboxOf('account_alert')).toHaveLength(1);
    const alert = JSON.parse(outboxOf('account_alert')[0]!.payload!) as { kind: string; detail: string };
    expect(alert.kind).toBe('warning');
    expect(alert.detail).toContain(CHANNEL_X);
    expect(outboxOf('account_recovered')).toHaveLength(0);
  });

  it('a 596 on channel X stays one incident while jobs on channel Y read fine, until X reads fine', async () => {
    const onX = trackJob(runsFor(3600_000), { channel: CHANNEL_X });
    trackJob(runsFor(3600_000), { channel: CHANNEL_Y });
    trackJob(runsFor(3600_000), { channel: CHANNEL_Y });
    useapi.queueFaults(onX, ...many({ kind: 'status', status: 596 }, 8));
    await runFor(10 * 60_000, 1000);
    expect(useapi.jobReads(onX)).toBeGreaterThan(5);
    expect(useapi.requests.filter((r) => r.jobid === onX && r.status === 200)).toHaveLength(0);
    expect(outboxOf('account_alert')).toHaveLength(1);
    expect(outboxOf('account_recovered')).toHaveLength(0);

    // The faults run out: the next read on X is healthy and closes the incident, once.
    await runFor(20 * 60_000, 1000);
    expect(useapi.requests.some((r) => r.jobid === onX && r.status === 200)).toBe(true);
    expect(outboxOf('account_alert')).toHaveLength(1);
    expect(outboxOf('account_recovered')).toHaveLength(1);
  });

  it("a warning is posted to the servers with jobs on that channel, not to every server's", async () => {
    const servers = [
      { guildId: '900000000000000001', reviewChannelId: '900000000000000013', channel: CHANNEL_X },
      { guildId: '900000000000000002', reviewChannelId: '900000000000000023', channel: CHANNEL_Y },
    ];
    const jobIds = servers.map(({ guildId, reviewChannelId, channel }) => {
      db.insert(guildSettings).values({ guildId, reviewChannelId }).run();
      const jobId = trackJob(runsFor(3600_000), { channel });
      db.insert(subscriptions).values({ jobId, userId: '800000000000000001', guildId, channelId: '900000000000000011', dm: true, createdAt: clock }).run();
      return jobId;
    });
    useapi.queueFaults(jobIds[0]!, ...many({ kind: 'status', status: 596 }, 3));
    await runFor(60_000, 1000);
    const alerts = outboxOf('account_alert');
    expect(alerts.map((a) => a.channelId ?? `owner ${a.userId}`).sort()).toEqual(['900000000000000013', `owner ${OWNER}`]);
    expect(JSON.parse(alerts[0]!.payload!)).toMatchObject({ affectedJobs: 1 });
  });

  it('a warning closes after a calm period when its channel is no longer read', async () => {
    const onX = trackJob(runsFor(3600_000), { channel: CHANNEL_X });
    trackJob(runsFor(3600_000), { channel: CHANNEL_Y });
    useapi.queueFaults(onX, { kind: 'status', status: 596 });
    await pass();
    expect(outboxOf('account_alert')).toHaveLength(1);
    // Nobody follows the job on X any more.
    db.update(jobs).set({ nextPollAt: null }).where(eq(jobs.jobId, onX)).run();
    await runFor(WARNING_CALM_MS - 60_000, 1000);
    expect(outboxOf('account_recovered')).toHaveLength(0);
    await runFor(2 * 60_000, 1000);
    expect(outboxOf('account_recovered')).toHaveLength(1);
    expect(outboxOf('account_alert')).toHaveLength(1);
  });
});

describe('many running jobs: the list notices ends, progress is read at the pace the cost allows', () => {
  /** 40 jobs rendering for 60–99 s with a progress step every 5 s, tracked together. */
  function fortyJobs(): Array<{ jobid: string; endsAt: number }> {
    return Array.from({ length: 40 }, (_, i) => {
      const runMs = 60_000 + i * 1000;
      const steps: JobStep[] = [];
      for (let at = 0; at < runMs; at += 5000) steps.push({ afterMs: at, status: 'progress', progress: Math.max(1, Math.floor((100 * at) / runMs)) });
      steps.push({ afterMs: runMs, status: 'completed' });
      return { jobid: trackJob(steps), endsAt: T0 + runMs };
    });
  }

  it("spends at most 0.4× the reads of the docs' loop (one read every interval while a job runs), and notices each end within a list interval", async () => {
    const followed = fortyJobs();
    await runFor(110_000);
    const rows = db.select().from(jobs).all();
    expect(rows.every((j) => j.status === 'completed' && j.terminal)).toBe(true);
    const docsLoop = followed.reduce((n, { endsAt }) => n + Math.ceil((endsAt - T0) / settings.pollIntervalMs) + 1, 0);
    expect(useapi.requests.length / docsLoop).toBeLessThanOrEqual(0.4);
    followed.forEach(({ jobid, endsAt }, i) => {
      const late = rows.find((j) => j.jobId === jobid)!.finishedAt! - endsAt;
      // Within one list interval for the jobs running then (passes every 250 ms), then the final read at once;
      // the last job alone is read every interval.
      const running = followed.length - i;
      const bound = running >= LIST_MIN_JOBS ? listInterval(running, settings) : 1.2 * settings.pollIntervalMs;
      expect(late, `job ${i}`).toBeLessThanOrEqual(bound + 500);
    });
  });

  it("keeps a job's Retry-After when the list stops answering and the others are read on their own again", async () => {
    const followed = fortyJobs();
    await runFor(20_000);
    const waiting = followed[39]!.jobid;
    useapi.queueFaults(waiting, { kind: 'status', status: 429, retryAfter: '60' });
    db.update(jobs).set({ nextPollAt: clock }).where(eq(jobs.jobId, waiting)).run();
    await pass();
    const refusedAt = clock;
    expect(useapi.requests.filter((r) => r.jobid === waiting && r.status === 429)).toHaveLength(1);
    useapi.queueListFaults(...many({ kind: 'status', status: 500 }));
    await runFor(50_000);
    const early = useapi.requests.filter((r) => r.jobid === waiting && r.time > refusedAt && r.time < refusedAt + 60_000);
    expect(early).toHaveLength(0);
  });

  it("watches even two running jobs through the list: cheaper than the docs' loop on each", async () => {
    const followed = [trackJob(runsFor(60_000)), trackJob(runsFor(61_000))];
    await runFor(70_000);
    expect(db.select().from(jobs).all().every((j) => j.terminal)).toBe(true);
    expect(useapi.listReads()).toBeGreaterThan(0);
    const docsLoop = followed.length * (Math.ceil(61_000 / settings.pollIntervalMs) + 1);
    expect(useapi.requests.length / docsLoop).toBeLessThanOrEqual(0.8);
  });

  it('reads the list the pass after a second job is seen running, not an interval later', async () => {
    trackJob(runsFor(3600_000));
    trackJob(runsFor(3600_000));
    await runFor(500);
    expect(useapi.listReads()).toBe(1);
  });

  it('reads each job on its own again, within an interval, once the list stops answering', async () => {
    const followed = fortyJobs();
    await runFor(50_000);
    useapi.queueListFaults(...many({ kind: 'status', status: 500 }));
    await runFor(60_000);
    const lastAnswer = Math.max(...useapi.requests.filter((r) => r.route === 'list' && r.status === 200).map((r) => r.time));
    expect(lastAnswer).toBeGreaterThan(T0 + 45_000);
    // The list's last answer vouches for 2 intervals; then every job is read within one more (±20 %).
    const lapse = lastAnswer + 2 * settings.pollIntervalMs;
    const rows = db.select().from(jobs).all();
    for (const { jobid, endsAt } of followed) {
      const finishedAt = rows.find((j) => j.jobId === jobid)!.finishedAt;
      expect(finishedAt, jobid).not.toBeNull();
      expect(finishedAt! - Math.max(endsAt, lapse), jobid).toBeLessThanOrEqual(1.2 * settings.pollIntervalMs + 250);
    }
  });
});

describe('a job tracked while the list is watched', () => {
  /** Two jobs running for an hour, read once and watched through the list; then `steps` is tracked. */
  async function trackAmongRunning(steps: JobStep[]): Promise<string> {
    trackJob(runsFor(3600_000));
    trackJob(runsFor(3600_000));
    await runFor(settings.pollIntervalMs + 1000);
    expect(useapi.listReads()).toBeGreaterThan(0);
    return trackJob(steps);
  }
  const ownReads = (jobid: string) => useapi.requests.filter((r) => r.jobid === jobid);

  it('is not read on its own: the next list read finds it running, and its record is read at the pace of progress reads', async () => {
    const trackedAt = clock;
    const jobid = await trackAmongRunning(runsFor(3600_000));
    await runFor(listInterval(2, settings) + 500);
    const row = db.select().from(jobs).where(eq(jobs.jobId, jobid)).get()!;
    expect(ownReads(jobid)).toHaveLength(0);
    expect({ status: row.status, reading: row.reading, version: row.version }).toEqual({ status: 'running', reading: null, version: 2 });
    // Its first own read comes with the others' progress reads, not an interval after /track.
    expect(row.nextPollAt! - trackedAt).toBeGreaterThan(10 * settings.pollIntervalMs);
  });

  it('is read at once after a list read that does not name it (it has ended, or upstream does not list it)', async () => {
    const jobid = await trackAmongRunning([{ afterMs: 0, status: 'completed' }]);
    const trackedAt = clock;
    await runFor(listInterval(2, settings) + 500);
    const reads = ownReads(jobid);
    expect(reads).toHaveLength(1);
    const listAfter = useapi.requests.find((r) => r.route === 'list' && r.time >= trackedAt)!;
    expect(reads[0]!.time - listAfter.time).toBeLessThanOrEqual(250);
    expect(db.select().from(jobs).where(eq(jobs.jobId, jobid)).get()!.status).toBe('completed');
  });

  it('is read on its own within an interval of the list falling due when the list stops answering', async () => {
    const jobid = await trackAmongRunning(runsFor(3600_000));
    const trackedAt = clock;
    useapi.queueListFaults(...many({ kind: 'status', status: 500 }));
    await runFor(listInterval(2, settings) + settings.pollIntervalMs + 500);
    expect(ownReads(jobid)).toHaveLength(1);
    expect(ownReads(jobid)[0]!.time - trackedAt).toBeGreaterThan(settings.pollIntervalMs);
    expect(db.select().from(jobs).where(eq(jobs.jobId, jobid)).get()!.reading).not.toBeNull();
  });
});

describe('when a job was last read', () => {
  it('is stored with each answered read of its own, and kept through failed ones', async () => {
    const jobid = trackJob(runsFor(3600_000));
    const readAt = () => db.select({ readAt: jobs.readAt }).from(jobs).where(eq(jobs.jobId, jobid)).get()?.readAt;
    await pass();
    expect(readAt()).toBe(T0);
    useapi.queueFaults(jobid, { kind: 'status', status: 503 });
    clock += 10_000;
    await pass();
    expect(useapi.jobReads(jobid)).toBe(2);
    expect(readAt()).toBe(T0);
  });
});

describe('a job nobody follows any more', () => {
  it('stays parked when a read that was in flight as the last follower left comes back', async () => {
    const jobid = trackJob(runsFor(3600_000));
    await poller.tick();
    // The read is on its way; /untrack of the last follower parks the job, as db/subscriptions' unfollow does.
    db.update(jobs).set({ nextPollAt: null }).where(eq(jobs.jobId, jobid)).run();
    await poller.stop();
    expect(useapi.jobReads(jobid)).toBe(1);
    expect(db.select({ nextPollAt: jobs.nextPollAt }).from(jobs).where(eq(jobs.jobId, jobid)).get()).toEqual({ nextPollAt: null });
    await runFor(60_000);
    expect(useapi.jobReads(jobid)).toBe(1);
  });
});

describe('several upstreams', () => {
  /** A loopback midjourney-proxy answering every read with `status` (401: its secret is refused). */
  async function refusingProxy(): Promise<{ adapter: UpstreamAdapter; reads: () => number; close: () => Promise<void> }> {
    let reads = 0;
    const server = createServer((_req, res) => {
      reads++;
      res.writeHead(401).end('Authorization header missing.');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mj`;
    return {
      adapter: mjProxy({ url, secret: 'wrong', auth: 'raw', timeoutMs: 5000, maxRequestsPerSecond: 10, now: () => clock }),
      reads: () => reads,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it("a refused proxy secret pauses the proxy's jobs only: useapi.net jobs go on, each upstream on its own budget", async () => {
    const proxy = await refusingProxy();
    try {
      await poller.stop();
      poller = createPoller({ db, upstreams: [adapter, proxy.adapter], log: createLogger({ level: 'silent', secrets: [] }), settings, now: () => clock, random: () => 0.5 });
      const onUseapi = trackJob(runsFor(3 * 60_000));
      db.insert(jobs).values({ jobId: 'mj-proxy:1320098173412546', upstream: 'mj-proxy', account: 'mj-proxy', trackedAt: clock, nextPollAt: 0 }).run();

      await runFor(2 * 60_000, 1000);
      expect(loadAccount(db, 'mj-proxy').problem).toBe('unauthorized');
      expect(loadAccount(db, 'useapi').problem).toBeNull();
      expect(db.select().from(jobs).where(eq(jobs.jobId, 'mj-proxy:1320098173412546')).get()?.problem).toBe('unauthorized');
      expect(db.select().from(jobs).where(eq(jobs.jobId, onUseapi)).get()?.problem).toBeNull();
      // The useapi job is read at its own pace all along; the proxy only probed every 30 s (±20 %).
      expect(useapi.jobReads(onUseapi)).toBeGreaterThan(15);
      expect(proxy.reads()).toBeGreaterThanOrEqual(4);
      expect(proxy.reads()).toBeLessThanOrEqual(6);

      await runFor(2 * 60_000, 1000);
      expect(db.select().from(jobs).where(eq(jobs.jobId, onUseapi)).get()).toMatchObject({ status: 'completed', terminal: true });
    } finally {
      await proxy.close();
    }
  });
});
