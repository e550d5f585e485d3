import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sleep } from './world';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The real entry point, as `npm start` runs it, in its own process; its stdout (info and up) collected. */
export interface BotProcess {
  proc: ChildProcess;
  stdout(): string;
  /** What it wrote to stderr (also passed on to this process's stderr). */
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** `logLevel`: info unless told (startBotProcess waits for the info line that says it is ready). */
export function spawnBot(env: Record<string, string>, { logLevel = 'info' }: { logLevel?: 'info' | 'debug' } = {}): BotProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    process.stderr.write(chunk);
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  return { proc, stdout: () => output, stderr: () => errors, exited };
}

/** Starts the bot and waits until it says it is connected to Discord. */
export async function startBotProcess(env: Record<string, string>, opts: { logLevel?: 'info' | 'debug' } = {}): Promise<BotProcess> {
  const bot = spawnBot(env, opts);
  const deadline = Date.now() + 15_000;
  while (!bot.stdout().includes('"event":"ready"')) {
    if (Date.now() > deadline || bot.proc.exitCode !== null) {
      bot.proc.kill('SIGKILL');
      throw new Error(`bot did not start:\n${bot.stdout()}`);
    }
    await sleep(20);
  }
  return bot;
}

export async function kill(bot: BotProcess, signal: NodeJS.Signals): Promise<number | null> {
  bot.proc.kill(signal);
  return bot.exited;
}

/** The JSON log lines the process wrote; a line cut short fails the test. */
export function logLines(bot: BotProcess): Array<Record<string, unknown>> {
  return bot
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a log line was cut after ${line.length} characters: ${line.slice(0, 120)}…`);
      }
    });
}
