/**
 * What every loopback emulator shares: one node:http server on 127.0.0.1 that several emulators can
 * mount on (the useapi.net APIs share one host), and the replies it sends. Injected faults and the
 * request log are in faults.ts.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relinkText } from './cdn';
import type { FaultKind } from './faults';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A reply, or the socket destroyed without one. */
export type Outcome = { reply: Reply; delayMs?: number; fault?: FaultKind | 'account' } | { reset: true };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, headers: body === '' ? {} : { 'content-type': contentType }, body };
}

export function noContent(): Reply {
  return { status: 204, headers: {}, body: '' };
}

export function png(bytes: Buffer): Reply {
  return { status: 200, headers: { 'content-type': 'image/png', 'cache-control': 'max-age=3600' }, body: bytes };
}

/** The start of an MP4 file (an `ftyp` box): enough for a client to see video bytes. */
const VIDEO_BYTES = Buffer.from('00000018667479706973736f0000020069736f6d6d703431', 'hex');

export function mp4(): Reply {
  return { status: 200, headers: { 'content-type': 'video/mp4' }, body: VIDEO_BYTES };
}

// ---------------------------------------------------------------------------------------------
// The server

export interface EmulatorRequest {
  method: string;
  /** Without the query string, still %-encoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The request body as text ('' for none). */
  body: string;
  /** Emulator clock (ms) on arrival, from the handler's own clock. */
  time: number;
}

/** One emulator's routes: it answers every request whose path starts with one of `prefixes`. */
export interface Mount {
  prefixes: string[];
  now: () => number;
  handle(req: EmulatorRequest): Outcome;
  /** The documented hosts of its records' media links, moved to `mediaOrigin` when one is given. */
  mediaHosts?: readonly string[];
}

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Adds an emulator; the longest matching prefix wins. Returns the function that removes it. */
  mount(mount: Mount): () => void;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 (port 0: a free one). Paths no mount claims answer 404 `{"error":"Not found"}`. */
export async function startLoopbackServer(port = 0): Promise<LoopbackServer> {
  const mounts = new Set<Mount>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  function mountFor(path: string): { mount: Mount; prefix: string } | undefined {
    let best: { mount: Mount; prefix: string } | undefined;
    for (const mount of mounts) {
      for (const prefix of mount.prefixes) {
        if (path.startsWith(prefix) && prefix.length > (best?.prefix.length ?? -1)) best = { mount, prefix };
      }
    }
    return best;
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return; // the client went away meanwhile
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }

  function deliver(req: IncomingMessage, res: ServerResponse, outcome: Outcome): void {
    if ('reset' in outcome) {
      req.socket.destroy();
      return;
    }
    const { reply, delayMs = 0 } = outcome;
    if (delayMs <= 0) return send(res, reply);
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      send(res, reply);
    }, delayMs);
    pendingTimers.add(timer);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const found = mountFor(path);
    if (!found) return send(res, json(404, { error: 'Not found' }));
    const time = found.mount.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        time,
      };
      deliver(req, res, found.mount.handle(request));
    });
  }

  const server = createServer(handle);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    mount(mount) {
      mounts.add(mount);
      return () => mounts.delete(mount);
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Mounts an emulator on `server` when given (its close() then only unmounts), else on a server of its own
 * at `port` (its close() stops it).
 */
export async function hostEmulator(
  given: Mount,
  opts: { server?: LoopbackServer; port?: number; mediaOrigin?: string },
): Promise<{ url: string; server: LoopbackServer; close(): Promise<void>; relink<T>(body: T): T }> {
  const { mediaOrigin } = opts;
  const hosts = given.mediaHosts ?? [];
  const relink = <T>(body: T): T => (mediaOrigin && body !== undefined ? (JSON.parse(relinkText(JSON.stringify(body), hosts, mediaOrigin)) as T) : body);
  const mount: Mount = mediaOrigin ? { ...given, handle: (req) => relinkOutcome(given.handle(req), hosts, mediaOrigin) } : given;
  if (opts.server) {
    const unmount = opts.server.mount(mount);
    return { url: opts.server.url, server: opts.server, close: () => Promise.resolve(void unmount()), relink };
  }
  const server = await startLoopbackServer(opts.port);
  server.mount(mount);
  return { url: server.url, server, close: () => server.close(), relink };
}

function relinkOutcome(outcome: Outcome, hosts: readonly string[], origin: string): Outcome {
  if ('reset' in outcome || typeof outcome.reply.body !== 'string') return outcome;
  return { ...outcome, reply: { ...outcome.reply, body: relinkText(outcome.reply.body, hosts, origin) } };
}

/** The decoded path segment, or the raw one when it does not decode. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
