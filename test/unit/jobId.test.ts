import { describe, expect, it } from 'vitest';
import { jobIdProblemText, parseJobId } from '../../src/upstreams/useapi-midjourney/jobId';

const V3 = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';

describe('parseJobId', () => {
  it('accepts a v3 id and reads its parts', () => {
    expect(parseJobId(V3)).toEqual({
      ok: true,
      jobId: { id: V3, type: 'image', account: '12345', channel: '1234567890123456789' },
    });
  });

  it('reads video ids, trims, strips code ticks and decodes %3A', () => {
    const video = V3.replace('789i-', '789v-');
    expect(parseJobId(`  \`${video}\` `)).toMatchObject({ ok: true, jobId: { id: video, type: 'video' } });
    expect(parseJobId(V3.replace(':', '%3A'))).toMatchObject({ ok: true, jobId: { id: V3 } });
  });

  it('recognises a v2 id and explains the difference', () => {
    const result = parseJobId('job:20250822143812123-user:12345-channel:1122334455667788990-bot:midjourney');
    expect(result).toEqual({ ok: false, reason: 'v2' });
    expect(jobIdProblemText('v2')).toMatch(/v2.*v3/s);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['hello', 'malformed'],
    [V3.replace('bot:midjourney', 'bot:other'), 'malformed'],
    [V3.replace('-c1234567890123456789', '-c123'), 'malformed'],
    [`${V3}\nextra`, 'malformed'],
    ['%E0%A4%A', 'malformed'],
    ['x'.repeat(500), 'too_long'],
  ])('refuses %j as %s', (input, reason) => {
    expect(parseJobId(input)).toEqual({ ok: false, reason });
  });
});
