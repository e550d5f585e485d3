import { describe, expect, it } from 'vitest';
import { advance, endOf, STALL_AFTER_MS, trackAgain, type LifecycleSettings, type TrackedJob } from '../../src/tracker/lifecycle';
import type { PollResult } from '../../src/upstreams/port';
import { withAccountWarning } from '../../src/upstreams/useapi-midjourney';
import { readingOf, type UpstreamJob } from '../../src/upstreams/useapi-midjourney/record';

const CHANNEL = '1234567890123456789';
const JOB = `j1023141520123456789i-u12345-c${CHANNEL}-bot:midjourney`;
const settings: LifecycleSettings = { pollIntervalMs: 5000, notFoundGraceMs: 60_000, maxTrackingAgeMs: 6 * 3600_000 };
const T0 = 1_700_000_000_000;
const clock = (now: number) => ({ now, random: () => 0.5 });

function fresh(overrides: Partial<TrackedJob> = {}): TrackedJob {
  return {
    jobId: JOB, upstream: 'useapi-midjourney', account: 'useapi', scope: CHANNEL, status: null, progress: null, problem: null, terminal: false, reading: null, trackedAt: T0,
    finishedAt: null, nextPollAt: T0, errorStreak: 0, lastHttpStatus: null, upstreamUpdated: null,
    upstreamMovedAt: null, notFoundUntil: null, ...overrides,
  };
}

function ok(status: string, extra: Partial<UpstreamJob> = {}, percent?: number): PollResult {
  const record = { jobid: JOB, status, updated: `u-${status}-${percent ?? ''}`, response: percent === undefined ? {} : { progress_percent: percent }, ...extra };
  return { kind: 'ok', reading: readingOf(record, CHANNEL) };
}

/** An HTTP failure as the Midjourney adapter passes it on. */
const http = (status: number, retryAfterMs: number | null = null, message: string | null = null): PollResult =>
  withAccountWarning({ kind: 'http', status, retryAfterMs, message }, CHANNEL);

describe('advance', () => {
  it('follows created → progress → completed, with one finish effect', () => {
    let job = fresh();
    let t = advance(job, ok('created'), settings, clock(T0));
    expect(t).toMatchObject({ visible: true, effects: [], job: { status: 'queued', terminal: false } });
    expect(t.job.nextPollAt).toBe(T0 + 10_000); // queued: 2× base
    job = t.job;
    t = advance(job, ok('progress', {}, 40), settings, clock(T0 + 10_000));
    expect(t.job).toMatchObject({ status: 'running', progress: 40 });
    expect(t.job.nextPollAt).toBe(T0 + 15_000);
    expect(t.change).toBe('status created → progress, progress ∅ → 40');
    job = t.job;
    t = advance(job, ok('completed'), settings, clock(T0 + 20_000));
    expect(t.job).toMatchObject({ status: 'completed', progress: 100, terminal: true, finishedAt: T0 + 20_000, nextPollAt: null });
    expect(t.effects).toEqual([{ kind: 'job_finished' }]);
  });

  it("keeps when the job's own record was last read: an answer sets it, a failed read leaves it", () => {
    const read = advance(fresh(), ok('progress', {}, 40), settings, clock(T0)).job;
    expect(read.readAt).toBe(T0);
    expect(advance(read, http(503), settings, clock(T0 + 5000)).job.readAt).toBe(T0);
    expect(advance(read, { kind: 'timeout' }, settings, clock(T0 + 5000)).job.readAt).toBe(T0);
    expect(advance(read, ok('progress', {}, 40), settings, clock(T0 + 9000)).job.readAt).toBe(T0 + 9000);
  });

  it('reads a job the list of running jobs covers for its progress only, at the interval it is given', () => {
    const t = advance(fresh(), ok('progress', {}, 40), settings, { ...clock(T0), progressIntervalMs: 40_000 });
    expect(t.job.nextPollAt).toBe(T0 + 40_000);
  });

  it('reports no visible change when nothing moved', () => {
    const first = advance(fresh(), ok('progress', {}, 40), settings, clock(T0)).job;
    const again = advance(first, ok('progress', {}, 40), settings, clock(T0 + 5000));
    expect(again.visible).toBe(false);
    expect(again.change).toBeNull();
  });

  it.each([
    ['failed', 'failed'],
    ['cancelled', 'unknown'],
    ['something-new', 'unknown'],
  ])('treats %s as the end and keeps the status', (status, normalized) => {
    const running = advance(fresh(), ok('started'), settings, clock(T0)).job;
    const t = advance(running, ok(status), settings, clock(T0 + 5000));
    expect(t.job).toMatchObject({ status: normalized, terminal: true, problem: null });
    expect(t.job.reading?.upstreamStatus).toBe(status);
    expect(t.effects).toEqual([{ kind: 'job_finished' }]);
    expect(t.account).toEqual({ kind: 'healthy', account: 'useapi', scope: CHANNEL });
  });

  it('a moderated job ends and goes to review', () => {
    const t = advance(fresh(), ok('moderated'), settings, clock(T0));
    expect(t.job).toMatchObject({ status: 'moderated', terminal: true });
    expect(t.effects).toEqual([{ kind: 'job_finished' }, { kind: 'open_review' }]);
  });

  it('a refused request (moderated, 422 "Invalid request", no moderation wording) ends with a DM and no review', () => {
    const refused = { error: 'Invalid request', errorDetails: 'No start frame provided', code: 422 };
    const t = advance(fresh(), ok('moderated', refused), settings, clock(T0));
    expect(t.job).toMatchObject({ status: 'refused', terminal: true });
    expect(t.effects).toEqual([{ kind: 'job_finished' }]);
    const withEmbed = ok('moderated', { ...refused, response: { embeds: [{ title: 'Action needed to continue', description: 'community standards' }] } });
    expect(advance(fresh(), withEmbed, settings, clock(T0)).effects).toEqual([{ kind: 'job_finished' }, { kind: 'open_review' }]);
  });

  it("passes on Midjourney's account warnings for the job's channel: HTTP 596 and its system notices", () => {
    const notice = { type: 'rich', title: 'Verify you are human', description: 'Please solve the CAPTCHA to continue' };
    const captcha = advance(fresh(), ok('progress', { response: { embeds: [notice] } }), settings, clock(T0));
    expect(captcha.account).toEqual({ kind: 'warning', account: 'useapi', scope: CHANNEL, detail: `Midjourney said: “Verify you are human” on Midjourney channel ${CHANNEL}` });
    const banned = advance(fresh(), ok('failed', { response: { embeds: [{ description: 'Your account has been banned' }] } }), settings, clock(T0));
    expect(banned.account.kind).toBe('warning');
    const pending = advance(fresh(), http(596), settings, clock(T0));
    expect(pending.account).toEqual({ kind: 'warning', account: 'useapi', scope: CHANNEL, detail: `HTTP 596 on Midjourney channel ${CHANNEL}` });
    expect(pending.job.terminal).toBe(false);
    // A banned *prompt* is about one job, not the account.
    const prompt = advance(fresh(), ok('moderated', { response: { embeds: [{ title: 'Banned prompt detected' }] } }), settings, clock(T0));
    expect(prompt.account).toEqual({ kind: 'healthy', account: 'useapi', scope: CHANNEL });
  });

  it("reads useapi's own error fields and bodies for account warnings", () => {
    const inRecord = advance(fresh(), ok('failed', { error: 'Your account has been suspended' }), settings, clock(T0));
    expect(inRecord.account.kind).toBe('warning');
    const body = http(503, null, 'Account has pending moderation message');
    expect(advance(fresh(), body, settings, clock(T0)).account).toEqual({
      kind: 'warning',
      account: 'useapi',
      scope: CHANNEL,
      detail: `HTTP 503 on Midjourney channel ${CHANNEL}: Account has pending moderation message`,
    });
    expect(advance(fresh(), http(503), settings, clock(T0)).account).toEqual({ kind: 'none' });
  });

  it('never takes a prompt for an account warning, in the message text or quoted in an embed', () => {
    const words = 'solve the CAPTCHA to verify you are human, your account has been banned';
    const content = advance(fresh(), ok('progress', { request: { prompt: words }, response: { content: `**${words}** - <@1> (40%) (fast)` } }), settings, clock(T0));
    expect(content.account).toEqual({ kind: 'healthy', account: 'useapi', scope: CHANNEL });
    const quoted = advance(
      fresh(),
      ok('moderated', { request: { prompt: words }, response: { embeds: [{ title: 'Banned prompt detected', description: `The prompt \`${words}\` is not allowed.` }] } }),
      settings,
      clock(T0),
    );
    expect(quoted.account).toEqual({ kind: 'healthy', account: 'useapi', scope: CHANNEL });
    // Midjourney may quote the prompt as it rewrote it, not as it was sent.
    const rewritten = ok('moderated', { request: { prompt: words }, error: `Banned prompt: \`${words.toUpperCase()} --raw\`` });
    expect(advance(fresh(), rewritten, settings, clock(T0)).account).toEqual({ kind: 'healthy', account: 'useapi', scope: CHANNEL });
  });

  it('announces the end even when the first read already finds the job finished', () => {
    const t = advance(fresh(), ok('completed'), settings, clock(T0));
    expect(t.job.terminal).toBe(true);
    expect(t.effects).toEqual([{ kind: 'job_finished' }]);
  });

  it('reads progress from the message text when progress_percent is missing', () => {
    const t = advance(fresh(), ok('progress', { response: { content: '**cat** - <@1> (63%) (fast)' } }), settings, clock(T0));
    expect(t.job.progress).toBe(63);
  });

  it.each([
    ['a percentage in the prompt', '**sale (90%) poster** - <@1> (Waiting to start)', null],
    ['a percentage in the prompt before the real one', '**sale (90%)** - <@1> (31%) (fast)', 31],
    ['a prompt that imitates the status part', '**x** - <@1> (90%) (fast)** - <@2> (Waiting to start)', null],
    ['a second line after the status', '**cat (5%)** - <@1> (42%) (relax)\n-# Create, explore, and organize on [midjourney.com](<https://midjourney.com>)', 42],
  ])('never reads progress from the prompt: %s', (_name, content, progress) => {
    const t = advance(fresh(), ok('progress', { response: { content } }), settings, clock(T0));
    expect(t.job.progress).toBe(progress);
  });

  it.each([
    [401, 'unauthorized'],
    [402, 'payment_required'],
  ] as const)('%i is an account problem, not an end', (status, problem) => {
    const t = advance(fresh({ status: 'running' }), http(status), settings, clock(T0));
    expect(t.job).toMatchObject({ problem, terminal: false, lastHttpStatus: status });
    expect(t.effects).toEqual([]);
    expect(t.account).toEqual({ kind: 'refused', account: 'useapi', problem });
    const healed = advance(t.job, ok('progress', {}, 50), settings, clock(T0 + 60_000));
    expect(healed.job.problem).toBeNull();
  });

  it('404: the first may be useapi not knowing a new job yet; the second says "not found yet" once; the grace ends it', () => {
    const first = advance(fresh(), http(404), settings, clock(T0));
    expect(first).toMatchObject({ visible: false, job: { terminal: false, problem: null, notFoundUntil: T0 + 60_000 } });
    const second = advance(first.job, http(404), settings, clock(T0 + 5000));
    expect(second).toMatchObject({ visible: true, job: { terminal: false, problem: 'not_found_yet', notFoundUntil: T0 + 60_000 } });
    const third = advance(second.job, http(404), settings, clock(T0 + 30_000));
    expect(third).toMatchObject({ visible: false, job: { terminal: false, problem: 'not_found_yet' } });
    const last = advance(third.job, http(404), settings, clock(T0 + 60_000));
    expect(last).toMatchObject({ visible: true, job: { terminal: true, problem: 'not_found' } });
    expect(last.effects).toEqual([]);
  });

  it('a timeout between two 404s does not start the grace again', () => {
    const first = advance(fresh(), http(404), settings, clock(T0)).job;
    const timedOut = advance(first, { kind: 'timeout' }, settings, clock(T0 + 5000)).job;
    const second = advance(timedOut, http(404), settings, clock(T0 + 10_000)).job;
    expect(second).toMatchObject({ problem: 'not_found_yet', notFoundUntil: T0 + 60_000 });
  });

  it('a job that appears within the grace period forgets the 404s', () => {
    const missing = advance(fresh(), http(404), settings, clock(T0)).job;
    const notYet = advance(missing, http(404), settings, clock(T0 + 5000)).job;
    const found = advance(notYet, ok('started'), settings, clock(T0 + 10_000)).job;
    expect(found).toMatchObject({ notFoundUntil: null, errorStreak: 0, status: 'running', problem: null });
  });

  it('410 is final: expired', () => {
    const t = advance(fresh({ status: 'running' }), http(410), settings, clock(T0));
    expect(t.job).toMatchObject({ terminal: true, problem: 'expired', nextPollAt: null });
  });

  it.each<[string, PollResult]>([
    ['429', http(429)],
    ['500', http(500)],
    ['596', http(596)],
    ['timeout', { kind: 'timeout' }],
    ['network', { kind: 'network', message: 'ECONNRESET' }],
    ['malformed', { kind: 'malformed', message: 'not JSON' }],
  ])('%s backs off exponentially and changes nothing visible', (_name, result) => {
    const running = advance(fresh(), ok('progress', {}, 10), settings, clock(T0)).job;
    const first = advance(running, result, settings, clock(T0));
    const second = advance(first.job, result, settings, clock(T0));
    const third = advance(second.job, result, settings, clock(T0));
    expect([first.visible, second.visible, third.visible]).toEqual([false, false, false]);
    expect(third.job.errorStreak).toBe(3);
    expect([first, second, third].map((t) => t.job.nextPollAt! - T0)).toEqual([5000, 10_000, 20_000]);
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    const t = advance(fresh(), http(429, 42_000), settings, clock(T0));
    expect(t.job.nextPollAt).toBe(T0 + 42_000);
  });

  it('shows a running job as stalled when `updated` has not moved for 14 minutes, and clears it when it moves', () => {
    const seen = advance(fresh(), ok('progress', {}, 93), settings, clock(T0)).job;
    const almost = advance(seen, ok('progress', {}, 93), settings, clock(T0 + STALL_AFTER_MS - 1));
    expect(almost.job.problem).toBeNull();
    const stalled = advance(almost.job, ok('progress', {}, 93), settings, clock(T0 + STALL_AFTER_MS));
    expect(stalled).toMatchObject({ visible: true, job: { problem: 'stalled', terminal: false } });
    expect(stalled.job.nextPollAt).toBe(T0 + STALL_AFTER_MS + 13_500);
    const moving = advance(stalled.job, ok('progress', {}, 94), settings, clock(T0 + STALL_AFTER_MS + 15_000));
    expect(moving.job.problem).toBeNull();
  });

  it('stops after the maximum tracking age with a clear final state', () => {
    const t = advance(fresh({ status: 'running' }), ok('progress', {}, 20), settings, clock(T0 + settings.maxTrackingAgeMs));
    expect(t.job).toMatchObject({ terminal: true, problem: 'max_age', status: 'running' });
  });

  it('leaves a finished job alone', () => {
    const done = fresh({ status: 'completed', terminal: true });
    expect(advance(done, ok('progress'), settings, clock(T0))).toEqual({ job: done, visible: false, effects: [], account: { kind: 'none' }, change: null });
  });
});

describe('tracking an ended job again', () => {
  it('tells who ended a job: upstream, the tracker giving up, or age', () => {
    expect(endOf(fresh())).toBeNull();
    expect(endOf(fresh({ status: 'completed', terminal: true }))).toBe('upstream');
    expect(endOf(fresh({ status: 'unknown', terminal: true }))).toBe('upstream');
    expect(endOf(fresh({ problem: 'not_found', terminal: true }))).toBe('tracker');
    expect(endOf(fresh({ status: 'running', problem: 'max_age', terminal: true }))).toBe('tracker');
    expect(endOf(fresh({ problem: 'expired', terminal: true }))).toBe('expired');
  });

  it('a job the tracker gave up on (not found) starts afresh: a new grace, polled at once', () => {
    let job = fresh();
    for (const at of [T0, T0 + 5000, T0 + 60_000]) job = advance(job, http(404), settings, clock(at)).job;
    expect(endOf(job)).toBe('tracker');
    const later = T0 + 3600_000;
    const again = trackAgain(job, later);
    expect(again).toMatchObject({ terminal: false, problem: null, finishedAt: null, trackedAt: later, notFoundUntil: null, errorStreak: 0, nextPollAt: later });
    const missing = advance(again, http(404), settings, clock(later));
    expect(missing.job).toMatchObject({ terminal: false, notFoundUntil: later + 60_000 });
    const found = advance(missing.job, ok('completed'), settings, clock(later + 5000));
    expect(found.job).toMatchObject({ terminal: true, status: 'completed', problem: null });
    expect(found.effects).toEqual([{ kind: 'job_finished' }]);
  });

  it('a job stopped for its age is followed for a whole new tracking age', () => {
    const old = advance(fresh({ status: 'running' }), ok('progress', {}, 20), settings, clock(T0 + settings.maxTrackingAgeMs)).job;
    expect(old.problem).toBe('max_age');
    const restartAt = T0 + settings.maxTrackingAgeMs + 1000;
    const t = advance(trackAgain(old, restartAt), ok('progress', {}, 30), settings, clock(restartAt));
    expect(t.job).toMatchObject({ terminal: false, problem: null, progress: 30 });
  });
});
