import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upstreamJobSchema } from '../../src/upstreams/useapi-midjourney/record';
import {
  JOB_ID_PATTERN,
  RETENTION_MS,
  jobAnswerAt,
  jobRecordAt,
  localMediaUrl,
  makeJobId,
  startUseapiEmulator,
  timeline,
  type JobRecord,
  type JobScript,
  type RunningJobsList,
  type UseapiEmulator,
} from '../../src/playground/useapi';

const T0 = Date.parse('2025-10-23T14:15:20.123Z');
const CHANNEL_A = '1234567890123456789';
const CHANNEL_B = '98765432109876543';

const idAt = (offsetMs = 0, type: 'i' | 'v' = 'i', channel = CHANNEL_A) =>
  makeJobId({ at: new Date(T0 + offsetMs), type, channel });

describe('makeJobId', () => {
  it('encodes the UTC time, type, user and channel', () => {
    const id = makeJobId({ at: new Date(T0), type: 'v', user: 777, channel: CHANNEL_B });
    expect(id).toMatch(JOB_ID_PATTERN);
    expect(id).toMatch(/^j1023141520123\d{6}v-u777-c98765432109876543-bot:midjourney$/);
  });

  it('defaults to an image of user 12345 and differs between calls', () => {
    const ids = new Set(Array.from({ length: 20 }, () => makeJobId()));
    for (const id of ids) expect(id).toMatch(/^j\d{19}i-u12345-c\d{17,20}-bot:midjourney$/);
    expect(ids.size).toBeGreaterThan(1);
  });

  it('rejects a channel that is not a snowflake', () => {
    expect(() => makeJobId({ channel: '123' })).toThrow(/17 to 20 digits/);
  });
});

describe('timeline', () => {
  it('creates, starts, rises and ends on time', () => {
    const steps = timeline({ queueMs: 1000, runMs: 10_000, stepMs: 2500, outcome: 'completed' });
    expect(steps.map((s) => [s.afterMs, s.status, s.progress])).toEqual([
      [0, 'created', undefined],
      [1000, 'started', undefined],
      [3500, 'progress', 25],
      [6000, 'progress', 50],
      [8500, 'progress', 75],
      [11_000, 'completed', undefined],
    ]);
  });

  it('carries outcome fields and keeps percent strictly rising', () => {
    const steps = timeline({ queueMs: 0, runMs: 1000, stepMs: 3, outcome: 'failed', error: 'boom', code: 504 });
    const percents = steps.filter((s) => s.status === 'progress').map((s) => s.progress ?? 0);
    expect(percents.length).toBeGreaterThan(50);
    expect(percents.every((p, i) => i === 0 || p > percents[i - 1]!)).toBe(true);
    expect(Math.max(...percents)).toBeLessThanOrEqual(99);
    expect(steps.at(-1)).toEqual({ afterMs: 1000, status: 'failed', error: 'boom', code: 504 });
    expect(() => timeline({ queueMs: 0, runMs: 10, stepMs: 0, outcome: 'completed' })).toThrow();
  });
});

describe('jobRecordAt', () => {
  const jobid = idAt();
  const script: JobScript = {
    jobid,
    prompt: 'a cat in a hat --ar 16:9',
    startAt: T0,
    steps: [
      { afterMs: 0, status: 'created' },
      { afterMs: 2000, status: 'started' },
      { afterMs: 5000, status: 'progress', progress: 31 },
      { afterMs: 6000, status: 'progress', progress: 31 }, // no visible change
      { afterMs: 600_000, status: 'progress', progress: 62 }, // after a long stall
      { afterMs: 700_000, status: 'completed' },
    ],
  };

  it('is absent before the first step and has no `updated` while created', () => {
    expect(jobRecordAt({ ...script, steps: script.steps.slice(1) }, T0 + 1000)).toBeUndefined();
    const created = jobRecordAt(script, T0 + 1000)!;
    expect(created).toMatchObject({ jobid, verb: 'imagine', jobType: 'image', status: 'created', created: '2025-10-23T14:15:20.123Z' });
    expect(created.updated).toBeUndefined();
    expect(created.request.prompt).toBe('a cat in a hat --ar 16:9');
  });

  it('shows progress in content and progress_percent; `updated` moves only with the visible state', () => {
    const started = jobRecordAt(script, T0 + 3000)!;
    expect(started.status).toBe('started');
    expect(started.updated).toBe(new Date(T0 + 2000).toISOString());
    expect(started.response.content).toBe('**a cat in a hat --ar 16:9** - <@1111111111111111111> (Waiting to start)');

    const early = jobRecordAt(script, T0 + 5500)!;
    const stalled = jobRecordAt(script, T0 + 599_999)!;
    expect(stalled.response.progress_percent).toBe(31);
    expect(stalled.response.content).toBe('**a cat in a hat --ar 16:9** - <@1111111111111111111> (31%) (fast)');
    expect(stalled.updated).toBe(new Date(T0 + 5000).toISOString());
    expect(stalled).toEqual(early);
    expect(stalled.response.attachments?.[0]?.url).toMatch(/^https:\/\/cdn\.discordapp\.com\/attachments\/1234567890123456789\/\d{19}\/grid_0\.webp\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=/);

    const moved = jobRecordAt(script, T0 + 600_000)!;
    expect(moved.response.progress_percent).toBe(62);
    expect(moved.updated).toBe(new Date(T0 + 600_000).toISOString());
  });

  it('completes with four imageUx links, a grid attachment and buttons', () => {
    const done = jobRecordAt(script, T0 + 700_000)!;
    expect(done.status).toBe('completed');
    expect(done.response.progress_percent).toBe(100);
    expect(done.response.content).toContain('(100%) (fast)');
    const urls = done.response.imageUx!.map((link) => link.url);
    expect(urls).toHaveLength(4);
    urls.forEach((url, n) => expect(url).toMatch(new RegExp(`^https://cdn\\.midjourney\\.com/[0-9a-f-]{36}/0_${n}\\.png$`)));
    expect(new Set(urls.map((url) => url.split('/')[3])).size).toBe(1);
    expect(done.response.imageUx!.map((link) => link.id)).toEqual([1, 2, 3, 4]);
    expect(done.response.attachments).toHaveLength(1);
    expect(done.response.attachments![0]).toMatchObject({ width: 2048, height: 1152 });
    expect(done.response.buttons).toEqual(['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔄']);
    expect(done.response.videoUx).toBeUndefined();
    expect(jobRecordAt(script, T0 + 700_000)).toEqual(done); // pure and reproducible
  });

  it('gives video jobs videoUx', () => {
    const video = jobRecordAt({ jobid: idAt(0, 'v'), steps: [{ afterMs: 0, status: 'completed' }] }, 0)!;
    expect(video.jobType).toBe('video');
    expect(video.response.videoUx).toHaveLength(4);
    expect(video.response.videoUx![0]!.url).toMatch(/^https:\/\/cdn\.midjourney\.com\/video\/[0-9a-f-]{36}\/0\.mp4$/);
    expect(video.response.imageUx).toBeUndefined();
  });

  it('fails with error, errorDetails and code, keeping the last progress', () => {
    const failed = jobRecordAt(
      {
        jobid,
        steps: [
          { afterMs: 0, status: 'progress', progress: 46 },
          { afterMs: 10, status: 'failed', error: 'Job timed out', errorDetails: 'No update for 14 minutes', code: 504 },
        ],
      },
      10,
    )!;
    expect(failed).toMatchObject({ status: 'failed', error: 'Job timed out', errorDetails: 'No update for 14 minutes', code: 504 });
    expect(failed.response.progress_percent).toBe(46);
    const plain = jobRecordAt({ jobid, steps: [{ afterMs: 0, status: 'failed' }] }, 0)!;
    expect(plain).toMatchObject({ error: 'Failed to process your command :c', code: 400 });
  });

  it('moderates with the §6 error and embed', () => {
    const moderated = jobRecordAt({ jobid, steps: [{ afterMs: 0, status: 'moderated' }] }, 0)!;
    expect(moderated).toMatchObject({ status: 'moderated', error: 'Action needed to continue', code: 422 });
    expect(moderated.errorDetails).toMatch(/^Sorry! Our AI moderators/);
    expect(moderated.response.embeds).toEqual([
      { type: 'rich', title: 'Action needed to continue', description: moderated.errorDetails, color: 16711680 },
    ]);
    const banned = jobRecordAt(
      { jobid, steps: [{ afterMs: 0, status: 'moderated', error: 'Banned prompt detected', errorDetails: 'Nope.' }] },
      0,
    )!;
    expect(banned.response.embeds).toEqual([{ type: 'rich', title: 'Banned prompt detected', description: 'Nope.', color: 16711680 }]);
  });

  it('passes unknown statuses and extra fields through', () => {
    const odd = jobRecordAt({ jobid, steps: [{ afterMs: 0, status: 'cancelled', extra: { future: { x: 1 }, verb: 'button' } }] }, 0)!;
    expect(odd).toMatchObject({ status: 'cancelled', future: { x: 1 }, verb: 'button' });
  });

  it('produces records the bot schema accepts', () => {
    for (const t of [0, 3000, 5000, 700_000]) {
      expect(upstreamJobSchema.safeParse(jobRecordAt(script, T0 + t)).success).toBe(true);
    }
  });

  it('answers 404 before visibility, 410 after 62 days, and the gone status', () => {
    expect(jobAnswerAt({ ...script, visibleAfterMs: 4000 }, T0 + 3999).status).toBe(404);
    expect(jobAnswerAt({ ...script, visibleAfterMs: 4000 }, T0 + 4000).status).toBe(200);
    expect(jobAnswerAt(script, T0 + RETENTION_MS).status).toBe(200);
    expect(jobAnswerAt(script, T0 + RETENTION_MS + 1)).toEqual({ status: 410, body: { error: `Job ${jobid} has expired` } });
    expect(jobAnswerAt({ ...script, gone: 404 }, T0)).toEqual({ status: 404, body: { error: 'Job not found' } });
  });
});

describe('emulator over HTTP', () => {
  let clock = T0;
  let emu: UseapiEmulator;

  const jobUrl = (jobid: string) => `${emu.url}/v3/midjourney/jobs/${jobid}`;
  const auth = () => ({ Authorization: `Bearer ${emu.token}` });
  const get = (jobid: string, init: RequestInit = {}) => fetch(jobUrl(jobid), { headers: auth(), ...init });
  const getJob = async (jobid: string) => {
    const res = await get(jobid);
    expect(res.status).toBe(200);
    return (await res.json()) as JobRecord;
  };
  const getList = async () => {
    const res = await fetch(`${emu.url}/v3/midjourney/jobs`, { headers: auth() });
    expect(res.status).toBe(200);
    return (await res.json()) as RunningJobsList;
  };

  beforeEach(async () => {
    clock = T0;
    emu = await startUseapiEmulator({ now: () => clock });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('serves real PNG pictures for the media links of a completed job, one per image and the grid', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, prompt: 'a red fox in snow --ar 16:9', steps: timeline({ queueMs: 0, runMs: 1000, stepMs: 500, outcome: 'completed' }) });
    clock = T0 + 2000;
    const job = await getJob(jobid);
    const links = [...job.response.imageUx!.map((l) => l.url), job.response.attachments![0]!.url];
    const pictures = await Promise.all(
      links.map(async (link) => {
        const local = localMediaUrl(emu.url, link);
        expect(local).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\//);
        const res = await fetch(local!);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/png');
        return Buffer.from(await res.arrayBuffer());
      }),
    );
    for (const png of pictures) expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const size = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(size(pictures[0]!)).toEqual([512, 288]);
    expect(size(pictures[4]!)).toEqual([768, 432]);
    expect(new Set(pictures.map((p) => p.toString('base64'))).size).toBe(5);
    expect(localMediaUrl(emu.url, 'https://example.com/x.png')).toBeNull();
    expect((await fetch(`${emu.url}/media/cdn.midjourney.com/00000000-0000-4000-a000-000000000000/0_0.png`)).status).toBe(404);
  });

  it('listens on a loopback URL with the default token', () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.token).toBe('user:12345-emulatortoken');
  });

  it('replays a timeline against the injected clock', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: timeline({ queueMs: 1000, runMs: 4000, stepMs: 1000, outcome: 'completed' }) });
    const seen: Array<[string, number | undefined]> = [];
    for (const t of [0, 999, 1000, 2000, 3500, 4999, 5000, 60_000]) {
      clock = T0 + t;
      const job = await getJob(jobid);
      seen.push([job.status, job.response.progress_percent]);
    }
    expect(seen).toEqual([
      ['created', undefined],
      ['created', undefined],
      ['started', 0],
      ['progress', 25],
      ['progress', 50],
      ['progress', 75],
      ['completed', 100],
      ['completed', 100],
    ]);
    expect(emu.terminalAt(jobid)).toBe(T0 + 5000);
    expect(emu.jobReads(jobid)).toBe(8);
  });

  it('accepts the id raw and %3A-encoded, counting both as reads of the same job', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'started' }] });
    expect((await getJob(jobid)).jobid).toBe(jobid);
    expect((await getJob(encodeURIComponent(jobid))).jobid).toBe(jobid);
    expect(emu.requests.map((r) => r.path)).toEqual([
      `/v3/midjourney/jobs/${jobid}`,
      `/v3/midjourney/jobs/${jobid.replace(':', '%3A')}`,
    ]);
    expect(emu.requests.every((r) => r.jobid === jobid && r.route === 'job')).toBe(true);
    expect(emu.jobReads(jobid)).toBe(2);
  });

  it('demands exactly `Bearer <token>`', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    const badHeaders: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong' },
      { Authorization: `bearer ${emu.token}` },
      { Authorization: emu.token },
    ];
    for (const headers of badHeaders) {
      const res = await fetch(jobUrl(jobid), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ error: 'Unauthorized' });
    }
    expect(emu.requests.map((r) => [r.status, r.authOk])).toEqual(Array.from({ length: 4 }, () => [401, false]));
    expect((await get(jobid)).status).toBe(200);
    expect(emu.requests.at(-1)).toMatchObject({ status: 200, authOk: true, time: T0, method: 'GET' });
  });

  it('applies account faults to every request until cleared', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    const expected = {
      401: 'Unauthorized',
      402: 'Account has no subscription or subscription expired',
      596: 'Account has pending moderation message',
    } as const;
    for (const status of [401, 402, 596] as const) {
      emu.setAccountFault(status);
      for (const url of [jobUrl(jobid), `${emu.url}/v3/midjourney/jobs`]) {
        const res = await fetch(url, { headers: auth() });
        expect(res.status).toBe(status);
        expect(await res.json()).toEqual({ error: expected[status] });
      }
    }
    emu.setAccountFault(null);
    expect((await get(jobid)).status).toBe(200);
    expect(emu.requests.filter((r) => r.fault === 'account')).toHaveLength(6);
  });

  it('answers 404 for unknown and not-yet-visible jobs, 410 for expired ones', async () => {
    const unknown = idAt(1);
    const late = idAt(2);
    const expired = idAt(3);
    const old = idAt(4);
    emu.addJob({ jobid: late, visibleAfterMs: 3000, steps: [{ afterMs: 0, status: 'created' }] });
    emu.addJob({ jobid: expired, gone: 410, steps: [] });
    emu.addJob({ jobid: old, startAt: T0 - RETENTION_MS - 1, steps: [{ afterMs: 0, status: 'completed' }] });

    const notFound = await get(unknown);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-type')).toBe('application/json');
    expect(await notFound.json()).toEqual({ error: 'Job not found' });

    expect((await get(late)).status).toBe(404);
    clock = T0 + 3000;
    expect((await getJob(late)).status).toBe('created');

    for (const jobid of [expired, old]) {
      const res = await get(jobid);
      expect(res.status).toBe(410);
      expect(await res.json()).toEqual({ error: `Job ${jobid} has expired` });
    }
  });

  it('injects status faults with Retry-After and custom bodies, in order, then answers normally', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'progress', progress: 10 }] });
    emu.queueFaults(
      jobid,
      { kind: 'status', status: 429, retryAfter: '7' },
      { kind: 'status', status: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', body: { error: { code: 503, message: 'upstream' } } },
      { kind: 'status', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' },
    );

    const r429 = await get(jobid);
    expect([r429.status, r429.headers.get('retry-after'), await r429.json()]).toEqual([429, '7', { error: 'Too Many Requests' }]);
    const r503 = await get(jobid);
    expect([r503.status, r503.headers.get('retry-after')]).toEqual([503, 'Wed, 21 Oct 2015 07:28:00 GMT']);
    expect(await r503.json()).toEqual({ error: { code: 503, message: 'upstream' } });
    const r502 = await get(jobid);
    expect([r502.status, r502.headers.get('content-type'), await r502.text()]).toEqual([502, 'text/html', '<html>Bad gateway</html>']);
    expect((await getJob(jobid)).response.progress_percent).toBe(10);
    expect(emu.requests.map((r) => r.status)).toEqual([429, 503, 502, 200]);
  });

  it("consumes a job's own faults before '*' faults, and '*' faults on any job", async () => {
    const a = idAt(1);
    const b = idAt(2);
    for (const jobid of [a, b]) emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    emu.queueFaults('*', { kind: 'status', status: 500 }, { kind: 'status', status: 504 });
    emu.queueFaults(a, { kind: 'status', status: 429 });
    expect((await get(a)).status).toBe(429);
    expect((await get(b)).status).toBe(500);
    expect((await get(a)).status).toBe(504);
    expect((await get(b)).status).toBe(200);
    expect((await get(a)).status).toBe(200);
  });

  it('answers late on a slow fault (a client timeout fires), then on time', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    emu.queueFaults(jobid, { kind: 'slow', delayMs: 150 }, { kind: 'slow', delayMs: 60 });
    await expect(get(jobid, { signal: AbortSignal.timeout(30) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const started = Date.now();
    const late = await getJob(jobid);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(late.jobid).toBe(jobid);
    expect((await getJob(jobid)).status).toBe('created');
    expect(emu.requests.map((r) => r.fault)).toEqual(['slow', 'slow', undefined]);
  });

  it('sends malformed JSON, wrong-shape JSON, and resets the socket', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    emu.queueFaults(jobid, { kind: 'malformed' }, { kind: 'wrong-shape' }, { kind: 'reset' });

    const malformed = await get(jobid);
    expect(malformed.status).toBe(200);
    expect(malformed.headers.get('content-type')).toBe('application/json');
    const text = await malformed.text();
    expect(text.startsWith('{')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);

    const wrong = await get(jobid);
    expect([wrong.status, await wrong.json()]).toEqual([200, { foo: 1 }]);

    await expect(get(jobid)).rejects.toThrow(TypeError);
    expect((await getJob(jobid)).status).toBe('created');
    expect(emu.requests.map((r) => [r.status, r.fault])).toEqual([
      [200, 'malformed'],
      [200, 'wrong-shape'],
      [0, 'reset'],
      [200, undefined],
    ]);
    expect(emu.jobReads(jobid)).toBe(4);
  });

  it('lists running jobs by channel, leaving out finished, invisible and gone ones', async () => {
    const a1 = idAt(0, 'i', CHANNEL_A);
    const a2 = idAt(1, 'v', CHANNEL_A);
    const b1 = idAt(2, 'i', CHANNEL_B);
    const done = idAt(3, 'i', CHANNEL_A);
    const hidden = idAt(4, 'i', CHANNEL_B);
    emu.addJob({ jobid: a1, steps: timeline({ queueMs: 0, runMs: 200_000, stepMs: 1000, outcome: 'completed' }) });
    emu.addJob({ jobid: a2, startAt: T0 - 65_000, steps: [{ afterMs: 0, status: 'created' }] });
    emu.addJob({ jobid: b1, steps: [{ afterMs: 0, status: 'progress', progress: 5 }] });
    emu.addJob({ jobid: done, steps: [{ afterMs: 0, status: 'completed' }] });
    emu.addJob({ jobid: hidden, visibleAfterMs: 1_000_000, steps: [{ afterMs: 0, status: 'created' }] });
    clock = T0 + 5000;

    const list = await getList();
    expect([list.total, list.images, list.videos]).toEqual([3, 2, 1]);
    expect(Object.keys(list.channels).sort()).toEqual([CHANNEL_A, CHANNEL_B].sort());
    const channelA = list.channels[CHANNEL_A]!;
    expect(channelA).toMatchObject({ total: 2, images: 1, videos: 1, maxJobs: 3, maxImageJobs: 3, maxVideoJobs: 3 });
    expect(channelA.jobs).toEqual([
      { jobId: a2, channel: CHANNEL_A, jobType: 'video', created: new Date(T0 - 65_000).toISOString(), elapsed: '01:10' },
      { jobId: a1, channel: CHANNEL_A, jobType: 'image', created: new Date(T0).toISOString(), elapsed: '00:05' },
    ]);
    expect(list.channels[CHANNEL_B]!.jobs.map((j) => j.jobId)).toEqual([b1]);

    clock = T0 + 300_000;
    expect((await getList()).channels[CHANNEL_A]!.jobs.map((j) => j.jobId)).toEqual([a2]);
    expect(emu.listReads()).toBe(2);
    expect(emu.jobReads(a1)).toBe(0);
  });

  it('injects faults on the list', async () => {
    emu.queueListFaults({ kind: 'status', status: 500 }, { kind: 'wrong-shape' });
    const res = await fetch(`${emu.url}/v3/midjourney/jobs`, { headers: auth() });
    expect([res.status, await res.json()]).toEqual([500, { error: 'Internal Server Error' }]);
    const wrong = await fetch(`${emu.url}/v3/midjourney/jobs`, { headers: auth() });
    expect(await wrong.json()).toEqual({ foo: 1 });
    expect(await getList()).toEqual({ total: 0, images: 0, videos: 0, channels: {} });
  });

  it('cancels a running job with DELETE', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: timeline({ queueMs: 0, runMs: 100_000, stepMs: 10_000, outcome: 'completed' }) });
    clock = T0 + 35_000;
    const del = await fetch(jobUrl(encodeURIComponent(jobid)), { method: 'DELETE', headers: auth() });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');

    clock = T0 + 200_000;
    const job = await getJob(jobid);
    expect(job).toMatchObject({ status: 'failed', error: 'Job cancelled by user', updated: new Date(T0 + 35_000).toISOString() });
    expect(job.response.progress_percent).toBe(30);
    expect(emu.terminalAt(jobid)).toBe(T0 + 35_000);
    expect((await getList()).total).toBe(0);

    const again = await fetch(jobUrl(jobid), { method: 'DELETE', headers: auth() });
    expect(again.status).toBe(400);
    const unknown = await fetch(jobUrl(idAt(9)), { method: 'DELETE', headers: auth() });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Job not found' }]);
    expect(emu.jobReads(jobid)).toBe(1); // DELETEs are not reads
  });

  it('redefines a job with addJob and rejects invalid scripts', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    emu.addJob({ jobid, prompt: 'second', steps: [{ afterMs: 0, status: 'failed' }] });
    expect(await getJob(jobid)).toMatchObject({ status: 'failed', request: { prompt: 'second' } });
    expect(emu.terminalAt(jobid)).toBe(T0);
    expect(emu.terminalAt(idAt(5))).toBeUndefined();
    expect(() => emu.addJob({ jobid, steps: [] })).toThrow(/steps/);
    expect(() => emu.addJob({ jobid, steps: [{ afterMs: -1, status: 'created' }] })).toThrow(/afterMs/);
  });

  it('answers 404 for unknown routes and 405 for other methods', async () => {
    const jobid = idAt();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    expect((await fetch(`${emu.url}/v3/midjourney/other`, { headers: auth() })).status).toBe(404);
    const post = await fetch(jobUrl(jobid), { method: 'POST', headers: auth() });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, DELETE']);
    expect(emu.requests.map((r) => r.route)).toEqual(['other', 'job']);
    expect(emu.jobReads(jobid)).toBe(0);
  });

  it('hides other accounts’ jobs with ownerCheck', async () => {
    const strict = await startUseapiEmulator({ token: 'user:42-secret', ownerCheck: true, now: () => clock });
    try {
      const mine = makeJobId({ user: 42 });
      const theirs = makeJobId({ user: 43 });
      for (const jobid of [mine, theirs]) strict.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
      const read = (jobid: string) => fetch(`${strict.url}/v3/midjourney/jobs/${jobid}`, { headers: { Authorization: 'Bearer user:42-secret' } });
      expect((await read(mine)).status).toBe(200);
      expect((await read(theirs)).status).toBe(404);
      expect(strict.peek(theirs).status).toBe(404);
    } finally {
      await strict.close();
    }
  });
});
