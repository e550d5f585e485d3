/**
 * Fresh links for /jobs, bounded: the real Google Flow adapter against the real emulator on
 * loopback, the real poller's budget, an injected clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open';
import type { JobSnapshot } from '../../src/domain/job';
import { createLogger } from '../../src/log';
import { flowTimeline, makeGoogleFlowJobId, startGoogleFlowEmulator, type GoogleFlowEmulator } from '../../src/playground/google-flow';
import { createFreshLinks } from '../../src/tracker/freshLinks';
import { createPoller } from '../../src/tracker/poller';
import { useapiGoogleFlow } from '../../src/upstreams/useapi-google-flow';

let flow: GoogleFlowEmulator;
let dir: string;
let db: Db;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  clock = Date.now();
  // The emulator runs on the same clock: links it signs later expire later.
  flow = await startGoogleFlowEmulator({ urlLifetimeMs: 60_000, now });
  dir = mkdtempSync(join(tmpdir(), 'fresh-links-'));
  db = openDatabase(join(dir, 'tracker.db'));
});
afterEach(async () => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
  await flow.close();
});

const adapterAt = (baseUrl: string, maxRequestsPerSecond = 10) =>
  useapiGoogleFlow({ baseUrl, token: flow.token, timeoutMs: 5000, maxRequestsPerSecond, account: null, now });
const pollerOf = (adapter: ReturnType<typeof adapterAt>) =>
  createPoller({ db, upstreams: [adapter], log: createLogger({ level: 'silent', secrets: [] }), now, settings: { pollIntervalMs: 5000, notFoundGraceMs: 60_000, maxTrackingAgeMs: 3_600_000 } });

/** A completed Google Flow image job of `count` results, as the adapter reads it from the emulator. */
async function completedJob(adapter: ReturnType<typeof adapterAt>, count: number): Promise<JobSnapshot> {
  const jobid = makeGoogleFlowJobId({ type: 'i' });
  flow.addJob({ jobid, count, steps: flowTimeline({ queueMs: 0, runMs: 0, outcome: 'completed' }) });
  const read = await adapter.read(jobid);
  if (read.kind !== 'ok') throw new Error(`read failed: ${read.kind}`);
  return { jobId: jobid, upstream: adapter.id, status: 'completed', progress: 100, problem: null, terminal: true, reading: read.reading, trackedAt: clock, finishedAt: clock, notFoundUntil: null };
}

describe('fresh links', () => {
  it('the poller spares requests for them only above the polls’ reserve, and takes them back when answered', () => {
    const poller = pollerOf(adapterAt(flow.url, 10));
    const taken = Array.from({ length: 10 }, () => poller.spare('useapi-google-flow'));
    // 10 a second, 2 kept for final reads and the running list.
    expect(taken.filter((done) => done !== null)).toHaveLength(8);
    expect(poller.spare('no-such-upstream')).toBeNull();
    for (const done of taken) done?.();
    clock += 1001;
    expect(poller.spare('useapi-google-flow')).not.toBeNull();
  });

  it('links that expire within the hour are refreshed, at most `max` per command; links that last are left alone', async () => {
    const adapter = adapterAt(flow.url);
    const poller = pollerOf(adapter);
    const job = await completedJob(adapter, 4);
    clock += 10_000;
    const fresh = createFreshLinks({ adapterOf: () => adapter, spare: (upstream) => poller.spare(upstream), now, max: 3 });
    expect(fresh.wanted([job])).toBe(true);
    const [out] = await fresh.refresh([job]);
    const before = job.reading!.media.map((m) => m.url);
    const after = out!.job.reading!.media.map((m) => m.url);
    expect(after.filter((url, i) => url !== before[i])).toHaveLength(3);
    expect(out!.failed).toBe(0);
    expect(out!.job.reading!.media[0]!.expiresAt).toBe(job.reading!.media[0]!.expiresAt! + 10_000);
    expect(flow.requests.filter((r) => r.route === 'asset')).toHaveLength(3);
    // A link good for more than an hour needs nothing.
    expect(createFreshLinks({ adapterOf: () => adapter, spare: (upstream) => poller.spare(upstream), now, soonMs: 1000 }).wanted([job])).toBe(false);
  });

  it('no budget to spare, or an upstream that does not answer in time: the link counts as not refreshed', async () => {
    const adapter = adapterAt(flow.url);
    const job = await completedJob(adapter, 1);
    const noBudget = createFreshLinks({ adapterOf: () => adapter, spare: () => null, now });
    expect((await noBudget.refresh([job]))[0]).toEqual({ job, failed: 1 });
    expect(flow.requests.filter((r) => r.route === 'asset')).toHaveLength(0);

    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const mute = adapterAt(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      let released = false;
      const slow = createFreshLinks({ adapterOf: () => mute, spare: () => () => (released = true), now, timeoutMs: 100 });
      const started = Date.now();
      expect((await slow.refresh([job]))[0]).toEqual({ job, failed: 1 });
      expect(Date.now() - started).toBeLessThan(4000);
      // The request still holds its place in the budget until it really ends.
      expect(released).toBe(false);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
