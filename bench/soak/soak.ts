import { execSync } from 'node:child_process';
import { createRng } from '../prng';
import { allZero } from './audit';
import { killLoop, type KillLoopResult } from './killLoop';

export interface SoakReport {
  seed: number;
  quick: boolean;
  commit: string;
  killLoop: KillLoopResult;
  pass: boolean;
}

export async function runSoak({ seed, quick }: { seed: number; quick: boolean }): Promise<SoakReport> {
  const rng = createRng(seed);
  const kills = await killLoop(rng.fork('kill loop'), quick ? { jobs: 16, kills: 6 } : { jobs: 64, kills: 24 });
  const pass = kills.crashes === 0 && allZero(kills.verdicts);
  return { seed, quick, commit: commitOf(), killLoop: kills, pass };
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
    ['kills between a message create and storing its id', k.landed.message_created],
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
  const lines = [`seed ${report.seed}, commit ${report.commit}${report.quick ? ', --quick' : ''}`, '', '| check | figure | |', '|---|---|---|'];
  for (const [name, figure, note] of rows) lines.push(`| ${name} | ${figure} | ${note ?? ''} |`);
  const problems = k.problems;
  if (problems.length > 0) lines.push('', 'problems:', ...problems.slice(0, 30).map((p) => `  ${p}`));
  lines.push('', report.pass ? 'PASS: every verdict is 0' : 'FAIL');
  return lines.join('\n');
}
