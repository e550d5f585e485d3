/**
 * `npm start` as a new user meets it: in a folder with no .env, without a Discord token it serves
 * the playground; with a Discord token but no useapi token it names what is missing; a busy port
 * is said so. The child runs src/start.ts through tsx, as the npm script does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

const START = join(import.meta.dirname, '../../src/start.ts');
const TSX = import.meta.resolve('tsx');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'playground-start-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `npm start`'s entry in an empty folder with only these variables (and PATH). */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX, START], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = () => ({ stdout, stderr });
  return { child, exited, output };
}

it('without a Discord token, serves the playground, prints its URL and how to run for real, and stops on Ctrl+C', async () => {
  const run = start({ PLAYGROUND_PORT: '0', LOG_LEVEL: 'silent' });
  const url = await new Promise<string>((resolve, reject) => {
    run.child.stdout.on('data', () => {
      const found = /Playground: (http:\/\/127\.0\.0\.1:\d+\/)[\s\S]*Ctrl\+C to stop\./.exec(run.output().stdout);
      if (found) resolve(found[1]!);
    });
    void run.exited.then((code) => reject(new Error(`exited with ${code}: ${run.output().stderr}`)));
  });
  expect(run.output().stdout).toMatch(/To run for real: put DISCORD_TOKEN and USEAPI_TOKEN in \.env/);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Job Tracker · playground</title>');
  const world = (await (await fetch(`${url}api/world`)).json()) as { commands: Array<{ name: string }> };
  expect(world.commands.map((c) => c.name).sort()).toEqual(['jobs', 'review', 'track', 'tracker-settings', 'untrack']);

  run.child.kill('SIGINT');
  expect(await run.exited).toBe(0);
}, 30_000);

it('with a Discord token but no useapi token, names what is missing and exits 1', async () => {
  const run = start({ DISCORD_TOKEN: 'a-token' });
  expect(await run.exited).toBe(1);
  expect(run.output().stderr).toContain('USEAPI_TOKEN is missing');
  expect(run.output().stderr).not.toContain('DISCORD_TOKEN is missing');
  expect(run.output().stdout).not.toContain('Playground');
}, 20_000);

it('says so when the playground port is taken', async () => {
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const run = start({ PLAYGROUND_PORT: String(port), LOG_LEVEL: 'silent' });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toContain(`Port ${port} is already in use`);
    expect(run.output().stderr).toContain('PLAYGROUND_PORT=');
  } finally {
    busy.close();
  }
}, 20_000);
