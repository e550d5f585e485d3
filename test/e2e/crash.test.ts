import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeJobId } from '../../src/playground/useapi';
import { ALICE, BOB, CHANNEL, OTHER_CHANNEL, sleep, World } from './world';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let world: World;
let child: ChildProcess | null = null;

afterEach(async () => {
  child?.kill('SIGKILL');
  world.discord.assertClean();
  await world.close();
});

/** The real entry point, as `npm start` runs it, in its own process. */
async function startProcess(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...world.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 15_000;
  while (!output.includes('"event":"ready"')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`bot did not start:\n${output}`);
    await sleep(20);
  }
  return proc;
}

async function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(proc, 'exit');
  proc.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

describe('crash safety of the real process', () => {
  it('SIGKILL at random moments loses nothing and repeats nothing', async () => {
    world = await World.start({ inProcess: false });
    const jobid = makeJobId();
    world.useapi.addJob({
      jobid,
      steps: [
        { afterMs: 0, status: 'progress', progress: 10 },
        { afterMs: 1500, status: 'progress', progress: 50 },
        { afterMs: 3000, status: 'completed' },
      ],
    });
    child = await startProcess();
    await world.track(ALICE, jobid);
    await world.track(BOB, jobid, { channelId: OTHER_CHANNEL });

    // Kill the bot a few times while the job runs and ends, at moments the test does not choose.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await sleep(100 + Math.random() * 700);
      await kill(child, 'SIGKILL');
      child = await startProcess();
    }
    await world.discord.waitFor(() => world.discord.dmsTo(ALICE.id).length >= 1 && world.discord.dmsTo(BOB.id).length >= 1, 10_000, 'both DMs');
    await world.messageShows(ALICE.id, jobid, /Completed/);
    await world.messageShows(BOB.id, jobid, /Completed/, OTHER_CHANNEL);
    await sleep(500);
    expect(world.discord.channelMessages(CHANNEL)).toHaveLength(1);
    expect(world.discord.channelMessages(OTHER_CHANNEL)).toHaveLength(1);
    expect(world.discord.dmsTo(ALICE.id)).toHaveLength(1);
    expect(world.discord.dmsTo(BOB.id)).toHaveLength(1);

    // SIGTERM stops it cleanly.
    expect(await kill(child, 'SIGTERM')).toBe(0);
    child = null;
  }, 60_000);
});
