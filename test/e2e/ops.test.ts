import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open';
import { createLogger } from '../../src/log';
import { ALICE, BOB, World } from './world';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let world: World;
afterEach(async () => {
  world.discord.assertClean();
  await world.close();
});

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What the bot logs, parsed, as it logs it. */
function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', secrets: [world.config.discordToken, world.config.useapiToken ?? ''], destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { log, lines, events: (name: string) => lines.filter((l) => l.event === name) };
}

async function startWithOps(env: Record<string, string> = {}) {
  const port = await freePort();
  world = await World.start({ inProcess: false, env: { HTTP_PORT: String(port), OWNER_USER_IDS: ALICE.id, ...env } });
  const captured = captureLog();
  await world.startBot(captured.log);
  const base = `http://127.0.0.1:${port}`;
  return { ...captured, base, get: (path: string) => fetch(`${base}${path}`) };
}

/** The value of one sample of the exposition text (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2]?.split(',') ?? [];
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3]);
  }
  return 0;
}

describe('health and metrics over HTTP', () => {
  it('/livez, /readyz and /metrics answer, and the metrics move with the work', async () => {
    const ops = await startWithOps();
    expect((await ops.get('/livez')).status).toBe(200);
    const ready = await ops.get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { gateway: 'ready', database: 'writable', upstream: 'idle: no job followed' } });

    const before = await (await ops.get('/metrics')).text();
    expect(sample(before, 'tracker_jobs', { state: 'finished' })).toBe(0);
    expect(sample(before, 'tracker_upstream_requests_total', { endpoint: 'job', outcome: 'ok' })).toBe(0);
    expect(before).toMatch(/^tracker_process_cpu_user_seconds_total /m);

    const jobid = world.addJob('completed');
    await world.track(BOB, jobid, { dm: true });
    await world.messageShows(BOB.id, jobid, /Completed/i);
    await world.dmsArrive(BOB.id, 1);

    const after = await (await ops.get('/metrics')).text();
    expect(sample(after, 'tracker_jobs', { state: 'finished' })).toBe(1);
    expect(sample(after, 'tracker_subscriptions', { state: 'done' })).toBe(1);
    expect(sample(after, 'tracker_upstream_requests_total', { endpoint: 'job', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(after, 'tracker_upstream_request_duration_seconds_count', { endpoint: 'job' })).toBeGreaterThan(0);
    expect(sample(after, 'tracker_discord_requests_total', { route: 'interaction_callback', outcome: '2xx' })).toBe(1);
    // The /track reply is the tracking message, brought up to date through the interaction's token; the DM is the one post.
    expect(sample(after, 'tracker_discord_requests_total', { route: 'interaction_webhook', outcome: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'tracker_discord_requests_total', { route: 'message_create', outcome: '2xx' })).toBe(1);
    expect(sample(after, 'tracker_discord_requests_total', { route: 'dm_channel', outcome: '2xx' })).toBe(1);
    expect(sample(after, 'tracker_outbox_pending')).toBe(0);
    expect(sample(after, 'tracker_gateway_ready')).toBe(1);
    expect(sample(after, 'tracker_upstream_last_answer_age_seconds')).toBeGreaterThanOrEqual(0);
    // Nothing that names a job, a person or a server.
    for (const id of [jobid, BOB.id, world.config.discordToken, world.config.useapiToken]) expect(after).not.toContain(id);

    const readyAfter = (await (await ops.get('/readyz')).json()) as { checks: { upstream: string } };
    expect(readyAfter.checks.upstream).toMatch(/^answered \d+s ago$/);
  });

  it('counts Discord 429s by route class and scope', async () => {
    const ops = await startWithOps();
    world.discord.failNext('PATCH /webhooks/:id/:token/messages/@original', 429, 1, { message: 'You are being rate limited.', retry_after: 0.05, global: false });
    const jobid = world.addJob('completed');
    await world.track(BOB, jobid);
    await world.messageShows(BOB.id, jobid, /Completed/i);
    const text = await (await ops.get('/metrics')).text();
    expect(sample(text, 'tracker_discord_requests_total', { route: 'interaction_webhook', outcome: '429' })).toBe(1);
    expect(sample(text, 'tracker_discord_rate_limited_total', { route: 'interaction_webhook', scope: 'user' })).toBe(1);
  });

  it('/readyz says 503 and why when the gateway is gone for good', async () => {
    const ops = await startWithOps();
    world.discord.disconnectGateway(4004);
    await world.discord.waitFor(() => ops.events('gateway_disconnected').length === 1, 3000, 'the disconnect to be logged');
    expect(ops.events('gateway_disconnected')[0]).toMatchObject({ code: 4004, level: 50 });
    const ready = await ops.get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { gateway: 'not connected', database: 'writable' } });
    const text = await (await ops.get('/metrics')).text();
    expect(sample(text, 'tracker_gateway_events_total', { event: 'disconnected' })).toBe(1);
    expect(sample(text, 'tracker_gateway_ready')).toBe(0);
  });

  it('a port in use is logged and the bot runs on', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      world = await World.start({ inProcess: false, env: { HTTP_PORT: String(port) } });
      const { log, events } = captureLog();
      await world.startBot(log);
      await world.discord.waitFor(() => events('ops_server_failed').length === 1, 3000, 'the port problem to be logged');
      expect(events('ops_server_failed')[0]).toMatchObject({ code: 'EADDRINUSE', port });
      expect(String(events('ops_server_failed')[0]!.msg)).toMatch(/in use.*HTTP_PORT/);
      const jobid = world.addJob('completed');
      await world.track(BOB, jobid);
      await world.messageShows(BOB.id, jobid, /Completed/i);
    } finally {
      taken.close();
    }
  });
});

describe('gateway life', () => {
  it('a dropped connection is logged with its close code, resumed, and counted', async () => {
    const ops = await startWithOps();
    world.discord.disconnectGateway(4000);
    await world.discord.waitFor(() => ops.events('gateway_resumed').length === 1, 5000, 'the session to resume');
    expect(ops.events('gateway_closed')[0]).toMatchObject({ code: 4000 });
    expect(ops.events('gateway_reconnecting')).toHaveLength(1);
    const text = await (await ops.get('/metrics')).text();
    expect(sample(text, 'tracker_gateway_events_total', { event: 'closed' })).toBe(1);
    expect(sample(text, 'tracker_gateway_events_total', { event: 'resumed' })).toBe(1);
    // Still answering commands.
    const reply = await world.command('tracker-status', [], { user: ALICE });
    expect(reply.text()).toMatch(/Jobs followed/);
  });

  it('an invalid session is logged and counted, and the bot identifies anew', async () => {
    const ops = await startWithOps();
    world.discord.invalidateGatewaySessions();
    await world.discord.waitFor(() => ops.events('gateway_invalid_session').length === 1, 5000, 'the invalid session to be logged');
    expect(ops.events('gateway_invalid_session')[0]).toMatchObject({ resumable: false });
    // discord.js waits out the identify rate limit (5 s) before it identifies again.
    await world.discord.waitFor(() => ops.events('gateway_ready').length === 2, 12_000, 'a new session');
    const text = await (await ops.get('/metrics')).text();
    expect(sample(text, 'tracker_gateway_events_total', { event: 'invalid_session' })).toBe(1);
    expect((await ops.get('/readyz')).status).toBe(200);
  });
});

describe('/tracker-status', () => {
  it('shows an owner the state of the bot, privately', async () => {
    await startWithOps();
    const jobid = world.addJob('completed');
    await world.track(BOB, jobid);
    const reply = await world.command('tracker-status', [], { user: ALICE });
    expect(reply.ephemeral()).toBe(true);
    const text = reply.text();
    expect(text).toMatch(/Job tracker 0\.1\.0/);
    for (const field of ['Jobs followed', 'Due-queue', 'Upstream', 'Budget', 'Discord lanes waiting', 'Outbox', 'Open incidents']) expect(text).toContain(field);
  });

  it('refuses everyone else, privately, and changes nothing', async () => {
    await startWithOps();
    const count = () => world.db.$client.prepare('SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM subscriptions) + (SELECT count(*) FROM outbox) AS n').get();
    const before = count();
    const reply = await world.command('tracker-status', [], { user: BOB });
    expect(reply.ephemeral()).toBe(true);
    expect(reply.text()).toMatch(/Only the bot's owners/);
    expect(reply.text()).not.toMatch(/Jobs followed/);
    expect(count()).toEqual(before);
  });
});

describe('retention in the running bot', () => {
  it('prunes what the file held before the start, and gives the space back from then on', async () => {
    const port = await freePort();
    world = await World.start({ inProcess: false, env: { HTTP_PORT: String(port) } });
    const longAgo = Date.now() - 40 * 24 * 60 * 60 * 1000;
    // The file as an older version left it: migrated, no incremental auto-vacuum, an old finished job.
    const sqlite = openDatabase(world.config.databasePath).$client;
    sqlite.prepare("INSERT INTO jobs (job_id, status, terminal, tracked_at, finished_at) VALUES ('old-job', 'completed', 1, ?, ?)").run(longAgo, longAgo);
    sqlite.prepare("INSERT INTO subscriptions (job_id, user_id, channel_id, dm, state, created_at) VALUES ('old-job', ?, '1', 0, 'done', ?)").run(BOB.id, longAgo);
    expect(sqlite.pragma('auto_vacuum', { simple: true })).toBe(0);
    sqlite.close();

    await world.startBot();
    await world.discord.waitFor(() => world.db.$client.prepare("SELECT 1 FROM jobs WHERE job_id = 'old-job'").get() === undefined, 5000, 'the old job to be pruned');
    expect(world.db.$client.prepare('SELECT count(*) AS n FROM subscriptions').get()).toEqual({ n: 0 });
    expect(world.db.$client.pragma('auto_vacuum', { simple: true })).toBe(2);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(sample(text, 'tracker_retention_pruned_rows_total', { table: 'jobs' })).toBe(1);
    expect(sample(text, 'tracker_retention_pruned_rows_total', { table: 'subscriptions' })).toBe(1);
  });
});

describe('backup', () => {
  it('npm run backup copies the live database while the bot writes, consistently', async () => {
    world = await World.start();
    const jobs = [world.addJob('completed'), world.addJob('failed'), world.addJob('completed')];
    for (const jobid of jobs) await world.track(BOB, jobid);
    // The bot keeps writing (polls, renders) while the copy is made.
    const destination = join(world.dir, 'copy.db');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/ops/backup-main.ts', destination], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_PATH: world.config.databasePath },
    });
    expect(stdout).toMatch(/integrity ok/);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
    const copy = new Database(destination, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('foreign_key_check')).toEqual([]);
      const tracked = copy.prepare('SELECT job_id FROM subscriptions WHERE user_id = ? ORDER BY job_id').all(BOB.id) as Array<{ job_id: string }>;
      expect(tracked.map((r) => r.job_id)).toEqual([...jobs].sort());
      expect((copy.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n).toBe(3);
    } finally {
      copy.close();
    }
    // The bot carries on after the backup.
    for (const jobid of jobs) await world.messageShows(BOB.id, jobid, /Completed|Failed/i);
  });

  it('refuses to overwrite a file', async () => {
    world = await World.start();
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/ops/backup-main.ts', world.config.databasePath], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_PATH: world.config.databasePath },
    });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringMatching(/exists already/) as unknown });
  });
});
