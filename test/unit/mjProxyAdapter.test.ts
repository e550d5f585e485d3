/**
 * The midjourney-proxy adapter on task records of the documented shape (providers.md §2: novicezk
 * `docs/api.md`, trueai `TaskInfo.cs`; tags there), and its requests over real loopback HTTP.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { mjProxy, type MjProxySettings } from '../../src/upstreams/mj-proxy';
import { createRegistry } from '../../src/upstreams/registry';

const TASK = '1320098173412546';
const KEY = `mj-proxy:${TASK}`;
const settings = (url = 'http://127.0.0.1:9/mj', over: Partial<MjProxySettings> = {}): MjProxySettings => ({
  url,
  secret: 'proxy-secret',
  auth: 'mj-api-secret',
  timeoutMs: 2000,
  maxRequestsPerSecond: 10,
  ...over,
});
const adapter = mjProxy(settings());
const read = (task: object) => adapter.normalize({ id: TASK, ...task })!;

describe('midjourney-proxy: records', () => {
  it('maps every documented status', () => {
    const statuses = ['NOT_START', 'SUBMITTED', 'MODAL', 'IN_PROGRESS', 'SUCCESS', 'FAILURE', 'CANCEL', 'SOMETHING_NEW'].map((status) => read({ status }).status);
    expect(statuses).toEqual(['queued', 'queued', 'queued', 'running', 'completed', 'failed', 'failed', 'unknown']);
    expect(read({ status: 'MODAL' }).stage.label).toBe('Needs action');
    expect(read({ status: 'CANCEL' })).toMatchObject({ error: 'cancelled', details: [{ name: 'Fail reason', text: 'cancelled' }] });
  });

  it('reads progress from "NN%", and none from "" or null', () => {
    expect(read({ status: 'IN_PROGRESS', progress: '45%' })).toMatchObject({ progress: 45, stage: { label: 'Rendering', withPercent: true } });
    expect(read({ status: 'IN_PROGRESS', progress: '' }).progress).toBeNull();
    expect(read({ status: 'SUBMITTED', progress: null }).progress).toBeNull();
    expect(read({ status: 'SUCCESS', progress: '100%' }).progress).toBe(100);
  });

  it('a finished imagine: the grid from imageUrl, the single images from imageUrls, times from the epoch fields', () => {
    const reading = read({
      action: 'IMAGINE',
      status: 'SUCCESS',
      prompt: 'a cat in a hat',
      promptEn: 'a cat in a hat',
      submitTime: 1_700_000_000_000,
      finishTime: 1_700_000_060_000,
      progress: '100%',
      imageUrl: 'https://cdn.discordapp.com/attachments/1/2/grid.png?ex=6728831f&is=6727319f&hm=abc',
      imageUrls: [1, 2, 3, 4].map((n) => ({ url: `https://img.example/${n}.png`, thumbnail: `https://img.example/${n}_t.png` })),
      buttons: [{ customId: 'MJ::JOB::upsample::1::x', label: 'U1' }],
    });
    expect(reading).toMatchObject({ status: 'completed', prompt: 'a cat in a hat', meta: 'imagine', makes: 'image', createdAt: '2023-11-14T22:13:20.000Z', updatedAt: '2023-11-14T22:14:20.000Z' });
    expect(reading.media[0]).toEqual({ kind: 'image', url: 'https://cdn.discordapp.com/attachments/1/2/grid.png?ex=6728831f&is=6727319f&hm=abc', role: 'grid', expiresAt: 0x6728831f * 1000 });
    expect(reading.media.slice(1).map((m) => m.url)).toEqual([1, 2, 3, 4].map((n) => `https://img.example/${n}.png`));
    // novicezk has only imageUrl: it is the one image.
    expect(read({ status: 'SUCCESS', imageUrl: 'https://img.example/g.png' }).media).toEqual([{ kind: 'image', url: 'https://img.example/g.png' }]);
    expect(read({ status: 'SUCCESS', action: 'VIDEO', videoUrls: [{ url: 'https://v.example/1.mp4' }] })).toMatchObject({ makes: 'video', media: [{ kind: 'video', url: 'https://v.example/1.mp4' }] });
  });

  it("a FAILURE whose failReason is trueai's moderation wording is moderated; another is a failure", () => {
    expect(read({ status: 'FAILURE', failReason: 'Banned prompt detected', progress: '' }).status).toBe('moderated');
    expect(read({ status: 'FAILURE', failReason: 'Image denied' }).status).toBe('moderated');
    expect(read({ status: 'FAILURE', failReason: 'Timeout' })).toMatchObject({ status: 'failed', error: 'Timeout' });
  });
});

describe('midjourney-proxy: ids', () => {
  it('takes bare task ids, and the prefixed form for resellers whose ids are not digits', () => {
    expect(adapter.recognise(` ${TASK} `)).toEqual({ kind: 'ref', ref: { key: KEY, upstream: 'mj-proxy', scope: null, description: 'Midjourney task' } });
    expect(adapter.recognise('mj-proxy:task_01KV52C0')).toMatchObject({ kind: 'ref', ref: { key: 'mj-proxy:task_01KV52C0' } });
    expect(adapter.recognise('j1023141520123456789i-u12345-c1234567890123456789-bot:midjourney')).toEqual({ kind: 'not_mine' });
  });

  it('bare digits are midjourney-proxy only when it is configured', () => {
    const base = { DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'user:12345-x' };
    const without = createRegistry(loadConfig(base)).recognise(TASK);
    expect(without.ok).toBe(false);
    const withProxy = createRegistry(loadConfig({ ...base, MJ_PROXY_URL: 'http://127.0.0.1:8080/mj' })).recognise(TASK);
    expect(withProxy).toMatchObject({ ok: true, ref: { key: KEY, upstream: 'mj-proxy' } });
  });
});

describe('configuration', () => {
  it('MJ_PROXY_URL alone is enough; neither upstream is an error naming both', () => {
    const config = loadConfig({ DISCORD_TOKEN: 'd', MJ_PROXY_URL: 'http://127.0.0.1:8080/mj/', MJ_PROXY_SECRET: 's3cret', MJ_PROXY_AUTH: 'raw' });
    expect(config).toMatchObject({ useapiToken: null, mjProxy: { url: 'http://127.0.0.1:8080/mj', secret: 's3cret', auth: 'raw' } });
    expect(createRegistry(config).adapters.map((a) => a.id)).toEqual(['mj-proxy']);
    expect(() => loadConfig({ DISCORD_TOKEN: 'd' })).toThrow(/USEAPI_TOKEN is missing \(or set MJ_PROXY_URL/);
    expect(() => loadConfig({ DISCORD_TOKEN: 'd', MJ_PROXY_URL: 'http://x/mj', MJ_PROXY_AUTH: 'header' })).toThrow(/MJ_PROXY_AUTH/);
    expect(loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'u' }).mjProxy).toBeNull();
  });
});

describe('midjourney-proxy over HTTP', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  interface Asked {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  async function serve(answer: (asked: Asked) => { status: number; body?: string }): Promise<{ url: string; asked: Asked[] }> {
    const asked: Asked[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const one = { method: req.method!, url: req.url!, headers: req.headers, body };
        asked.push(one);
        const reply = answer(one);
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mj`, asked };
  }

  it('fetches a task under the base prefix, the secret where the operator said', async () => {
    const { url, asked } = await serve(() => ({ status: 200, body: JSON.stringify({ id: TASK, status: 'IN_PROGRESS', progress: '31%' }) }));
    for (const auth of ['mj-api-secret', 'bearer', 'raw'] as const) {
      expect(await mjProxy(settings(url, { auth })).read(KEY)).toMatchObject({ kind: 'ok', reading: { status: 'running', progress: 31 } });
    }
    expect(asked.map((a) => a.url)).toEqual([`/mj/task/${TASK}/fetch`, `/mj/task/${TASK}/fetch`, `/mj/task/${TASK}/fetch`]);
    expect([asked[0]!.headers['mj-api-secret'], asked[0]!.headers.authorization]).toEqual(['proxy-secret', undefined]);
    expect(asked[1]!.headers.authorization).toBe('Bearer proxy-secret');
    expect([asked[2]!.headers.authorization, asked[2]!.headers['mj-api-secret']]).toEqual(['proxy-secret', undefined]);
  });

  it.each([
    ['200 with an empty body (novicezk)', 200, ''],
    ['204 (trueai)', 204, undefined],
    ['{code: 4, "task_no_found"} (new-api)', 200, JSON.stringify({ code: 4, description: 'task_no_found' })],
    ['400 {code: 4, "task_no_found"} (forks)', 400, JSON.stringify({ code: 4, description: 'task_no_found' })],
    ['{code: 5}', 200, JSON.stringify({ code: 5, description: 'not found' })],
  ])('an unknown task answered by %s is a 404', async (_name, status, body) => {
    const { url } = await serve(() => ({ status, body }));
    expect(await mjProxy(settings(url)).read(KEY)).toMatchObject({ kind: 'http', status: 404 });
  });

  it('a 401 stays a 401 (the token is refused); another task in the body is malformed', async () => {
    const { url } = await serve((asked) =>
      asked.url.includes('999') ? { status: 200, body: JSON.stringify({ id: '1', status: 'SUCCESS' }) } : { status: 401, body: 'Authorization header missing.' },
    );
    expect(await mjProxy(settings(url)).read(KEY)).toMatchObject({ kind: 'http', status: 401 });
    expect(await mjProxy(settings(url)).read('mj-proxy:999')).toMatchObject({ kind: 'malformed' });
  });

  it('reads many tasks in one list-by-condition request; the queued and running ones are running', async () => {
    const tasks = [
      { id: '1', status: 'IN_PROGRESS', progress: '10%' },
      { id: '2', status: 'SUCCESS' },
      { id: '3', status: 'SUBMITTED' },
    ];
    const { url, asked } = await serve(() => ({ status: 200, body: JSON.stringify(tasks) }));
    const keys = ['mj-proxy:1', 'mj-proxy:2', 'mj-proxy:3', 'mj-proxy:4'];
    expect(await mjProxy(settings(url)).listRunning!(keys)).toEqual({ kind: 'ok', running: new Set(['mj-proxy:1', 'mj-proxy:3']) });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ method: 'POST', url: '/mj/task/list-by-condition' });
    expect(JSON.parse(asked[0]!.body)).toEqual({ ids: ['1', '2', '3', '4'] });
  });
});

describe('/track explanations for ids no adapter takes', () => {
  const useapiOnly = createRegistry(loadConfig({ DISCORD_TOKEN: 'd', USEAPI_TOKEN: 'user:12345-x' }));
  const proxyOnly = createRegistry(loadConfig({ DISCORD_TOKEN: 'd', MJ_PROXY_URL: 'http://127.0.0.1:8080/mj' }));
  const why = (registry: typeof useapiOnly, pasted: string) => {
    const answer = registry.recognise(pasted);
    return answer.ok ? 'accepted' : answer.why;
  };

  it('a v2 id, a retired API, an API the bot does not follow, a useapi id without a useapi token', () => {
    expect(why(useapiOnly, 'job:20250822143812123-user:12345-channel:1122334455667788990-bot:midjourney')).toMatch(/\*\*v2\*\* job id/);
    expect(why(useapiOnly, 'j0101010101010101010v-u12345-someone-bot:ltxstudio')).toMatch(/retired its LTX Studio API on June 18, 2025/);
    expect(why(useapiOnly, 'job:0f8fad5b-d9cb-469f-a165-70867728950e-user:12345-a@b.c-bot:flowmusic')).toMatch(/useapi\.net's flowmusic API, which this bot does not follow/);
    expect(why(proxyOnly, 'j1731859234567v-u12345-email:jo@example.com-bot:google-flow')).toMatch(/Google Flow v1 job id, but this bot has no useapi\.net token/);
    expect(why(useapiOnly, 'hello')).toMatch(/^That does not look like a useapi\.net Midjourney v3, useapi\.net Google Flow v1 or useapi\.net Dreamina v1 job id/);
    expect(why(useapiOnly, '')).toMatch(/^Give me a job id/);
  });
});
