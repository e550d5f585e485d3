import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkExpiry, withLinkExpiry } from '../../src/domain/linkExpiry';

describe('linkExpiry: when a signed result link stops working', () => {
  it('reads Google Flow’s Expires= (epoch seconds)', () => {
    expect(linkExpiry('https://flow-content.google/video/CAUSabc.mp4?Expires=1764561600&Signature=0f3a')).toBe(1764561600_000);
    expect(linkExpiry('https://storage.googleapis.com/b/o.mp4?GoogleAccessId=x&Expires=1764561600&Signature=a%2Fb')).toBe(1764561600_000);
  });

  it('reads a Discord attachment’s ex= (hex epoch seconds)', () => {
    const grid = 'https://cdn.discordapp.com/attachments/1055/1234/kennedy_a_cat_in_space_0f1e.png?ex=6728831f&is=6727319f&hm=5e1f3c0a9b&';
    expect(linkExpiry(grid)).toBe(0x6728831f * 1000);
    expect(linkExpiry('https://media.discordapp.net/attachments/1/2/x.png?ex=6728831f&is=6727319f&hm=ab&width=512')).toBe(0x6728831f * 1000);
  });

  it('reads Dreamina’s picture (x-expires=) and video (hex in the path) links', () => {
    expect(linkExpiry('https://p9-sign.douyinpic.com/tos-cn-i-abc/def~tplv-dreamina.image?x-expires=1767225600&x-signature=Zm9v')).toBe(1767225600_000);
    expect(linkExpiry('https://v3-web.douyinvod.com/0123456789abcdef0123456789abcdef/69557700/video/tos/cn/tos-cn-ve/abc/?a=1')).toBe(0x69557700 * 1000);
  });

  it('says nothing for links that carry no expiry, or a number that is no time', () => {
    expect(linkExpiry('https://cdn.midjourney.com/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/0_0.png')).toBeUndefined();
    expect(linkExpiry('https://example.com/a.png?ex=6728831f')).toBeUndefined(); // ex= means it only on Discord's CDN
    expect(linkExpiry('https://flow-content.google/a.png?Expires=12')).toBeUndefined();
    expect(linkExpiry('https://flow-content.google/a.png?Expires=soon')).toBeUndefined();
    expect(linkExpiry('not a link')).toBeUndefined();
  });

  it('a media item takes the earlier of its link’s and its preview’s expiry', () => {
    const m = withLinkExpiry({ kind: 'video', url: 'https://flow-content.google/v.mp4?Expires=1764561700', preview: 'https://flow-content.google/t.png?Expires=1764561600' });
    expect(m.expiresAt).toBe(1764561600_000);
    expect(withLinkExpiry({ kind: 'image', url: 'https://cdn.midjourney.com/x/0_0.png' })).not.toHaveProperty('expiresAt');
  });

  it('any time written in any of the forms reads back as that time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000, max: 0xffffffff }), (t) => {
        expect(linkExpiry(`https://flow-content.google/i.png?Expires=${t}&Signature=x`)).toBe(t * 1000);
        expect(linkExpiry(`https://cdn.discordapp.com/attachments/1/2/i.png?ex=${t.toString(16)}&is=0&hm=0`)).toBe(t * 1000);
        expect(linkExpiry(`https://p3-sign.douyinpic.com/i.image?x-expires=${t}&x-signature=s`)).toBe(t * 1000);
      }),
    );
  });
});
