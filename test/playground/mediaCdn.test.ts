import { afterEach, expect, it } from 'vitest';
import { startMediaCdn, type MediaCdn } from '../../src/playground/emulator/cdn';
import { makeMjProxyTaskId, startMjProxyEmulator, type MjProxyEmulator } from '../../src/playground/mj-proxy';
import { makeJobId, startUseapiEmulator, type UseapiEmulator } from '../../src/playground/useapi';

const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/139.0.0.0' };
let cdn: MediaCdn;
let useapi: UseapiEmulator;
let mjProxy: MjProxyEmulator;
afterEach(async () => {
  await useapi?.close();
  await mjProxy?.close();
  await cdn?.close();
});

it('with a mediaOrigin, records link the https media CDN, which serves the emulator’s bytes', async () => {
  cdn = await startMediaCdn();
  useapi = await startUseapiEmulator({ mediaOrigin: cdn.url });
  mjProxy = await startMjProxyEmulator({ mediaOrigin: cdn.url });
  cdn.serve((link) => mjProxy.localMediaUrl(link));
  cdn.serve((link) => useapi.localMediaUrl(link));

  const jobid = makeJobId();
  useapi.addJob({ jobid, startAt: Date.now() - 10_000, steps: [{ afterMs: 0, status: 'completed' }] });
  const record = await (await fetch(`${useapi.url}/v3/midjourney/jobs/${jobid}`, { headers: { authorization: `Bearer ${useapi.token}` } })).json() as { response: { imageUx: Array<{ url: string }>; attachments: Array<{ url: string }> } };
  const image = record.response.imageUx[0]!.url;
  expect(image).toMatch(new RegExp(`^${cdn.url}/cdn\\.midjourney\\.com/`));
  expect(record.response.attachments[0]!.url).toMatch(new RegExp(`^${cdn.url}/cdn\\.discordapp\\.com/attachments/`));
  expect(useapi.peek(jobid).body).toEqual(record);

  // Like Cloudflare in front of the real CDN: no browser User-Agent, no picture.
  expect((await fetch(image)).status).toBe(403);
  const served = await fetch(image, { headers: BROWSER });
  expect(served.headers.get('content-type')).toBe('image/png');
  const direct = await fetch(useapi.localMediaUrl(image.replace(`${cdn.url}/`, 'https://'))!);
  expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);

  const id = makeMjProxyTaskId();
  mjProxy.addJob({ jobid: id, startAt: Date.now() - 10_000, steps: [{ afterMs: 0, status: 'SUCCESS' }] });
  const task = mjProxy.peek(id)!;
  expect(task.imageUrl).toMatch(new RegExp(`^${cdn.url}/cdn\\.discordapp\\.com/`));
  expect((await fetch(task.imageUrl!)).headers.get('content-type')).toBe('image/png');
  expect(cdn.requests.map((r) => r.path.split('/')[1])).toEqual(['cdn.midjourney.com', 'cdn.midjourney.com', 'cdn.discordapp.com']);
});
