import { execSync } from 'node:child_process';
import { createRng } from '../prng';
import { allZero } from './audit';
import { killLoop, type KillLoopResult } from './killLoop';
import { upstreamFaults, type UpstreamResult } from './upstreamFaults';
import { discordFaults, type DiscordResult } from './discordFaults';

export interface SoakReport {
  seed: number;
  quick: boolean;
  commit: string;
  killLoop: KillLoopResult;
  upstream: UpstreamResult;
  discord: DiscordResult;
  seconds: number;
  pass: boolean;
}

export async function runSoak({ seed, quick }: { seed: number; quick: boolean }): Promise<SoakReport> {
  const rng = createRng(seed);
  const started = Date.now();
  // Three independent worlds (emulators, database, bot process each): they run side by side.
  const parts = await Promise.allSettled([
    killLoop(rng.fork('kill loop'), quick ? { jobs: 16, kills: 6 } : { jobs: 64, kills: 24 }),
    upstreamFaults(rng.fork('upstream'), { runMs: quick ? 6000 : 12_000 }),
    // Two minutes of 5xx (five seconds in --quick); delivery's backoff is capped at 2 s here, so it catches up soon after.
    discordFaults(rng.fork('discord'), { outageMs: quick ? 5000 : 120_000 }),
  ]);
  // Every part has stopped its bot process by now, whether it failed or not.
  const failed = parts.find((p) => p.status === 'rejected');
  if (failed) throw failed.reason;
  const [kills, upstream, discord] = parts.map((p) => (p as PromiseFulfilledResult<unknown>).value) as [KillLoopResult, UpstreamResult, DiscordResult];
  const pass =
    kills.crashes === 0 &&
    allZero(kills.verdicts) &&
    upstream.crashes === 0 &&
    upstream.retryAfterViolations === 0 &&
    upstream.busiestSecond <= upstream.budget &&
    allZero(upstream.verdicts) &&
    discord.crashes === 0 &&
    discord.effectsLost === 0 &&
    discord.effectsDoubled === 0 &&
    discord.messagesNotFinal === 0;
  return { seed, quick, commit: commitOf(), killLoop: kills, upstream, discord, seconds: Math.round((Date.now() - started) / 1000), pass };
}

function commitOf(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function soakTable(report: SoakReport): string {
  const k = report.killLoop;
  const rows: Array<[string, string | number, string?]> = [
    ['**Kill loop**', `${k.jobs} jobs, ${k.follows} follows, ${k.kills} SIGKILLs, ${k.seconds} s`],
    ['kills between the /track answer and storing its id', k.landed.track_answered],
    ['kills between a message post and storing its id', k.landed.message_created],
    ['kills between an outbox send and marking it sent', k.landed.outbox_sent],
    ["kills inside the poller's transaction", k.landed.poll_transaction],
    ['kills at random moments', k.landed.random, k.placedMissed ? `${k.placedMissed} of them placed kills whose point was not reached` : undefined],
    ['crashes (other than the kills)', k.crashes, 'must be 0'],
    ['jobs lost', k.verdicts.jobsLost, 'must be 0'],
    ['tracking messages duplicated', k.verdicts.messagesDuplicated, 'must be 0'],
    ['DMs duplicated', k.verdicts.dmsDuplicated, 'must be 0'],
    ['DMs missing', k.verdicts.dmsMissing, 'must be 0'],
    ['messages not in their final state', k.verdicts.messagesNotFinal, 'must be 0'],
  ];
  const u = report.upstream;
  rows.push(
    ['**Upstream fault matrix**', `${Object.keys(u.faults).length} jobs, ${Object.values(u.faults).reduce((a, b) => a + b, 0)} faults on single reads, the list failing then single reads failing, ${u.requests} requests (${u.listReads} of the list), ${u.seconds} s`],
    ['crashes', u.crashes, 'must be 0'],
    ['jobs not final after the faults (lost)', u.verdicts.jobsLost, 'must be 0'],
    ['messages not in their final state', u.verdicts.messagesNotFinal, 'must be 0'],
    ['DMs duplicated / missing', `${u.verdicts.dmsDuplicated} / ${u.verdicts.dmsMissing}`, 'must be 0 / 0'],
    ['tracking messages duplicated', u.verdicts.messagesDuplicated, 'must be 0'],
    ['reads before Retry-After elapsed', u.retryAfterViolations, 'must be 0'],
    ['most requests in any second', u.busiestSecond, `budget ${u.budget}`],
  );
  const d = report.discord;
  rows.push(
    ['**Discord fault matrix**', `${d.faults.join('; ')}; ${d.seconds} s`],
    ['crashes', d.crashes, 'must be 0'],
    ['effects lost (jobs, DMs, notices)', d.effectsLost, 'must be 0'],
    ['effects doubled (messages, DMs)', d.effectsDoubled, 'must be 0'],
    ['tracking messages not final once Discord is back', d.messagesNotFinal, 'must be 0'],
    ['gateway sessions resumed / identified', `${d.gateway.resumes} / ${d.gateway.identifies}`],
  );
  const lines = [`seed ${report.seed}, commit ${report.commit}${report.quick ? ', --quick' : ''}, ${report.seconds} s`, '', '| check | figure | |', '|---|---|---|'];
  for (const [name, figure, note] of rows) lines.push(`| ${name} | ${figure} | ${note ?? ''} |`);
  const problems = [...k.problems, ...u.problems, ...d.problems];
  if (problems.length > 0) lines.push('', 'problems:', ...problems.slice(0, 30).map((p) => `  ${p}`));
  lines.push('', report.pass ? 'PASS: every verdict is 0' : 'FAIL');
  return lines.join('\n');
}
