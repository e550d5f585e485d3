/**
 * When a signed result link stops working, read from the link itself. Pure: each upstream's links
 * say it their own way, and an adapter fills `ResultMedia.expiresAt` from them.
 */
import type { ResultMedia } from './job';

/** Epoch seconds as sent: 9 to 11 digits (2001 to 5138), anything else is not a time. */
const seconds = (text: string, radix: 10 | 16): number | undefined => {
  const value = Number.parseInt(text, radix);
  return Number.isSafeInteger(value) && value >= 1e9 && value < 1e11 ? value * 1000 : undefined;
};

/**
 * The expiry (epoch ms) a link carries, or undefined when it carries none:
 * - Google Flow / Google Cloud signed URLs: `Expires=<epoch seconds>` [DOC providers.md §1.1];
 * - Discord CDN attachments (Midjourney grids, midjourney-proxy results): `ex=<hex epoch seconds>` [DOC providers.md §2(e)];
 * - ByteDance picture CDNs (Dreamina's `*-sign.douyinpic.com`): `x-expires=<epoch seconds>` [INF from their signed links];
 * - ByteDance video CDNs (`*.douyinvod.com`): `/<signature>/<hex epoch seconds>/video/…` [INF from their links].
 */
export function linkExpiry(url: string): number | undefined {
  let link: URL;
  try {
    link = new URL(url);
  } catch {
    return undefined;
  }
  const query = link.searchParams;
  const google = query.get('Expires');
  if (google !== null && /^\d+$/.test(google)) return seconds(google, 10);
  const discord = query.get('ex');
  if (discord !== null && /^[0-9a-f]{8,9}$/i.test(discord) && /(^|\.)discordapp\.(com|net)$/.test(link.hostname)) return seconds(discord, 16);
  const bytedance = query.get('x-expires');
  if (bytedance !== null && /^\d+$/.test(bytedance)) return seconds(bytedance, 10);
  const vod = /^\/[0-9a-f]{32}\/([0-9a-f]{8})\/video\//.exec(link.pathname);
  if (vod && link.hostname.endsWith('.douyinvod.com')) return seconds(vod[1]!, 16);
  return undefined;
}

/** The media with `expiresAt` from its link and its preview's, the earlier of the two (both are shown). */
export function withLinkExpiry(media: ResultMedia): ResultMedia {
  const times = [media.url, media.preview].flatMap((url) => (url === undefined ? [] : [linkExpiry(url)])).filter((t): t is number => t !== undefined);
  return times.length === 0 ? media : { ...media, expiresAt: Math.min(...times) };
}
