import { describe, expect, it } from 'vitest';
import { checkMediaUrl, isPublicAddress } from '../../src/discord/media/hosts';
import { fileType, megabytes, noteFor, planFiles, type Left, type PlannedFile } from '../../src/discord/media/plan';
import type { ResultMedia } from '../../src/domain/job';

describe('which hosts media are downloaded from', () => {
  const check = (url: string, operator: string[] = []) => checkMediaUrl(new URL(url), ['cdn.midjourney.com', '*.douyinpic.com'], operator);

  it('documented hosts over https on the usual port; the operator’s over http or https, any port', () => {
    expect(check('https://cdn.midjourney.com/a/0_0.png')).toEqual({ ok: true, operator: false });
    expect(check('https://CDN.midjourney.com./a.png')).toEqual({ ok: true, operator: false });
    expect(check('https://p9-sign.douyinpic.com/a.png')).toEqual({ ok: true, operator: false });
    expect(check('https://localhost:8443/a.png', ['localhost'])).toEqual({ ok: true, operator: true });
    expect(check('http://media.lan:9000/a.png', ['media.lan'])).toEqual({ ok: true, operator: true });
  });

  it('refuses everything else', () => {
    for (const url of [
      'http://cdn.midjourney.com/a.png',
      'https://cdn.midjourney.com:8443/a.png',
      'https://douyinpic.com/a.png',
      'https://evildouyinpic.com/a.png',
      'https://cdn.midjourney.com.evil.com/a.png',
      'https://127.0.0.1/a.png',
      'https://[::1]/a.png',
      'https://2130706433/a.png',
      'https://user:pw@cdn.midjourney.com/a.png',
      'file:///etc/passwd',
      'https://localhost/a.png',
    ]) {
      expect(check(url).ok, url).toBe(false);
    }
  });

  it('tells public addresses from private, loopback and reserved ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['104.18.2.3', '8.8.8.8', '2606:4700::6810:1', '::ffff:104.18.2.3']) expect(isPublicAddress(address), address).toBe(true);
  });
});

describe('which files a job gets', () => {
  it('Midjourney: the four images, then the grid; a grid that is one of the images is not repeated', () => {
    const images = [0, 1, 2, 3].map((n): ResultMedia => ({ kind: 'image', url: `https://cdn.midjourney.com/u/0_${n}.png` }));
    const withGrid = planFiles([{ kind: 'image', url: 'https://cdn.discordapp.com/a/grid.png', role: 'grid' }, ...images]);
    expect(withGrid.map((f) => [f.stem, f.sourceIndex])).toEqual([['image-1', 1], ['image-2', 2], ['image-3', 3], ['image-4', 4], ['grid', 0]]);
    const gridIsFirst = planFiles([{ ...images[0]!, role: 'grid' }, ...images]);
    expect(gridIsFirst.map((f) => f.stem)).toEqual(['image-1', 'image-2', 'image-3', 'image-4']);
  });

  it('a video is followed by its still, which cannot be refreshed', () => {
    const plan = planFiles([{ kind: 'video', url: 'https://x/v.mp4', preview: 'https://x/v.png', id: 'm1' }]);
    expect(plan.map((f) => [f.stem, f.kind, f.refreshable?.id ?? null])).toEqual([['video-1', 'video', 'm1'], ['still-1', 'image', null]]);
  });

  it('names the file by what the server sent, else by the link', () => {
    expect(fileType('image/jpeg', new URL('https://x/a'), 'image')).toEqual({ extension: 'jpg', contentType: 'image/jpeg' });
    expect(fileType('application/octet-stream', new URL('https://x/a.webp?s=1'), 'image')).toEqual({ extension: 'webp', contentType: 'image/webp' });
    expect(fileType('application/octet-stream', new URL('https://x/a.mp4'), 'image')).toEqual({ extension: 'bin', contentType: 'application/octet-stream' });
  });
});

describe('what a person is told', () => {
  const plan = planFiles([
    { kind: 'video', url: 'https://x/v.mp4', preview: 'https://x/v.png' },
    { kind: 'image', url: 'https://x/1.png' },
    { kind: 'image', url: 'https://x/2.png' },
  ]);
  const note = (entries: Array<[number, Left]>) => noteFor(plan, new Map(entries.map(([i, left]) => [plan[i]!, left] as [PlannedFile, Left])));

  it('says what is linked and why, in plain words', () => {
    expect(note([])).toBeNull();
    expect(note([[0, { why: 'too_big', size: 34_000_000, limit: 8_388_608 }]])).toBe('The video was larger than Discord allows (34 MB), so it is linked instead.');
    expect(note([[2, { why: 'failed', detail: 'the CDN did not answer' }], [3, { why: 'failed', detail: 'the CDN did not answer' }]])).toBe(
      'The images could not be downloaded (the CDN did not answer), so they are linked.',
    );
    expect(note([[3, { why: 'no_room' }], [1, { why: 'refused' }]])).toBe(
      "Image 2 did not fit in one Discord message, so it is linked instead. The video's still is on a host the bot does not download from, so it is linked.",
    );
    expect(note(plan.map((_, i) => [i, { why: 'failed', detail: 'the CDN answered 404' }]))).toBe('The files could not be downloaded (the CDN answered 404), so they are linked.');
  });

  it('writes sizes as Discord does', () => {
    expect([megabytes(34_000_000), megabytes(8_388_608), megabytes(950_000), megabytes(1000)]).toEqual(['34 MB', '8.4 MB', '950 kB', '1 kB']);
  });
});
