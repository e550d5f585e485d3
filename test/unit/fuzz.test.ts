/**
 * Property tests (fast-check): whatever a person pastes and whatever upstream sends, parsing never
 * throws and every view stays a body Discord accepts. A counter-example fast-check finds becomes a
 * regular test in the file of the part it broke.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountAlert, accountRecovered } from '../../src/discord/views/admin';
import type { AccountIncidentKind } from '../../src/domain/job';
import { resultDm } from '../../src/discord/views/dm';
import { jobListMessage } from '../../src/discord/views/jobList';
import { PROBLEM_HEADLINES } from '../../src/discord/views/problemTexts';
import { reviewDetail } from '../../src/discord/views/reviewDetail';
import { reviewList } from '../../src/discord/views/reviewList';
import { reviewPost } from '../../src/discord/views/reviewPost';
import type { ReviewEvent, ReviewRecord } from '../../src/discord/views/reviewStatus';
import { trackingMessage } from '../../src/discord/views/tracking';
import type { JobSnapshot, Problem } from '../../src/domain/job';
import { upstreamJobSchema } from '../../src/upstreams/useapi-midjourney/record';
import { withRecord } from './fixtures';
import { jobIdProblemText, parseJobId } from '../../src/upstreams/useapi-midjourney/jobId';
import { expectWithinLimits } from './discordBody';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const J = 'j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney';

/** Text built to provoke: any code points, lone surrogates, markdown, mentions and Midjourney's own markers. */
const hostileText = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.constantFrom('\uD83D', '\uDE00', '\u0000', '@everyone', '@here', '<@123456789012345678>', '**', '`', '```', '||', '(90%)', '--ar 16:9', '\n', '# ', '-# ', '[x](https://e.com)', 'https://cdn.midjourney.com/a/0_0.png', 'é'.repeat(300)),
      ),
      { maxLength },
    )
    .map((parts) => parts.join(''));

const longText = fc.oneof(hostileText(), fc.string({ unit: 'binary', minLength: 3000, maxLength: 7000 }));
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, 100, 101, -1));
const instant = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom(NaN, -1, Number.MAX_SAFE_INTEGER));
const snowflake = fc.oneof(fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n }).map(String), hostileText(5));
const url = fc.oneof(fc.webUrl(), hostileText(10), fc.string({ unit: 'binary', minLength: 500, maxLength: 900 }).map((s) => `https://e.com/${s}`));
const looseValue = fc.oneof(longText, anyNumber, fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

/** An upstream record: the documented keys with any values of roughly the right kind, plus noise. */
const upstreamRecord: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    jobid: fc.constant(J),
    verb: hostileText(5),
    jobType: fc.constantFrom('image', 'video', 'other'),
    status: fc.oneof(fc.constantFrom('created', 'started', 'progress', 'completed', 'failed', 'moderated', 'cancelled'), hostileText(5)),
    created: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileText(5)),
    updated: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileText(5)),
    error: looseValue,
    errorDetails: looseValue,
    code: anyNumber,
    request: fc.record({ prompt: longText }, { requiredKeys: [] }),
    response: fc.record(
      {
        content: longText,
        progress_percent: anyNumber,
        attachments: fc.array(fc.record({ url, filename: hostileText(5), width: anyNumber, height: anyNumber }, { requiredKeys: ['url'] }), { maxLength: 12 }),
        imageUx: fc.array(fc.record({ id: anyNumber, url }, { requiredKeys: ['url'] }), { maxLength: 12 }),
        videoUx: fc.array(fc.record({ id: anyNumber, url }, { requiredKeys: ['url'] }), { maxLength: 12 }),
        embeds: fc.array(fc.record({ type: hostileText(3), title: longText, description: longText, color: anyNumber }, { requiredKeys: [] }), { maxLength: 12 }),
        buttons: fc.array(fc.oneof(hostileText(3), fc.constantFrom('U1', 'V4', '🔄')), { maxLength: 30 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['jobid', 'status'] },
);

const PROBLEMS = Object.keys(PROBLEM_HEADLINES) as Problem[];

/** A job as the database could hold it: any record the lenient schema lets through, any state. */
const snapshot: fc.Arbitrary<JobSnapshot> = fc
  .record({
    record: fc.option(upstreamRecord, { nil: null }),
    progress: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    problem: fc.option(fc.constantFrom(...PROBLEMS), { nil: null }),
    terminal: fc.boolean(),
    trackedAt: instant,
    finishedAt: fc.option(instant, { nil: null }),
    notFoundUntil: fc.option(instant, { nil: null }),
  })
  .filter(({ record }) => record === null || upstreamJobSchema.safeParse(record).success)
  .map(({ record, ...rest }) => {
    const payload = record === null ? null : (upstreamJobSchema.parse(record));
    return withRecord({ jobId: J, upstream: 'useapi-midjourney', status: null, reading: null, ...rest }, payload);
  });

const review: fc.Arbitrary<ReviewRecord> = fc.record({
  id: fc.oneof(fc.nat(), anyNumber),
  guildId: snowflake,
  jobId: fc.oneof(fc.constant(J), hostileText(10)),
  userId: snowflake,
  status: fc.constantFrom('pending', 'dismissed', 'warned', 'blocked'),
  createdAt: instant,
  actedBy: fc.option(snowflake, { nil: null }),
  actedAt: fc.option(instant, { nil: null }),
});

const reviewEvent: fc.Arbitrary<ReviewEvent> = fc.record({
  at: instant,
  actorId: fc.option(snowflake, { nil: null }),
  action: fc.oneof(fc.constantFrom('created', 'posted', 'post_failed', 'dismissed', 'warned', 'blocked', 'unblocked'), hostileText(5)),
  detail: fc.option(longText, { nil: null }),
});

describe('fuzzed input never breaks a promise', { timeout: 120_000 }, () => {
  it('a pasted job id: parsing never throws; accepted ids are exactly v3 ids, refused ones get a short explanation', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(30), fc.string({ unit: 'binary', maxLength: 5000 }), fc.constant(J).map(encodeURIComponent), fc.constant(` \`${J}\` `)), (input) => {
        const parsed = parseJobId(input);
        if (parsed.ok) {
          expect(parsed.jobId.id).toMatch(/^j\d{19}[iv]-u\d+-c\d{17,20}-bot:midjourney$/);
        } else {
          const text = jobIdProblemText(parsed.reason);
          expect(text.length).toBeGreaterThan(0);
          expect(text.length).toBeLessThanOrEqual(2000);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('any JSON where a job record is expected: the parser answers, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), upstreamRecord, fc.anything()), (value) => {
        const parsed = upstreamJobSchema.safeParse(value);
        expect(typeof parsed.success).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('the tracking message, the result DM and /jobs are bodies Discord accepts, whatever the job', () => {
    fc.assert(
      fc.property(snapshot, instant, snowflake, (job, now, messageId) => {
        expectWithinLimits(trackingMessage(job, now), 'link');
        expectWithinLimits(resultDm(job, { guildId: null, channelId: '900000000000000011', messageId }, now), 'link');
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.array(fc.record({ job: snapshot, link: fc.option(url, { nil: null }) }), { maxLength: 30 }), instant, (rows, now) => {
        expectWithinLimits(jobListMessage(rows, now), 'link');
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('review posts, the review list and the review detail are bodies Discord accepts', () => {
    fc.assert(
      fc.property(review, snapshot, fc.array(reviewEvent, { maxLength: 60 }), instant, (r, job, events, now) => {
        expectWithinLimits(reviewPost(r, job, now), 'action');
        expectWithinLimits(reviewDetail(r, job, events, now), 'action');
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ review, job: snapshot }), { maxLength: 10 }),
        fc.record({ page: anyNumber, pageCount: anyNumber, total: anyNumber, filter: fc.constantFrom<'pending' | 'all'>('pending', 'all') }),
        instant,
        (items, opts, now) => expectWithinLimits(reviewList(items, opts, now), 'action'),
      ),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('account alerts and their follow-ups are bodies Discord accepts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<AccountIncidentKind>('unauthorized', 'payment_required', 'warning'),
        fc.option(longText, { nil: null }),
        anyNumber,
        instant,
        instant,
        (kind, detail, affected, since, now) => {
          expectWithinLimits(accountAlert(kind, detail, affected, since), 'link');
          expectWithinLimits(accountRecovered(kind, since, now), 'link');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
