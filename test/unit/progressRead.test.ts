import { describe, expect, it } from 'vitest';
import type { APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../src/domain/job';
import { trackingMessage } from '../../src/discord/views/tracking';
import { readStaleAfter } from '../../src/tracker/policy';
import { readingOf } from '../../src/upstreams/useapi-midjourney/record';
import { expectWithinLimits } from './discordBody';

const CHANNEL = '1234567890123456789';
const J = `j1023141520123456789i-u12345-c${CHANNEL}-bot:midjourney`;
const NOW = Date.parse('2025-10-23T14:30:00.000Z');
const STALE_AFTER = readStaleAfter({ pollIntervalMs: 5000 });

function job(status: string, readAt: number | null, over: Partial<JobSnapshot> = {}): JobSnapshot {
  const reading = readingOf({ jobid: J, status, created: '2025-10-23T14:15:20.123Z', request: { prompt: 'a cat in a hat' }, response: { progress_percent: 40 } }, CHANNEL);
  return {
    jobId: J,
    upstream: 'useapi-midjourney',
    status: reading.status,
    progress: reading.status === 'completed' ? 100 : 40,
    problem: null,
    terminal: reading.status === 'completed',
    reading,
    trackedAt: NOW - 20 * 60_000,
    finishedAt: reading.status === 'completed' ? NOW : null,
    notFoundUntil: null,
    readAt,
    ...over,
  };
}

const descriptionOf = (m: { embeds: APIEmbed[] }) => m.embeds[0]!.description ?? '';
const LINE = /Progress last read <t:(\d+):R>/;

describe('a running job whose progress was read long ago', () => {
  it('says when its progress was last read, as a relative Discord time', () => {
    const readAt = NOW - STALE_AFTER - 1000;
    const m = trackingMessage(job('progress', readAt), NOW, { readStaleAfterMs: STALE_AFTER });
    expect(LINE.exec(descriptionOf(m))?.[1]).toBe(String(Math.floor(readAt / 1000)));
    expectWithinLimits(m, 'link');
  });

  it('says nothing while the read is recent', () => {
    expect(descriptionOf(trackingMessage(job('progress', NOW - STALE_AFTER), NOW, { readStaleAfterMs: STALE_AFTER }))).not.toMatch(LINE);
  });

  it('says nothing once the job has ended, before its first read, or when no threshold is given', () => {
    const old = NOW - 10 * STALE_AFTER;
    expect(descriptionOf(trackingMessage(job('completed', old), NOW, { readStaleAfterMs: STALE_AFTER }))).not.toMatch(LINE);
    expect(descriptionOf(trackingMessage(job('progress', null), NOW, { readStaleAfterMs: STALE_AFTER }))).not.toMatch(LINE);
    expect(descriptionOf(trackingMessage(job('progress', old), NOW))).not.toMatch(LINE);
  });

  it('waits for twice the longest interval the policy plans between two reads of a job', () => {
    expect(STALE_AFTER).toBe(240_000);
  });
});
