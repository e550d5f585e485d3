/**
 * Re-hosting: a completed job's result media are downloaded once, in the background, and stored in
 * SQLite, so that its messages can upload them instead of linking the upstream's expiring (and, for
 * Midjourney, account-revealing) URLs. Delivery asks through `filesFor`, which never waits.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { MediaSettings } from '../../config';
import { loadJob } from '../../db/jobs';
import { loadResultFiles, markMediaRetry, mediaAttempts, requestMedia, dueMedia, saveResultFiles, type ResultFile, type ResultMediaSource } from '../../db/media';
import type { Db } from '../../db/open';
import type { Logger } from '../../log';
import type { UpstreamAdapter } from '../../upstreams/port';
import { download, type Download } from './download';
import { systemResolve, type Resolve } from './hosts';
import { fileType, MAX_FILES_PER_MESSAGE, noteFor, planFiles, type Left, type PlannedFile } from './plan';

export type DownloadOutcome = 'ok' | 'too_big' | 'refused' | 'failed';

export interface MediaRehostOptions {
  db: Db;
  /** Finds the adapter of a job (its media hosts, a fresh link). */
  upstreams: { get(upstream: string): UpstreamAdapter | undefined };
  settings: MediaSettings;
  log: Logger;
  now?: () => number;
  /** Host name → addresses; injectable so tests can make a documented host resolve to loopback. */
  resolve?: Resolve;
  random?: () => number;
  /** A job's media are ready or given up: its messages can show them now. */
  onSettled?: (jobId: string) => void;
  /** Each file downloaded or given up (for metrics). */
  onDownload?: (outcome: DownloadOutcome, bytes: number) => void;
  /** How often stored pending downloads are looked for (besides the retries this process schedules). */
  resumeScanMs?: number;
}

export interface MediaRehostStats {
  queued: number;
  downloading: number;
  files: Record<DownloadOutcome, number>;
  bytes: number;
}

export interface MediaRehost extends ResultMediaSource {
  start(): void;
  /** Aborts downloads in flight (they stay pending, for the next start) and waits for them. */
  stop(): Promise<void>;
  stats(): MediaRehostStats;
}

export function createMediaRehost(opts: MediaRehostOptions): MediaRehost {
  const { db, settings, log } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const resolve = opts.resolve ?? systemResolve;
  const resumeScanMs = opts.resumeScanMs ?? 30_000;
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  const queue: string[] = [];
  const inFlight = new Map<string, Promise<void>>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const counts: MediaRehostStats = { queued: 0, downloading: 0, files: { ok: 0, too_big: 0, refused: 0, failed: 0 }, bytes: 0 };
  let running = false;
  let shutdown = new AbortController();
  let scanTimer: NodeJS.Timeout | undefined;

  function enqueue(jobId: string): void {
    if (inFlight.has(jobId) || queue.includes(jobId)) return;
    queue.push(jobId);
    pump();
  }

  function pump(): void {
    while (running && inFlight.size < settings.concurrency && queue.length > 0) {
      const jobId = queue.shift()!;
      const task = attempt(jobId)
        .catch((error: unknown) => log.error({ event: 'media_crashed', jobId, err: error }, 'a media download failed unexpectedly; it stays pending'))
        .finally(() => {
          inFlight.delete(jobId);
          pump();
        });
      inFlight.set(jobId, task);
    }
  }

  function scan(): void {
    try {
      for (const jobId of dueMedia(db, now(), 100)) enqueue(jobId);
    } catch (error) {
      log.error({ event: 'media_scan_crashed', err: error }, 'could not look for pending media downloads');
    }
  }

  function counted(outcome: DownloadOutcome, bytes = 0): void {
    counts.files[outcome]++;
    counts.bytes += bytes;
    opts.onDownload?.(outcome, bytes);
  }

  async function fetchFile(url: string, file: PlannedFile, limit: number, adapter: UpstreamAdapter | undefined, signal: AbortSignal): Promise<Download> {
    const fetchOnce = (address: string) =>
      download(address, {
        upstreamHosts: adapter?.mediaHosts ?? [],
        operatorHosts: settings.operatorHosts,
        maxBytes: limit,
        timeoutMs: settings.timeoutMs,
        expect: file.kind,
        resolve,
        agents,
        signal,
      });
    const first = await fetchOnce(url);
    // An expired signed link (Google Flow answers 403): the upstream signs a new one, once.
    if (first.kind !== 'http' || (first.status !== 403 && first.status !== 410) || !file.refreshable || !adapter?.freshMediaUrl) return first;
    const fresh = await adapter.freshMediaUrl(file.refreshable).catch(() => null);
    return fresh ? fetchOnce(fresh) : first;
  }

  async function attempt(jobId: string): Promise<void> {
    const job = loadJob(db, jobId);
    if (!job) return; // pruned meanwhile: nothing left to show it in
    const adapter = opts.upstreams.get(job.upstream);
    const planned = planFiles(job.reading?.status === 'completed' ? job.reading.media : []);
    const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(settings.jobTimeoutMs)]);
    const kept: ResultFile[] = [];
    const left = new Map<PlannedFile, Left>();
    let transient = false;
    let room = settings.maxMessageBytes;

    for (const file of planned) {
      if (kept.length >= MAX_FILES_PER_MESSAGE || room <= 0) {
        left.set(file, { why: 'no_room' });
        continue;
      }
      const limit = Math.min(settings.maxFileBytes, room);
      const result = await fetchFile(file.url, file, limit, adapter, signal);
      if (shutdown.signal.aborted) return; // stays pending: the next start resumes it
      if (result.kind === 'ok') {
        const type = fileType(result.contentType, result.url, file.kind);
        kept.push({ position: kept.length, name: `${file.stem}.${type.extension}`, contentType: type.contentType, sourceIndex: file.sourceIndex, kind: file.kind, bytes: result.bytes });
        room -= result.bytes.length;
        counted('ok', result.bytes.length);
        continue;
      }
      const reason = leftReason(result, limit);
      if (reason.why === 'failed' && isTransient(result)) transient = true;
      left.set(file, reason);
      counted(reason.why === 'no_room' ? 'too_big' : reason.why);
      log.info({ event: 'media_file_left', jobId, file: file.stem, host: hostOf(file.url), outcome: describe(result) }, 'a result file was not downloaded');
    }

    const note = noteFor(planned, left);
    const tries = mediaAttempts(db, jobId) + 1;
    if (transient && tries < settings.attempts) {
      const delay = Math.round(settings.retryBaseMs * 2 ** (tries - 1) * (1 + random() / 4));
      markMediaRetry(db, jobId, note ?? 'trying again', now() + delay, now());
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        enqueue(jobId);
      }, delay);
      timer.unref();
      retryTimers.add(timer);
      log.info({ event: 'media_retry', jobId, attempt: tries, delayMs: delay }, 'media download will be tried again');
      return;
    }
    saveResultFiles(db, jobId, kept, note, now());
    log.info({ event: kept.length > 0 ? 'media_ready' : 'media_failed', jobId, files: kept.length, left: left.size, bytes: kept.reduce((n, f) => n + f.bytes.length, 0) }, 'result media re-hosted');
    opts.onSettled?.(jobId);
  }

  function leftReason(result: Exclude<Download, { kind: 'ok' }>, limit: number): Left {
    switch (result.kind) {
      case 'too_big':
        // Within Discord's limit but not within what is left of the message's.
        if (limit < settings.maxFileBytes && (result.size === null || result.size <= settings.maxFileBytes)) return { why: 'no_room' };
        return { why: 'too_big', size: result.size, limit: settings.maxFileBytes };
      case 'refused':
        return { why: 'refused' };
      case 'http':
        return { why: 'failed', detail: `the CDN answered ${result.status}` };
      case 'wrong_type':
        return { why: 'failed', detail: `the CDN sent ${result.contentType} instead` };
      case 'timeout':
      case 'network':
        return { why: 'failed', detail: 'the CDN did not answer' };
    }
  }

  return {
    filesFor(jobId) {
      if (settings.mode === 'link') return null;
      try {
        const stored = loadResultFiles(db, jobId);
        if (stored) return stored;
        const job = loadJob(db, jobId);
        if (job?.status !== 'completed' || !job.reading?.media.length) return null;
        if (requestMedia(db, jobId, now())) enqueue(jobId);
        return loadResultFiles(db, jobId);
      } catch (error) {
        log.error({ event: 'media_lookup_crashed', jobId, err: error }, 'could not read stored media; showing links');
        return null;
      }
    },
    start() {
      if (running || settings.mode === 'link') return;
      running = true;
      shutdown = new AbortController();
      const loop = () => {
        scan();
        scanTimer = setTimeout(loop, resumeScanMs);
        scanTimer.unref();
      };
      loop();
    },
    async stop() {
      running = false;
      clearTimeout(scanTimer);
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      queue.length = 0;
      shutdown.abort();
      await Promise.allSettled([...inFlight.values()]);
      agents.http.destroy();
      agents.https.destroy();
    },
    stats() {
      return { ...counts, files: { ...counts.files }, queued: queue.length, downloading: inFlight.size };
    },
  };
}

function isTransient(result: Download): boolean {
  return result.kind === 'timeout' || result.kind === 'network' || (result.kind === 'http' && (result.status >= 500 || result.status === 429));
}

function describe(result: Download): string {
  if (result.kind === 'http') return `http ${result.status}`;
  if (result.kind === 'refused') return `refused: ${result.why}`;
  if (result.kind === 'network') return `network: ${result.message}`;
  return result.kind;
}

/** Logs name the host only: a signed link's query is as good as a password while it lasts. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'not a URL';
  }
}
