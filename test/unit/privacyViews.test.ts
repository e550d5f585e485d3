/** Expiry lines, hidden prompts and spoilered review media: pure views, from readings made by the real adapters. */
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { earliestExpiry, expiryLine } from '../../src/discord/views/linkExpiry';
import { trackingMessage } from '../../src/discord/views/tracking';
import type { JobSnapshot } from '../../src/domain/job';
import { repeatsPrompt } from '../../src/discord/views/promptPrivacy';
import { reviewDetail } from '../../src/discord/views/reviewDetail';
import { reviewPost } from '../../src/discord/views/reviewPost';
import { useapiDreamina } from '../../src/upstreams/useapi-dreamina';
import { useapiMidjourney } from '../../src/upstreams/useapi-midjourney';
import { useapiGoogleFlow } from '../../src/upstreams/useapi-google-flow';
import type { UpstreamAdapter } from '../../src/upstreams/port';
import { expectWithinLimits } from './discordBody';

const NOW = Date.parse('2026-06-01T12:05:00.000Z');
const useapi = { baseUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 1000, maxRequestsPerSecond: 10, account: null };
const flow = useapiGoogleFlow(useapi);
const dreamina = useapiDreamina(useapi);
const midjourney = useapiMidjourney(useapi);
const MJ_JOB = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
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

/** A completed Midjourney job as useapi reports it: the grid is a Discord attachment named after the prompt. */
function midjourneyImage(prompt: string, extra: object = {}): JobSnapshot {
  return snapshot(midjourney, MJ_JOB, {
    jobid: MJ_JOB,
    verb: 'imagine',
    jobType: 'imagine',
    status: 'completed',
    created: '2026-06-01T12:03:00.000Z',
    updated: '2026-06-01T12:04:00.000Z',
    request: { prompt },
    response: {
      content: `**${prompt}** - <@1> (fast)`,
      attachments: [{ url: 'https://cdn.discordapp.com/attachments/1055/1234/ada_a_secret_garden_at_night_0f1e2d3c-4b5a.png?ex=6728831f&is=6727319f&hm=abc', filename: 'ada_a_secret_garden_at_night_0f1e2d3c-4b5a.png' }],
      imageUx: [1, 2, 3, 4].map((id) => ({ id, url: `https://cdn.midjourney.com/0f1e2d3c-4b5a/0_${id - 1}.png` })),
    },
    ...extra,
  });
}

describe('prompts hidden by a server', () => {
  const everything = (body: unknown) => JSON.stringify(body).toLowerCase();

  it('the public message says the prompt is hidden and repeats it nowhere: text, grid file name, details', () => {
    const job = midjourneyImage('a secret garden at night --ar 16:9');
    expect(everything(trackingMessage(job, NOW))).toContain('secret garden');
    const hidden = trackingMessage(job, NOW, { hidePrompt: true });
    expectWithinLimits(hidden, 'link');
    expect(description(hidden)).toContain("Prompt hidden by this server's settings");
    expect(everything(hidden)).not.toMatch(/secret.garden/);
    // The grid named after the prompt is replaced by the first image; the four links stay.
    expect(hidden.embeds[0]!.image?.url).toBe('https://cdn.midjourney.com/0f1e2d3c-4b5a/0_0.png');
    expect(hidden.components.flatMap((r) => r.components)).toHaveLength(4);
  });

  it('an error that quotes the prompt is not shown; the DM and /jobs still show the prompt', () => {
    const job = snapshot(flow, FLOW_IMAGE, {
      jobid: FLOW_IMAGE,
      type: 'image',
      status: 'failed',
      request: { prompt: 'my private family photo restored' },
      error: 'Generation failed for "my private family photo restored"',
    });
    const hidden = trackingMessage(job, NOW, { hidePrompt: true });
    expect(everything(hidden)).not.toContain('private family');
    expect(everything(hidden)).toContain('not shown: it quotes the prompt');
    expect(everything(resultDm(job, { guildId: '900000000000000001', channelId: '900000000000000011', messageId: '900000000000000099' }, NOW))).toContain('private family');
    expect(everything(jobListMessage([{ job, link: null }], NOW))).toContain('private family');
  });

  it('repeatsPrompt: the prompt’s first words in a row, in text or a file name, not a single common word', () => {
    expect(repeatsPrompt('ada_a_secret_garden_at_night_0f1e.png', 'A secret garden, at night')).toBe(true);
    expect(repeatsPrompt('https://cdn.discordapp.com/attachments/1/2/ada_a%20secret_garden_at.png', 'a secret garden at night')).toBe(true);
    expect(repeatsPrompt('Image generation failed', 'image')).toBe(false);
    expect(repeatsPrompt('https://cdn.midjourney.com/0f1e/0_0.png', 'a secret garden')).toBe(false);
    expect(repeatsPrompt('a secret', 'a secret garden')).toBe(false);
  });
});

describe('media in the review channel', () => {
  const review = { id: 7, guildId: '900000000000000001', jobId: MJ_JOB, userId: '800000000000000001', status: 'pending' as const, createdAt: NOW, actedBy: null, actedAt: null };
  const moderatedWithImages = () =>
    midjourneyImage('a prompt the moderators dislike', {
      status: 'moderated',
      error: 'Midjourney moderated this job',
      code: 403,
    });

  it('a moderated job that left pictures: spoilered links in the review post and /review show, never a picture or a button', () => {
    const job = moderatedWithImages();
    expect(job.status).toBe('moderated');
    for (const body of [reviewPost(review, job, NOW), reviewDetail(review, job, [], NOW)]) {
      expectWithinLimits(body, 'action');
      const embed = body.embeds[0]!;
      const field = embed.fields!.find((f) => f.name.startsWith('What it made'))!;
      expect(field.value).toContain('||[Grid](https://cdn.discordapp.com/attachments/');
      expect(field.value).toContain('||[Image 4](https://cdn.midjourney.com/0f1e2d3c-4b5a/0_3.png)||');
      // Every link is inside a spoiler: nothing outside `||…||` but separators.
      expect(field.value.replace(/\|\|\[[^\]]+\]\([^)]+\)\|\|/g, '').replace(/ · /g, '')).toBe('');
      expect(embed.image).toBeUndefined();
      expect(embed.thumbnail).toBeUndefined();
    }
    expect(reviewPost(review, job, NOW).components.flatMap((r) => r.components).every((b) => !('url' in b))).toBe(true);
    // The public tracking message of a moderated job shows none of it.
    expect(JSON.stringify(trackingMessage(job, NOW))).not.toContain('cdn.midjourney.com');
  });

  it('a moderated job without media, and a completed one: no such field', () => {
    const bare = snapshot(midjourney, MJ_JOB, { jobid: MJ_JOB, status: 'moderated', request: { prompt: 'x y z' }, response: {} });
    expect(reviewPost(review, bare, NOW).embeds[0]!.fields!.map((f) => f.name)).not.toContain('What it made (hidden: click to show)');
    expect(reviewPost(review, midjourneyImage('a b c d'), NOW).embeds[0]!.fields!.map((f) => f.name)).not.toContain('What it made (hidden: click to show)');
  });
});
