/**
 * Scenario 5: per upstream, the real poller against that upstream's documented single-job loop
 * (GET each job every 5 s until it shows a final status), on its own emulator. No Discord here:
 * what is compared is what each side asks of the upstream and how soon it sees the end.
 * Time is compressed K×; every time reported is a real-time equivalent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertJob } from '../src/db/jobs';
import { openDatabase } from '../src/db/open';
import { jobs as jobsTable } from '../src/db/schema';
import { createLogger } from '../src/log';
import { dreaminaTimeline, makeDreaminaJobId, startDreaminaEmulator } from '../src/playground/dreamina';
import type { EmulatorHandle } from '../src/playground/emulator/faults';
import { flowTimeline, makeGoogleFlowJobId, startGoogleFlowEmulator } from '../src/playground/google-flow';
import { makeMjProxyTaskId, mjTimeline, startMjProxyEmulator } from '../src/playground/mj-proxy';
import { makeJobId, startUseapiEmulator, timeline } from '../src/playground/useapi';
import { createPoller } from '../src/tracker/poller';
import { mjProxy } from '../src/upstreams/mj-proxy';
import type { UpstreamAdapter } from '../src/upstreams/port';
import { useapiDreamina } from '../src/upstreams/useapi-dreamina';
import { useapiGoogleFlow } from '../src/upstreams/useapi-google-flow';
import { useapiMidjourney } from '../src/upstreams/useapi-midjourney';
import { sleep } from './compare';
import { stats, type Stats } from './measure';
import { createRng } from './prng';

type Emulator = EmulatorHandle<string, number> & { addJob(script: { jobid: string; steps: unknown[] }): void };

/** One upstream as the scenario drives it. */
interface Upstream {
  name: string;
  start(): Promise<{ emulator: Emulator; adapter: UpstreamAdapter; readUrl: (id: string) => string; headers: Record<string, string> }>;
  /** A job id and its steps, queued `queueMs` and running `runMs` (compressed). */
  job(i: number, queueMs: number, runMs: number): { jobid: string; steps: unknown[] };
  /** The documented loop stops on these statuses (read from the record). */
  final(body: unknown): boolean;
}

const statusOf = (body: unknown): unknown => (body && typeof body === 'object' ? (body as { status?: unknown }).status : undefined);
const endsWith = (...finals: string[]) => (body: unknown) => finals.includes(String(statusOf(body)));
const settingsOf = (url: string, token: string, k: number) => ({ baseUrl: url, token, timeoutMs: 15_000 / k, maxRequestsPerSecond: 10 * k, account: null });

const UPSTREAMS: Upstream[] = [
  {
    name: 'useapi.net Midjourney v3',
    async start() {
      const emulator = (await startUseapiEmulator()) as unknown as Emulator;
      return { emulator, adapter: useapiMidjourney(settingsOf(emulator.url, emulator.token, 1)), readUrl: (id) => `${emulator.url}/v3/midjourney/jobs/${id}`, headers: { Authorization: `Bearer ${emulator.token}` } };
    },
    job: (_i, queueMs, runMs) => ({ jobid: makeJobId(), steps: timeline({ queueMs, runMs, stepMs: Math.max(1, runMs / 10), outcome: 'completed' }) }),
    final: endsWith('completed', 'failed', 'moderated'),
  },
  {
    name: 'useapi.net Google Flow v1',
    async start() {
      const emulator = (await startGoogleFlowEmulator()) as unknown as Emulator;
      return { emulator, adapter: useapiGoogleFlow(settingsOf(emulator.url, emulator.token, 1)), readUrl: (id) => `${emulator.url}/v1/google-flow/jobs/${id}`, headers: { Authorization: `Bearer ${emulator.token}` } };
    },
    job: (_i, queueMs, runMs) => ({ jobid: makeGoogleFlowJobId(), steps: flowTimeline({ queueMs, runMs, outcome: 'completed' }) }),
    final: endsWith('completed', 'failed'),
  },
  {
    name: 'useapi.net Dreamina v1',
    async start() {
      const emulator = (await startDreaminaEmulator()) as unknown as Emulator;
      return { emulator, adapter: useapiDreamina(settingsOf(emulator.url, emulator.token, 1)), readUrl: (id) => `${emulator.url}/v1/dreamina/videos/${id}`, headers: { Authorization: `Bearer ${emulator.token}` } };
    },
    job: (_i, queueMs, runMs) => ({ jobid: makeDreaminaJobId({ type: 'v' }), steps: dreaminaTimeline({ runMs: queueMs + runMs, outcome: 'completed' }) }),
    final: endsWith('completed', 'failed'),
  },
  {
    name: 'midjourney-proxy',
    async start() {
      const emulator = (await startMjProxyEmulator()) as unknown as Emulator & { baseUrl: string; authHeaders(): Record<string, string> };
      const adapter = mjProxy({ url: emulator.baseUrl, secret: emulator.token, auth: 'mj-api-secret', timeoutMs: 15_000, maxRequestsPerSecond: 10 });
      return { emulator, adapter, readUrl: (id) => `${emulator.baseUrl}/task/${id}/fetch`, headers: emulator.authHeaders() };
    },
    job: (i, queueMs, runMs) => ({
      jobid: makeMjProxyTaskId({ at: new Date(Date.UTC(2026, 0, 1) + i), suffix: i % 1000 }),
      steps: mjTimeline({ queueMs, runMs, stepMs: Math.max(1, runMs / 10), outcome: 'SUCCESS' }),
    }),
    final: endsWith('SUCCESS', 'FAILURE', 'CANCEL'),
  },
];

export interface UpstreamSide {
  /** Reads of single jobs, and of the running list (one request for many jobs). */
  jobReads: number;
  listReads: number;
  requestsPerJob: number;
  /** Real seconds from the job's end upstream to the first read that saw it. */
  detectionS: Stats;
  /** Jobs whose end was never seen before the deadline. */
  missed: number;
}

export interface UpstreamFigures {
  upstream: string;
  jobs: number;
  tracker: UpstreamSide;
  baseline: UpstreamSide;
}

export interface UpstreamsResult {
  k: number;
  jobs: number;
  figures: UpstreamFigures[];
}

/** The same seeded timelines on every upstream: 0–30 s queued, 30–90 s running (real). */
function plan(seed: number, n: number): Array<{ queueMs: number; runMs: number }> {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({ queueMs: rng.int(0, 30_000), runMs: rng.int(30_000, 90_000) }));
}

function figuresOf(emulator: Emulator, ids: readonly string[], k: number): UpstreamSide {
  const reads = emulator.requests.filter((r) => r.route === 'job');
  const listReads = emulator.requests.filter((r) => r.route === 'list').length;
  const detection: number[] = [];
  for (const id of ids) {
    const end = emulator.terminalAt(id);
    const seen = reads.find((r) => r.jobid === id && r.status === 200 && end !== undefined && r.time >= end);
    if (end !== undefined && seen) detection.push(((seen.time - end) * k) / 1000);
  }
  return { jobReads: reads.length, listReads, requestsPerJob: (reads.length + listReads) / ids.length, detectionS: stats(detection), missed: ids.length - detection.length };
}

async function trackerSide(upstream: Upstream, timelines: ReturnType<typeof plan>, k: number): Promise<UpstreamSide> {
  const { emulator, adapter } = await upstream.start();
  const dir = mkdtempSync(join(tmpdir(), 'bench-upstream-'));
  const db = openDatabase(join(dir, 'tracker.db'));
  const poller = createPoller({
    db,
    upstreams: [{ ...adapter, maxRequestsPerSecond: 10 * k }],
    log: createLogger({ level: 'silent', secrets: [] }),
    settings: { pollIntervalMs: 5000 / k, notFoundGraceMs: 60_000 / k, maxTrackingAgeMs: (6 * 3600_000) / k },
  });
  try {
    const ids = timelines.map((t, i) => {
      const job = upstream.job(i, t.queueMs / k, t.runMs / k);
      emulator.addJob(job);
      const answer = adapter.recognise(job.jobid);
      if (answer.kind !== 'ref') throw new Error(`${upstream.name}: the adapter does not take ${job.jobid}`);
      insertJob(db, { jobId: answer.ref.key, upstream: adapter.id, account: adapter.accountKey, scope: answer.ref.scope }, { trackedAt: Date.now(), nextPollAt: 0, problem: null });
      return job.jobid;
    });
    poller.start();
    const deadline = Date.now() + (150_000 + 60_000) / k;
    while (Date.now() < deadline && db.select().from(jobsTable).all().some((j) => !j.terminal)) await sleep(50);
    await poller.stop();
    return figuresOf(emulator, ids, k);
  } finally {
    await poller.stop();
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
    await emulator.close();
  }
}

/** The documented loop: read the job every 5 s until its status is final. */
async function baselineSide(upstream: Upstream, timelines: ReturnType<typeof plan>, k: number): Promise<UpstreamSide> {
  const { emulator, readUrl, headers } = await upstream.start();
  try {
    const ids = timelines.map((t, i) => {
      const job = upstream.job(i, t.queueMs / k, t.runMs / k);
      emulator.addJob(job);
      return job.jobid;
    });
    const deadline = Date.now() + (150_000 + 60_000) / k;
    await Promise.all(
      ids.map(async (id) => {
        while (Date.now() < deadline) {
          try {
            const response = await fetch(readUrl(id), { headers });
            const text = await response.text();
            if (response.status === 200 && text && upstream.final(JSON.parse(text))) return;
          } catch {
            // the docs' loop simply tries again at the next turn
          }
          await sleep(5000 / k);
        }
      }),
    );
    return figuresOf(emulator, ids, k);
  } finally {
    await emulator.close();
  }
}

export async function runUpstreams(opts: { jobs: number; k: number; seed: number }): Promise<UpstreamsResult> {
  const timelines = plan(opts.seed, opts.jobs);
  const figures: UpstreamFigures[] = [];
  for (const upstream of UPSTREAMS) {
    figures.push({ upstream: upstream.name, jobs: opts.jobs, tracker: await trackerSide(upstream, timelines, opts.k), baseline: await baselineSide(upstream, timelines, opts.k) });
  }
  return { k: opts.k, jobs: opts.jobs, figures };
}

const f = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : v.toFixed(digits));

export function upstreamsSection(result: UpstreamsResult): string {
  const rows = result.figures.flatMap((u) =>
    (['tracker', 'baseline'] as const).map((side) => {
      const s = u[side];
      return `  ${u.upstream.padEnd(26)} ${side.padEnd(9)} ${String(s.jobReads).padStart(6)} ${String(s.listReads).padStart(6)} ${f(s.requestsPerJob).padStart(8)} ${f(s.detectionS.p50).padStart(8)} ${f(s.detectionS.p95).padStart(8)} ${String(s.missed).padStart(7)}`;
    }),
  );
  return [
    `Scenario 5: per upstream, ${result.jobs} jobs (0–30 s queued, 30–90 s running), the poller vs the documented 5 s loop, K=${result.k} (no Discord)`,
    `  ${'upstream'.padEnd(26)} ${'side'.padEnd(9)} ${'reads'.padStart(6)} ${'lists'.padStart(6)} ${'req/job'.padStart(8)} ${'end p50'.padStart(8)} ${'end p95'.padStart(8)} ${'missed'.padStart(7)}`,
    ...rows,
    '  reads: single-job GETs; lists: one request for many jobs; end: real seconds from the end upstream to the first read that saw it.',
  ].join('\n');
}
