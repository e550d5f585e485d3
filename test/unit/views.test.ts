import { describe, expect, it } from 'vitest';
import type { APIEmbed } from 'discord.js';
import type { JobSnapshot, Problem } from '../../src/domain/job';
import type { UpstreamJob } from '../../src/upstreams/useapi-midjourney/record';
import { trackingMessage, EMBED_COLORS, embedLength } from '../../src/discord/views/tracking';
import { messageLostDm, resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { PROBLEM_HEADLINES } from '../../src/discord/views/problemTexts';
import { PROMPT_SHOWN_MAX } from '../../src/discord/views/render';
import { clampEmbed } from '../../src/discord/views/limits';
import {
  cleanPrompt,
  formatDuration,
  progressBar,
  safeLink,
  stringifyUpstream,
  joinWithinBudget,
  truncate,
} from '../../src/discord/views/text';

import { expectWithinLimits, LONE, type Body } from './discordBody';
import { MODERATED_FIELDS, rawOf, withRecord } from './fixtures';
import { messageText } from '../../src/playground/discord';
import { upstreamJobSchema } from '../../src/upstreams/useapi-midjourney/record';
import {
  CAPTURED_BUTTONS,
  CAPTURED_PROMPT_SUFFIX,
  capturedCompletedStep,
  DEFAULT_PROMPT,
  jobRecordAt,
  makeJobId,
  REFUSED_DETAILS,
  refusedStep,
  type JobScript,
} from '../../src/playground/useapi';

// ---------------------------------------------------------------------------------------------
// Fixtures

const J = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
const CREATED = '2025-10-23T14:15:20.123Z';
const T0 = Date.parse('2025-10-23T14:15:21.000Z'); // when the bot started tracking
const NOW = Date.parse('2025-10-23T14:17:00.000Z');
const IMAGE_UX = [1, 2, 3, 4].map((id) => ({ id, url: `https://cdn.midjourney.com/abc-guid/0_${id - 1}.jpeg` }));
const GRID = 'https://cdn.discordapp.com/attachments/1234567890123456789/2222222222222222222/image.png?ex=6720f0a1&is=671f9f21&hm=abc123';

function payload(over: Partial<UpstreamJob> = {}): UpstreamJob {
  return {
    jobid: J,
    verb: 'imagine',
    jobType: 'image',
    status: 'created',
    created: CREATED,
    request: { prompt: 'a cat in a hat --ar 16:9' },
    ...over,
  };
}

/** A snapshot; `payload`: the v3 record it shows, read through the Midjourney adapter. */
function snap({ payload: record = null, ...over }: Partial<JobSnapshot> & { payload?: UpstreamJob | null } = {}): JobSnapshot {
  const base: JobSnapshot = {
    jobId: J,
    upstream: 'useapi-midjourney',
    status: null,
    progress: null,
    problem: null,
    terminal: false,
    reading: null,
    trackedAt: T0,
    finishedAt: null,
    notFoundUntil: null,
    ...over,
  };
  return withRecord(base, record);
}

const running = (status: string, progress: number | null, extra: Partial<UpstreamJob> = {}): JobSnapshot =>
  snap({
    progress,
    payload: payload({
      status,
      updated: '2025-10-23T14:15:41.010Z',
      response: {
        content: `**a cat in a hat --ar 16:9** - <@1111111111111111111> (${progress ?? 0}%) (fast)`,
        ...(progress === null ? {} : { progress_percent: progress }),
      },
      ...extra,
    }),
  });

const completedImage = (over: Partial<UpstreamJob> = {}): JobSnapshot =>
  snap({
    progress: 100,
    terminal: true,
    finishedAt: Date.parse('2025-10-23T14:16:50.000Z'),
    payload: payload({
      status: 'completed',
      updated: '2025-10-23T14:16:45.789Z',
      response: {
        content: '**a cat in a hat** - <@user> (100%) (fast)',
        progress_percent: 100,
        attachments: [{ url: GRID, proxy_url: 'https://media.discordapp.net/x', filename: 'image.png', width: 1920, height: 1080 }],
        buttons: ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔄'],
        imageUx: IMAGE_UX,
      },
      ...over,
    }),
  });

const VIDEO_UX = [1, 2, 3, 4].map((id) => ({ id, url: `https://cdn.midjourney.com/video/abc-guid/${id - 1}.mp4` }));
const completedVideo = (): JobSnapshot =>
  snap({
    jobId: J.replace('789i-', '789v-'),
    status: 'completed',
    progress: 100,
    terminal: true,
    finishedAt: NOW,
    payload: payload({
      jobid: J.replace('789i-', '789v-'),
      jobType: 'video',
      status: 'completed',
      updated: '2025-10-23T14:16:45.789Z',
      request: { prompt: 'a cat dancing --video --motion high' },
      response: { progress_percent: 100, videoUx: VIDEO_UX },
    }),
  });

const failed = (over: Partial<UpstreamJob> = {}): JobSnapshot =>
  snap({
    progress: 62,
    terminal: true,
    finishedAt: NOW,
    payload: payload({
      status: 'failed',
      updated: '2025-10-23T14:29:20.200Z',
      error: { code: 'MJ_TIMEOUT', message: 'Job timed out' },
      errorDetails: { reason: 'No update from Midjourney for 14 minutes', retry: false },
      code: 504,
      response: { content: '**a cat in a hat --ar 16:9** - <@1111111111111111111> (62%) (fast)', progress_percent: 62 },
      ...over,
    }),
  });

const moderated = (over: Partial<UpstreamJob> = {}): JobSnapshot =>
  snap({
    terminal: true,
    finishedAt: NOW,
    payload: payload({ ...MODERATED_FIELDS, ...over }),
  });

// ---------------------------------------------------------------------------------------------
// Limit checking: our own rules plus Discord's OpenAPI schema (discord-api-spec/zod).

const embedOf = (b: Body): APIEmbed => b.embeds![0]!;
const field = (b: Body, name: string): string | undefined => embedOf(b).fields?.find((f) => f.name === name)?.value;
const buttons = (b: Body): Array<{ label?: string; url?: string }> =>
  (b.components ?? []).flatMap((r) => r.components as Array<{ label?: string; url?: string }>);

// ---------------------------------------------------------------------------------------------

describe('text helpers', () => {
  it('cleanPrompt strips bold markers and mentions, collapses whitespace, keeps --params', () => {
    expect(cleanPrompt('**a cat   in a\nhat --ar 16:9 --v 7** - <@1111111111111111111> <@!22> <@&33> <@user>')).toBe(
      'a cat in a hat --ar 16:9 --v 7 -',
    );
    expect(cleanPrompt('  cat::2 dog --no text --stylize 250  ')).toBe('cat::2 dog --no text --stylize 250');
  });

  it('cleanPrompt neutralises @everyone/@here and markdown that would break the embed', () => {
    const out = cleanPrompt('@everyone @HERE ```js\ncode``` ||spoiler|| [click](https://evil.example) # head ~~x~~ > q');
    expect(out).not.toMatch(/@everyone|@here/i);
    expect(out).toContain('@\u200Beveryone');
    expect(out).toContain('@\u200BHERE');
    expect(out).not.toMatch(/(?<!\\)`/); // every backtick escaped
    expect(out).toContain('\\|\\|spoiler\\|\\|');
    expect(out).toContain('\\[click\\]');
    expect(out).toContain('\\# head');
    expect(out).toContain('\\~\\~x\\~\\~');
    expect(out).toContain('\\> q');
  });

  it('cleanPrompt leaves bare URLs clickable and repairs lone surrogates and bidi overrides', () => {
    expect(cleanPrompt('https://s.mj.run/a_b-c a cat_dog')).toBe('https://s.mj.run/a_b-c a cat\\_dog');
    expect(cleanPrompt('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(cleanPrompt('abc\u202Egnp.exe\u0000')).toBe('abcgnp.exe');
    expect(cleanPrompt('- list item')).toBe('\\- list item');
  });

  it('truncate keeps short text, cuts long text to max with an ellipsis', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello world', 7)).toBe('hello…'); // trailing space dropped
    expect(truncate('hello', 1)).toBe('…');
    expect(truncate('hello', 0)).toBe('');
    expect(truncate('abc\\*def', 5)).toBe('abc…'); // no dangling escape backslash
  });

  it('truncate never splits a surrogate pair, a ZWJ emoji or a combining sequence', () => {
    const family = '👩‍👩‍👧‍👦';
    const text = `${family}😀e\u0301\u0302${family}`.repeat(20);
    for (let max = 1; max <= 60; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(LONE.test(out)).toBe(false);
      const body = out.replace(/…$/, '');
      // Only whole graphemes: the kept part is a prefix made of whole units.
      expect(text.startsWith(body)).toBe(true);
      expect(body.endsWith('\u200D')).toBe(false);
      if (body.length) expect(/[\u0301\u0302]$/.test(body) || !/e$/.test(body) || body.endsWith('e\u0301\u0302')).toBe(true);
    }
    expect(truncate('😀😀😀😀', 5)).toBe('😀😀…');
    // a single giant grapheme (zalgo) is still cut, by code points
    const zalgo = 'a' + '\u0301'.repeat(500);
    expect(truncate(zalgo, 100).length).toBe(100);
  });

  it('progressBar clamps and rounds', () => {
    expect(progressBar(45)).toBe(`${'▰'.repeat(9)}${'▱'.repeat(11)} 45%`);
    expect(progressBar(45, 10)).toBe('▰▰▰▰▰▱▱▱▱▱ 45%');
    expect(progressBar(0, 5)).toBe('▱▱▱▱▱ 0%');
    expect(progressBar(100, 5)).toBe('▰▰▰▰▰ 100%');
    expect(progressBar(-3, 5)).toBe('▱▱▱▱▱ 0%');
    expect(progressBar(250, 5)).toBe('▰▰▰▰▰ 100%');
    expect(progressBar(Number.NaN, 5)).toBe('▱▱▱▱▱ 0%');
  });

  it('formatDuration', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_999)).toBe('45s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration((2 * 60 + 3) * 60_000 + 59_000)).toBe('2h 03m');
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe('3d 04h');
    expect(formatDuration(-5000)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
  });

  it('stringifyUpstream handles strings, objects, circular values', () => {
    expect(stringifyUpstream('  boom ')).toBe('boom');
    expect(stringifyUpstream({ message: 'Bad', code: 7 })).toBe('Bad (7)');
    expect(stringifyUpstream({ a: 1 })).toBe('{"a":1}');
    expect(stringifyUpstream(undefined)).toBe('');
    expect(stringifyUpstream({})).toBe('');
    const circ: Record<string, unknown> = { a: 1 };
    circ.self = circ;
    expect(stringifyUpstream(circ)).toBe('[unreadable value]');
  });

  it('safeLink accepts https only and rejects tricks', () => {
    expect(safeLink('https://cdn.midjourney.com/x/0_0.jpeg')).toBe('https://cdn.midjourney.com/x/0_0.jpeg');
    expect(safeLink('https://example.com/a(b)')).toBe('https://example.com/a%28b%29');
    for (const bad of [
      'http://cdn.midjourney.com/x.png',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'https://user:pw@evil.example/x',
      'https://evil.example/a b',
      'https://evil.example/\n[x](https://y)',
      'https:evil.example',
      '//evil.example/x',
      `https://cdn.midjourney.com/${'a'.repeat(500)}`,
      'https://evil.example/\uD800',
      '',
      42,
    ]) {
      expect(safeLink(bad), String(bad)).toBeNull();
    }
  });

  it('clampEmbed enforces every limit on arbitrary input', () => {
    const big = 'x'.repeat(9000);
    const e = clampEmbed({
      title: big,
      description: big,
      footer: { text: big },
      fields: Array.from({ length: 40 }, () => ({ name: big, value: big })),
    });
    expect(e.title!.length).toBe(256);
    expect(e.fields!.length).toBeLessThanOrEqual(25);
    expect(embedLength(e)).toBeLessThanOrEqual(6000);
  });
});

describe('trackingMessage: every state', () => {
  it('before the first read', () => {
    const m = trackingMessage(snap(), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Waiting for useapi.net…');
    expect(embedOf(m).color).toBe(EMBED_COLORS.waiting);
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
    expect(field(m, 'Status')).toBe('Not read yet');
    expect(field(m, 'Elapsed')).toBe('1m 39s'); // NOW − trackedAt
    expect(field(m, 'Progress')).toBe('—');
    expect(m.components).toEqual([]);
    expect(embedOf(m).footer?.text).toContain('useapi.net Midjourney v3');
    expect(embedOf(m).timestamp).toBe(new Date(NOW).toISOString());
  });

  it('named by the list of running jobs, never read itself: queued or running (the list does not say), and when the prompt will show', () => {
    const m = trackingMessage({ ...snap(), status: 'running' }, NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Queued or running');
    expect(embedOf(m).color).toBe(EMBED_COLORS.running);
    expect(field(m, 'Status')).toBe('Queued or running');
    expect(embedOf(m).description).toContain('useapi.net lists it among its unfinished jobs');
    expect(field(m, 'Progress')).toBe('—');
  });

  it('created → Queued, blue, elapsed from upstream created', () => {
    const m = trackingMessage(snap({ payload: payload() }), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Queued');
    expect(embedOf(m).color).toBe(EMBED_COLORS.running);
    expect(embedOf(m).description).toContain('> a cat in a hat --ar 16:9');
    expect(embedOf(m).description).toContain('waiting in the queue');
    expect(field(m, 'Elapsed')).toBe('1m 39s'); // NOW − created (14:15:20.123)
  });

  it('started → Starting', () => {
    const m = trackingMessage(running('started', 0), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Starting');
    expect(embedOf(m).color).toBe(EMBED_COLORS.running);
    expect(field(m, 'Status')).toBe('Starting');
  });

  it('progress → Rendering — 45% with a bar', () => {
    const m = trackingMessage(running('progress', 45), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Rendering — 45%');
    expect(embedOf(m).description).toContain(progressBar(45));
    expect(field(m, 'Progress')).toBe('45%');
    expect(embedOf(m).image).toBeUndefined();
    expect(m.components).toEqual([]);
  });

  it('progress falls back to progress_percent, then to "(NN%)" in the content', () => {
    const fromPercent = snap({ payload: payload({ status: 'progress', response: { progress_percent: 77 } }) });
    expect(embedOf(trackingMessage(fromPercent, NOW)).title).toBe('Rendering — 77%');
    const fromContent = snap({
      payload: payload({ status: 'progress', request: {}, response: { content: '**a dog on a log** - <@1> (31%) (fast)' } }),
    });
    const m = trackingMessage(fromContent, NOW);
    expect(embedOf(m).title).toBe('Rendering — 31%');
    // prompt parsed from the content when request.prompt is missing
    expect(embedOf(m).description!.startsWith('> a dog on a log\n')).toBe(true);
    const promptPct = snap({
      payload: payload({ status: 'progress', request: {}, response: { content: '**sale (90%)** - <@1> (Waiting to start)' } }),
    });
    expect(embedOf(trackingMessage(promptPct, NOW)).title).toBe('Rendering');
    const unknownPct = snap({ payload: payload({ status: 'progress' }) });
    expect(embedOf(trackingMessage(unknownPct, NOW)).title).toBe('Rendering');
  });

  it('completed image: grid image, four link buttons and links in the embed', () => {
    const m = trackingMessage(completedImage(), NOW);
    expectWithinLimits(m, 'link');
    const e = embedOf(m);
    expect(e.title).toBe('Completed');
    expect(e.color).toBe(EMBED_COLORS.completed);
    expect(e.image?.url).toBe(GRID);
    expect(field(m, 'Elapsed')).toBe('1m 25s'); // updated − created
    expect(field(m, 'Progress')).toBe('100%');
    expect(buttons(m)).toEqual(IMAGE_UX.map((u, i) => ({ type: 2, style: 5, label: `Image ${i + 1}`, url: u.url })));
    for (const [i, u] of IMAGE_UX.entries()) expect(e.description).toContain(`[Image ${i + 1}](${u.url})`);
    expect(e.description).not.toContain('▰'); // no progress bar once finished
  });

  it('completed image without attachments uses imageUx[0] as the grid', () => {
    const job = completedImage();
    const m = trackingMessage(withRecord(job, { ...rawOf(job), response: { imageUx: IMAGE_UX } }), NOW);
    expect(embedOf(m).image?.url).toBe(IMAGE_UX[0]!.url);
  });

  it('completed video: videoUx links as buttons and in the embed', () => {
    const m = trackingMessage(completedVideo(), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Completed');
    expect(buttons(m).map((b) => b.label)).toEqual(['Video 1', 'Video 2', 'Video 3', 'Video 4']);
    expect(buttons(m).map((b) => b.url)).toEqual(VIDEO_UX.map((v) => v.url));
    expect(embedOf(m).description).toContain(`[Video 1](${VIDEO_UX[0]!.url})`);
    expect(embedOf(m).footer?.text).toBe('useapi.net Midjourney v3 · video');
  });

  it('videoUx without jobType still counts as a video job', () => {
    const record = rawOf(completedImage({ jobType: undefined }));
    const job = withRecord(completedImage(), { ...record, response: { ...record.response, videoUx: VIDEO_UX.slice(0, 1) } });
    const m = trackingMessage(job, NOW);
    expect(buttons(m).map((b) => b.label)).toEqual(['Image 1', 'Image 2', 'Image 3', 'Image 4', 'Video 1']);
    expect(m.components.length).toBe(2);
  });

  it('failed with object error / errorDetails and a code', () => {
    const m = trackingMessage(failed(), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Failed');
    expect(embedOf(m).color).toBe(EMBED_COLORS.failed);
    expect(field(m, 'Error')).toBe('Job timed out (MJ\\_TIMEOUT)');
    expect(field(m, 'Details')).toContain('No update from Midjourney for 14 minutes');
    expect(field(m, 'Code')).toBe('504');
    expect(field(m, 'Progress')).toBe('62%');
    expect(field(m, 'Elapsed')).toBe('14m 00s'); // updated − created
    expect(embedOf(m).description).toContain('The job failed; nothing more will happen to it. What useapi.net reported is below.');
    expect(embedOf(m).description).not.toContain('▰');
    expect(m.components).toEqual([]);
  });

  it('failed with string error and circular details does not throw', () => {
    const circ: Record<string, unknown> = {};
    circ.me = circ;
    const m = trackingMessage(failed({ error: 'Job cancelled by user', errorDetails: circ, code: 400 }), NOW);
    expectWithinLimits(m, 'link');
    expect(field(m, 'Error')).toBe('Job cancelled by user');
    expect(field(m, 'Code')).toBe('400');
  });

  it('moderated: marked as moderated, Midjourney embed text, no duplicate error text', () => {
    const m = trackingMessage(moderated(), NOW);
    expectWithinLimits(m, 'link');
    const e = embedOf(m);
    expect(e.title).toBe('Moderated');
    expect(e.color).toBe(EMBED_COLORS.moderated);
    expect(e.description).toContain('**Moderated.**');
    expect(field(m, 'Midjourney: Action needed to continue')).toContain('Our AI moderators feel your prompt');
    expect(field(m, 'Midjourney: Action needed to continue')).toContain('"Appeal"');
    // error equals the embed title, errorDetails is a cut copy of its description: both shown once
    expect(field(m, 'Error')).toBeUndefined();
    expect(field(m, 'Details')).toBeUndefined();
    expect(field(m, 'Code')).toBe('422');
    expect(e.description).toContain('What Midjourney said is below.');
    expect(field(m, 'Progress')).toBeUndefined(); // never reported progress: no empty field
  });

  it('moderated / failed without any upstream reason do not point at missing details', () => {
    const mo = trackingMessage(moderated({ error: undefined, errorDetails: undefined, code: undefined, response: {} }), NOW);
    expectWithinLimits(mo, 'link');
    expect(embedOf(mo).description).toContain('nothing was generated.');
    expect(embedOf(mo).description).not.toContain('below');
    expect(embedOf(mo).fields!.map((f) => f.name)).toEqual(['Job id', 'Status', 'Elapsed']);
    const fa = trackingMessage(failed({ error: undefined, errorDetails: undefined, code: undefined }), NOW);
    expect(embedOf(fa).description).toContain('The job failed; nothing more will happen to it.');
    expect(embedOf(fa).description).not.toContain('below');
  });

  it('moderated: distinct error texts and several embeds are all shown', () => {
    const m = trackingMessage(
      moderated({
        error: 'Banned prompt detected',
        errorDetails: { flagged: ['word'] },
        response: {
          embeds: [
            { title: 'Banned prompt detected', description: 'Sorry! While AI moderation is imperfect, this prompt was blocked.' },
            { title: 'Invalid parameter' },
          ],
        },
      }),
      NOW,
    );
    expectWithinLimits(m, 'link');
    expect(field(m, 'Midjourney: Banned prompt detected')).toContain('this prompt was blocked');
    expect(field(m, 'Midjourney')).toBe('Invalid parameter');
    expect(field(m, 'Error')).toBeUndefined(); // same as the first embed title
    expect(field(m, 'Details')).toBe('{"flagged":\\["word"\\]}');
  });

  it('unknown upstream status is shown as given', () => {
    const m = trackingMessage(
      snap({ terminal: true, finishedAt: NOW, payload: payload({ status: 'cancelled', error: 'Cancelled' }) }),
      NOW,
    );
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Status: cancelled');
    expect(embedOf(m).color).toBe(EMBED_COLORS.stopped);
    expect(field(m, 'Status')).toBe('cancelled · tracking stopped');
    expect(embedOf(m).description).toContain('does not know (cancelled)');
    expect(field(m, 'Error')).toBe('Cancelled');
  });

  it('a hostile unknown status is cleaned and short', () => {
    const m = trackingMessage(snap({ payload: payload({ status: `<@123> **x** \`y\`\n${'z'.repeat(500)}` }) }), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title!.length).toBeLessThanOrEqual(70);
    expect(embedOf(m).title).not.toContain('<@');
    expect(embedOf(m).title).not.toMatch(/(?<!\\)`/);
  });

  const problems: Array<[Problem, string, number, RegExp]> = [
    ['unauthorized', 'useapi.net token refused (401)', EMBED_COLORS.attention, /USEAPI_TOKEN.*resumes by itself/],
    ['payment_required', 'useapi.net subscription inactive (402)', EMBED_COLORS.attention, /subscription.*resumes by itself/],
    ['not_found', 'Job not found (404)', EMBED_COLORS.stopped, /does not know this job id.*account this bot uses/],
    ['expired', 'Job expired (410)', EMBED_COLORS.stopped, /62 days/],
    ['stalled', 'Stalled', EMBED_COLORS.attention, /14 minutes/],
    ['max_age', 'Stopped tracking', EMBED_COLORS.stopped, /stopped following this job/],
  ];
  it.each(problems)('problem %s', (problem, title, color, sentence) => {
    const final = ['not_found', 'expired', 'max_age'].includes(problem);
    const job = running('progress', 45);
    const m = trackingMessage({ ...job, problem, terminal: final, finishedAt: final ? NOW - 10_000 : null }, NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe(title);
    expect(PROBLEM_HEADLINES[problem]).toBe(title);
    expect(embedOf(m).color).toBe(color);
    expect(embedOf(m).description).toMatch(sentence);
    expect(field(m, 'Progress')).toBe('45%'); // last known progress still shown
    expect(field(m, 'Status')).toMatch(/^Rendering · /);
    // the prompt is still there
    expect(embedOf(m).description).toContain('> a cat in a hat --ar 16:9');
    if (problem === 'stalled' || problem === 'unauthorized') expect(embedOf(m).description).toContain(progressBar(45));
  });

  it('not found yet: says so, and until when it keeps checking', () => {
    const until = NOW + 45_000;
    const m = trackingMessage(snap({ problem: 'not_found_yet', notFoundUntil: until }), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Not found yet (404)');
    expect(embedOf(m).color).toBe(EMBED_COLORS.attention);
    expect(embedOf(m).description).toContain(`still checking until <t:${Math.floor(until / 1000)}:T>`);
  });

  it('problem before the first read (404 of a never-seen job)', () => {
    const m = trackingMessage(snap({ problem: 'not_found', terminal: true, finishedAt: T0 + 60_000 }), NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Job not found (404)');
    expect(field(m, 'Elapsed')).toBe('1m 00s'); // finishedAt − trackedAt
    expect(field(m, 'Status')).toBe('Not read yet · tracking stopped');
  });

  it('a finished upstream status wins over a stale problem', () => {
    const m = trackingMessage({ ...completedImage(), problem: 'unauthorized' }, NOW);
    expect(embedOf(m).title).toBe('Completed');
    expect(embedOf(m).color).toBe(EMBED_COLORS.completed);
  });

  it('elapsed: running jobs count to now; clock skew never gives negative time', () => {
    const m = trackingMessage(running('progress', 10), NOW);
    expect(field(m, 'Elapsed')).toBe('1m 39s');
    const future = trackingMessage(snap({ payload: payload({ created: '2030-01-01T00:00:00Z' }) }), NOW);
    expect(field(future, 'Elapsed')).toBe('0s');
    const bad = trackingMessage(snap({ payload: payload({ created: 'yesterday-ish' }) }), NOW);
    expect(field(bad, 'Elapsed')).toBe('1m 39s'); // falls back to trackedAt
  });
});

describe('trackingMessage: hostile and huge input', () => {
  it('a 6,000-character prompt is cut to fit and the rest of the message survives', () => {
    const long = 'a very detailed prompt '.repeat(300).slice(0, 6000) + ' --ar 16:9';
    const m = trackingMessage(completedImage({ request: { prompt: long } }), NOW);
    expectWithinLimits(m, 'link');
    const d = embedOf(m).description!;
    expect(d.startsWith('> a very detailed prompt')).toBe(true);
    expect(d).toMatch(/…\n\n\*\*Images:\*\*/);
    const quoted = d.split('\n\n')[0]!;
    expect(quoted.length).toBeLessThanOrEqual(2 + PROMPT_SHOWN_MAX); // readable cap, not the whole 4,096
    expect(quoted.length).toBeGreaterThan(PROMPT_SHOWN_MAX - 30);
    expect(buttons(m)).toHaveLength(4);
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
  });

  it('huge prompt + huge moderation texts still fit in 6,000', () => {
    const big = 'Sorry! '.repeat(1500);
    const m = trackingMessage(
      moderated({
        request: { prompt: 'p'.repeat(7000) },
        error: 'e'.repeat(5000),
        errorDetails: 'd'.repeat(5000),
        response: {
          embeds: [1, 2, 3, 4, 5].map((i) => ({ title: `T${i} ${'t'.repeat(400)}`, description: `${i}${big}` })),
        },
      }),
      NOW,
    );
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Moderated');
    expect(embedOf(m).description).toContain('> ppp');
    expect(field(m, 'Code')).toBe('422');
  });

  it('huge failure texts with a normal prompt', () => {
    const m = trackingMessage(failed({ error: 'x'.repeat(10000), errorDetails: { blob: 'y'.repeat(10000) } }), NOW);
    expectWithinLimits(m, 'link');
    expect(field(m, 'Error')!.endsWith('…')).toBe(true);
    expect(embedOf(m).description).toContain('> a cat in a hat --ar 16:9');
  });

  it('odd Unicode: emoji ZWJ, combining marks, RTL, lone surrogates', () => {
    const family = '👩‍👩‍👧‍👦';
    const prompt = `${family} e\u0301\u0302 مرحبا بالعالم שלום 🏳️‍🌈 \uD83D ${'\uDE00'} `.repeat(400);
    const m = trackingMessage(completedImage({ request: { prompt } }), NOW);
    expectWithinLimits(m, 'link');
    const d = embedOf(m).description!;
    expect(d).toContain(family);
    expect(d).toContain('مرحبا بالعالم');
    expect(d).toContain('\uFFFD');
    // the cut happens between whole graphemes: nothing ends in a ZWJ or a bare high surrogate
    const quoted = d.split('\n\n')[0]!;
    expect(quoted.endsWith('…')).toBe(true);
    expect(quoted.replace(/…$/, '').endsWith('\u200D')).toBe(false);
  });

  it('mentions and @everyone in the prompt cannot ping or render', () => {
    const m = trackingMessage(
      running('progress', 20, { request: { prompt: '**hi** <@1111111111111111111> <@!2> <@&3> <#4> @everyone @here cat' } }),
      NOW,
    );
    expectWithinLimits(m, 'link');
    const d = embedOf(m).description!;
    expect(d).not.toMatch(/<@|<#/);
    expect(d).not.toMatch(/@(everyone|here)/);
    expect(d).toContain('> hi @\u200Beveryone @\u200Bhere cat');
  });

  it('markdown in the prompt cannot break out of the quote', () => {
    const m = trackingMessage(running('progress', 20, { request: { prompt: '```\n# Heading\n> quote\n||x||``` [Free Nitro](https://evil.example)' } }), NOW);
    const d = embedOf(m).description!;
    const firstSection = d.split('\n\n')[0]!;
    expect(firstSection.split('\n')).toHaveLength(1); // one quoted line
    expect(firstSection).toContain('\\[Free Nitro\\]');
    expect(firstSection).not.toMatch(/(?<!\\)`/);
  });

  it('malicious result links are skipped; good ones keep their position', () => {
    const imageUx = [
      { id: 1, url: 'javascript:alert(1)' },
      { id: 2, url: 'https://cdn.midjourney.com/ok/0_1.jpeg' },
      { id: 3, url: `https://cdn.midjourney.com/${'a'.repeat(520)}.jpeg` },
      { id: 4, url: 'http://cdn.midjourney.com/plain/0_3.jpeg' },
      { id: 5, url: 'https://evil.example/x)[Click me](https://phish.example' },
      { id: 6, url: 'https://user:pass@evil.example/x.jpeg' },
    ];
    const job = completedImage();
    const m = trackingMessage(
      withRecord(job, { ...rawOf(job), response: { attachments: [{ url: 'data:image/png;base64,AAAA' }], imageUx } }),
      NOW,
    );
    expectWithinLimits(m, 'link');
    expect(buttons(m)).toEqual([{ type: 2, style: 5, label: 'Image 2', url: 'https://cdn.midjourney.com/ok/0_1.jpeg' }]);
    const d = embedOf(m).description!;
    expect(d).toContain('[Image 2](https://cdn.midjourney.com/ok/0_1.jpeg)');
    expect(d).not.toMatch(/javascript:|phish|http:\/\/|evil/);
    expect(embedOf(m).image).toBeUndefined(); // data: attachment and javascript: first link both refused
  });

  it('many result links stay within button and description limits', () => {
    const imageUx = Array.from({ length: 30 }, (_, i) => ({ id: i, url: `https://cdn.midjourney.com/${'g'.repeat(480)}/${i}.jpeg` }));
    const video = completedVideo();
    const job = withRecord(video, {
      ...rawOf(video),
      response: { ...rawOf(video).response, imageUx, videoUx: imageUx.map((u) => ({ ...u, url: u.url.replace('.jpeg', '.mp4') })) },
    });
    const m = trackingMessage(job, NOW);
    expectWithinLimits(m, 'link');
    expect(buttons(m).length).toBeLessThanOrEqual(25);
  });

  it('fuzz: random snapshots always fit', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const alphabet = ['a', ' ', '**', '`', '<@1>', '@everyone', '👩‍👩‍👧‍👦', 'e\u0301', 'م', '\uD800', '\n', '|', '[', ']', '(', ')', '\\', '#', '>', '-', 'https://x.example/a_b '];
    const str = (n: number): string => Array.from({ length: Math.floor(rnd() * n) }, () => pick(alphabet)).join('');
    const statuses = [null, 'created', 'started', 'progress', 'completed', 'failed', 'moderated', 'weird'];
    const problemList: Array<Problem | null> = [null, 'unauthorized', 'payment_required', 'not_found_yet', 'not_found', 'expired', 'stalled', 'max_age'];
    for (let i = 0; i < 150; i++) {
      const status = pick(statuses);
      const job = snap({
        jobId: pick([J, str(300)]),
        progress: pick([null, 0, 55, 100, -4, 1000]),
        problem: pick(problemList),
        terminal: rnd() < 0.5,
        finishedAt: pick([null, NOW]),
        payload:
          status === null
            ? null
            : payload({
                status,
                jobType: pick(['image', 'video', undefined]),
                request: { prompt: str(3000) },
                error: pick([undefined, str(2000), { message: str(1500) }]),
                errorDetails: pick([undefined, str(3000), { x: str(100) }]),
                code: pick([undefined, 500]),
                response: {
                  content: str(200),
                  imageUx: IMAGE_UX,
                  videoUx: pick([undefined, VIDEO_UX]),
                  embeds: [{ title: str(300), description: str(5000) }],
                },
              }),
      });
      const where = { guildId: pick([null, '1']), channelId: '2', messageId: pick([null, '3']) };
      expectWithinLimits(trackingMessage(job, NOW), 'link');
      expectWithinLimits(resultDm(job, where, NOW), 'link');
    }
  });
});

describe('resultDm', () => {
  const where = { guildId: '111111111111111111', channelId: '222222222222222222', messageId: '333333333333333333' };
  const link = 'https://discord.com/channels/111111111111111111/222222222222222222/333333333333333333';

  it('completed: results plus a link to the tracking message', () => {
    const m = resultDm(completedImage(), where, NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Your Midjourney job is done');
    expect(embedOf(m).color).toBe(EMBED_COLORS.completed);
    expect(embedOf(m).description).toContain(`[Open the tracking message](${link})`);
    expect(embedOf(m).image?.url).toBe(GRID);
    expect(buttons(m).map((b) => b.label)).toEqual(['Image 1', 'Image 2', 'Image 3', 'Image 4', 'Tracking message']);
    expect(buttons(m).at(-1)!.url).toBe(link);
  });

  it('failed and moderated titles', () => {
    const f = resultDm(failed(), where, NOW);
    expectWithinLimits(f, 'link');
    expect(embedOf(f).title).toBe('Your Midjourney job failed');
    expect(field(f, 'Error')).toContain('Job timed out');
    const mo = resultDm(moderated(), where, NOW);
    expectWithinLimits(mo, 'link');
    expect(embedOf(mo).title).toBe('Your Midjourney job was moderated');
    expect(field(mo, 'Midjourney: Action needed to continue')).toBeDefined();
    const nf = resultDm(snap({ problem: 'expired', terminal: true, finishedAt: NOW }), where, NOW);
    expect(embedOf(nf).title).toBe('Your Midjourney job: Job expired (410)');
  });

  it('a tracking message in a DM channel links through @me', () => {
    const m = resultDm(completedImage(), { guildId: null, channelId: '5', messageId: '6' }, NOW);
    expect(embedOf(m).description).toContain('(https://discord.com/channels/@me/5/6)');
  });

  it('no message, or ids that are not snowflakes: no link', () => {
    for (const w of [
      { guildId: '1', channelId: '2', messageId: null },
      { guildId: '1', channelId: '2/../../evil', messageId: '3' },
      { guildId: 'x)[y](https://evil.example', channelId: '2', messageId: '3' },
    ]) {
      const m = resultDm(completedImage(), w, NOW);
      expectWithinLimits(m, 'link');
      expect(embedOf(m).description).not.toContain('tracking message');
      expect(buttons(m).map((b) => b.label)).not.toContain('Tracking message');
    }
  });
});

describe('records of the shapes captured from the real v3 API (useapi emulator)', () => {
  const END = T0 + 90_000;
  /** The job as the bot stores it after reading the emulator's record at the end. */
  function finishedFromEmulator(script: JobScript): JobSnapshot {
    const record = upstreamJobSchema.parse(jobRecordAt({ startAt: T0, ...script }, END));
    return snap({ jobId: record.jobid, progress: record.status === 'completed' ? 100 : null, terminal: true, finishedAt: END, payload: record });
  }
  const refused = () => finishedFromEmulator({ jobid: makeJobId({ type: 'v' }), prompt: 'a cat dancing --video', steps: [refusedStep(60_000)] });

  it('the records have those shapes', () => {
    const refusedRecord = rawOf(refused());
    expect(refusedRecord).toMatchObject({ status: 'moderated', code: 422, error: 'Invalid request', errorDetails: REFUSED_DETAILS });
    expect(Object.keys(refusedRecord.response!)).not.toContain('imageUx');
    expect(Object.keys(refusedRecord.response!)).not.toContain('buttons');
    const completed = rawOf(finishedFromEmulator({ jobid: makeJobId(), steps: [capturedCompletedStep(60_000)] }));
    expect(completed.code).toBe(200);
    expect(completed.response).toMatchObject({ embeds: [], buttons: CAPTURED_BUTTONS });
    for (const key of ['progress_percent', 'children', 'videoUx']) expect(Object.keys(completed.response!)).not.toContain(key);
    expect(completed.response!.content!.split('\n')[1]).toMatch(/^-# Create, explore, and organize on \[midjourney\.com\]/);
  });

  it('a refused request: its own headline, colour and text, and not "moderated"', () => {
    const m = trackingMessage(refused(), END);
    expectWithinLimits(m, 'link');
    const e = embedOf(m);
    expect(e.title).toBe('Request refused');
    expect(e.color).toBe(EMBED_COLORS.refused);
    expect(new Set(Object.values(EMBED_COLORS)).size).toBe(Object.keys(EMBED_COLORS).length);
    expect(e.description).toContain(`Midjourney refused the request: ${REFUSED_DETAILS}.`);
    expect(field(m, 'Status')).toBe('Refused');
    expect(messageText(m)).not.toMatch(/Moderated|moderation blocked/);
    expect(m.components).toEqual([]);
    const dm = resultDm(refused(), { guildId: null, channelId: '5', messageId: '6' }, END);
    expectWithinLimits(dm, 'link');
    expect(embedOf(dm).title).toBe('Midjourney refused your request');
    expect(embedOf(dm).description).toContain(`Midjourney refused the request: ${REFUSED_DETAILS}.`);
  });

  it('moderation wording, or any other error, keeps a 422 a moderation', () => {
    const job = refused();
    const withEmbed = withRecord(job, { ...rawOf(job), response: { embeds: MODERATED_FIELDS.response.embeds } });
    expect(embedOf(trackingMessage(withEmbed, END)).title).toBe('Moderated');
    const otherError = withRecord(job, { ...rawOf(job), error: 'Action needed to continue' });
    expect(embedOf(trackingMessage(otherError, END)).title).toBe('Moderated');
  });

  it('a completed record with the captured shape shows its images, grid and prompt', () => {
    const job = finishedFromEmulator({ jobid: makeJobId(), steps: [capturedCompletedStep(60_000)] });
    const m = trackingMessage(job, END);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).title).toBe('Completed');
    expect(field(m, 'Progress')).toBe('100%');
    expect(buttons(m).map((b) => b.label)).toEqual(['Image 1', 'Image 2', 'Image 3', 'Image 4']);
    expect(embedOf(m).image?.url).toMatch(/^https:\/\/cdn\.discordapp\.com\/attachments\//);
    // Without `request`, the prompt comes from the content's first line, Midjourney's suffixes and all.
    const fromContent = withRecord(job, { ...rawOf(job), request: undefined });
    const description = embedOf(trackingMessage(fromContent, END)).description!;
    expect(description.startsWith(`> ${DEFAULT_PROMPT} ${CAPTURED_PROMPT_SUFFIX}\n`)).toBe(true);
    expect(description).not.toContain('Create, explore');
  });

  it('trusts jobType over verb: "imagine" with jobType video is a video', () => {
    const job = finishedFromEmulator({ jobid: makeJobId({ type: 'v' }), steps: [{ afterMs: 60_000, status: 'completed' }] });
    expect(rawOf(job)).toMatchObject({ verb: 'imagine', jobType: 'video' });
    const m = trackingMessage(job, END);
    expect(buttons(m).map((b) => b.label)).toEqual(['Video 1', 'Video 2', 'Video 3', 'Video 4']);
    expect(embedOf(m).footer?.text).toBe('useapi.net Midjourney v3 · video');
  });
});

describe('messageLostDm', () => {
  it('deleted', () => {
    expect(messageLostDm(J, 'deleted')).toEqual({
      content: `I can't update the tracking message for job \`${J}\` any more (it was deleted). I'll send you the result here when it ends.`,
    });
  });
  it('no access', () => {
    expect(messageLostDm(J, 'no_access').content).toBe(
      `I can't update the tracking message for job \`${J}\` any more (I lost access to that channel). I'll send you the result here when it ends.`,
    );
  });
  it('a hostile id cannot break the inline code or grow the message', () => {
    const { content } = messageLostDm('`@everyone`\n' + 'x'.repeat(5000), 'deleted');
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(content.match(/`/g)).toHaveLength(2);
    expect(content).not.toContain('@everyone');
  });
});

describe('jobListMessage', () => {
  it('no jobs', () => {
    const m = jobListMessage([], NOW);
    expectWithinLimits(m, 'link');
    expect(embedOf(m).description).toContain("aren't tracking any jobs");
  });

  it('each job with status, progress, elapsed, message link and result links', () => {
    const rows = [
      { job: running('progress', 45), link: 'https://discord.com/channels/1/2/3' },
      { job: completedImage(), link: null },
      { job: failed(), link: 'https://discord.com/channels/1/2/4' },
      { job: snap({ problem: 'unauthorized', payload: payload({ status: 'started' }) }), link: 'javascript:alert(1)' },
    ];
    const m = jobListMessage(rows, NOW);
    expectWithinLimits(m, 'link');
    const d = embedOf(m).description!;
    expect(embedOf(m).title).toBe('Your tracked jobs (4)');
    expect(d).toContain(`**1. Rendering — 45%** · 1m 39s · [message](https://discord.com/channels/1/2/3)\n\`${J}\`\n> a cat in a hat --ar 16:9`);
    expect(d).toContain(progressBar(45, 10));
    expect(d).toContain(`**2. Completed** · 1m 25s\n\`${J}\``);
    expect(d).toContain(`[Image 4](${IMAGE_UX[3]!.url})`);
    expect(d).toContain('**3. Failed** · 14m 00s');
    expect(d).toContain('**4. useapi.net token refused (401)** · 1m 39s'); // started, no progress: no bar
    expect(d).not.toContain('javascript:');
    expect(d).not.toContain('more');
  });

  it('30 jobs with long links: truncated with "…and N more", within limits', () => {
    const longUx = [1, 2, 3, 4].map((id) => ({ id, url: `https://cdn.midjourney.com/${'g'.repeat(400)}/${id}.jpeg` }));
    const rows = Array.from({ length: 30 }, (_, i) => {
      const record = rawOf(completedImage({ request: { prompt: `job number ${i} ${'p'.repeat(3000)}` } }));
      const job = withRecord(completedImage(), { ...record, response: { ...record.response, imageUx: longUx } });
      return { job, link: `https://discord.com/channels/1/2/${i}` };
    });
    const m = jobListMessage(rows, NOW);
    expectWithinLimits(m, 'link');
    const text = m.embeds.map((e) => e.description ?? '').join('\n\n');
    const shown = (text.match(/^\*\*\d+\. /gm) ?? []).length;
    expect(shown).toBeGreaterThan(3);
    expect(shown).toBeLessThan(30);
    expect(text.endsWith(`…and ${30 - shown} more`)).toBe(true);
    // shown rows are the first ones, in order
    for (let i = 1; i <= shown; i++) expect(text).toContain(`**${i}. Completed**`);
  });

  it('100 short running jobs', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ job: running('progress', i), link: null }));
    const m = jobListMessage(rows, NOW);
    expectWithinLimits(m, 'link');
    const text = m.embeds.map((e) => e.description ?? '').join('\n\n');
    const shown = (text.match(/^\*\*\d+\. /gm) ?? []).length;
    expect(shown).toBeGreaterThanOrEqual(25);
    expect(text).toContain(`…and ${100 - shown} more`);
    expect(embedOf(m).color).toBe(EMBED_COLORS.running);
  });
});

describe('joinWithinBudget', () => {
  it('keeps what fits, in order, and counts the rest', () => {
    expect(joinWithinBudget(['aaaa', 'bbbb', 'cccc'], '\n', 100)).toBe('aaaa\nbbbb\ncccc');
    const cut = joinWithinBudget(['aaaa', 'bbbb', 'cccc', 'dddd'], '\n', 24);
    expect(cut).toBe('aaaa\nbbbb\n…and 2 more');
    expect(cut.length).toBeLessThanOrEqual(24);
    expect(joinWithinBudget(['x'.repeat(50)], '\n', 10)).toBe('…and 1 more');
  });
});
