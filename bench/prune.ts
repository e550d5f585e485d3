/**
 * Scenario "prune": a database as a year without retention leaves it (1,000,000 finished jobs, each
 * with its subscription and sent DM, in a file that never had incremental auto-vacuum) and 1,000
 * active jobs. The bot's first start with retention: the one-time VACUUM, then the retention timer
 * works the backlog off while the poller ticks. Measured: the poller's tick (duration and how late
 * it started) before and during pruning, the event loop's longest stall, how long the backlog took,
 * and the file's size before, at most during, and after.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openDatabase, type Db } from '../src/db/open';
import { createLogger } from '../src/log';
import { ensureIncrementalVacuum, startRetention } from '../src/ops/retention';
import { createPoller } from '../src/tracker/poller';
import { loopPeriod } from '../src/tracker/policy';
import { stats, type Stats } from './measure';
import { createRng } from './prng';
import { bulkId, insertJobs, instantUpstream, REAL_POLL_MS, settingsFor } from './scale';

const DAY = 24 * 60 * 60 * 1000;
const SILENT = createLogger({ level: 'silent', secrets: [] });
/** The driver starts a tick this often (real time); the poller's clock moves by its own tick period each time. */
const TICK_EVERY_MS = 50;

export interface PruneOptions {
  finished: number;
  active: number;
  /** Seconds of ticks without pruning, for comparison. */
  baselineS: number;
}

interface Phase {
  ticks: number;
  /** Microseconds. */
  tickUs: Stats;
  /** How late ticks started against their timer, milliseconds. */
  tickLateMs: Stats;
  /** The event loop's delay (perf_hooks), milliseconds: max = the longest synchronous stall. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

export interface PruneResult {
  finished: number;
  active: number;
  insertS: number;
  vacuumS: number;
  pruneS: number;
  rowsDeleted: number;
  bytes: { before: number; afterVacuum: number; maxDuring: number; after: number };
  before: Phase;
  during: Phase;
}

const fileBytes = (path: string) => {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
};

export async function runPrune(opts: PruneOptions, log: (line: string) => void): Promise<PruneResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prune-'));
  const path = join(dir, 'tracker.db');
  const db = openDatabase(path);
  try {
    const start = Date.now();
    const t0 = performance.now();
    insertJobs(db.$client, opts.active, { terminal: false, idOf: (i) => bulkId(1, i), nextPollAt: () => 0, now: start });
    insertJobs(db.$client, opts.finished, { terminal: true, idOf: (i) => bulkId(900, i), nextPollAt: () => null, now: start - 40 * DAY });
    db.$client.exec(`
      INSERT INTO subscriptions (job_id, user_id, guild_id, channel_id, message_id, dm, rendered_version, state, created_at)
        SELECT job_id, '8000000000000' || (rowid % 5000), '900000000000000001', '900000000000000011', '1' || rowid, 1, 3,
               CASE terminal WHEN 1 THEN 'done' ELSE 'active' END, tracked_at FROM jobs;
      INSERT INTO outbox (kind, dedupe_key, subscription_id, user_id, state, attempts, next_attempt_at, sent_at, created_at)
        SELECT 'result_dm', 'result:' || s.id, s.id, s.user_id, 'sent', 1, j.finished_at, j.finished_at, j.finished_at
        FROM subscriptions s JOIN jobs j ON j.job_id = s.job_id WHERE j.terminal = 1;`);
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const insertS = (performance.now() - t0) / 1000;
    const before = fileBytes(path);
    log(`prune: ${opts.finished.toLocaleString('en-US')} finished + ${opts.active} active jobs written in ${insertS.toFixed(0)} s, ${(before / 1e6).toFixed(0)} MB`);

    const v0 = performance.now();
    ensureIncrementalVacuum(db, SILENT);
    const vacuumS = (performance.now() - v0) / 1000;
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const afterVacuum = fileBytes(path);
    log(`prune: one-time VACUUM ${vacuumS.toFixed(0)} s`);

    const activeIds = new Set(Array.from({ length: opts.active }, (_, i) => bulkId(1, i)));
    let clock = start;
    const settings = settingsFor(REAL_POLL_MS);
    const pollerTickMs = loopPeriod(settings);
    const rng = createRng(3);
    const poller = createPoller({ db, upstreams: [instantUpstream(activeIds, () => clock).stub], log: SILENT, settings, now: () => clock, random: () => rng.next() });

    const runPhase = async (until: () => boolean, onSecond: () => void): Promise<Phase> => {
      const durations: number[] = [];
      const late: number[] = [];
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const sampler = setInterval(onSecond, 1000);
      while (!until()) {
        const due = performance.now() + TICK_EVERY_MS;
        await new Promise((resolve) => setTimeout(resolve, TICK_EVERY_MS));
        late.push(Math.max(0, performance.now() - due));
        clock += pollerTickMs;
        const w0 = performance.now();
        await poller.tick();
        durations.push((performance.now() - w0) * 1000);
      }
      clearInterval(sampler);
      loop.disable();
      const ms = (ns: number) => ns / 1e6;
      return { ticks: durations.length, tickUs: stats(durations), tickLateMs: stats(late), loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } };
    };

    const baselineUntil = performance.now() + opts.baselineS * 1000;
    const beforePhase = await runPhase(() => performance.now() >= baselineUntil, () => undefined);

    let rowsDeleted = 0;
    let maxDuring = fileBytes(path);
    const p0 = performance.now();
    const retention = startRetention({ db, log: SILENT, now: () => clock, retentionDays: 30, reviewRetentionDays: null, onPruned: (p) => (rowsDeleted += p.jobs + p.subscriptions + p.outbox) });
    const expected = 3 * opts.finished;
    let lastLog = 0;
    const duringPhase = await runPhase(
      () => rowsDeleted >= expected,
      () => {
        maxDuring = Math.max(maxDuring, fileBytes(path));
        const s = (performance.now() - p0) / 1000;
        if (s - lastLog >= 30) {
          lastLog = s;
          log(`prune: ${rowsDeleted.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} rows after ${s.toFixed(0)} s`);
        }
      },
    );
    const pruneS = (performance.now() - p0) / 1000;
    retention.stop();
    await poller.stop();
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const after = fileBytes(path);
    return { finished: opts.finished, active: opts.active, insertS, vacuumS, pruneS, rowsDeleted, bytes: { before, afterVacuum, maxDuring, after }, before: beforePhase, during: duringPhase };
  } finally {
    closeQuietly(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

function closeQuietly(db: Db): void {
  try {
    db.$client.close();
  } catch {
    // already closed
  }
}

export function pruneSection(r: PruneResult): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const f = (v: number | null, digits = 0) => (v === null ? '-' : v.toFixed(digits));
  const row = (name: string, p: Phase) =>
    `  ${name.padEnd(16)} ${String(p.ticks).padStart(6)} ticks  tick p50 ${f(p.tickUs.p50)} µs, p95 ${f(p.tickUs.p95)} µs, max ${f(p.tickUs.max)} µs;  ` +
    `started late p50 ${f(p.tickLateMs.p50, 1)} ms, p95 ${f(p.tickLateMs.p95, 1)} ms, max ${f(p.tickLateMs.max, 1)} ms;  event loop stall max ${f(p.loopDelayMs.max, 0)} ms`;
  return [
    `Scenario prune: ${r.finished.toLocaleString('en-US')} finished jobs (each with a subscription and a sent DM) + ${r.active.toLocaleString('en-US')} active`,
    `  written in ${r.insertS.toFixed(0)} s: ${mb(r.bytes.before)}; one-time VACUUM (auto_vacuum = INCREMENTAL) ${r.vacuumS.toFixed(0)} s → ${mb(r.bytes.afterVacuum)}`,
    `  retention deleted ${r.rowsDeleted.toLocaleString('en-US')} rows in ${r.pruneS.toFixed(0)} s (${Math.round(r.rowsDeleted / r.pruneS).toLocaleString('en-US')} rows/s) while the poller ticked`,
    row('before pruning', r.before),
    row('while pruning', r.during),
    `  file: ${mb(r.bytes.before)} before, at most ${mb(r.bytes.maxDuring)} during (db + WAL), ${mb(r.bytes.after)} after`,
  ].join('\n');
}
