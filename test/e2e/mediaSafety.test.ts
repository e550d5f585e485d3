/**
 * An upstream record must not make the bot fetch arbitrary addresses, and no file may be bigger
 * than Discord takes. The servers here count every request that reaches them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadResultFiles } from '../../src/db/media';
import { createMediaRehost } from '../../src/discord/media';
import { openDatabase } from '../../src/db/open';
import { createLogger } from '../../src/log';
import { MediaWorld, pngReply, startTestServer, type TestServer } from './mediaWorld';

let world: MediaWorld;
const servers: TestServer[] = [];
afterEach(async () => {
  await world?.close();
  for (const server of servers.splice(0)) await server.close();
});

async function server(handle: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(handle);
  servers.push(started);
  return started;
}

const MJ = 'useapi-midjourney';

describe('where media are downloaded from', () => {
  it('a host neither documented nor listed in MEDIA_HOSTS is never contacted, nor is an IP address', async () => {
    world = await MediaWorld.start({ MEDIA_HOSTS: 'media.example.com' });
    const target = await server((_req, res) => pngReply(res));
    world.completedWith('job-a', MJ, [
      { kind: 'image', url: `${target.url}/a.png` },
      { kind: 'image', url: `https://127.0.0.1:${target.port}/b.png` },
      { kind: 'image', url: `https://[::1]:${target.port}/c.png` },
    ]);
    world.rehost().filesFor('job-a');
    await world.settled('job-a');

    expect(target.hits).toEqual([]);
    expect(loadResultFiles(world.db, 'job-a')).toEqual({ state: 'failed', files: [], note: 'The images are on a host the bot does not download from, so they are linked.' });
  });

  it('a documented host that resolves to a private address is refused before connecting', async () => {
    world = await MediaWorld.start();
    const resolved: string[] = [];
    world.completedWith('job-b', MJ, [{ kind: 'image', url: 'https://cdn.midjourney.com/x/0_0.png' }, { kind: 'image', url: 'http://cdn.midjourney.com/x/0_1.png' }]);
    world.rehost({ resolve: (host) => (resolved.push(host), Promise.resolve([{ address: '127.0.0.1', family: 4 }])) }).filesFor('job-b');
    await world.settled('job-b');

    // Connecting would have failed differently (nothing listens on 127.0.0.1:443): the refusal came first.
    expect(resolved).toEqual(['cdn.midjourney.com']); // the http link was refused without even a lookup
    expect(loadResultFiles(world.db, 'job-b')).toMatchObject({ state: 'failed', note: 'The images are on a host the bot does not download from, so they are linked.' });
  });

  it('redirects are followed by hand, and one to a forbidden address is refused', async () => {
    world = await MediaWorld.start();
    const forbidden = await server((_req, res) => pngReply(res));
    const origin = await server((req, res) => {
      if (req.url === '/hop.png') return void res.writeHead(302, { location: '/final.png' }).end();
      if (req.url === '/away.png') return void res.writeHead(301, { location: `https://127.0.0.1:${forbidden.port}/secret.png` }).end();
      pngReply(res, Buffer.from('the final picture'));
    });
    world.completedWith('job-c', MJ, [{ kind: 'image', url: `${origin.url}/hop.png` }, { kind: 'image', url: `${origin.url}/away.png` }]);
    world.rehost().filesFor('job-c');
    await world.settled('job-c');

    expect(origin.hits).toEqual(['/hop.png', '/final.png', '/away.png']);
    expect(forbidden.hits).toEqual([]);
    const stored = loadResultFiles(world.db, 'job-c')!;
    expect(stored.files.map((f) => [f.name, f.bytes.toString()])).toEqual([['image-1.png', 'the final picture']]);
    expect(stored.note).toBe('Image 2 is on a host the bot does not download from, so it is linked.');
  });
});

describe('how much is downloaded', () => {
  it('a file over the limit is linked with its size, and reading stops at the limit when no size is given', async () => {
    world = await MediaWorld.start({ MEDIA_MAX_FILE_BYTES: '1000' });
    let streamed = 0;
    const origin = await server((req, res) => {
      if (req.url === '/big.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '34000000' }).end();
      if (req.url === '/endless.png') {
        res.writeHead(200, { 'content-type': 'image/png' }); // chunked, no length
        const timer = setInterval(() => {
          streamed += 500;
          res.write(Buffer.alloc(500));
        }, 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      pngReply(res, Buffer.alloc(900, 1));
    });
    world.completedWith('job-d', MJ, [
      { kind: 'video', url: `${origin.url}/big.mp4`, preview: `${origin.url}/still.png` },
      { kind: 'image', url: `${origin.url}/endless.png` },
    ]);
    world.rehost().filesFor('job-d');
    await world.settled('job-d');

    const stored = loadResultFiles(world.db, 'job-d')!;
    expect(stored.state).toBe('ready');
    expect(stored.files.map((f) => [f.name, f.bytes.length])).toEqual([['still-1.png', 900]]);
    expect(stored.note).toBe(
      'The video was larger than Discord allows (34 MB), so it is linked instead. The image was larger than Discord allows (over 1 kB), so it is linked instead.',
    );
    expect(streamed).toBeLessThan(20_000);
  });

  it('what does not fit in one message is linked, the first results kept', async () => {
    world = await MediaWorld.start({ MEDIA_MAX_FILE_BYTES: '1000', MEDIA_MAX_MESSAGE_BYTES: '2000' });
    const origin = await server((_req, res) => pngReply(res, Buffer.alloc(900, 2)));
    world.completedWith('job-e', MJ, [0, 1, 2].map((n) => ({ kind: 'image' as const, url: `${origin.url}/${n}.png` })));
    world.rehost().filesFor('job-e');
    await world.settled('job-e');

    const stored = loadResultFiles(world.db, 'job-e')!;
    expect(stored.files.map((f) => f.name)).toEqual(['image-1.png', 'image-2.png']);
    expect(stored.note).toBe('Image 3 did not fit in one Discord message, so it is linked instead.');
  });

  it('a web page where a picture should be is not uploaded', async () => {
    world = await MediaWorld.start();
    const origin = await server((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>challenge</html>'));
    world.completedWith('job-f', MJ, [{ kind: 'image', url: `${origin.url}/0.png` }]);
    world.rehost().filesFor('job-f');
    await world.settled('job-f');
    expect(loadResultFiles(world.db, 'job-f')).toEqual({ state: 'failed', files: [], note: 'The image could not be downloaded (the CDN sent text/html instead), so it is linked.' });
  });
});

describe('faults never reach delivery', () => {
  it('filesFor answers links instead of throwing when the database fails, and a failing upstream adapter is only a note', async () => {
    world = await MediaWorld.start();
    const origin = await server((_req, res) => void res.writeHead(403).end());
    world.completedWith('job-g', 'useapi-google-flow', [{ kind: 'image', url: `${origin.url}/0.png`, id: 'CAUSxyz' }]);
    const flow = world.registry.get('useapi-google-flow')!;
    const failing = { ...flow, freshMediaUrl: () => Promise.reject(new Error('boom')) };
    world.rehost({ upstreams: { get: () => failing } }).filesFor('job-g');
    await world.settled('job-g');
    expect(loadResultFiles(world.db, 'job-g')!.note).toBe('The image could not be downloaded (the CDN answered 403), so it is linked.');

    const closed = openDatabase(`${world.dir}/other.db`);
    const rehost = createMediaRehost({ db: closed, upstreams: world.registry, settings: world.config.media, log: createLogger({ level: 'silent', secrets: [] }) });
    closed.$client.close();
    expect(rehost.filesFor('job-g')).toBeNull();
    await rehost.stop();
  });
});
