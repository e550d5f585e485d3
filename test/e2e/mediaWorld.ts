/**
 * Re-hosting against the real emulators: useapi.net (Midjourney v3, Google Flow, Dreamina on one
 * base URL) linking their media on the https media CDN (TEST-ONLY certificate), a real SQLite file,
 * and https servers of the test's own that count what reaches them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config';
import { insertJob, loadJob, saveJob } from '../../src/db/jobs';
import { openDatabase, type Db } from '../../src/db/open';
import { createMediaRehost, type MediaRehost, type MediaRehostOptions } from '../../src/discord/media';
import type { JobReading, ResultMedia } from '../../src/domain/job';
import { createLogger } from '../../src/log';
import { startDreaminaEmulator, type DreaminaEmulator } from '../../src/playground/dreamina';
import { startMediaCdn, type MediaCdn } from '../../src/playground/emulator/cdn';
import { startGoogleFlowEmulator, type GoogleFlowEmulator } from '../../src/playground/google-flow';
import { testServerCertificate } from '../../src/playground/tls';
import { startUseapiEmulator, type UseapiEmulator } from '../../src/playground/useapi';
import { createRegistry, type Registry } from '../../src/upstreams/registry';
import { readingWith } from '../unit/fixtures';

export { readingWith };

export class MediaWorld {
  readonly db: Db;
  readonly config: Config;
  readonly registry: Registry;
  private readonly settledJobs = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private readonly rehosts: MediaRehost[] = [];

  private constructor(
    readonly dir: string,
    readonly cdn: MediaCdn,
    readonly useapi: UseapiEmulator,
    readonly googleFlow: GoogleFlowEmulator,
    readonly dreamina: DreaminaEmulator,
    env: Record<string, string>,
  ) {
    this.config = loadConfig({
      DISCORD_TOKEN: 'discord-token-for-tests',
      USEAPI_TOKEN: useapi.token,
      USEAPI_BASE_URL: useapi.url,
      DATABASE_PATH: join(dir, 'tracker.db'),
      MEDIA_HOSTS: 'localhost',
      MEDIA_RETRY_BASE_MS: '20',
      MEDIA_TIMEOUT_MS: '3000',
      ...env,
    });
    this.db = openDatabase(this.config.databasePath);
    this.registry = createRegistry(this.config);
  }

  static async start(env: Record<string, string> = {}): Promise<MediaWorld> {
    const cdn = await startMediaCdn();
    const useapi = await startUseapiEmulator({ mediaOrigin: cdn.url });
    const googleFlow = await startGoogleFlowEmulator({ server: useapi.server, token: useapi.token, mediaOrigin: cdn.url });
    const dreamina = await startDreaminaEmulator({ server: useapi.server, token: useapi.token, mediaOrigin: cdn.url });
    for (const emulator of [googleFlow, dreamina, useapi]) cdn.serve((link) => emulator.localMediaUrl(link));
    return new MediaWorld(mkdtempSync(join(tmpdir(), 'tracker-media-')), cdn, useapi, googleFlow, dreamina, env);
  }

  /** A re-hoster on this world's database; `settled(jobId)` resolves when it has settled that job. */
  rehost(opts: Partial<MediaRehostOptions> = {}): MediaRehost {
    const rehost = createMediaRehost({
      db: this.db,
      upstreams: this.registry,
      settings: this.config.media,
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', secrets: [] }),
      onSettled: (jobId) => {
        this.settledJobs.add(jobId);
        this.waiters.get(jobId)?.();
      },
      ...opts,
    });
    this.rehosts.push(rehost);
    rehost.start();
    return rehost;
  }

  settled(jobId: string): Promise<void> {
    if (this.settledJobs.has(jobId)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(jobId, resolve));
  }

  /** The job as its adapter reads it from the emulator, stored as the poller would store it. */
  async completedFromUpstream(key: string): Promise<void> {
    const adapter = this.registry.adapters.find((a) => a.recognise(key).kind === 'ref')!;
    const result = await adapter.read(key);
    if (result.kind !== 'ok') throw new Error(`read failed: ${JSON.stringify(result)}`);
    expect(result.reading.status).toBe('completed');
    storeCompleted(this.db, key, adapter.id, result.reading);
  }

  /** A completed job whose record links these media (as an upstream record could). */
  completedWith(key: string, upstream: string, media: ResultMedia[]): void {
    storeCompleted(this.db, key, upstream, readingWith(media));
  }

  /** The bytes the emulator behind the CDN serves for a link in a record. */
  async emulatorBytes(link: string): Promise<Buffer> {
    const documented = link.replace(`${this.cdn.url}/`, 'https://');
    const local = [this.googleFlow, this.dreamina, this.useapi].map((e) => e.localMediaUrl(documented)).find((l) => l !== null);
    if (!local) throw new Error(`no emulator serves ${link}`);
    return Buffer.from(await (await fetch(local)).arrayBuffer());
  }

  async close(): Promise<void> {
    for (const rehost of this.rehosts) await rehost.stop();
    this.db.$client.close();
    await this.googleFlow.close();
    await this.dreamina.close();
    await this.useapi.close();
    await this.cdn.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}


/** The job stored as the poller stores a completed one. */
export function storeCompleted(db: Db, key: string, upstream: string, reading: JobReading): void {
  const at = Date.now();
  insertJob(db, { jobId: key, upstream, account: 'useapi', scope: null }, { trackedAt: at, nextPollAt: at, problem: null });
  saveJob(db, { ...loadJob(db, key)!, status: 'completed', reading, terminal: true, finishedAt: at }, true);
}

export interface TestServer {
  /** `https://localhost:PORT` */
  url: string;
  port: number;
  hits: string[];
  maxActive(): number;
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 (TEST-ONLY certificate for localhost and 127.0.0.1) that records every request. */
export async function startTestServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: string[] = [];
  let active = 0;
  let max = 0;
  const server = createServer(testServerCertificate(), (req, res) => {
    hits.push(req.url ?? '');
    active++;
    max = Math.max(max, active);
    res.on('close', () => active--);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    port,
    hits,
    maxActive: () => max,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A small PNG-typed body. */
export function pngReply(res: ServerResponse, bytes: Buffer = Buffer.from('\x89PNG test bytes')): void {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bytes.length) }).end(bytes);
}
