import { describe, expect, it } from 'vitest';
import type { APIEmbed } from 'discord.js';
import type { JobSnapshot } from '../../src/domain/job';
import type { UpstreamJob } from '../../src/upstreams/useapi-midjourney/record';
import { EMBED_COLORS } from '../../src/discord/views/jobView';
import { REVIEW_ACTIONS, parseReviewButtonId, parseReviewPageId, reviewButtonId, reviewPageId } from '../../src/discord/views/reviewIds';
import { reviewDetail } from '../../src/discord/views/reviewDetail';
import { reviewList } from '../../src/discord/views/reviewList';
import { reviewPost } from '../../src/discord/views/reviewPost';
import type { ReviewEvent, ReviewRecord } from '../../src/discord/views/reviewStatus';
import { warnDm } from '../../src/discord/views/warnDm';
import { accountAlert, accountRecovered, blocksView, settingsView } from '../../src/discord/views/admin';
import * as views from '../../src/discord/views';

import { allStrings, expectWithinLimits, type Body } from './discordBody';
import { MODERATED_FIELDS, withRecord } from './fixtures';

// ---------------------------------------------------------------------------------------------
// Fixtures

const J = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';
const T0 = Date.parse('2025-10-23T14:15:21.000Z');
const MOD_AT = Date.parse('2025-10-23T14:15:30.000Z');
const NOW = Date.parse('2025-10-23T15:00:00.000Z');
const USER = '1111111111111111111';
const ADMIN = '2222222222222222222';
const unix = (ms: number): number => Math.floor(ms / 1000);

function payload(over: Partial<UpstreamJob> = {}): UpstreamJob {
  return {
    jobid: J,
    verb: 'imagine',
    jobType: 'image',
    created: '2025-10-23T14:15:20.123Z',
    request: { prompt: 'a cat in a hat --ar 16:9' },
    ...MODERATED_FIELDS,
    ...over,
  };
}

function moderated(over: Partial<UpstreamJob> = {}, snapOver: Partial<JobSnapshot> = {}): JobSnapshot {
  const base: JobSnapshot = {
    jobId: J,
    upstream: 'useapi-midjourney',
    status: null,
    progress: null,
    problem: null,
    terminal: true,
    reading: null,
    trackedAt: T0,
    finishedAt: MOD_AT,
    notFoundUntil: null,
  };
  return { ...withRecord(base, payload(over)), ...snapOver };
}

function review(over: Partial<ReviewRecord> = {}): ReviewRecord {
  return {
    id: 12,
    guildId: '3333333333333333333',
    jobId: J,
    userId: USER,
    status: 'pending',
    createdAt: MOD_AT,
    actedBy: null,
    actedAt: null,
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Limit checking: our own rules plus Discord's OpenAPI schema (discord-api-spec/zod).

type Btn = { type: number; style: number; label?: string; custom_id?: string; url?: string; disabled?: boolean };

const embedOf = (b: Body): APIEmbed => b.embeds![0]!;
const field = (b: Body, name: string): string | undefined => embedOf(b).fields?.find((f) => f.name === name)?.value;
const buttons = (b: Body): Btn[] => (b.components ?? []).flatMap((r) => r.components as Btn[]);

/** Every `<@…>`-style mention in the body's texts, outside inline code (where Discord shows it as typed). */
const mentionsIn = (b: Body): string[] =>
  allStrings(b).flatMap((s) => s.replace(/`[^`]*`/g, '').match(/<(?:@[!&]?|#)[^<>\s]*>/g) ?? []);

// Hostile text: a long prompt with mentions, mass mentions, markdown and odd Unicode.
const family = '👩‍👩‍👧‍👦';
const HOSTILE = `**hi** <@999> <@!998> <@&997> <#996> @everyone @here \`\`\`x\`\`\` ||s|| [l](https://evil.example) ${family} e\u0301 مرحبا \uD800 \u202E `;
const HUGE_PROMPT = HOSTILE.repeat(6000 / HOSTILE.length + 1).slice(0, 6000);

function hugeJob(): JobSnapshot {
  const big = `Sorry! ${HOSTILE}`.repeat(200);
  return moderated({
    request: { prompt: HUGE_PROMPT },
    error: big,
    errorDetails: { message: big },
    response: {
      embeds: [1, 2, 3, 4, 5].map((i) => ({ title: `T${i} ${'t'.repeat(400)} ${HOSTILE}`, description: `${i}${big}` })),
    },
  });
}

/** No mention other than the intended people (USER, ADMIN) and channel/role ids we put there. */
function expectOnlyIntendedMentions(b: Body, allowed: string[]): void {
  for (const m of mentionsIn(b)) expect(allowed).toContain(m);
  for (const s of allStrings(b)) expect(s).not.toMatch(/@(everyone|here)/i);
}

// ---------------------------------------------------------------------------------------------

describe('custom_id routing', () => {
  it('review buttons round-trip for every action', () => {
    for (const action of REVIEW_ACTIONS) {
      for (const id of [1, 12, 999_999, Number.MAX_SAFE_INTEGER]) {
        const customId = reviewButtonId(id, action);
        expect(customId).toBe(`review:${id}:${action}`);
        expect(customId.length).toBeLessThanOrEqual(100);
        expect(parseReviewButtonId(customId)).toEqual({ reviewId: id, action });
      }
    }
  });

  it('reviewButtonId refuses ids no handler could route', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => reviewButtonId(bad, 'warn')).toThrow(RangeError);
    }
    expect(() => reviewButtonId(1, 'ban' as never)).toThrow(RangeError);
  });

  it('parseReviewButtonId rejects garbage', () => {
    for (const bad of [
      '',
      'review',
      'review:',
      'review:12',
      'review:12:',
      'review::warn',
      'review:0:warn',
      'review:012:warn',
      'review:-1:warn',
      'review:1.5:warn',
      'review:1e3:warn',
      'review:12:ban',
      'review:12:WARN',
      'Review:12:warn',
      ' review:12:warn',
      'review:12:warn ',
      'review:12:warn:extra',
      'review:12:warn\n',
      'review:99999999999999999:warn', // beyond a safe integer
      'reviews:pending:2',
      'review:１２:warn', // full-width digits
      '__proto__',
      'x'.repeat(1000),
    ]) {
      expect(parseReviewButtonId(bad)).toBeNull();
    }
    expect(parseReviewButtonId(undefined as unknown as string)).toBeNull();
    expect(parseReviewButtonId(12 as unknown as string)).toBeNull();
  });

  it('page ids round-trip and reject garbage', () => {
    for (const filter of ['pending', 'all'] as const) {
      for (const page of [1, 2, 37, 999_999_999]) {
        expect(parseReviewPageId(reviewPageId(filter, page))).toEqual({ filter, page });
      }
    }
    expect(reviewPageId('all', 0)).toBe('reviews:all:1');
    expect(reviewPageId('all', Number.NaN)).toBe('reviews:all:1');
    for (const bad of [
      '',
      'reviews',
      'reviews:pending',
      'reviews:pending:',
      'reviews:pending:0',
      'reviews:pending:01',
      'reviews:pending:-1',
      'reviews:pending:1.5',
      'reviews:done:1',
      'reviews:ALL:1',
      'reviews:all:1:x',
      'reviews:all:1234567890',
      'review:12:warn',
      ' reviews:all:1',
    ]) {
      expect(parseReviewPageId(bad)).toBeNull();
    }
    expect(parseReviewPageId(null as unknown as string)).toBeNull();
  });
});

describe('reviewPost', () => {
  it('pending: who, prompt, moderation details, when, job id, three enabled buttons', () => {
    const m = reviewPost(review(), moderated(), NOW);
    expectWithinLimits(m, 'action');
    const e = embedOf(m);
    expect(e.title).toBe('Moderated prompt — review needed');
    expect(e.color).toBe(EMBED_COLORS.moderated);
    expect(e.description).toContain(`Tracked by <@${USER}>`);
    expect(e.description).toContain(`<t:${unix(MOD_AT)}:f>`);
    expect(e.description).toContain(`<t:${unix(MOD_AT)}:R>`);
    expect(e.description).toContain('> a cat in a hat --ar 16:9');
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
    expect(field(m, 'Midjourney: Action needed to continue')).toContain('Our AI moderators');
    expect(field(m, 'Code')).toBe('422');
    expect(e.footer?.text).toContain('Review #12');
    expect(e.timestamp).toBe(new Date(MOD_AT).toISOString());
    expect(buttons(m)).toEqual([
      { type: 2, style: 2, label: 'Dismiss', custom_id: 'review:12:dismiss', disabled: false },
      { type: 2, style: 1, label: 'Warn', custom_id: 'review:12:warn', disabled: false },
      { type: 2, style: 4, label: 'Block', custom_id: 'review:12:block', disabled: false },
    ]);
    expect(m.components).toHaveLength(1);
  });

  it('error/errorDetails without Midjourney embeds still show', () => {
    const m = reviewPost(review(), moderated({ response: {}, errorDetails: { reason: 'banned word', code: 7 } }), NOW);
    expectWithinLimits(m, 'action');
    expect(field(m, 'Error')).toBe('Action needed to continue');
    expect(field(m, 'Details')).toContain('banned word');
  });

  it('no details and no prompt: says so instead of empty fields', () => {
    const m = reviewPost(
      review(),
      moderated({ request: {}, error: undefined, errorDetails: undefined, code: undefined, response: {} }),
      NOW,
    );
    expectWithinLimits(m, 'action');
    expect(field(m, 'Moderation details')).toBe('Midjourney sent no details.');
    expect(embedOf(m).description).toContain('No prompt known');
  });

  it.each([
    ['dismissed', 'Dismissed', EMBED_COLORS.stopped],
    ['warned', 'Warned', EMBED_COLORS.attention],
    ['blocked', 'Blocked', EMBED_COLORS.failed],
  ] as const)('%s: outcome line, colour, buttons kept but disabled', (status, word, color) => {
    const actedAt = NOW - 60_000;
    const m = reviewPost(review({ status, actedBy: ADMIN, actedAt }), moderated(), NOW);
    expectWithinLimits(m, 'action');
    const e = embedOf(m);
    expect(e.color).toBe(color);
    expect(e.title).toBe(`Moderated prompt — ${word.toLowerCase()}`);
    expect(e.description).toContain(`**${word}** by <@${ADMIN}> <t:${unix(actedAt)}:R>`);
    const bs = buttons(m);
    expect(bs.map((b) => b.custom_id)).toEqual(['review:12:dismiss', 'review:12:warn', 'review:12:block']);
    expect(bs.every((b) => b.disabled === true)).toBe(true);
    // the rest of the post stays
    expect(e.description).toContain('> a cat in a hat --ar 16:9');
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
  });

  it('blocked says what the block means; warned says a DM went out', () => {
    const b = embedOf(reviewPost(review({ status: 'blocked', actedBy: ADMIN, actedAt: NOW }), moderated(), NOW));
    expect(b.description).toContain(`<@${USER}> can no longer use /track in this server`);
    const w = embedOf(reviewPost(review({ status: 'warned', actedBy: ADMIN, actedAt: NOW }), moderated(), NOW));
    expect(w.description).toContain('notice by DM');
  });

  it('acted on without a recorded actor or time still renders', () => {
    const m = reviewPost(review({ status: 'dismissed' }), moderated(), NOW);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).description).toMatch(/^✅ \*\*Dismissed\*\*\n/);
  });

  it('huge prompt and huge moderation texts fit; only the intended mentions remain', () => {
    const m = reviewPost(review({ status: 'warned', actedBy: ADMIN, actedAt: NOW }), hugeJob(), NOW);
    expectWithinLimits(m, 'action');
    expectOnlyIntendedMentions(m, [`<@${USER}>`, `<@${ADMIN}>`]);
    const d = embedOf(m).description!;
    expect(d).toContain('> hi @\u200Beveryone');
    expect(d).toContain(family);
    expect(d).toContain('\uFFFD');
    expect(d).not.toContain('\u202E');
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
    expect(field(m, 'Code')).toBe('422');
    expect(buttons(m)).toHaveLength(3);
  });

  it('odd ids: a non-snowflake user id is shown as code, not as a mention', () => {
    const m = reviewPost(review({ userId: '<@&1> @everyone' }), moderated({}, { jobId: `${'x'.repeat(500)}\`@here` }), NOW);
    expectWithinLimits(m, 'action');
    expect(mentionsIn(m)).toEqual([]);
    expect(embedOf(m).description).toContain('Tracked by `<@&1> @\u200Beveryone`');
  });
});

describe('reviewList', () => {
  const item = (i: number, status: ReviewRecord['status'] = 'pending'): { review: ReviewRecord; job: JobSnapshot } => ({
    review: review({ id: i, jobId: `${J}-${i}`, createdAt: MOD_AT + i * 60_000, status }),
    job: moderated({ request: { prompt: `prompt number ${i}` } }, { jobId: `${J}-${i}` }),
  });

  it('empty queue: a friendly line, no buttons', () => {
    const m = reviewList([], { page: 1, pageCount: 1, total: 0, filter: 'pending' }, NOW);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).description).toMatch(/^Nothing to review/);
    expect(embedOf(m).color).toBe(EMBED_COLORS.completed);
    expect(m.components).toEqual([]);
    const all = reviewList([], { page: 1, pageCount: 0, total: 0, filter: 'all' }, NOW);
    expect(embedOf(all).description).toMatch(/^Nothing to review/);
    expect(embedOf(all).title).toBe('Review queue — all (0)');
  });

  it('an absurd page count still gives the two page buttons different ids (found by fuzzing)', () => {
    const m = reviewList([item(1)], { page: 1_000_000_000, pageCount: 1_000_000_000, total: 0, filter: 'pending' }, NOW);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).footer?.text).toMatch(/^Page 999999999 of 999999999/);
  });

  it('one page: rows newest first with icon, job id, who, when, short prompt; no buttons', () => {
    const items = [1, 3, 2].map((i) => item(i));
    const m = reviewList(items, { page: 1, pageCount: 1, total: 3, filter: 'pending' }, NOW);
    expectWithinLimits(m, 'action');
    const e = embedOf(m);
    expect(e.title).toBe('Review queue — pending (3)');
    expect(e.color).toBe(EMBED_COLORS.moderated);
    const d = e.description!;
    const blocks = d.split('\n\n');
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toBe(
      `🟠 **Pending** · <@${USER}> · <t:${unix(MOD_AT + 3 * 60_000)}:R>\n\`${J}-3\`\n> prompt number 3`,
    );
    expect(blocks[1]).toContain(`${J}-2`);
    expect(blocks[2]).toContain(`${J}-1`);
    expect(e.footer?.text).toMatch(/^Page 1 of 1/);
    expect(m.components).toEqual([]);
  });

  it('status icons for every state', () => {
    const items = [item(1, 'pending'), item(2, 'dismissed'), item(3, 'warned'), item(4, 'blocked')];
    const d = embedOf(reviewList(items, { page: 1, pageCount: 1, total: 4, filter: 'all' }, NOW)).description!;
    expect(d).toContain('🟠 **Pending**');
    expect(d).toContain('✅ **Dismissed**');
    expect(d).toContain('⚠️ **Warned**');
    expect(d).toContain('⛔ **Blocked**');
    const closed = reviewList([item(2, 'dismissed')], { page: 1, pageCount: 1, total: 1, filter: 'all' }, NOW);
    expect(embedOf(closed).color).toBe(EMBED_COLORS.stopped);
  });

  it('Prev/Next: disabled at the ends, ids parse back to the neighbouring pages', () => {
    const items = Array.from({ length: 10 }, (_, i) => item(i + 1));
    const first = reviewList(items, { page: 1, pageCount: 3, total: 25, filter: 'all' }, NOW);
    expectWithinLimits(first, 'action');
    expect(embedOf(first).footer?.text).toMatch(/^Page 1 of 3/);
    expect(embedOf(first).title).toBe('Review queue — all (25)');
    let [prev, next] = buttons(first);
    expect(prev).toMatchObject({ style: 2, label: '◀ Previous', disabled: true });
    expect(next).toMatchObject({ style: 2, label: 'Next ▶', disabled: false });
    expect(parseReviewPageId(next!.custom_id!)).toEqual({ filter: 'all', page: 2 });

    const middle = reviewList(items, { page: 2, pageCount: 3, total: 25, filter: 'pending' }, NOW);
    expectWithinLimits(middle, 'action');
    [prev, next] = buttons(middle);
    expect(prev!.disabled).toBe(false);
    expect(next!.disabled).toBe(false);
    expect(parseReviewPageId(prev!.custom_id!)).toEqual({ filter: 'pending', page: 1 });
    expect(parseReviewPageId(next!.custom_id!)).toEqual({ filter: 'pending', page: 3 });

    const last = reviewList(items.slice(0, 5), { page: 3, pageCount: 3, total: 25, filter: 'pending' }, NOW);
    expectWithinLimits(last, 'action');
    [prev, next] = buttons(last);
    expect(prev!.disabled).toBe(false);
    expect(next!.disabled).toBe(true);
    expect(parseReviewPageId(prev!.custom_id!)).toEqual({ filter: 'pending', page: 2 });
  });

  it('an out-of-range page is clamped', () => {
    const m = reviewList([item(1)], { page: 9, pageCount: 2, total: 11, filter: 'all' }, NOW);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).footer?.text).toMatch(/^Page 2 of 2/);
    expect(buttons(m)[1]!.disabled).toBe(true);
  });

  it('hostile, huge rows and too many items still fit, with "…and N more"', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      review: review({ id: i + 1, userId: i % 2 ? USER : 'not-a-snowflake @everyone', createdAt: MOD_AT + i }),
      job: i % 3 ? hugeJob() : moderated({}, { jobId: `${HOSTILE}${'j'.repeat(300)}` }),
    }));
    const m = reviewList(items, { page: 1, pageCount: 4, total: 40, filter: 'all' }, NOW);
    expectWithinLimits(m, 'action');
    expectOnlyIntendedMentions(m, [`<@${USER}>`]);
    expect(embedOf(m).description).toMatch(/…and \d+ more$/);
  });
});

describe('reviewDetail', () => {
  const events: ReviewEvent[] = [
    { at: MOD_AT, actorId: null, action: 'created', detail: null },
    { at: MOD_AT + 1000, actorId: null, action: 'posted', detail: '4444444444444444444' },
    { at: NOW - 60_000, actorId: ADMIN, action: 'warned', detail: 'DM could not be delivered' },
    { at: NOW - 30_000, actorId: ADMIN, action: 'blocked', detail: null },
    { at: NOW, actorId: ADMIN, action: 'unblocked', detail: null },
  ];

  it('a failed post shows where and why in the history', () => {
    const failed: ReviewEvent[] = [{ at: MOD_AT, actorId: null, action: 'post_failed', detail: '4444444444444444444: missing access' }];
    const history = embedOf(reviewDetail(review(), moderated(), failed, NOW)).description!.split('**History**\n')[1]!;
    expect(history).toBe(`<t:${unix(MOD_AT)}:f> · the bot · Could not post to <#4444444444444444444>: missing access`);
  });

  it('the record with its history: time, actor, action, detail', () => {
    const m = reviewDetail(review({ status: 'blocked', actedBy: ADMIN, actedAt: NOW - 30_000 }), moderated(), events, NOW);
    expectWithinLimits(m, 'action');
    const e = embedOf(m);
    expect(e.title).toBe('⛔ Review #12 — Blocked');
    expect(e.color).toBe(EMBED_COLORS.failed);
    const d = e.description!;
    expect(d).toContain(`Tracked by <@${USER}>`);
    expect(d).toContain('> a cat in a hat --ar 16:9');
    const history = d.split('**History**\n')[1]!.split('\n');
    expect(history).toEqual([
      `<t:${unix(MOD_AT)}:f> · the bot · Review opened (job moderated)`,
      `<t:${unix(MOD_AT + 1000)}:f> · the bot · Posted to the review channel in <#4444444444444444444>`,
      `<t:${unix(NOW - 60_000)}:f> · <@${ADMIN}> · Warned by DM — DM could not be delivered`,
      `<t:${unix(NOW - 30_000)}:f> · <@${ADMIN}> · Blocked from /track`,
      `<t:${unix(NOW)}:f> · <@${ADMIN}> · Unblocked`,
    ]);
    expect(field(m, 'Job id')).toBe(`\`${J}\``);
    expect(field(m, 'Code')).toBe('422');
  });

  it('no events; unknown actions and hostile details are cleaned', () => {
    const none = reviewDetail(review(), moderated(), [], NOW);
    expectWithinLimits(none, 'action');
    expect(embedOf(none).description).toMatch(/\*\*History\*\*\nNo events recorded\.$/);
    const odd = reviewDetail(
      review(),
      moderated(),
      [{ at: Number.NaN, actorId: 'weird', action: '**<@1>** @here', detail: `${HOSTILE}\nline two` }],
      NOW,
    );
    expectWithinLimits(odd, 'action');
    expectOnlyIntendedMentions(odd, [`<@${USER}>`]);
    const line = embedOf(odd).description!.split('**History**\n')[1]!;
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^an unknown time · `weird` · /);
  });

  it('a long history keeps the newest events and says how many are hidden', () => {
    const many: ReviewEvent[] = Array.from({ length: 500 }, (_, i) => ({
      at: MOD_AT + i * 1000,
      actorId: ADMIN,
      action: i % 2 ? 'blocked' : 'unblocked',
      detail: `${HOSTILE}${'d'.repeat(300)}`,
    }));
    const m = reviewDetail(review(), hugeJob(), many, NOW);
    expectWithinLimits(m, 'action');
    expectOnlyIntendedMentions(m, [`<@${USER}>`, `<@${ADMIN}>`]);
    const history = embedOf(m).description!.split('**History**\n')[1]!.split('\n');
    expect(history[0]).toMatch(/^…\d+ earlier events not shown$/);
    expect(history[history.length - 1]).toContain(`<t:${unix(MOD_AT + 499 * 1000)}:f>`);
    expect(history.length).toBeGreaterThan(3);
    expect(field(m, 'Code')).toBe('422');
  });
});

describe('warnDm', () => {
  it('short, calm, names the server and job, no prompt', () => {
    const { content } = warnDm('Cat Lovers', J);
    expect(content).toContain('the admins of **Cat Lovers**');
    expect(content).toContain(`\`${J}\``);
    expect(content).toContain('community guidelines');
    expect(content).not.toContain('a cat in a hat');
    expect(content.length).toBeLessThan(600);
    expectWithinLimits({ content }, 'action');
  });

  it('without a server name, and with a hostile one', () => {
    expect(warnDm(null, J).content).toContain('the admins of a server where you track Midjourney jobs');
    const { content } = warnDm(`**evil** <@1> @everyone ${'x'.repeat(5000)}\n# big`, '`@here`\n' + 'y'.repeat(5000));
    expectWithinLimits({ content }, 'action');
    expect(content).not.toMatch(/<@|@everyone|@here/);
    expect(content.split('\n')).toHaveLength(4);
  });
});

describe('settingsView', () => {
  const defaults = { maxActiveJobsPerUser: 5, dmDefault: true, hidePrompts: false };

  it('no settings: defaults shown, and the queue still works without a channel', () => {
    const m = settingsView({ reviewChannelId: null, adminRoleId: null, maxActiveJobsPerUser: null, dmDefault: null, hidePrompts: null }, defaults);
    expectWithinLimits(m, 'action');
    expect(field(m, 'Review channel')).toBe('Not set');
    expect(field(m, 'Admin role')).toMatch(/^Not set: only members with Manage Server/);
    expect(field(m, 'Tracked jobs per person')).toBe('(default: 5)');
    expect(field(m, 'DMs by default')).toBe('(default: on)');
    expect(field(m, 'Prompts in public messages')).toBe('shown (default)');
    expect(embedOf(m).description).toContain('still go into the review queue');
    expect(embedOf(m).description).toContain('`/review list`');
  });

  it('everything set', () => {
    const m = settingsView(
      { reviewChannelId: '4444444444444444444', adminRoleId: '5555555555555555555', maxActiveJobsPerUser: 3, dmDefault: false, hidePrompts: true },
      defaults,
    );
    expectWithinLimits(m, 'action');
    expect(field(m, 'Review channel')).toBe('<#4444444444444444444>');
    expect(field(m, 'Admin role')).toBe('<@&5555555555555555555> (and members with Manage Server)');
    expect(field(m, 'Tracked jobs per person')).toBe('3 at a time');
    expect(field(m, 'DMs by default')).toBe('off');
    expect(field(m, 'Prompts in public messages')).toBe('hidden (shown only to the person, by DM and in /jobs)');
    expect(embedOf(m).description).toContain('posted to <#4444444444444444444>');
  });

  it('a failed last review post is shown with when and why; a later successful one hides it', () => {
    const settings = { reviewChannelId: '4444444444444444444', adminRoleId: null, maxActiveJobsPerUser: null, dmDefault: null, hidePrompts: null };
    const failed = settingsView(settings, defaults, { action: 'post_failed', at: NOW, detail: '4444444444444444444: missing access @everyone' });
    expectWithinLimits(failed, 'action');
    expect(field(failed, '⚠️ Review posts')).toBe(`Last post to <#4444444444444444444> failed <t:${unix(NOW)}:R>: missing access @\u200beveryone`);
    const posted = settingsView(settings, defaults, { action: 'posted', at: NOW, detail: '4444444444444444444' });
    expect(field(posted, '⚠️ Review posts')).toBeUndefined();
  });

  it('garbage ids are not turned into mentions', () => {
    const m = settingsView({ reviewChannelId: '@everyone', adminRoleId: '1>x', maxActiveJobsPerUser: Number.NaN, dmDefault: null, hidePrompts: null }, defaults);
    expectWithinLimits(m, 'action');
    expect(mentionsIn(m)).toEqual([]);
    expect(field(m, 'Review channel')).toBe('Not set');
  });
});

describe('blocksView', () => {
  it('nobody blocked', () => {
    const m = blocksView([]);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).description).toBe('Nobody is blocked in this server.');
  });

  it('lists people newest first with who blocked them and when', () => {
    const m = blocksView([
      { userId: '10', blockedBy: ADMIN, blockedAt: MOD_AT },
      { userId: '20', blockedBy: ADMIN, blockedAt: NOW },
    ]);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).title).toBe('Blocked from /track (2)');
    expect(embedOf(m).description!.split('\n')).toEqual([
      `<@20> — blocked by <@${ADMIN}> <t:${unix(NOW)}:R>`,
      `<@10> — blocked by <@${ADMIN}> <t:${unix(MOD_AT)}:R>`,
    ]);
  });

  it('200 blocks stay within limits with "…and N more"', () => {
    const blocks = Array.from({ length: 200 }, (_, i) => ({
      userId: String(10n ** 18n + BigInt(i)),
      blockedBy: ADMIN,
      blockedAt: NOW - i * 1000,
    }));
    const m = blocksView(blocks);
    expectWithinLimits(m, 'action');
    const lines = embedOf(m).description!.split('\n');
    const shown = lines.length - 1;
    expect(shown).toBeGreaterThan(30);
    expect(lines[lines.length - 1]).toBe(`…and ${200 - shown} more`);
    expect(lines[0]).toContain(`<@${String(10n ** 18n)}>`);
  });
});

describe('account alerts', () => {
  const since = NOW - (2 * 3600 + 3 * 60) * 1000;

  it.each([
    ['unauthorized', 'useapi.net token refused (401): polling paused', /API token \(HTTP 401\)/, EMBED_COLORS.attention],
    ['payment_required', 'useapi.net subscription inactive (402): polling paused', /no active subscription \(HTTP 402\)/, EMBED_COLORS.attention],
    ['warning', 'Midjourney flagged the shared account', /HTTP 596.*CAPTCHA.*ban.*reset the channel on useapi\.net/s, EMBED_COLORS.failed],
  ] as const)('%s: plain words, affected jobs, since when', (kind, title, text, color) => {
    const m = accountAlert(kind, 'Your account is pending moderation', 3, since);
    expectWithinLimits(m, 'action');
    const e = embedOf(m);
    expect(e.title).toBe(title);
    expect(e.description).toMatch(text);
    expect(e.color).toBe(color);
    expect(field(m, 'Affected here')).toBe('3 tracked jobs in this server');
    expect(field(m, 'Since')).toBe(`<t:${unix(since)}:f> (<t:${unix(since)}:R>)`);
    expect(field(m, 'What useapi.net said')).toBe('Your account is pending moderation');
  });

  it('one job, no jobs, no detail, hostile detail', () => {
    expect(field(accountAlert('unauthorized', null, 1, since), 'Affected here')).toBe('1 tracked job in this server');
    const none = accountAlert('unauthorized', null, 0, since);
    expect(field(none, 'Affected here')).toBe('No running job tracked in this server');
    expect(field(none, 'What useapi.net said')).toBeUndefined();
    const hostile = accountAlert('warning', HOSTILE.repeat(200), Number.NaN, Number.NaN);
    expectWithinLimits(hostile, 'action');
    expectOnlyIntendedMentions(hostile, []);
    expect(field(hostile, 'Since')).toBe('an unknown time');
  });

  it('recovery: resolved after the duration', () => {
    const m = accountRecovered('unauthorized', since, NOW);
    expectWithinLimits(m, 'action');
    expect(embedOf(m).title).toBe('Resolved: useapi.net accepts the token again');
    expect(embedOf(m).description).toMatch(/^Resolved after 2h 03m \(the problem began <t:\d+:f>\)\./);
    expect(embedOf(m).color).toBe(EMBED_COLORS.completed);
    expect(embedOf(accountRecovered('payment_required', since, NOW)).title).toContain('subscription active again');
    expect(embedOf(accountRecovered('warning', NOW + 5000, NOW)).description).toMatch(/^Resolved after 0s /);
  });
});

describe('index exports', () => {
  it('re-exports the review and admin views', () => {
    expect(views.reviewPost).toBe(reviewPost);
    expect(views.parseReviewButtonId).toBe(parseReviewButtonId);
    expect(views.settingsView).toBe(settingsView);
    expect(views.accountAlert).toBe(accountAlert);
  });
});

describe('fuzz: random reviews always fit', () => {
  it('100 random cases', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const alphabet = ['a', ' ', '**', '`', '<@1>', '@everyone', family, 'e\u0301', 'م', '\uD800', '\n', '|', '[', ']', '\\', '#', '>', '-', 'https://x.example/a_b '];
    const str = (n: number): string => Array.from({ length: Math.floor(rnd() * n) }, () => pick(alphabet)).join('');
    const statuses = ['pending', 'dismissed', 'warned', 'blocked'] as const;
    for (let i = 0; i < 100; i++) {
      const r = review({
        id: pick([1, 42, Number.MAX_SAFE_INTEGER]),
        userId: pick([USER, str(50)]),
        status: pick(statuses),
        actedBy: pick([null, ADMIN, str(30)]),
        actedAt: pick([null, NOW, Number.NaN]),
        createdAt: pick([MOD_AT, Number.NaN, -1, 8.64e15 + 1]),
      });
      const job = moderated(
        {
          request: { prompt: str(3000) },
          error: pick([undefined, str(2000), { message: str(1500) }]),
          errorDetails: pick([undefined, str(3000)]),
          response: { embeds: [{ title: str(300), description: str(3000) }] },
        },
        { jobId: pick([J, str(300)]) },
      );
      const events = Array.from({ length: Math.floor(rnd() * 60) }, () => ({
        at: pick([NOW, Number.NaN]),
        actorId: pick([null, ADMIN, str(20)]),
        action: pick(['created', 'posted', 'warned', str(40)]),
        detail: pick([null, str(400)]),
      }));
      for (const body of [
        reviewPost(r, job, NOW),
        reviewDetail(r, job, events, NOW),
        reviewList([{ review: r, job }], { page: 1, pageCount: pick([1, 2]), total: 2, filter: pick(['pending', 'all'] as const) }, NOW),
        warnDm(pick([null, str(200)]), job.jobId),
        accountAlert(pick(['unauthorized', 'payment_required', 'warning'] as const), pick([null, str(3000)]), 4, NOW),
      ]) {
        expectWithinLimits(body, 'action');
      }
    }
  });
});
