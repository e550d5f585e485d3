import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GOOGLE_FLOW_JOB_ID_PATTERN,
  RETENTION_MS,
  URL_LIFETIME_MS,
  flowTimeline,
  makeGoogleFlowJobId,
  startGoogleFlowEmulator,
  type FlowJobRecord,
  type FlowJobsList,
  type FlowVideoMedia,
  type FlowImageMedia,
  type GoogleFlowEmulator,
} from '../../src/playground/google-flow';
import { makeJobId, startUseapiEmulator } from '../../src/playground/useapi';

const T0 = Date.parse('2026-09-03T18:07:09.650Z');
const EMAIL = 'someone@example.com';

describe('makeGoogleFlowJobId', () => {
  it('builds the 19-digit id with type, user and the raw email', () => {
    const id = makeGoogleFlowJobId({ at: new Date(T0), type: 'i', user: 3061, suffix: 836584 });
    expect(id).toBe('j0903180709650836584i-u3061-email:someone@example.com-bot:google-flow');
    expect(id).toMatch(GOOGLE_FLOW_JOB_ID_PATTERN);
    expect(makeGoogleFlowJobId()).toMatch(/^j\d{19}v-u12345-email:someone@example\.com-bot:google-flow$/);
    expect(() => makeGoogleFlowJobId({ email: 'no at sign' })).toThrow(/invalid email/);
  });
});

describe('Google Flow emulator over HTTP', () => {
  let clock: number;
  let emu: GoogleFlowEmulator;
  const auth = () => ({ authorization: `Bearer ${emu.token}` });
  const get = (path: string) => fetch(`${emu.url}${path}`, { headers: auth() });
  const getJob = async (jobid: string) => {
    const res = await get(`/v1/google-flow/jobs/${jobid}`);
    expect(res.status).toBe(200);
    return (await res.json()) as FlowJobRecord;
  };
  const video = (offsetMs = 0) => makeGoogleFlowJobId({ at: new Date(T0 + offsetMs), type: 'v' });
  const image = (offsetMs = 0) => makeGoogleFlowJobId({ at: new Date(T0 + offsetMs), type: 'i' });

  beforeEach(async () => {
    clock = T0;
    emu = await startGoogleFlowEmulator({ now: () => clock });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('plays created → started → completed and serves the video behind signed links until they expire', async () => {
    const jobid = video();
    emu.addJob({ jobid, prompt: 'a red fox in snow', steps: flowTimeline({ queueMs: 2000, runMs: 60_000, outcome: 'completed' }) });

    const created = await getJob(jobid);
    expect(created).toMatchObject({ jobid, type: 'video', status: 'created', created: new Date(T0).toISOString() });
    expect(created.updated).toBeUndefined();
    expect(created.response.operations?.[0]?.status).toBe('MEDIA_GENERATION_STATUS_PENDING');

    clock = T0 + 3000;
    expect(await getJob(jobid)).toMatchObject({ status: 'started', updated: new Date(T0 + 2000).toISOString() });

    expect(emu.terminalAt(jobid)).toBe(T0 + 62_000);
    clock = T0 + 62_000;
    const done = await getJob(jobid);
    expect(done.status).toBe('completed');
    const [media] = done.response.media as FlowVideoMedia[];
    const expires = Math.floor((T0 + 62_000 + URL_LIFETIME_MS) / 1000);
    expect(media!.videoUrl).toMatch(new RegExp(`^https://flow-content\\.google/video/CAUS[\\w-]+\\.mp4\\?Expires=${expires}&Signature=[0-9a-f]{32}$`));
    expect(media!.mediaMetadata.mediaStatus.mediaGenerationStatus).toBe('MEDIA_GENERATION_STATUS_SUCCESSFUL');

    const bytes = await fetch(emu.localMediaUrl(media!.videoUrl)!);
    expect([bytes.status, bytes.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    expect(Buffer.from(await bytes.arrayBuffer()).subarray(4, 8).toString('ascii')).toBe('ftyp');
    const thumbnail = Buffer.from(await (await fetch(emu.localMediaUrl(media!.thumbnailUrl)!)).arrayBuffer());
    expect(thumbnail.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect((await fetch(emu.localMediaUrl(media!.videoUrl.replace(/Signature=\w+/, 'Signature=0'))!)).status).toBe(403);

    clock = expires * 1000;
    expect((await fetch(emu.localMediaUrl(media!.videoUrl)!)).status).toBe(403);
    const asset = await get(`/v1/google-flow/assets/${media!.mediaGenerationId}`);
    const fresh = (await asset.json()) as { url: string; mediaGenerationId: string };
    expect(fresh.mediaGenerationId).toBe(media!.mediaGenerationId);
    expect(fresh.url).not.toBe(media!.videoUrl);
    expect((await fetch(emu.localMediaUrl(fresh.url)!)).status).toBe(200);
    expect((await get('/v1/google-flow/assets/CAUSunknown')).status).toBe(404);
    expect(emu.requests.map((r) => r.route)).toEqual(['job', 'job', 'job', 'asset', 'asset']);
  });

  it('puts image results in media[].image.generatedImage.fifeUrl, one per requested image', async () => {
    const jobid = image();
    emu.addJob({ jobid, count: 2, steps: [{ afterMs: 0, status: 'completed' }] });
    const done = await getJob(jobid);
    expect(done.type).toBe('image');
    const media = done.response.media as FlowImageMedia[];
    expect(media).toHaveLength(2);
    const pictures = await Promise.all(media.map(async (m) => Buffer.from(await (await fetch(emu.localMediaUrl(m.image.generatedImage.fifeUrl)!)).arrayBuffer())));
    for (const png of pictures) expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(pictures[0]!.equals(pictures[1]!)).toBe(false);
  });

  it('fails with top-level error fields and response.error; moderation is INVALID_ARGUMENT with a PUBLIC_ERROR_ reason', async () => {
    const failed = video(1);
    const moderated = video(2);
    emu.addJob({ jobid: failed, steps: flowTimeline({ queueMs: 0, runMs: 1000, outcome: 'failed' }) });
    emu.addJob({ jobid: moderated, steps: flowTimeline({ queueMs: 0, runMs: 1000, outcome: 'moderated' }) });
    clock = T0 + 1000;
    expect(await getJob(failed)).toMatchObject({
      status: 'failed',
      error: 'API error: 500',
      errorDetails: 'Internal error encountered.',
      code: 500,
      response: { error: { code: 500, status: 'INTERNAL' } },
    });
    const blocked = await getJob(moderated);
    expect(blocked).toMatchObject({ status: 'failed', code: 400, response: { error: { code: 400, status: 'INVALID_ARGUMENT' } } });
    expect(blocked.errorDetails).toMatch(/PUBLIC_ERROR_/);
    expect(JSON.stringify(blocked.response.error?.details)).toMatch(/"reason":"PUBLIC_ERROR_/);
  });

  it('answers 400 for a %-encoded or malformed id, 404 for an unknown one, 410 once expired', async () => {
    const jobid = video();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'completed' }] });
    const encoded = await get(`/v1/google-flow/jobs/${encodeURIComponent(jobid)}`);
    expect([encoded.status, await encoded.json()]).toEqual([400, { error: 'Invalid job ID format' }]);
    expect((await get('/v1/google-flow/jobs/not-an-id')).status).toBe(400);
    const unknown = await get(`/v1/google-flow/jobs/${video(5)}`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Job not found' }]);
    clock = T0 + RETENTION_MS + 1;
    const expired = await get(`/v1/google-flow/jobs/${jobid}`);
    expect([expired.status, await expired.json()]).toEqual([410, { error: `Job ${jobid} has expired` }]);
  });

  it('lists executing jobs per type with email, timestamp and elapsed, and counts per email', async () => {
    const running = video();
    const queued = image(1);
    const finished = video(2);
    emu.addJob({ jobid: running, steps: flowTimeline({ queueMs: 1000, runMs: 600_000, outcome: 'completed' }) });
    emu.addJob({ jobid: queued, steps: [{ afterMs: 0, status: 'created' }] });
    emu.addJob({ jobid: finished, steps: [{ afterMs: 0, status: 'completed' }] });
    clock = T0 + 75_000;
    const res = await get('/v1/google-flow/jobs?options=executing');
    const list = (await res.json()) as FlowJobsList;
    expect(list.emails).toEqual([EMAIL]);
    expect(list.videos.executing).toEqual({ [running]: { email: EMAIL, timestamp: new Date(T0).toISOString(), elapsed: '01:15' } });
    expect(Object.keys(list.images.executing!)).toEqual([queued]);
    expect(Object.keys(list.combined.executing!)).toEqual([running, queued]);
    expect(list.videos.summary[EMAIL]).toMatchObject({ executing: 1, completed: 1, failed: 0 });
    const summary = (await (await get('/v1/google-flow/jobs/?options=summary')).json()) as FlowJobsList;
    expect(summary.combined.executing).toBeUndefined();
    const recent = Array.from({ length: 12 }, (_, n) => image(10 + n));
    recent.forEach((jobid, n) => emu.addJob({ jobid, startAt: T0 + n * 1000, steps: [{ afterMs: 0, status: 'completed' }] }));
    const history = (await (await get('/v1/google-flow/jobs?options=history')).json()) as FlowJobsList;
    expect(Object.keys(history.images.history!)).toEqual(recent.slice(2).reverse());
    expect(Object.keys(history.videos.history!)).toEqual([finished]);
    expect(emu.listReads()).toBe(3);
  });

  it('checks the token, plays account faults and queued faults, and counts reads', async () => {
    const jobid = video();
    emu.addJob({ jobid, steps: [{ afterMs: 0, status: 'started' }] });
    const anonymous = await fetch(`${emu.url}/v1/google-flow/jobs/${jobid}`);
    expect([anonymous.status, await anonymous.json()]).toEqual([401, { error: 'Unauthorized' }]);

    emu.setAccountFault(402);
    expect((await get(`/v1/google-flow/jobs/${jobid}`)).status).toBe(402);
    emu.setAccountFault(null);

    emu.queueFaults(jobid, { kind: 'status', status: 429, retryAfter: '7' }, { kind: 'malformed' }, { kind: 'reset' });
    emu.queueListFaults({ kind: 'status', status: 503 });
    const limited = await get(`/v1/google-flow/jobs/${jobid}`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    const malformed = await get(`/v1/google-flow/jobs/${jobid}`);
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow(SyntaxError);
    await expect(get(`/v1/google-flow/jobs/${jobid}`)).rejects.toThrow(TypeError);
    expect((await getJob(jobid)).status).toBe('started');
    expect((await get('/v1/google-flow/jobs?options=executing')).status).toBe(503);

    expect(emu.jobReads(jobid)).toBe(6);
    expect(emu.listReads()).toBe(1);
    expect(emu.requests.map((r) => r.fault)).toEqual([undefined, 'account', 'status', 'malformed', 'reset', undefined, 'status']);
  });

  it('shares the useapi emulator’s port, so one base URL serves Midjourney v3 and Google Flow', async () => {
    const useapi = await startUseapiEmulator({ now: () => clock });
    const flow = await startGoogleFlowEmulator({ now: () => clock, server: useapi.server });
    try {
      const flowJob = video();
      const mjJob = makeJobId({ at: new Date(T0) });
      flow.addJob({ jobid: flowJob, steps: [{ afterMs: 0, status: 'completed' }] });
      useapi.addJob({ jobid: mjJob, steps: [{ afterMs: 0, status: 'created' }] });
      const headers = { authorization: `Bearer ${useapi.token}` };
      expect(flow.url).toBe(useapi.url);
      expect((await fetch(`${useapi.url}/v1/google-flow/jobs/${flowJob}`, { headers })).status).toBe(200);
      expect((await fetch(`${useapi.url}/v3/midjourney/jobs/${mjJob}`, { headers })).status).toBe(200);
      expect([flow.jobReads(flowJob), useapi.jobReads(mjJob), useapi.requests.length]).toEqual([1, 1, 1]);
      await flow.close();
      expect((await fetch(`${useapi.url}/v1/google-flow/jobs/${flowJob}`, { headers })).status).toBe(404);
    } finally {
      await useapi.close();
    }
  });
});
