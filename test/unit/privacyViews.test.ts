/** Expiry lines, hidden prompts and spoilered review media: pure views, from readings made by the real adapters. */
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { earliestExpiry, expiryLine } from '../../src/discord/views/linkExpiry';
import { trackingMessage } from '../../src/discord/views/tracking';
import type { JobSnapshot } from '../../src/domain/job';
import { useapiDreamina } from '../../src/upstreams/useapi-dreamina';
import { useapiGoogleFlow } from '../../src/upstreams/useapi-google-flow';
import type { UpstreamAdapter } from '../../src/upstreams/port';
import { expectWithinLimits } from './discordBody';

const NOW = Date.parse('2026-06-01T12:05:00.000Z');
const useapi = { baseUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 1000, maxRequestsPerSecond: 10, account: null };
const flow = useapiGoogleFlow(useapi);
const dreamina = useapiDreamina(useapi);
const FLOW_IMAGE = 'j0903180709650836584i-u3061-email:someone@gmail.com-bot:google-flow';
const DREAMINA_IMAGE = 'j0302140530123456789i-u12345-US:user@example.com-bot:dreamina';

function snapshot(adapter: UpstreamAdapter, jobId: string, record: object): JobSnapshot {
  const reading = adapter.normalize(record)!;
  return { jobId, upstream: adapter.id, status: reading.status, progress: reading.progress, problem: null, terminal: true, reading, trackedAt: NOW - 60_000, finishedAt: NOW, notFoundUntil: null };
}

/** A completed Google Flow image whose link is signed until `expiresAtMs`. */
function flowImage(expiresAtMs: number, prompt = 'a lighthouse in fog'): JobSnapshot {
  const fifeUrl = `https://flow-content.google/image/CAUSabc.png?Expires=${Math.floor(expiresAtMs / 1000)}&Signature=0f3a`;
  return snapshot(flow, FLOW_IMAGE, {
    jobid: FLOW_IMAGE,
    type: 'image',
    status: 'completed',
    request: { prompt },
    response: { media: [{ image: { generatedImage: { fifeUrl, mediaGenerationId: 'CAUSabc' } } }] },
  });
}
const description = (body: { embeds: APIEmbed[] }) => body.embeds.map((e) => e.description ?? '').join('\n');
const unix = (ms: number) => Math.floor(ms / 1000);

describe('expiry of result links', () => {
  it('the earliest expiry of a result, ignoring times a Date cannot hold', () => {
    expect(earliestExpiry([{ kind: 'image', url: 'a', expiresAt: 5e12 }, { kind: 'image', url: 'b', expiresAt: 4e12 }, { kind: 'image', url: 'c' }])).toBe(4e12);
    expect(earliestExpiry([{ kind: 'image', url: 'a', expiresAt: Number.NaN }])).toBeNull();
  });

  it('until when, once past, "may expire" for a signing upstream that does not say, nothing for links that last', () => {
    const at = NOW + 3_600_000;
    expect(expiryLine([{ kind: 'image', url: 'x', expiresAt: at }], 'useapi-google-flow', NOW)).toBe(`Links work until <t:${unix(at)}:f> (<t:${unix(at)}:R>).`);
    expect(expiryLine([{ kind: 'image', url: 'x', expiresAt: at }], 'useapi-google-flow', at)).toBe(`The links expired <t:${unix(at)}:f> (<t:${unix(at)}:R>).`);
    expect(expiryLine([{ kind: 'image', url: 'x' }], 'useapi-dreamina', NOW)).toBe('Links may expire.');
    expect(expiryLine([{ kind: 'image', url: 'https://cdn.midjourney.com/x/0_0.png' }], 'useapi-midjourney', NOW)).toBeNull();
    expect(expiryLine([], 'useapi-google-flow', NOW)).toBeNull();
  });

  it('the tracking message, the DM and /jobs say until when the links of a completed job work', () => {
    const job = flowImage(NOW + 2 * 3_600_000);
    const line = `Links work until <t:${unix(NOW + 2 * 3_600_000)}:f>`;
    const tracking = trackingMessage(job, NOW);
    expectWithinLimits(tracking, 'link');
    expect(description(tracking)).toContain(line);
    expect(description(resultDm(job, { guildId: null, channelId: '900000000000000011', messageId: '900000000000000099' }, NOW))).toContain(line);
    expect(description(jobListMessage([{ job, link: null }], NOW))).toContain(line);
    // Later, the same message says they are gone.
    expect(description(trackingMessage(job, NOW + 3 * 3_600_000))).toContain(`The links expired <t:${unix(NOW + 2 * 3_600_000)}:f>`);
  });

  it('a Dreamina result whose links say no time: "Links may expire."', () => {
    const job = snapshot(dreamina, DREAMINA_IMAGE, { jobid: DREAMINA_IMAGE, status: 'completed', response: { images: [{ imageUrl: 'https://p9-sign.douyinpic.com/image/a-1.png' }] } });
    expect(description(trackingMessage(job, NOW))).toContain('Links may expire.');
  });
});
