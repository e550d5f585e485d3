import { afterEach, describe, expect, it } from 'vitest';
import {
  BANNED_FAIL_REASON,
  MJ_PROXY_TASK_ID_PATTERN,
  makeMjProxyTaskId,
  mjTimeline,
  startMjProxyEmulator,
  type MjProxyEmulator,
  type MjProxyEmulatorOptions,
  type MjTask,
} from '../../src/playground/mj-proxy';

const T0 = Date.parse('2026-08-03T10:00:00.000Z');

describe('makeMjProxyTaskId', () => {
  it('is 13 digits of epoch ms and 3 more', () => {
    expect(makeMjProxyTaskId({ at: new Date(T0), suffix: 7 })).toBe(`${T0}007`);
    expect(makeMjProxyTaskId()).toMatch(MJ_PROXY_TASK_ID_PATTERN);
  });
});

describe('mjTimeline', () => {
  it('goes NOT_START → SUBMITTED → IN_PROGRESS… → the outcome', () => {
    const steps = mjTimeline({ queueMs: 1000, runMs: 4000, stepMs: 1000, outcome: 'banned' });
    expect(steps.map((s) => [s.afterMs, s.status, s.progress])).toEqual([
      [0, 'NOT_START', undefined],
      [1000, 'SUBMITTED', undefined],
      [2000, 'IN_PROGRESS', 25],
      [3000, 'IN_PROGRESS', 50],
      [4000, 'IN_PROGRESS', 75],
      [5000, 'FAILURE', undefined],
    ]);
    expect(steps.at(-1)?.failReason).toBe(BANNED_FAIL_REASON);
  });
});

describe('midjourney-proxy emulator over HTTP', () => {
  let clock = T0;
  let emu: MjProxyEmulator;
  const start = async (opts: MjProxyEmulatorOptions = {}) => {
    clock = T0;
    emu = await startMjProxyEmulator({ now: () => clock, ...opts });
    return emu;
  };
  const fetchTask = (id: string, headers = emu.authHeaders()) => fetch(`${emu.baseUrl}/task/${id}/fetch`, { headers });
  const task = async (id: string) => {
    const res = await fetchTask(id);
    expect(res.status).toBe(200);
    return (await res.json()) as MjTask;
  };
  const listByCondition = (body: unknown) =>
    fetch(`${emu.baseUrl}/task/list-by-condition`, { method: 'POST', headers: { ...emu.authHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  afterEach(async () => {
    await emu.close();
  });

  it('plays a task with "NN%" progress, times, a grid and four images it serves, and buttons', async () => {
    await start();
    const id = makeMjProxyTaskId({ at: new Date(T0) });
    emu.addJob({ jobid: id, prompt: 'a red fox --ar 16:9', steps: mjTimeline({ queueMs: 1000, runMs: 4000, stepMs: 1000, outcome: 'SUCCESS' }) });
    expect(await task(id)).toMatchObject({ id, action: 'IMAGINE', status: 'NOT_START', progress: null, startTime: null, imageUrl: null, submitTime: T0 });
    clock = T0 + 1500;
    expect(await task(id)).toMatchObject({ status: 'SUBMITTED', progress: '0%', startTime: T0 + 1000 });
    clock = T0 + 3500;
    const running = await task(id);
    expect(running).toMatchObject({ status: 'IN_PROGRESS', progress: '50%', finishTime: null });
    expect(running.imageUrl).toBe(`https://cdn.discordapp.com/attachments/1180000000000000001/${id}/${id}_preview.png`);
    expect((await fetch(emu.localMediaUrl(running.imageUrl!)!)).headers.get('content-type')).toBe('image/png');

    expect(emu.terminalAt(id)).toBe(T0 + 5000);
    clock = T0 + 5000;
    const done = await task(id);
    expect(done).toMatchObject({ status: 'SUCCESS', progress: '100%', finishTime: T0 + 5000, failReason: null, promptEn: 'a red fox --ar 16:9' });
    expect(done.buttons.map((b) => b.label || b.emoji)).toEqual(['U1', 'U2', 'U3', 'U4', '🔄', 'V1', 'V2', 'V3', 'V4']);
    expect(done.imageUrls).toHaveLength(4);
    const pictures = await Promise.all([done.imageUrl!, ...done.imageUrls.map((u) => u.url)].map(async (url) => Buffer.from(await (await fetch(emu.localMediaUrl(url)!)).arrayBuffer())));
    expect(pictures.map((p) => [p.readUInt32BE(16), p.readUInt32BE(20)])).toEqual([[768, 432], ...Array<number[]>(4).fill([512, 288])]);
  });

  it('fails with failReason and an empty progress; a banned prompt carries trueai’s text; CANCEL and MODAL are sent as is', async () => {
    await start();
    const [failed, banned, cancelled, modal] = [1, 2, 3, 4].map((n) => makeMjProxyTaskId({ at: new Date(T0), suffix: n }));
    emu.addJob({ jobid: failed!, steps: mjTimeline({ queueMs: 0, runMs: 1000, stepMs: 500, outcome: 'FAILURE', failReason: 'Invalid parameter' }) });
    emu.addJob({ jobid: banned!, steps: mjTimeline({ queueMs: 0, runMs: 1000, stepMs: 500, outcome: 'banned' }) });
    emu.addJob({ jobid: cancelled!, steps: mjTimeline({ queueMs: 0, runMs: 1000, stepMs: 500, outcome: 'CANCEL' }) });
    emu.addJob({ jobid: modal!, steps: [{ afterMs: 0, status: 'SUBMITTED' }, { afterMs: 500, status: 'MODAL' }] });
    clock = T0 + 1000;
    expect(await task(failed!)).toMatchObject({ status: 'FAILURE', failReason: 'Invalid parameter', progress: '' });
    expect(await task(banned!)).toMatchObject({ status: 'FAILURE', failReason: 'Banned prompt detected' });
    expect(await task(cancelled!)).toMatchObject({ status: 'CANCEL', progress: '' });
    expect(await task(modal!)).toMatchObject({ status: 'MODAL', progress: '0%', finishTime: null });
    expect([emu.terminalAt(cancelled!), emu.terminalAt(modal!)]).toEqual([T0 + 1000, undefined]);
  });

  it('answers list-by-condition with the known tasks among the ids, in one request', async () => {
    await start();
    const [a, b, unknown] = [1, 2, 3].map((n) => makeMjProxyTaskId({ at: new Date(T0), suffix: n }));
    emu.addJob({ jobid: a!, steps: [{ afterMs: 0, status: 'IN_PROGRESS', progress: 12 }] });
    emu.addJob({ jobid: b!, steps: [{ afterMs: 0, status: 'SUCCESS' }] });
    const res = await listByCondition({ ids: [b, unknown, a] });
    const tasks = (await res.json()) as MjTask[];
    expect(tasks.map((t) => [t.id, t.status, t.progress])).toEqual([
      [b, 'SUCCESS', '100%'],
      [a, 'IN_PROGRESS', '12%'],
    ]);
    expect((await listByCondition({ ids: 'x' })).status).toBe(400);
    expect([emu.listReads(), emu.jobReads(a!)]).toEqual([2, 0]);
  });

  it.each([
    ['novicezk', 200, ''],
    ['trueai', 204, ''],
    ['new-api', 200, '{"code":4,"description":"task_no_found"}'],
  ] as const)('answers an unknown task the %s way', async (style, status, body) => {
    await start({ unknownTaskStyle: style });
    const [gone, late] = [1, 2].map((suffix) => makeMjProxyTaskId({ at: new Date(T0), suffix })) as [string, string];
    emu.addJob({ jobid: gone, gone: 404, steps: [] });
    emu.addJob({ jobid: late, visibleAfterMs: 1000, steps: [{ afterMs: 0, status: 'SUBMITTED' }] });
    for (const id of [makeMjProxyTaskId(), gone, late]) {
      const res = await fetchTask(id);
      expect([res.status, await res.text()]).toEqual([status, body]);
    }
    clock = T0 + 1000;
    expect((await task(late)).status).toBe('SUBMITTED');
  });

  it.each([
    ['mj-api-secret', { 'mj-api-secret': 's3cret' }, { authorization: 's3cret' }],
    ['bearer', { authorization: 'Bearer s3cret' }, { authorization: 's3cret' }],
    ['raw', { authorization: 's3cret' }, { authorization: 'Bearer s3cret' }],
  ] as const)('demands the secret as %s and refuses it elsewhere', async (auth, good, bad) => {
    await start({ auth, secret: 's3cret', prefix: '/mj-fast' });
    expect(emu.baseUrl).toBe(`${emu.url}/mj-fast`);
    expect(emu.authHeaders()).toEqual(good);
    const id = makeMjProxyTaskId();
    emu.addJob({ jobid: id, steps: [{ afterMs: 0, status: 'SUBMITTED' }] });
    expect((await fetchTask(id, good)).status).toBe(200);
    const refused = await fetchTask(id, bad);
    expect([refused.status, await refused.text()]).toEqual([401, '']);
    expect(emu.requests.map((r) => r.authOk)).toEqual([true, false]);
  });

  it('answers 401 with trueai’s text, plays account and queued faults, and counts reads', async () => {
    await start({ unauthorizedStyle: 'trueai' });
    const id = makeMjProxyTaskId();
    emu.addJob({ jobid: id, steps: [{ afterMs: 0, status: 'IN_PROGRESS', progress: 40 }] });
    const refused = await fetchTask(id, {});
    expect([refused.status, await refused.text()]).toEqual([401, 'Authorization header missing.']);
    emu.setAccountFault(429);
    expect((await fetchTask(id)).status).toBe(429);
    emu.setAccountFault(null);
    emu.queueFaults(id, { kind: 'status', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }, { kind: 'malformed' });
    emu.queueListFaults({ kind: 'slow', delayMs: 30 });
    const gateway = await fetchTask(id);
    expect([gateway.status, await gateway.text()]).toEqual([502, '<html>Bad Gateway</html>']);
    await expect((await fetchTask(id)).json()).rejects.toThrow(SyntaxError);
    expect(((await (await listByCondition({ ids: [id] })).json()) as MjTask[])[0]?.progress).toBe('40%');
    expect((await task(id)).progress).toBe('40%');
    expect([emu.jobReads(id), emu.listReads()]).toEqual([5, 1]);
    expect(emu.requests.map((r) => r.fault)).toEqual([undefined, 'account', 'status', 'malformed', 'slow', undefined]);
  });
});
