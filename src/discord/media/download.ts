/**
 * One media file over HTTP: redirects followed by hand (each hop checked again), a size limit that
 * stops reading as soon as it is passed, one deadline from connecting to the last byte. Never throws.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { MediaKind } from '../../domain/job';
import { checkMediaUrl, guardedLookup, type Resolve } from './hosts';

export type Download =
  | { kind: 'ok'; bytes: Buffer; contentType: string; url: URL }
  /** Bigger than `maxBytes`: its size when the server said it, else null. */
  | { kind: 'too_big'; size: number | null }
  /** Not a host to ask, at the start or after a redirect. */
  | { kind: 'refused'; why: string }
  | { kind: 'http'; status: number }
  /** The server sent something else than the expected kind of file (a web page, a challenge). */
  | { kind: 'wrong_type'; contentType: string }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string };

export interface DownloadOptions {
  upstreamHosts: readonly string[];
  operatorHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  expect: MediaKind;
  resolve: Resolve;
  agents: { http: HttpAgent; https: HttpsAgent };
  /** Aborted: stop at once (shutdown, the job's own deadline). */
  signal: AbortSignal;
}

const MAX_REDIRECTS = 5;

/**
 * cdn.midjourney.com is behind Cloudflare, which blocks requests without a browser's headers; useapi
 * documents these (useapi-v3.md §3.3). Harmless to the other CDNs, so every download sends them.
 * No Authorization, no cookie: nothing of the bot's reaches a media host.
 */
const BROWSER_HEADERS = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
  accept: '*/*',
  'accept-encoding': 'gzip, deflate, br',
  connection: 'keep-alive',
};

export async function download(address: string, opts: DownloadOptions): Promise<Download> {
  const deadline = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { kind: 'refused', why: 'not a web address' };
  }
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const check = checkMediaUrl(url, opts.upstreamHosts, opts.operatorHosts);
      if (!check.ok) return { kind: 'refused', why: check.why };
      const response = await get(url, check.operator, opts, deadline);
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(response.statusCode ?? 0) && location) {
        response.resume();
        url = new URL(location, url);
        continue;
      }
      return await readBody(response, url, opts, deadline);
    }
    return { kind: 'refused', why: `more than ${MAX_REDIRECTS} redirects` };
  } catch (error) {
    if (deadline.aborted) return { kind: 'timeout' };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MEDIA_HOST_PRIVATE') return { kind: 'refused', why: (error as Error).message };
    return { kind: 'network', message: code ?? (error as Error).message };
  }
}

function get(url: URL, operator: boolean, opts: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: BROWSER_HEADERS,
      agent: https ? opts.agents.https : opts.agents.http,
      lookup: guardedLookup(opts.resolve, operator),
      signal,
    });
    request.on('response', resolve);
    request.on('error', reject);
    request.end();
  });
}

async function readBody(response: IncomingMessage, url: URL, opts: DownloadOptions, signal: AbortSignal): Promise<Download> {
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.resume();
    return { kind: 'http', status };
  }
  const contentType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!fitsKind(contentType, opts.expect)) {
    response.destroy();
    return { kind: 'wrong_type', contentType: contentType || 'no type' };
  }
  const encoding = (response.headers['content-encoding'] ?? 'identity').toLowerCase();
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    response.destroy();
    return { kind: 'too_big', size: encoding === 'identity' ? declared : null };
  }
  const body: Readable = encoding === 'gzip' ? response.pipe(createGunzip()) : encoding === 'deflate' ? response.pipe(createInflate()) : encoding === 'br' ? response.pipe(createBrotliDecompress()) : response;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > opts.maxBytes) {
        response.destroy();
        body.destroy();
        return { kind: 'too_big', size: null };
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout' };
    return { kind: 'network', message: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
  if (signal.aborted) return { kind: 'timeout' };
  if (!response.complete) return { kind: 'network', message: 'the answer was cut off' };
  return { kind: 'ok', bytes: Buffer.concat(chunks), contentType: contentType || 'application/octet-stream', url };
}

/** `image/png` for an image, and the generic binary type that some CDNs send for anything. */
function fitsKind(contentType: string, kind: MediaKind): boolean {
  return contentType === '' || contentType === 'application/octet-stream' || contentType.startsWith(`${kind}/`);
}
