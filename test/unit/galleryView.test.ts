/** The gallery view: within Discord's Components V2 limits whatever the job, and showing what adds something. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResultFile } from '../../src/db/media';
import type { JobSnapshot, ResultMedia } from '../../src/domain/job';
import { resultDmRender } from '../../src/discord/views/dm';
import { galleryMessage, V2_LIMITS } from '../../src/discord/views/gallery';
import { trackingRender } from '../../src/discord/views/tracking';
import { validateBody } from '../../src/playground/discord/validation';
import { allStrings, LONE } from './discordBody';
import { readingWith } from './fixtures';

const NOW = Date.parse('2026-11-30T12:00:00Z');

function completedJob(media: ResultMedia[], prompt: string | null = 'a lighthouse at dusk'): JobSnapshot {
  return {
    jobId: 'j-1',
    upstream: 'useapi-midjourney',
    status: 'completed',
    progress: 100,
    problem: null,
    terminal: true,
    trackedAt: NOW - 60_000,
    finishedAt: NOW,
    notFoundUntil: null,
    reading: readingWith(media, prompt),
  };
}

const MJ_MEDIA: ResultMedia[] = [
  { kind: 'image', url: 'https://cdn.discordapp.com/attachments/1/2/grid.png?ex=1&is=2&hm=3', role: 'grid' },
  ...[0, 1, 2, 3].map((n): ResultMedia => ({ kind: 'image', url: `https://cdn.midjourney.com/u/0_${n}.png` })),
];

function stored(media: ResultMedia[]): ResultFile[] {
  return media.map((m, i) => ({
    position: i,
    name: m.role === 'grid' ? 'grid.png' : m.kind === 'video' ? `video-${i}.mp4` : `image-${i}.png`,
    contentType: m.kind === 'video' ? 'video/mp4' : 'image/png',
    sourceIndex: i,
    kind: m.kind,
    bytes: Buffer.from([i]),
  }));
}

function counts(components: unknown): { components: number; text: number; items: number } {
  const out = { components: 0, text: 0, items: 0 };
  const walk = (list: unknown) => {
    for (const c of (Array.isArray(list) ? list : []) as Array<Record<string, unknown>>) {
      out.components++;
      if (c.type === 10) out.text += (c.content as string).length;
      if (c.type === 12) out.items += (c.items as unknown[]).length;
      walk(c.components);
    }
  };
  walk(components);
  return out;
}

const mediaArb = fc.array(
  fc.oneof(
    fc.constant<ResultMedia>({ kind: 'image', url: 'https://cdn.midjourney.com/a.png' }),
    fc.constant<ResultMedia>({ kind: 'image', url: 'https://cdn.discordapp.com/g.png?ex=1', role: 'grid' }),
    fc.constant<ResultMedia>({ kind: 'video', url: 'https://v3-web.douyinvod.com/v.mp4?x-expires=1', preview: 'https://p9-sign.douyinpic.com/s.jpg' }),
    fc.constant<ResultMedia>({ kind: 'audio', url: 'https://example.com/a.mp3' }),
  ),
  { minLength: 1, maxLength: 24 },
);

describe('galleryMessage', () => {
  it('Midjourney: the four images (the grid adds nothing beside them), attachment:// only, no upstream link', () => {
    const { body, uploads } = galleryMessage(completedJob(MJ_MEDIA), stored(MJ_MEDIA), { now: NOW });
    expect(uploads.map((u) => u.name)).toEqual(['image-1.png', 'image-2.png', 'image-3.png', 'image-4.png']);
    expect(body.attachments).toEqual(uploads.map((u, i) => ({ id: String(i), filename: u.name, description: `Image ${i + 1}` })));
    expect(body.flags).toBe(1 << 15);
    expect(body).toMatchObject({ content: '', embeds: [] });
    const json = JSON.stringify(body);
    expect(json).not.toMatch(/cdn\.midjourney\.com|\?ex=/);
    expect(json).toContain('attachment://image-1.png');
    expect(json).toContain('a lighthouse at dusk');
    expect(validateBody('message-edit', body)).toEqual([]);
  });

  it('the grid alone is shown when it is all there is; a video with its still shows the video, the still only without it', () => {
    const gridOnly = [MJ_MEDIA[0]!];
    expect(galleryMessage(completedJob(gridOnly), stored(gridOnly), { now: NOW }).uploads.map((u) => u.name)).toEqual(['grid.png']);

    const video: ResultMedia[] = [{ kind: 'video', url: 'https://v.example/v.mp4', preview: 'https://v.example/s.jpg' }];
    const still: ResultFile = { position: 1, name: 'still-0.jpg', contentType: 'image/jpeg', sourceIndex: 0, kind: 'image', bytes: Buffer.from([9]) };
    const both = galleryMessage(completedJob(video), [...stored(video), still], { now: NOW });
    expect(both.uploads.map((u) => u.name)).toEqual(['video-0.mp4']);
    const stillOnly = galleryMessage(completedJob(video), [still], { now: NOW });
    expect(stillOnly.body.attachments).toEqual([{ id: '0', filename: 'still-0.jpg', description: 'Video still' }]);
  });

  it('stays within 40 components, 10 gallery items and 4,000 characters, and passes Discord schema, whatever the job', () => {
    fc.assert(
      fc.property(mediaArb, fc.option(fc.string({ maxLength: 3000, unit: 'binary', size: 'max' })), fc.option(fc.string({ maxLength: 2000, unit: 'binary', size: 'max' })), fc.string({ maxLength: 400, unit: 'binary', size: 'max' }), (media, prompt, note, title) => {
        const job = completedJob(media, prompt);
        const { body, uploads } = galleryMessage(job, stored(media), { now: NOW, note, title: title || undefined, lead: ['[Open the tracking message](https://discord.com/channels/1/2/3)'] });
        const c = counts(body.components);
        expect(c.components).toBeLessThanOrEqual(V2_LIMITS.components);
        expect(c.items).toBeLessThanOrEqual(V2_LIMITS.galleryItems);
        expect(c.text).toBeLessThanOrEqual(V2_LIMITS.text);
        expect(uploads.length).toBe(body.attachments.length);
        expect(validateBody('message-create', body)).toEqual([]);
        for (const s of allStrings(body)) expect(s).not.toMatch(LONE);
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });
});

describe('which view a completed job gets', () => {
  it('ready files: the gallery; failed or none: the embed with links and the note', () => {
    const job = completedJob(MJ_MEDIA);
    expect(trackingRender(job, { state: 'ready', files: stored(MJ_MEDIA), note: null }, NOW).uploads).toHaveLength(4);
    const failed = trackingRender(job, { state: 'failed', files: [], note: 'Downloads failed, so the results are shown as links.' }, NOW);
    expect(failed.uploads).toEqual([]);
    expect(JSON.stringify(failed.body)).toContain('Downloads failed, so the results are shown as links.');
    expect(JSON.stringify(trackingRender(job, null, NOW).body)).toContain('cdn.midjourney.com');

    const where = { guildId: '900000000000000001', channelId: '900000000000000011', messageId: '900000000000000099' };
    const dm = resultDmRender(job, where, { state: 'ready', files: stored(MJ_MEDIA), note: 'Image 4 was too large; it is not shown.' }, NOW);
    const dmJson = JSON.stringify(dm.body);
    expect(dm.uploads).toHaveLength(4);
    expect(dmJson).toContain('https://discord.com/channels/900000000000000001/900000000000000011/900000000000000099');
    expect(dmJson).toContain('Image 4 was too large');
    expect(dmJson).toContain('a lighthouse at dusk');
  });
});
