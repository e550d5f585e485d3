/**
 * `npm run bench`: the tracker against the baseline (useapi's documented polling loop), at scale,
 * against the loopback emulators. Prints a table and writes bench/results/<timestamp>.json and
 * bench/results/latest.json. See bench/README.md.
 *
 * Flags:
 *   --scenario 1,2,3,4,5 which scenarios (default: 1-5; 4 reads the figures of 1 and 3; 5: one per upstream); `prune`
 *                        (not in the default) works off 1,000,000 finished jobs with retention while the poller ticks
 *   --compress K         time compression of scenarios 1 and 2 (default 10)
 *   --scale-compress K   time compression of the 10,000-job run (default 1, see README)
 *   --scale F            multiplies the sizes of scenario 3 (default 1: 1k/10k active, 1M finished, 10k run)
 *   --jobs N             jobs of scenario 1 (default 200)
 *   --seed S             workload seed (default 1)
 *   --quick              a ~1 minute smoke run (fewer jobs, K=20, scale 0.1, short run)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upstreamBudget } from './budget';
import { runCompare } from './compare';
import { compareSection, evaluateTargets, scaleSection, targetsSection, writeResults, type BenchResults } from './report';
import { pruneSection, runPrune } from './prune';
import { runScale } from './scale';
import { runUpstreams, upstreamsSection } from './upstreams';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: '1,2,3,4,5' },
    compress: { type: 'string' },
    'scale-compress': { type: 'string' },
    scale: { type: 'string' },
    jobs: { type: 'string' },
    seed: { type: 'string', default: '1' },
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
const seed = number(values.seed, 1, 'seed');
const jobs = Math.round(number(values.jobs, quick ? 40 : 200, 'jobs'));
const scenarioNames = values.scenario.split(',').map((s) => s.trim());
const scenarios = scenarioNames.map(Number).filter((s) => [1, 2, 3, 4, 5].includes(s));

const budget = upstreamBudget();

/** Which code is measured (others may be changing src/ while this runs). */
function codeState(): { commit: string | null; changedFiles: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src', 'migrations', 'src/playground');
    return { commit: git('rev-parse', 'HEAD'), changedFiles: changed ? changed.split('\n').map((l) => l.trim()) : [] };
  } catch {
    return { commit: null, changedFiles: [] };
  }
}

const startedAt = new Date().toISOString();
const t0 = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const sections: string[] = [];
const partial: Omit<BenchResults, 'targets' | 'table'> = {
  startedAt,
  wallS: 0,
  settings: { k, scaleK, seed, quick, scenarios, node: process.version, cpus: availableParallelism() },
  code: codeState(),
  budget: { ...budget, judged: null, info: {} },
};

if (scenarios.includes(1) || scenarios.includes(4)) {
  log(`scenario 1: ${jobs} jobs over 10 channels, tracker then baseline (K=${k})`);
  partial.scenario1 = await runCompare({ label: 'scenario 1', jobs, channels: 10, users: 20, spreadMs: 20_000, k, seed, sides: ['tracker', 'baseline'], budget });
  sections.push(compareSection('Scenario 1', partial.scenario1));
  for (const s of partial.scenario1.sides) if (s.ok) partial.budget.info[`scenario 1 ${s.side}`] = s.upstream.peakPerRealSecond;
}
if (scenarios.includes(2)) {
  const n = quick ? 20 : 50;
  log(`scenario 2: ${n} jobs in one channel, tracker${quick ? '' : ' then baseline'} (K=${k})`);
  partial.scenario2 = await runCompare({
    label: 'scenario 2',
    jobs: n,
    channels: 1,
    users: 20,
    spreadMs: 10_000,
    k,
    seed: seed + 1,
    sides: quick ? ['tracker'] : ['tracker', 'baseline'],
    budget,
  });
  sections.push(compareSection('Scenario 2', partial.scenario2));
  for (const s of partial.scenario2.sides) if (s.ok) partial.budget.info[`scenario 2 ${s.side}`] = s.upstream.peakPerRealSecond;
}
if (scenarios.includes(3) || scenarios.includes(4)) {
  const size = (n: number) => Math.max(100, Math.round(n * scale));
  const runJobs = size(10_000);
  log(`scenario 3: tick cost at ${size(1000)} / ${size(10_000)} active (+${size(1_000_000)} finished), then ${runJobs} active jobs for ${quick ? 20 : 60} s (K=${scaleK})`);
  partial.scenario3 = await runScale({
    activeSteps: [size(1000), size(10_000)],
    finished: size(1_000_000),
    ticks: quick ? 200 : 500,
    runJobs,
    runSeconds: quick ? 20 : 60,
    k: scaleK,
    seed,
    budget,
  });
  sections.push(scaleSection(partial.scenario3, scaleK));
  const run = partial.scenario3.run;
  if (run) {
    partial.budget.judged = { name: `scale run, ${run.jobs} jobs, K=${run.k}`, peak: run.peakSentPerRealSecond };
    partial.budget.info['scale run, as arrived at the emulator'] = run.peakReadsPerRealSecond;
  }
}

if (scenarios.includes(5)) {
  const n = quick ? 10 : 40;
  log(`scenario 5: per upstream, ${n} jobs, the poller then the documented single-job loop (K=${k})`);
  partial.scenario5 = await runUpstreams({ jobs: n, k, seed });
  sections.push(upstreamsSection(partial.scenario5));
}

if (scenarioNames.includes('prune')) {
  const size = (n: number) => Math.max(100, Math.round(n * scale));
  log(`scenario prune: ${size(1_000_000)} finished jobs pruned while ${size(1000)} active jobs are polled`);
  partial.prune = await runPrune({ finished: size(1_000_000), active: size(1000), baselineS: quick ? 5 : 15 }, log);
  sections.push(pruneSection(partial.prune));
}

partial.wallS = (performance.now() - t0) / 1000;
const info = Object.entries(partial.budget.info)
  .map(([name, v]) => `${name} ${v}`)
  .join(', ');
const judgedLine = partial.budget.judged ? `${partial.budget.judged.peak} requests in the busiest 1 s of the ${partial.budget.judged.name} (as sent)` : 'not measured (scenario 3 did not run)';
const budgetLine =
  (partial.budget.key === null
    ? 'Scenario 4: global upstream budget: not implemented yet (no UPSTREAM_…RPS key in src/config.ts). '
    : `Scenario 4: global upstream budget ${partial.budget.key}, default ${partial.budget.defaultRps}/s: `) +
  `${judgedLine}.` +
  (info
    ? `\n  For information, peaks in any real-equivalent second elsewhere: ${info}. In compressed runs the bot gets ` +
      `${partial.budget.key ?? 'its budget'}×K, and its limiter's 1 s window does not compress, so those peaks may reach K× the budget without breaking it.`
    : '');
const targets = evaluateTargets(partial);
const header =
  `Benchmark ${startedAt}: K=${k} for scenarios 1-2 (every time below is a real-time equivalent = compressed time × K), ` +
  `K=${scaleK} for the scale run; seed ${seed}; ${availableParallelism()} cores; Node ${process.version}${quick ? '; QUICK run' : ''}`;
const codeLine = `Code: ${partial.code.commit?.slice(0, 12) ?? 'unknown commit'}${
  partial.code.changedFiles.length ? ` + uncommitted changes in ${partial.code.changedFiles.length} file(s) of src/, migrations/, src/playground/` : ''
}`;
const table = [header, codeLine, ...sections, budgetLine, targetsSection(targets), `Whole run: ${partial.wallS.toFixed(0)} s wall`].join('\n\n');
const results: BenchResults = { ...partial, targets, table };
const path = writeResults(results);
console.log(table);
log(`results written to ${path} and bench/results/latest.json`);
