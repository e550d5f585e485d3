/**
 * `npm run bench`: the tracker against the baseline (useapi's documented polling loop) on several
 * workload shapes and seeds, the 10,000-job run with delivery, against the loopback emulators.
 * Prints a table and writes bench/results/<timestamp>.json (and bench/results/latest.json for a
 * full run). See bench/README.md.
 *
 * Flags:
 *   --scenario LIST      shapes,scale,ticks,upstreams (default); `prune` (never by default) works off
 *                        1,000,000 finished jobs with retention while the poller ticks
 *   --shapes LIST        burst,steady,long,followers (default: all)
 *   --seeds LIST         workload seeds, each run in turn (default 1,2,3; quick: 1); --seed S is --seeds S
 *   --compress K         time compression of the shapes and scenario upstreams (default 10; quick 20)
 *   --scale-compress K   time compression of the 10,000-job run (default 1, see README)
 *   --scale F            multiplies the scale sizes (default 1: 1k/10k active, 1M finished, 10k run; quick 0.1)
 *   --scale-seconds S    length of the 10,000-job run (default 60; quick 20)
 *   --quick              a smoke run of a few minutes (one seed, K=20, smaller shapes but the burst, scale 0.1)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upstreamBudget } from './budget';
import { runCompare } from './compare';
import { paceOf } from './pace';
import { pruneSection, runPrune } from './prune';
import { writeResults, type BenchResults } from './report';
import { REAL_POLL_MS, runTicks } from './scale';
import { runScaleRun } from './scale-run';
import { scaleRunSection, shapeSection, targetsSection, ticksSection } from './sections';
import { parseShapes, shape, SHAPES } from './shapes';
import { evaluateTargets, type SeedRun } from './targets';
import { runUpstreams, upstreamsSection } from './upstreams';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'shapes,scale,ticks,upstreams' },
    shapes: { type: 'string', default: SHAPES.join(',') },
    seeds: { type: 'string' },
    seed: { type: 'string' },
    compress: { type: 'string' },
    'scale-compress': { type: 'string' },
    scale: { type: 'string' },
    'scale-seconds': { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}

const quick = values.quick;
const number = (v: string | undefined, fallback: number, name: string) => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
};
const k = number(values.compress, quick ? 20 : 10, 'compress');
const scaleK = number(values['scale-compress'], 1, 'scale-compress');
const scale = number(values.scale, quick ? 0.1 : 1, 'scale');
const scaleSeconds = number(values['scale-seconds'], quick ? 20 : 60, 'scale-seconds');
const seeds = (values.seeds ?? values.seed ?? (quick ? '1' : '1,2,3')).split(',').map((s) => number(s.trim(), 1, 'seeds'));
const shapes = parseShapes(values.shapes);
// The old numbers still work: 1 and 2 were single workloads (now the shapes), 3 and 4 the scale run, 5 the upstreams.
const LEGACY: Record<string, string[]> = { '1': ['shapes'], '2': ['shapes'], '3': ['scale', 'ticks'], '4': ['scale'], '5': ['upstreams'] };
const scenarios = [...new Set(values.scenario.split(',').flatMap((s) => LEGACY[s.trim()] ?? [s.trim()]))];
for (const s of scenarios) if (!['shapes', 'scale', 'ticks', 'upstreams', 'prune'].includes(s)) throw new Error(`unknown scenario ${s}`);

const budget = upstreamBudget();

/** Which code is measured (others may be changing src/ while this runs). */
function codeState(): { commit: string | null; changedFiles: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src', 'migrations');
    return { commit: git('rev-parse', 'HEAD'), changedFiles: changed ? changed.split('\n').map((l) => l.trim()) : [] };
  } catch {
    return { commit: null, changedFiles: [] };
  }
}

const startedAt = new Date().toISOString();
// Others' work on the same cores skews every time: the load is part of the record.
const loadAtStart = loadavg()[0]!;
// Taken when the run starts: the code loaded is the code measured, whatever is committed meanwhile.
const code = codeState();
const t0 = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const size = (n: number) => Math.max(100, Math.round(n * scale));
const seedRuns: SeedRun[] = [];

for (const seed of seeds) {
  const run: SeedRun = { seed, shapes: {} };
  seedRuns.push(run);
  if (scenarios.includes('shapes')) {
    for (const name of shapes) {
      const s = shape(name, quick);
      log(`seed ${seed}, shape ${name}: ${s.describe}; tracker then the docs' loop (K=${k})`);
      const { jobs, channels, users, spreadMs, ...workload } = s.workload;
      run.shapes[name] = await runCompare({ label: `${name} seed ${seed}`, jobs, channels, users, spreadMs, workload, k, seed, sides: ['tracker', 'baseline'], budget });
    }
  }
  if (scenarios.includes('scale')) {
    log(`seed ${seed}, scale run: ${size(10_000)} active jobs, each followed, poller and delivery for ${scaleSeconds} s (K=${scaleK})`);
    try {
      run.scale = await runScaleRun({ jobs: size(10_000), seconds: scaleSeconds, k: scaleK, seed, budget });
    } catch (error) {
      run.scaleError = error instanceof Error ? error.message : String(error);
    }
  }
}

const partial: Omit<BenchResults, 'targets' | 'table'> = {
  startedAt,
  wallS: 0,
  settings: { k, scaleK, seeds, shapes, quick, scenarios, node: process.version, cpus: availableParallelism(), loadAverage: { start: loadAtStart, end: loadavg()[0]! } },
  code,
  seeds: seedRuns,
  budget,
  pace: budget.defaultRps === null ? null : paceOf({ budgetRps: budget.defaultRps, running: 10_000, pollIntervalMs: REAL_POLL_MS }),
};
if (scenarios.includes('ticks')) {
  log(`tick cost at ${size(1000)} / ${size(10_000)} active (+${size(1_000_000)} finished), once`);
  try {
    partial.ticks = await runTicks({ activeSteps: [size(1000), size(10_000)], finished: size(1_000_000), ticks: quick ? 200 : 500, budget });
  } catch (error) {
    partial.ticksError = error instanceof Error ? error.message : String(error);
  }
}
if (scenarios.includes('upstreams')) {
  const n = quick ? 10 : 40;
  log(`scenario upstreams: per upstream, ${n} jobs, the poller then the documented single-job loop (K=${k}, seed ${seeds[0]}, once)`);
  partial.upstreams = await runUpstreams({ jobs: n, k, seed: seeds[0]! });
}
if (scenarios.includes('prune')) {
  log(`scenario prune: ${size(1_000_000)} finished jobs pruned while ${size(1000)} active jobs are polled`);
  partial.prune = await runPrune({ finished: size(1_000_000), active: size(1000), baselineS: quick ? 5 : 15 }, log);
}

partial.wallS = (performance.now() - t0) / 1000;
const targetInput = { seeds: seedRuns, shapes: scenarios.includes('shapes') ? shapes : [], ticks: partial.ticks, budget, pollIntervalMs: REAL_POLL_MS };
const targets = evaluateTargets(targetInput);
const sections: string[] = [];
if (scenarios.includes('shapes')) {
  for (const name of shapes) {
    const runs = seedRuns.flatMap((r) => (r.shapes[name] ? [{ seed: r.seed, result: r.shapes[name] }] : []));
    sections.push(shapeSection(shape(name, quick), runs, targetInput));
  }
}
sections.push(scaleRunSection(seedRuns.flatMap((r) => (r.scale ? [r.scale] : []))));
for (const r of seedRuns) if (r.scaleError) sections.push(`Scale run, seed ${r.seed}, FAILED: ${r.scaleError}`);
sections.push(ticksSection(partial.ticks, partial.ticksError));
if (partial.upstreams) sections.push(upstreamsSection(partial.upstreams));
if (partial.prune) sections.push(pruneSection(partial.prune));
if (partial.pace) sections.push(`Progress pace at the default budget (${budget.key} = ${budget.defaultRps}/s, T = ${REAL_POLL_MS / 1000} s), 10,000 jobs: ${partial.pace.text}`);

const header =
  `Benchmark ${startedAt}: seeds ${seeds.join(', ')}; K=${k} for the shapes (every time below is a real-time equivalent = compressed time × K), ` +
  `K=${scaleK} for the scale run; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end; ` +
  `Node ${process.version}${quick ? '; QUICK run' : ''}`;
const codeLine = `Code: ${partial.code.commit?.slice(0, 12) ?? 'unknown commit'}${
  partial.code.changedFiles.length ? ` + uncommitted changes in ${partial.code.changedFiles.length} file(s) of src/, migrations/` : ''
}`;
const table = [header, codeLine, ...sections.filter(Boolean), targetsSection(targets), `Whole run: ${partial.wallS.toFixed(0)} s wall`].join('\n\n');
const results: BenchResults = { ...partial, targets, table };
// latest.json means "the last full run": every shape and the scale run on at least three seeds.
const full = !quick && seeds.length >= 3 && shapes.length === SHAPES.length && ['shapes', 'scale', 'ticks'].every((s) => scenarios.includes(s));
const path = writeResults(results, full);
console.log(table);
log(`results written to ${path}${full ? ' and bench/results/latest.json' : ''}`);
