/**
 * The upstream fault matrix: each job meets one kind of useapi trouble (the emulator's fault
 * knobs), while the list of running jobs and the single reads fail in turn. Once the faults are
 * spent, every job must reach its final state; Retry-After must be honoured and the request budget
 * kept, as the emulator's request log shows.
 */
import type { Fault, JobStep } from '../../src/playground/useapi';
import { makeJobId, timeline } from '../../src/playground/useapi';
import { ALICE, BOB, CHANNEL, GUILD, OTHER_CHANNEL, World } from '../../test/e2e/world';
import type { Rng } from '../prng';
import { settle, type Follow, type Verdicts } from './audit';
import { crashesOf, startBotProcess, stopBot } from './bot';

const BUDGET_RPS = 20;

export interface UpstreamResult {
  faults: Record<string, number>;
  requests: number;
  /** Reads of the list of running jobs (its faults need some). */
  listReads: number;
  crashes: number;
  retryAfterViolations: number;
  /** Most requests the emulator saw in any one second. */
  busiestSecond: number;
  budget: number;
  verdicts: Verdicts;
  problems: string[];
  seconds: number;
}

interface Case {
  name: string;
  faults: Fault[];
  steps?: JobStep[];
  channel?: string;
  /** The Retry-After each 429 of this job asked for, in ms from its arrival (or an absolute time). */
  retryAfter?: { afterMs: number } | { until: number };
}

export async function upstreamFaults(rng: Rng, opts: { runMs: number }): Promise<UpstreamResult> {
  const started = Date.now();
  const world = await World.start({
    inProcess: false,
    env: { POLL_INTERVAL_MS: '150', USEAPI_TIMEOUT_MS: '400', UPSTREAM_MAX_RPS: String(BUDGET_RPS), NOT_FOUND_GRACE_MS: '10000' },
  });
  // An HTTP date has whole seconds: the next whole second at least three seconds away.
  const retryDate = Math.ceil((Date.now() + 3000) / 1000) * 1000;
  const status = (code: number, extra: Partial<Extract<Fault, { kind: 'status' }>> = {}): Fault => ({ kind: 'status', status: code, ...extra });
  const cases: Case[] = [
    { name: '429 storm, Retry-After in seconds', faults: Array.from({ length: 4 }, () => status(429, { retryAfter: '1' })), retryAfter: { afterMs: 1000 } },
    { name: '429 storm, Retry-After as an HTTP date', faults: Array.from({ length: 3 }, () => status(429, { retryAfter: new Date(retryDate).toUTCString() })), retryAfter: { until: retryDate } },
    { name: '429 storm without Retry-After', faults: Array.from({ length: 5 }, () => status(429)) },
    { name: '5xx burst', faults: [500, 502, 503, 504, 500, 502].map((code) => status(code)) },
    { name: 'hung connections past the timeout', faults: [{ kind: 'slow', delayMs: 1500 }, { kind: 'slow', delayMs: 1500 }] },
    { name: 'connection resets', faults: [{ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' }] },
    {
      name: 'truncated and non-JSON bodies',
      faults: [
        { kind: 'malformed' },
        status(200, { body: '<html><body>Bad gateway</body></html>', contentType: 'text/html' }),
        status(200, { body: 'null', contentType: 'application/json' }),
        status(200, { body: '[1,2]', contentType: 'application/json' }),
        { kind: 'wrong-shape' },
      ],
    },
    {
      // useapi's notes: an undocumented status (v2's `cancelled`) is final.
      name: 'unknown fields, then an unknown status',
      faults: [],
      steps: [
        { afterMs: 0, status: 'created' },
        { afterMs: 300, status: 'started', extra: { futureField: { nested: [1, 2] } } },
        { afterMs: 1500, status: 'progress', progress: 40, extra: { queuePosition: 3, response: { progress_percent: 40, newThing: true } } },
        { afterMs: opts.runMs, status: 'cancelled', extra: { futureField: null } },
      ],
    },
    { name: '596 on one Midjourney channel', faults: [status(596), status(596)], channel: '1111111111111111111' },
    { name: 'a neighbour on the same Midjourney channel', faults: [], channel: '1111111111111111111' },
    // Jobs that read fine, so that enough are running for the poller to read the list (and meet its faults).
    ...Array.from({ length: 4 }, (_, i) => ({ name: `bystander ${i + 1}`, faults: [] })),
  ];
  const follows: Follow[] = [];
  const jobs = cases.map((c, i) => {
    const outcome = rng.pick(['completed', 'completed', 'failed', 'moderated'] as const);
    const jobid = makeJobId({ suffix: rng.int(0, 999_999), ...(c.channel ? { channel: c.channel } : {}) });
    const steps = c.steps ?? timeline({ queueMs: 300, runMs: opts.runMs + rng.int(0, 2000), stepMs: 500, outcome });
    world.useapi.addJob({ jobid, steps });
    if (c.faults.length > 0) world.useapi.queueFaults(jobid, ...c.faults);
    const final = steps.at(-1)!.status;
    follows.push({ user: ALICE, jobid, outcome: final, channelId: CHANNEL, guildId: GUILD, dm: true });
    if (i % 3 === 0) follows.push({ user: BOB, jobid, outcome: final, channelId: OTHER_CHANNEL, guildId: GUILD, dm: i % 2 === 0 });
    return { ...c, jobid };
  });
  // The list of running jobs fails while single reads work…
  const listFaults: Fault[] = [status(500), { kind: 'reset' }, status(502), { kind: 'malformed' }, status(429, { retryAfter: '1' }), { kind: 'slow', delayMs: 1500 }, status(503)];
  world.useapi.queueListFaults(...listFaults);

  const bot = await startBotProcess(world.env);
  const problems: string[] = [];
  try {
    for (const follow of follows) await world.track(follow.user, follow.jobid, { channelId: follow.channelId, dm: follow.dm });
    // …then, once the list works again, single reads fail while the list works.
    await world.discord
      .waitFor(() => world.useapi.listReads() > listFaults.length, 30_000, 'the list to work again')
      .catch(() => problems.push(`the list was read ${world.useapi.listReads()} times only: its faults were not all met`));
    world.useapi.queueFaults('*', ...Array.from({ length: 12 }, (_, i) => status([500, 502, 503][i % 3]!)));

    const { verdicts, problems: found } = await settle(world, follows, 60_000);
    problems.push(...found);
    const crashes = crashesOf(bot, { killedOnPurpose: false });
    problems.push(...crashes);
    const retryAfterViolations = retryAfterBroken(world, jobs, problems);
    const busiestSecond = busiest(world.useapi.requests.map((r) => r.time));
    if (busiestSecond > BUDGET_RPS) {
      const requests = world.useapi.requests;
      const from = requests.findIndex((r) => requests.filter((o) => o.time >= r.time && o.time < r.time + 1000).length === busiestSecond);
      const window = requests.filter((r) => r.time >= requests[from]!.time && r.time < requests[from]!.time + 1000);
      problems.push(`budget exceeded: ${busiestSecond} requests in one second: ${window.map((r) => `+${r.time - requests[from]!.time} ${r.route} ${r.jobid?.slice(14, 20) ?? ''} ${r.status}${r.fault ? ` ${r.fault}` : ''}`).join(', ')}`);
    }
    const exitCode = await stopBot(bot);
    if (exitCode !== 0) problems.push(`SIGTERM exit code ${exitCode}`);
    world.discord.assertClean();
    return {
      faults: Object.fromEntries(jobs.map((j) => [j.name, j.faults.length])),
      requests: world.useapi.requests.length,
      listReads: world.useapi.listReads(),
      crashes: crashes.length + (exitCode === 0 ? 0 : 1),
      retryAfterViolations,
      busiestSecond,
      budget: BUDGET_RPS,
      verdicts,
      problems,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    bot.proc.kill('SIGKILL');
    await world.close();
  }
}

/** Requests to a job that came before the Retry-After of its last 429 had elapsed. */
function retryAfterBroken(world: World, jobs: Array<Case & { jobid: string }>, problems: string[]): number {
  let broken = 0;
  for (const job of jobs) {
    if (!job.retryAfter) continue;
    const reads = world.useapi.requests.filter((r) => r.route === 'job' && r.jobid === job.jobid);
    reads.forEach((read, i) => {
      const next = reads[i + 1];
      if (read.status !== 429 || !next) return;
      const notBefore = 'afterMs' in job.retryAfter! ? read.time + job.retryAfter.afterMs : job.retryAfter!.until;
      if (next.time < notBefore) {
        broken++;
        problems.push(`${job.name}: read ${notBefore - next.time} ms before Retry-After elapsed`);
      }
    });
  }
  return broken;
}

/** Most timestamps within any window of one second. */
export function busiest(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
