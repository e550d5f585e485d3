import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveAccount } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import * as schema from '../../src/db/schema';
import { trackerStatusView, type StatusFacts } from '../../src/discord/views/status';
import { outcomeOfStatus, routeClassOf } from '../../src/ops/discord';
import { checkReadiness, type ReadinessSources } from '../../src/ops/health';
import { readOpsSnapshot } from '../../src/ops/snapshot';
import { outcomeOf, UpstreamHealth } from '../../src/ops/upstream';
import { embedsLength } from '../../src/discord/views/limits';

const NOW = Date.UTC(2026, 11, 1);

let dir: string;
let db: Db;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-ops-'));
  db = openDatabase(join(dir, 'tracker.db'));
  clock = NOW;
});
afterEach(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

function followJob(jobId: string, nextPollAt: number | null): void {
  db.$client.prepare("INSERT INTO jobs (job_id, status, tracked_at, next_poll_at) VALUES (?, 'running', ?, ?)").run(jobId, NOW - 60_000, nextPollAt);
}

function sources(overrides: Partial<ReadinessSources> = {}): ReadinessSources {
  const now = () => clock;
  return { db, now, upstream: new UpstreamHealth(10, now), gatewayReady: () => true, startedAt: NOW, upstreamSilenceMs: 60_000, ...overrides };
}

describe('readiness', () => {
  it('gives upstream time to answer after the start, then wants answers while jobs are followed', () => {
    followJob('a', NOW);
    const s = sources();
    expect(checkReadiness(s)).toEqual({ ready: true, checks: { gateway: 'ready', database: 'writable', upstream: 'starting: no answer yet' } });
    s.upstream.record('ok', NOW + 1000);
    clock = NOW + 31_000;
    expect(checkReadiness(s).checks.upstream).toBe('answered 30s ago');
    s.upstream.record('timeout', NOW + 40_000);
    clock = NOW + 1000 + 61_000;
    expect(checkReadiness(s)).toMatchObject({ ready: false, checks: { upstream: 'no answer for 1m 01s (last outcome: timeout)' } });
  });

  it('is ready while polling is paused for a known account reason, and says so', () => {
    followJob('a', NOW);
    saveAccount(db, 'useapi', { problem: 'payment_required', since: NOW - 3_600_000, nextProbeAt: NOW + 30_000 });
    clock = NOW + 10 * 60_000;
    expect(checkReadiness(sources())).toMatchObject({ ready: true, checks: { upstream: expect.stringMatching(/^paused: .*payment_required/) as unknown } });
  });

  it('is ready with nothing to follow, however long upstream has been silent', () => {
    followJob('untracked by everyone', null);
    clock = NOW + 24 * 3_600_000;
    expect(checkReadiness(sources())).toMatchObject({ ready: true, checks: { upstream: 'idle: no job followed' } });
  });

  it('is not ready on a database it cannot write, nor without the gateway', () => {
    const readOnly = new Database(join(dir, 'tracker.db'), { readonly: true });
    try {
      const result = checkReadiness(sources({ db: drizzle(readOnly, { schema }), gatewayReady: () => false }));
      expect(result.ready).toBe(false);
      expect(result.checks.gateway).toBe('not connected');
      expect(result.checks.database).toMatch(/^not writable: .*readonly/);
    } finally {
      readOnly.close();
    }
  });
});

describe('snapshot', () => {
  it('counts due reads and measures how late the oldest is; urgent reads count but have no lateness', () => {
    followJob('late', NOW - 5000);
    followJob('urgent', 0);
    followJob('later', NOW + 5000);
    followJob('unpolled', null);
    const { due, followedJobs, unfollowedJobs } = readOpsSnapshot(db, NOW);
    expect(due).toEqual({ depth: 2, lagMs: 5000 });
    expect(followedJobs).toEqual({ running: 3 });
    expect(unfollowedJobs).toBe(1);
  });
});

describe('labels', () => {
  it('route classes name the kind of request, never an id', () => {
    expect(routeClassOf('POST', '/channels/123/messages')).toBe('message_create');
    expect(routeClassOf('PATCH', '/channels/123/messages/456')).toBe('message_edit');
    expect(routeClassOf('DELETE', '/channels/123/messages/456')).toBe('other');
    expect(routeClassOf('POST', '/users/@me/channels')).toBe('dm_channel');
    expect(routeClassOf('POST', '/interactions/789/tok-en/callback')).toBe('interaction_callback');
    expect(routeClassOf('PATCH', '/webhooks/1/tok/messages/@original')).toBe('interaction_webhook');
    expect(routeClassOf('GET', '/gateway/bot')).toBe('other');
    expect([200, 204, 404, 429, 502].map(outcomeOfStatus)).toEqual(['2xx', '2xx', '4xx', '429', '5xx']);
  });

  it('upstream outcomes are a small fixed set', () => {
    const http = (status: number) => outcomeOf({ kind: 'http', status, retryAfterMs: null, message: null });
    expect([401, 402, 404, 410, 429, 400, 503].map(http)).toEqual(['refused', 'refused', 'not_found', 'not_found', 'rate_limited', 'client_error', 'server_error']);
    expect(outcomeOf({ kind: 'timeout' })).toBe('timeout');
  });

  it('budget use is the last 10 s of requests against the budget', () => {
    const health = new UpstreamHealth(10, () => clock);
    for (let i = 0; i < 50; i++) health.record('ok', NOW - 12_000 + i * 100);
    // 50 requests from 12 s to 7.1 s ago; 29 of them fall in the last 10 s (of a budget of 100).
    expect(health.budgetUse()).toBeCloseTo(29 / 100);
    clock = NOW + 10_000;
    expect(health.budgetUse()).toBe(0);
  });
});

describe('/tracker-status view', () => {
  const facts: StatusFacts = {
    version: '1.2.3',
    startedAt: NOW - 26 * 3_600_000,
    jobsFollowed: 42,
    due: { depth: 3, lagMs: 2500 },
    upstream: { paused: null, pausedSince: null, lastAnswerAt: NOW - 4000, lastOutcome: 'ok', budgetUse: 0.37, maxRequestsPerSecond: 10 },
    lanesWaiting: 2,
    outbox: { pending: 5, oldestAgeMs: 90_000 },
    openIncidents: { warning: 1 },
    pendingReviews: 7,
  };
  const text = (f: StatusFacts) => JSON.stringify(trackerStatusView(f, NOW));

  it('shows every figure an owner asks for', () => {
    const view = trackerStatusView(facts, NOW);
    expect(view.embeds[0]!.title).toBe('Job tracker 1.2.3');
    expect(view.embeds[0]!.description).toMatch(/^Up for 1d 02h/);
    const fields = Object.fromEntries(view.embeds[0]!.fields!.map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({
      'Jobs followed': '42',
      'Due-queue': '3 due, oldest 2s late',
      'Upstream (useapi.net)': 'answered 4s ago (last: ok)',
      Budget: '37% of 10 requests/s (last 10 s)',
      'Discord lanes waiting': '2',
      Outbox: '5 to send, oldest 1m 30s',
      'Open incidents': 'Midjourney warning',
      'Reviews pending': '7',
    });
    expect(embedsLength(view.embeds)).toBeLessThan(6000);
  });

  it('says when polling is paused and why, and when all is quiet', () => {
    expect(text({ ...facts, upstream: { ...facts.upstream, paused: 'payment_required', pausedSince: NOW - 120_000 } })).toContain('paused for 2m 00s: subscription or credit (402)');
    const quiet = text({ ...facts, due: { depth: 0, lagMs: 0 }, outbox: { pending: 0, oldestAgeMs: 0 }, openIncidents: {}, upstream: { ...facts.upstream, lastAnswerAt: null, lastOutcome: null } });
    for (const words of ['nothing due', 'empty', '"none"', 'not asked yet']) expect(quiet).toContain(words);
  });
});
