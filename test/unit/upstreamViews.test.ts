/** The job views for jobs of the newer upstreams: their names, words and results, from readings made by their adapters. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadJob, upgradeStoredRecords } from '../../src/db/jobs';
import { openDatabase } from '../../src/db/open';
import { jobs } from '../../src/db/schema';
import { accountAlert, accountRecovered } from '../../src/discord/views/admin';
import { resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { trackingMessage } from '../../src/discord/views/tracking';
import type { JobSnapshot } from '../../src/domain/job';
import { namesOfAccount } from '../../src/domain/upstream';
import { mjProxy } from '../../src/upstreams/mj-proxy';
import type { UpstreamAdapter } from '../../src/upstreams/port';
import { useapiDreamina } from '../../src/upstreams/useapi-dreamina';
import { useapiGoogleFlow } from '../../src/upstreams/useapi-google-flow';
import { useapiMidjourney } from '../../src/upstreams/useapi-midjourney';
import { registryOf } from '../../src/upstreams/registry';
import { expectWithinLimits } from './discordBody';

const NOW = Date.parse('2026-06-01T12:05:00.000Z');
const useapi = { baseUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 1000, maxRequestsPerSecond: 10, account: null };
const flow = useapiGoogleFlow(useapi);
const dreamina = useapiDreamina(useapi);
const proxy = mjProxy({ url: 'http://127.0.0.1:9/mj', secret: null, auth: 'mj-api-secret', timeoutMs: 1000, maxRequestsPerSecond: 10 });
const FLOW_VIDEO = 'j0926181252593316958v-u2923-email:someone@gmail.com-bot:google-flow';

function snapshot(adapter: UpstreamAdapter, jobId: string, record: object, over: Partial<JobSnapshot> = {}): JobSnapshot {
  const reading = adapter.normalize(record)!;
  const terminal = !['queued', 'running'].includes(reading.status);
  return {
    jobId,
    upstream: adapter.id,
    status: reading.status,
    progress: reading.progress,
    problem: null,
    terminal,
    reading,
    trackedAt: NOW - 60_000,
    finishedAt: terminal ? NOW : null,
    notFoundUntil: null,
    ...over,
  };
}
const embedOf = (body: { embeds: APIEmbed[] }) => body.embeds[0]!;
const labels = (body: ReturnType<typeof trackingMessage>) => body.components.flatMap((row) => row.components.map((b) => ('label' in b ? b.label : undefined)));

describe('views of other upstreams', () => {
  it('a running Google Flow video: its name, its stage, the elapsed time, no progress bar', () => {
    const m = trackingMessage(snapshot(flow, FLOW_VIDEO, { jobid: FLOW_VIDEO, type: 'video', status: 'started', created: '2026-06-01T12:03:00.000Z', request: { prompt: 'waves' } }), NOW);
    expectWithinLimits(m, 'link');
    const e = embedOf(m);
    expect(e.title).toBe('Generating');
    expect(e.description).toContain('Google Flow is generating it');
    expect(e.description).not.toContain('▰');
    expect(e.fields?.find((f) => f.name === 'Elapsed')?.value).toBe('2m 00s');
    expect(e.footer?.text).toBe('useapi.net Google Flow v1 · video');
  });

  it('a completed Google Flow video: a video button, its still in the embed, and a DM in its words', () => {
    const job = snapshot(flow, FLOW_VIDEO, {
      jobid: FLOW_VIDEO,
      type: 'video',
      status: 'completed',
      response: { media: [{ videoUrl: 'https://flow-content.google/video/a?Expires=1767225600', thumbnailUrl: 'https://flow-content.google/thumb/a?Expires=1767225600' }] },
    });
    const m = trackingMessage(job, NOW);
    expect(labels(m)).toEqual(['Video 1']);
    expect(embedOf(m).image?.url).toBe('https://flow-content.google/thumb/a?Expires=1767225600');
    expect(embedOf(resultDm(job, { guildId: null, channelId: '5', messageId: '6' }, NOW)).title).toBe('Your Google Flow job is done');
  });

  it("a moderated Google Flow job says Google Flow's moderation blocked it", () => {
    const job = snapshot(flow, FLOW_VIDEO, { jobid: FLOW_VIDEO, status: 'failed', error: 'API error: 400', errorDetails: 'reason: PUBLIC_ERROR_UNSAFE_GENERATION', code: 400 });
    const e = embedOf(trackingMessage(job, NOW));
    expect(e.title).toBe('Moderated');
    expect(e.description).toContain("Google Flow's moderation blocked this prompt");
  });

  it('Dreamina images: image buttons; a Dreamina 410 says it keeps jobs 30 days', () => {
    const id = 'j0302140530123456789i-u12345-US:user@example.com-bot:dreamina';
    const m = trackingMessage(snapshot(dreamina, id, { jobid: id, status: 'completed', response: { images: [{ imageUrl: 'https://p9-sign.douyinpic.com/1.webp' }, { imageUrl: 'https://p9-sign.douyinpic.com/2.webp' }] } }), NOW);
    expect(labels(m)).toEqual(['Image 1', 'Image 2']);
    expect(embedOf(m).footer?.text).toBe('useapi.net Dreamina v1 · image');
    const expired = trackingMessage({ ...snapshot(dreamina, id, { jobid: id, status: 'created' }), problem: 'expired', terminal: true }, NOW);
    expect(embedOf(expired).description).toContain('useapi.net keeps jobs for 30 days');
  });

  it('a midjourney-proxy task: the bare id shown, its progress, its own name in problems and the list', () => {
    const job = snapshot(proxy, 'mj-proxy:1320098173412546', { id: '1320098173412546', status: 'IN_PROGRESS', progress: '45%', prompt: 'a cat' });
    const m = trackingMessage(job, NOW);
    expect(embedOf(m).title).toBe('Rendering — 45%');
    expect(embedOf(m).fields?.[0]?.value).toBe('`1320098173412546`');
    const refused = trackingMessage({ ...job, problem: 'unauthorized' }, NOW);
    expect(embedOf(refused).title).toBe('midjourney-proxy token refused (401)');
    expect(embedOf(refused).description).toContain('fix MJ_PROXY_SECRET');
    const list = jobListMessage([{ job, link: null }, { job: snapshot(flow, FLOW_VIDEO, { jobid: FLOW_VIDEO, status: 'started' }), link: null }], NOW);
    expect(list.embeds.at(-1)?.footer?.text).toBe('midjourney-proxy · useapi.net Google Flow v1');
  });
});

describe('account alerts name the account', () => {
  it("a refused midjourney-proxy secret is the proxy's, not useapi.net's", () => {
    const alert = embedOf(accountAlert('unauthorized', null, 2, NOW - 60_000, namesOfAccount('mj-proxy')));
    expect(alert.title).toBe('midjourney-proxy token refused (401): polling paused');
    expect(alert.description).toContain('fix MJ_PROXY_SECRET');
    expect(JSON.stringify(alert)).not.toContain('useapi');
    expect(embedOf(accountRecovered('unauthorized', NOW - 60_000, NOW, namesOfAccount('mj-proxy'))).title).toBe('Resolved: midjourney-proxy accepts the token again');
    expect(embedOf(accountAlert('unauthorized', null, 2, NOW - 60_000, namesOfAccount('useapi'))).title).toBe('useapi.net token refused (401): polling paused');
  });
});

describe('rows stored before readings were', () => {
  it('are read through their adapter at start: normalized status, reading and scope', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upgrade-'));
    try {
      const db = openDatabase(join(dir, 'tracker.db'));
      const jobId = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
      const record = { jobid: jobId, status: 'progress', response: { progress_percent: 40 } };
      // What an older bot wrote: the upstream's own status word and the raw record, nothing else.
      db.insert(jobs).values({ jobId, status: 'progress', payload: JSON.stringify(record), trackedAt: NOW, nextPollAt: NOW }).run();
      const registry = registryOf([useapiMidjourney(useapi)]);
      const upgraded = upgradeStoredRecords(db, registry.normalizeStored, registry.scopeOf);
      expect(upgraded).toBe(1);
      expect(loadJob(db, jobId)).toMatchObject({ upstream: 'useapi-midjourney', account: 'useapi', scope: '1234567890123456789', status: 'running', reading: { upstreamStatus: 'progress', progress: 40, raw: record } });
      expect(upgradeStoredRecords(db, () => null, () => null)).toBe(0);
      db.$client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
