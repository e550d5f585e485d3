/** The bot composes re-hosting: a download left pending by the last run is resumed when it starts. */
import { afterEach, expect, it } from 'vitest';
import { loadResultFiles, requestMedia } from '../../src/db/media';
import { pngReply, readingWith, startTestServer, storeCompleted, type TestServer } from './mediaWorld';
import { World } from './world';

let world: World;
let server: TestServer;
afterEach(async () => {
  await world?.close();
  await server?.close();
});

it('a pending download from before a restart is finished by the next start', async () => {
  server = await startTestServer((_req, res) => pngReply(res, Buffer.from('resumed')));
  world = await World.start({ media: true, inProcess: false });
  storeCompleted(world.db, 'job-r', 'useapi-midjourney', readingWith([{ kind: 'image', url: `${server.url}/0.png` }]));
  requestMedia(world.db, 'job-r', Date.now());

  await world.startBot();
  await expect.poll(() => loadResultFiles(world.db, 'job-r')?.state, { timeout: 10_000 }).toBe('ready');
  expect(loadResultFiles(world.db, 'job-r')!.files.map((f) => [f.name, f.bytes.toString()])).toEqual([['image-1.png', 'resumed']]);
  expect(server.hits).toEqual(['/0.png']);
});
