import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DREAMINA_JOB_ID_PATTERN,
  RETENTION_MS,
  dreaminaTimeline,
  makeDreaminaJobId,
  startDreaminaEmulator,
  type DreaminaEmulator,
  type DreaminaJobRecord,
  type DreaminaScheduler,
} from '../../src/playground/dreamina';
import { startUseapiEmulator } from '../../src/playground/useapi';

const T0 = Date.parse('2026-02-23T14:05:30.123Z');

describe('makeDreaminaJobId', () => {
  it('builds the 19-digit id with type, user and region:email', () => {
    const id = makeDreaminaJobId({ at: new Date(T0), type: 'v', suffix: 456789 });
    expect(id).toBe('j0223140530123456789v-u12345-US:someone@example.com-bot:dreamina');
    expect(id).toMatch(DREAMINA_JOB_ID_PATTERN);
    expect(makeDreaminaJobId({ type: 'i', account: 'CA:x@y.z' })).toMatch(/^j\d{19}i-u12345-CA:x@y\.z-bot:dreamina$/);
    expect(() => makeDreaminaJobId({ account: 'someone@example.com' })).toThrow(/US:<email>/);
  });
});

describe('Dreamina emulator over HTTP', () => {
  let clock: number;
  let emu: DreaminaEmulator;
  const get = (path: string) => fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${emu.token}` } });
  const read = async (collection: 'videos' | 'images', jobid: string) => {
    const res = await get(`/v1/dreamina/${collection}/${jobid}`);
    expect(res.status).toBe(200);
    return (await res.json()) as DreaminaJobRecord;
  };
  const id = (type: 'i' | 'v', offsetMs = 0) => makeDreaminaJobId({ at: new Date(T0 + offsetMs), type });

  beforeEach(async () => {
    clock = T0;
    emu = await startDreaminaEmulator({ now: () => clock });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('shows a video job processing with forecastCost, then completed with a video and cover it serves', async () => {
    const jobid = id('v');
    emu.addJob({ jobid, steps: dreaminaTimeline({ runMs: 90_000, outcome: 'completed' }) });
    const processing = await read('videos', jobid);
    expect(processing).toMatchObject({ jobid, status: 'created', code: 200, response: { forecastCost: 50 } });
    expect(processing.response.videoUrl).toBeUndefined();

    expect([emu.terminalAt(jobid), emu.terminalAt(id('v', 5))]).toEqual([T0 + 90_000, undefined]);
    clock = T0 + 90_000;
    const done = await read('videos', jobid);
    expect(done).toMatchObject({ status: 'completed', code: 200, updated: new Date(T0 + 90_000).toISOString() });
    expect(done.response).toMatchObject({ width: 1280, height: 720, durationMs: 5042, hasAudio: true });
    expect(done.response.forecastCost).toBeUndefined();
    expect(done.response.videoId).toMatch(/^v0[0-9a-f]{18}$/);
    expect(done.response.videoUrl).toMatch(/^https:\/\/v3-web\.douyinvod\.com\/video\/v0[0-9a-f]{18}\.mp4$/);
    const video = await fetch(emu.localMediaUrl(done.response.videoUrl!)!);
    expect([video.status, video.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    const cover = Buffer.from(await (await fetch(emu.localMediaUrl(done.response.coverUrl!)!)).arrayBuffer());
    expect(cover.subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('puts image results in response.images[] and serves each picture', async () => {
    const jobid = id('i');
    emu.addJob({ jobid, count: 2, steps: [{ afterMs: 0, status: 'completed' }] });
    const done = await read('images', jobid);
    expect(done.response.images).toHaveLength(2);
    expect(done.response.images![0]).toMatchObject({ width: 1024, height: 1024, format: 'png' });
    const bytes = await Promise.all(done.response.images!.map(async (image) => Buffer.from(await (await fetch(emu.localMediaUrl(image.imageUrl)!)).arrayBuffer())));
    expect(bytes.map((png) => png.subarray(1, 4).toString('ascii'))).toEqual(['PNG', 'PNG']);
    expect(bytes[0]!.equals(bytes[1]!)).toBe(false);
  });

  it('fails with "fail_code: 2043" and errorDetails', async () => {
    const jobid = id('v');
    emu.addJob({ jobid, steps: dreaminaTimeline({ runMs: 1000, outcome: 'failed' }) });
    clock = T0 + 1000;
    const failed = await read('videos', jobid);
    expect(failed).toMatchObject({ status: 'failed', error: 'fail_code: 2043' });
    expect(failed.errorDetails).toMatch(/^OutputVi/);
  });

  it('answers 404 on the wrong path or an unknown id, 400 for a %-encoded id, 410 after 30 days', async () => {
    const video = id('v');
    emu.addJob({ jobid: video, steps: [{ afterMs: 0, status: 'completed' }] });
    const wrongPath = await get(`/v1/dreamina/images/${video}`);
    expect([wrongPath.status, await wrongPath.json()]).toEqual([404, { error: 'Job not found' }]);
    expect((await get(`/v1/dreamina/videos/${id('v', 9)}`)).status).toBe(404);
    expect((await get(`/v1/dreamina/videos/${encodeURIComponent(video)}`)).status).toBe(400);
    clock = T0 + RETENTION_MS + 1;
    const expired = await get(`/v1/dreamina/videos/${video}`);
    expect([expired.status, await expired.json()]).toEqual([410, { error: `Job ${video} has expired` }]);
  });

  it('lists running jobs per region:email in the scheduler, with elapsed seconds', async () => {
    const running = id('v');
    const other = makeDreaminaJobId({ at: new Date(T0 + 1), type: 'i', account: 'CA:other@example.com' });
    const done = id('v', 2);
    emu.addJob({ jobid: running, steps: dreaminaTimeline({ runMs: 600_000, outcome: 'completed' }) });
    emu.addJob({ jobid: other, steps: [{ afterMs: 0, status: 'created' }] });
    emu.addJob({ jobid: done, steps: [{ afterMs: 0, status: 'completed' }] });
    clock = T0 + 42_500;
    const res = await get('/v1/dreamina/scheduler');
    const scheduler = (await res.json()) as DreaminaScheduler;
    expect(scheduler.total).toBe(2);
    expect(scheduler.executing['US:someone@example.com']).toEqual([
      { jobid: running, submitId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string, model: 'seedance-2.0', elapsedSeconds: 42 },
    ]);
    expect(scheduler.executing['CA:other@example.com']?.map((entry) => [entry.jobid, entry.model])).toEqual([[other, 'seedream-4.0']]);
    expect(emu.listReads()).toBe(1);
  });

  it('checks the token, plays account and queued faults, counts reads, and can share the useapi port', async () => {
    const jobid = id('v');
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'created' }] });
    expect((await fetch(`${emu.url}/v1/dreamina/videos/${jobid}`)).status).toBe(401);
    emu.setAccountFault(596);
    expect(await (await get(`/v1/dreamina/videos/${jobid}`)).json()).toEqual({ error: 'Account has pending moderation message' });
    emu.clearFaults();
    emu.queueFaults('*', { kind: 'status', status: 500 }, { kind: 'wrong-shape' });
    emu.queueListFaults({ kind: 'reset' });
    expect((await get(`/v1/dreamina/videos/${jobid}`)).status).toBe(500);
    expect(await (await get(`/v1/dreamina/videos/${jobid}`)).json()).toEqual({ foo: 1 });
    await expect(get('/v1/dreamina/scheduler')).rejects.toThrow(TypeError);
    expect((await read('videos', jobid)).status).toBe('created');
    expect([emu.jobReads(jobid), emu.listReads()]).toEqual([5, 1]);

    const useapi = await startUseapiEmulator();
    const shared = await startDreaminaEmulator({ server: useapi.server });
    try {
      shared.addJob({ jobid, steps: [{ afterMs: 0, status: 'completed' }] });
      const res = await fetch(`${useapi.url}/v1/dreamina/videos/${jobid}`, { headers: { authorization: `Bearer ${useapi.token}` } });
      expect(((await res.json()) as DreaminaJobRecord).status).toBe('completed');
    } finally {
      await useapi.close();
    }
  });
});
