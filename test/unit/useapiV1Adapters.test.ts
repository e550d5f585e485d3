/**
 * The useapi.net v1 adapters (Google Flow, Dreamina) on the documented example records
 * (providers.md §1.1, §1.2; tags there), and their requests over real loopback HTTP.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { useapiDreamina } from '../../src/upstreams/useapi-dreamina';
import { useapiGoogleFlow } from '../../src/upstreams/useapi-google-flow';
import type { UseapiSettings } from '../../src/upstreams/useapi/client';

const settings = (baseUrl = 'http://127.0.0.1:9'): UseapiSettings => ({ baseUrl, token: 'user:12345-secret', timeoutMs: 2000, maxRequestsPerSecond: 10, account: '12345' });
const flow = useapiGoogleFlow(settings());
const dreamina = useapiDreamina(settings());

// The docs' examples, the email masked as there [DOC]; a real-shaped one with the 19-digit stamp [SRC-3P].
const FLOW_VIDEO = 'j1731859234567v-u12345-email:jo***@gmail.com-bot:google-flow';
const FLOW_IMAGE = 'j1731859345678i-u12345-email:an***@gmail.com-bot:google-flow';
const FLOW_REAL = 'j0903180709650836584i-u12345-email:someone@gmail.com-bot:google-flow';
const DREAMINA_VIDEO = 'j0223140530123456789v-u12345-US:user@example.com-bot:dreamina';
const DREAMINA_IMAGE = 'j0302140530123456789i-u12345-CA:user@example.com-bot:dreamina';
const EXPIRES = 1767225600;

const normalizeFlow = (record: object) => flow.normalize(record)!;
const normalizeDreamina = (record: object) => dreamina.normalize(record)!;

describe('Google Flow: recognising ids', () => {
  it('takes video and image ids, percent-encoded or in backticks, and says what it accepted', () => {
    expect(flow.recognise(FLOW_VIDEO)).toEqual({
      kind: 'ref',
      ref: { key: FLOW_VIDEO, upstream: 'useapi-google-flow', scope: 'email:jo***@gmail.com', description: 'Google Flow video job' },
    });
    expect(flow.recognise(` \`${encodeURIComponent(FLOW_REAL)}\` `)).toMatchObject({ kind: 'ref', ref: { key: FLOW_REAL, description: 'Google Flow image job' } });
  });

  it("refuses another useapi account's job with a reason, and leaves other shapes to other adapters", () => {
    const other = flow.recognise(FLOW_IMAGE.replace('-u12345-', '-u999-'));
    expect(other.kind === 'refused' && other.why).toMatch(/different useapi\.net account/);
    expect(flow.recognise(DREAMINA_VIDEO)).toEqual({ kind: 'not_mine' });
    expect(flow.recognise('j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney')).toEqual({ kind: 'not_mine' });
    expect(flow.recognise(`${FLOW_VIDEO} extra`)).toEqual({ kind: 'not_mine' });
  });
});

describe('Google Flow: reading records', () => {
  it('a completed video: signed links with their expiry, the still as preview, the media id kept', () => {
    const videoUrl = `https://flow-content.google/video/abc?Expires=${EXPIRES}&Signature=s1`;
    const reading = normalizeFlow({
      jobid: FLOW_VIDEO,
      type: 'video',
      status: 'completed',
      created: '2025-11-17T14:00:00.000Z',
      updated: '2025-11-17T14:01:10.000Z',
      request: { prompt: 'a lighthouse at dusk' },
      response: { media: [{ videoUrl, thumbnailUrl: `https://flow-content.google/thumb/abc?Expires=${EXPIRES}`, mediaGenerationId: 'CAUSabc' }] },
    });
    expect(reading).toMatchObject({ status: 'completed', upstreamStatus: 'completed', progress: 100, prompt: 'a lighthouse at dusk', makes: 'video', meta: 'video' });
    expect(reading.media).toEqual([
      { kind: 'video', url: videoUrl, preview: `https://flow-content.google/thumb/abc?Expires=${EXPIRES}`, id: 'CAUSabc', expiresAt: EXPIRES * 1000 },
    ]);
  });

  it('a completed image from `image.generatedImage.fifeUrl`; the older `operations[].video` shape still reads', () => {
    const image = normalizeFlow({ jobid: FLOW_IMAGE, status: 'completed', response: { media: [{ image: { generatedImage: { fifeUrl: 'https://lh3.googleusercontent.com/x', mediaGenerationId: 'CAUSimg' } } }] } });
    expect(image.media).toEqual([{ kind: 'image', url: 'https://lh3.googleusercontent.com/x', id: 'CAUSimg' }]);
    expect(image.makes).toBe('image');
    const older = normalizeFlow({ jobid: FLOW_VIDEO, status: 'completed', response: { operations: [{ video: { fifeUrl: 'https://storage.googleapis.com/v.mp4' } }] } });
    expect(older.media).toEqual([{ kind: 'video', url: 'https://storage.googleapis.com/v.mp4' }]);
  });

  it('created is queued, started is running: no percentage, no results yet', () => {
    const created = normalizeFlow({ jobid: FLOW_VIDEO, status: 'created', response: { operations: [{ status: 'MEDIA_GENERATION_STATUS_PENDING' }] } });
    expect(created).toMatchObject({ status: 'queued', progress: null, media: [], stage: { label: 'Queued' } });
    const started = normalizeFlow({ jobid: FLOW_VIDEO, status: 'started' });
    expect(started).toMatchObject({ status: 'running', progress: null, stage: { label: 'Generating', withPercent: false } });
    expect(started.stage.note).toMatch(/elapsed/);
  });

  it('a failed job carries error, details, code and the Google error; a PUBLIC_ERROR_ reason is moderation, a quota one is not', () => {
    const failed = normalizeFlow({
      jobid: FLOW_VIDEO,
      status: 'failed',
      error: 'API error: 500',
      errorDetails: 'Internal error',
      code: 500,
      response: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } },
    });
    expect(failed.status).toBe('failed');
    expect(failed.details).toEqual([
      { name: 'Error', text: 'API error: 500' },
      { name: 'Details', text: 'Internal error' },
      { name: 'Google Flow', text: 'Internal error encountered. (500)' },
      { name: 'Code', text: '500' },
    ]);
    const moderated = normalizeFlow({
      jobid: FLOW_VIDEO,
      status: 'failed',
      error: 'API error: 400',
      code: 400,
      response: { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT', details: [{ reason: 'PUBLIC_ERROR_TRUMP_FACE_DETECTED' }] } },
    });
    expect(moderated.status).toBe('moderated');
    const quota = normalizeFlow({ jobid: FLOW_VIDEO, status: 'failed', error: 'API error: 429', errorDetails: 'PUBLIC_ERROR_USER_QUOTA_REACHED', code: 429 });
    expect(quota.status).toBe('failed');
  });

  it('an unknown status is kept as given', () => {
    expect(normalizeFlow({ jobid: FLOW_VIDEO, status: 'paused' })).toMatchObject({ status: 'unknown', upstreamStatus: 'paused' });
  });
});

describe('Dreamina: ids and records', () => {
  it('takes US and CA ids of videos and images', () => {
    expect(dreamina.recognise(DREAMINA_VIDEO)).toMatchObject({ kind: 'ref', ref: { key: DREAMINA_VIDEO, scope: 'US:user@example.com', description: 'Dreamina video job' } });
    expect(dreamina.recognise(DREAMINA_IMAGE)).toMatchObject({ kind: 'ref', ref: { description: 'Dreamina image job' } });
    expect(dreamina.recognise(DREAMINA_VIDEO.replace('-US:', '-EU:'))).toEqual({ kind: 'not_mine' });
    expect(dreamina.recognise(FLOW_VIDEO)).toEqual({ kind: 'not_mine' });
  });

  it('created ("Processing") is running; a completed video has its clean link and cover, else the watermarked one', () => {
    expect(normalizeDreamina({ jobid: DREAMINA_VIDEO, status: 'created', code: 200, response: { forecastCost: 10 } })).toMatchObject({
      status: 'running',
      stage: { label: 'Processing' },
      progress: null,
    });
    const video = normalizeDreamina({
      jobid: DREAMINA_VIDEO,
      status: 'completed',
      response: { videoUrl: 'https://v3-web.douyinvod.com/clean.mp4', videoUrlWatermarked: 'https://v3-web.douyinvod.com/wm.mp4', coverUrl: 'https://p9-sign.douyinpic.com/c.jpg' },
    });
    expect(video.media).toEqual([{ kind: 'video', url: 'https://v3-web.douyinvod.com/clean.mp4', preview: 'https://p9-sign.douyinpic.com/c.jpg' }]);
    const watermarked = normalizeDreamina({ jobid: DREAMINA_VIDEO, status: 'completed', response: { videoUrlWatermarked: 'https://v3-web.douyinvod.com/wm.mp4' } });
    expect(watermarked.media).toEqual([{ kind: 'video', url: 'https://v3-web.douyinvod.com/wm.mp4' }]);
  });

  it('a completed image job lists its images; the documented failure is a failure', () => {
    const images = normalizeDreamina({ jobid: DREAMINA_IMAGE, status: 'completed', response: { images: [{ imageUrl: 'https://p9-sign.douyinpic.com/1.webp' }, { imageUrl: 'https://p9-sign.douyinpic.com/2.webp' }] } });
    expect(images.media.map((m) => [m.kind, m.url])).toEqual([
      ['image', 'https://p9-sign.douyinpic.com/1.webp'],
      ['image', 'https://p9-sign.douyinpic.com/2.webp'],
    ]);
    const failed = normalizeDreamina({ jobid: DREAMINA_VIDEO, status: 'failed', error: 'fail_code: 2043', errorDetails: 'OutputVideo…', code: 200 });
    expect(failed).toMatchObject({ status: 'failed', error: 'OutputVideo…' });
  });
});

describe('over HTTP', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A loopback server answering each request with `answer`, recording what it was asked. */
  async function serve(answer: (req: IncomingMessage) => { status: number; body: unknown }): Promise<{ url: string; asked: string[] }> {
    const asked: string[] = [];
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const { status, body } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
  }

  it('Google Flow: the id goes into the path raw, not percent-encoded; the executing list says what runs', async () => {
    const { url, asked } = await serve((req) =>
      req.url!.startsWith('/v1/google-flow/jobs?')
        ? { status: 200, body: { emails: [], videos: { summary: {}, executing: { [FLOW_VIDEO]: { elapsed: '00:32' } } }, combined: { summary: {}, executing: { [FLOW_VIDEO]: {} } } } }
        : { status: 200, body: { jobid: FLOW_VIDEO, status: 'started' } },
    );
    const adapter = useapiGoogleFlow(settings(url));
    expect(await adapter.read(FLOW_VIDEO)).toMatchObject({ kind: 'ok', reading: { status: 'running' } });
    expect(await adapter.listRunning!([FLOW_VIDEO])).toEqual({ kind: 'ok', running: new Set([FLOW_VIDEO]) });
    expect(asked).toEqual([
      `GET /v1/google-flow/jobs/${FLOW_VIDEO} Bearer user:12345-secret`,
      'GET /v1/google-flow/jobs?options=executing Bearer user:12345-secret',
    ]);
  });

  it('Google Flow: a fresh signed link from /assets/{mediaGenerationId}', async () => {
    const { url, asked } = await serve(() => ({ status: 200, body: { url: 'https://flow-content.google/video/new?Expires=1', mediaGenerationId: 'CAUSabc' } }));
    expect(await useapiGoogleFlow(settings(url)).freshMediaUrl?.({ kind: 'video', url: 'https://flow-content.google/video/old', id: 'CAUSabc' })).toBe('https://flow-content.google/video/new?Expires=1');
    expect(asked).toEqual(['GET /v1/google-flow/assets/CAUSabc Bearer user:12345-secret']);
  });

  it("Dreamina: videos and images under their own paths; the scheduler's list; a 596 flags the linked account", async () => {
    const { url, asked } = await serve((req) => {
      if (req.url === '/v1/dreamina/scheduler') return { status: 200, body: { executing: { 'US:user@example.com': [{ jobid: DREAMINA_VIDEO, elapsedSeconds: 12 }] }, total: 1 } };
      if (req.url!.includes('/images/')) return { status: 596, body: { error: 'Account in error state' } };
      return { status: 200, body: { jobid: DREAMINA_VIDEO, status: 'completed', response: { videoUrl: 'https://v3-web.douyinvod.com/v.mp4' } } };
    });
    const adapter = useapiDreamina(settings(url));
    expect(await adapter.read(DREAMINA_VIDEO)).toMatchObject({ kind: 'ok', reading: { status: 'completed' } });
    expect(await adapter.read(DREAMINA_IMAGE)).toMatchObject({
      kind: 'http',
      status: 596,
      accountWarning: { scope: 'CA:user@example.com', detail: 'HTTP 596 on CA:user@example.com: Account in error state' },
    });
    expect(await adapter.listRunning!([])).toEqual({ kind: 'ok', running: new Set([DREAMINA_VIDEO]) });
    expect(asked.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      `GET /v1/dreamina/videos/${DREAMINA_VIDEO}`,
      `GET /v1/dreamina/images/${DREAMINA_IMAGE}`,
      'GET /v1/dreamina/scheduler',
    ]);
  });
});
