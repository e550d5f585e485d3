import { createServer, type Server } from 'node:http';
import { pausedAccounts } from '../db/jobs';
import type { Db } from '../db/open';
import type { Logger } from '../log';
import { formatDuration } from '../discord/views/text';
import type { UpstreamHealth } from './upstream';

export interface ReadinessSources {
  db: Db;
  now: () => number;
  upstream: UpstreamHealth;
  gatewayReady: () => boolean;
  /** When the bot started: until upstream has had the time to answer once, silence is not a fault. */
  startedAt: number;
  /** How long upstream may stay silent while jobs are followed. */
  upstreamSilenceMs: number;
}

export interface Readiness {
  ready: boolean;
  checks: { gateway: string; database: string; upstream: string };
}

/** Each check says what it found, so the body of a 503 explains itself. */
export function checkReadiness(sources: ReadinessSources): Readiness {
  const now = sources.now();
  const gatewayOk = sources.gatewayReady();
  const database = databaseWritable(sources.db);
  const upstream = upstreamCheck(sources, now);
  return {
    ready: gatewayOk && database.ok && upstream.ok,
    checks: { gateway: gatewayOk ? 'ready' : 'not connected', database: database.text, upstream: upstream.text },
  };
}

/**
 * Starts a write and takes it back: fails on a read-only, locked or broken file, writes nothing.
 * (A bare BEGIN IMMEDIATE succeeds even on a read-only connection; a statement that writes does not.)
 */
function databaseWritable(db: Db): { ok: boolean; text: string } {
  const sqlite = db.$client;
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    sqlite.prepare("DELETE FROM upstream_account WHERE account = ''").run();
    sqlite.exec('ROLLBACK');
    return { ok: true, text: 'writable' };
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    return { ok: false, text: `not writable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function upstreamCheck(sources: ReadinessSources, now: number): { ok: boolean; text: string } {
  const [paused] = pausedAccounts(sources.db);
  if (paused) return { ok: true, text: `paused: the ${paused.account} account is refused (${paused.problem}); probing until it recovers` };
  const answeredAt = sources.upstream.lastAnswerAt;
  if (answeredAt !== null && now - answeredAt <= sources.upstreamSilenceMs) return { ok: true, text: `answered ${formatDuration(now - answeredAt)} ago` };
  if (!anyJobPolled(sources.db)) return { ok: true, text: 'idle: no job followed' };
  if (now - sources.startedAt <= sources.upstreamSilenceMs) return { ok: true, text: 'starting: no answer yet' };
  const silent = answeredAt === null ? 'never answered' : `no answer for ${formatDuration(now - answeredAt)}`;
  return { ok: false, text: `${silent} (last outcome: ${sources.upstream.lastOutcome ?? 'none'})` };
}

export interface OpsServerOptions {
  host: string;
  port: number;
  log: Logger;
  readiness: () => Readiness;
  metrics: () => Promise<string>;
}

/**
 * /livez, /readyz and /metrics. A port that cannot be had is logged and the bot runs on without
 * them: health endpoints must never be the reason the bot is down.
 */
export function startOpsServer(opts: OpsServerOptions): { close(): Promise<void> } {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'text/plain', 'GET only\n');
    try {
      if (path === '/livez') return reply(200, 'text/plain', 'ok\n');
      if (path === '/readyz') {
        const readiness = opts.readiness();
        return reply(readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify(readiness)}\n`);
      }
      if (path === '/metrics') {
        opts
          .metrics()
          .then((text) => reply(200, 'text/plain; version=0.0.4; charset=utf-8', text))
          .catch((error: unknown) => {
            opts.log.error({ event: 'metrics_failed', err: error }, 'metrics scrape failed');
            reply(500, 'text/plain', 'metrics unavailable\n');
          });
        return;
      }
      reply(404, 'text/plain', 'not found: try /livez, /readyz or /metrics\n');
    } catch (error) {
      opts.log.error({ event: 'health_failed', path, err: error }, 'health endpoint failed');
      reply(500, 'text/plain', 'internal error\n');
    }
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    opts.log.error(
      { event: 'ops_server_failed', host: opts.host, port: opts.port, code: error.code },
      error.code === 'EADDRINUSE'
        ? `port ${opts.port} on ${opts.host} is in use: no /livez, /readyz or /metrics (set HTTP_PORT to a free port, or 0 to turn them off); the bot runs on`
        : `health and metrics server failed (${error.code ?? error.message}); the bot runs on`,
    );
  });
  server.listen(opts.port, opts.host, () => opts.log.info({ event: 'ops_server_listening', host: opts.host, port: opts.port }, 'health and metrics listening'));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function anyJobPolled(db: Db): boolean {
  return db.$client.prepare('SELECT 1 FROM jobs WHERE terminal = 0 AND next_poll_at IS NOT NULL LIMIT 1').get() !== undefined;
}
