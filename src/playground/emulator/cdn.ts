/**
 * The CDNs of the upstreams' result media, on https://localhost:PORT (the TEST-ONLY certificate in
 * ../tls/): `https://<documented host>/<path>` is served as `https://localhost:PORT/<documented host>/<path>`,
 * with the bytes of the emulator that made the link. Emulators given this CDN's `url` as their
 * `mediaOrigin` put such links in their records, and a bot with `MEDIA_HOSTS=localhost` downloads
 * them over https as it would from the real hosts.
 *
 * Like Cloudflare in front of cdn.midjourney.com (useapi-v3.md §3.3), it answers 403 to a request
 * for that host without a browser's User-Agent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testServerCertificate } from '../tls';

/** A fault for the next request: an HTTP status (with a short body), or no answer until the CDN closes. */
export type CdnFault = number | 'hang';

export interface CdnRequest {
  /** `/<documented host>/<path>`, without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Date.now() on arrival. */
  at: number;
}

export interface MediaCdn {
  /** `https://localhost:PORT`: the `mediaOrigin` to give the emulators. */
  url: string;
  port: number;
  /** Where the bytes behind a documented link are (an emulator's `localMediaUrl`); the first that knows the link wins. */
  serve(source: (documentedLink: string) => string | null): void;
  /** Every request, in arrival order. */
  requests: CdnRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  concurrency(): { now: number; max: number };
  /** Faults consumed in order by the next requests. */
  queueFaults(...faults: CdnFault[]): void;
  close(): Promise<void>;
}

/** Every documented media link of `hosts` in a JSON text moved to the CDN at `origin`. */
export function relinkText(text: string, hosts: readonly string[], origin: string): string {
  let out = text;
  for (const host of hosts) out = out.split(`https://${host}/`).join(`${origin}/${host}/`);
  return out;
}

export async function startMediaCdn(opts: { port?: number } = {}): Promise<MediaCdn> {
  const sources: Array<(link: string) => string | null> = [];
  const requests: CdnRequest[] = [];
  const faults: CdnFault[] = [];
  let active = 0;
  let maxActive = 0;

  const server: Server = createServer(testServerCertificate(), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push({ path: url.pathname, headers: req.headers, at: Date.now() });
    active++;
    maxActive = Math.max(maxActive, active);
    res.on('close', () => active--);
    const fault = faults.shift();
    if (fault === 'hang') return;
    if (fault !== undefined) return void res.writeHead(fault, { 'content-type': 'text/plain' }).end(`emulated ${fault}`);
    const [, host = '', ...rest] = url.pathname.split('/');
    if (host === 'cdn.midjourney.com' && !/^Mozilla\/5\.0 /.test(req.headers['user-agent'] ?? '')) {
      return void res.writeHead(403, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Attention Required! | Cloudflare</title>');
    }
    const documented = `https://${host}/${rest.join('/')}${url.search}`;
    const local = sources.map((source) => source(documented)).find((found) => found !== null);
    if (!local) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    fetch(local)
      .then(async (answer) => {
        const bytes = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(bytes.length) });
        res.end(bytes);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://localhost:${port}`,
    port,
    serve: (source) => void sources.push(source),
    requests,
    concurrency: () => ({ now: active, max: maxActive }),
    queueFaults: (...more) => void faults.push(...more),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
