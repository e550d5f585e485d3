/**
 * `npm run playground`, and `npm start` without a Discord token: the playground on
 * http://127.0.0.1:3000 (PLAYGROUND_PORT), until Ctrl+C.
 *
 * The bot in the playground downloads the emulators' media over https from a CDN with a TEST-ONLY
 * certificate. Node reads NODE_EXTRA_CA_CERTS only when it starts, so this process starts itself
 * again with it set to that CA and waits for that run; only the playground ever trusts it.
 */
import 'dotenv/config';
import { spawn } from 'node:child_process';
import { TEST_CA_PATH } from './tls';

if (process.env.NODE_EXTRA_CA_CERTS === TEST_CA_PATH) {
  await runPlayground();
} else {
  const run = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: TEST_CA_PATH },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => run.kill(signal));
  run.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function runPlayground(): Promise<void> {
  const { startPlayground } = await import('./index');
  const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  type LogLevel = (typeof LOG_LEVELS)[number];

  const port = Number(process.env.PLAYGROUND_PORT?.trim() || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`PLAYGROUND_PORT must be a port number (0–65535), not "${process.env.PLAYGROUND_PORT}".`);
    process.exit(1);
  }
  process.on('unhandledRejection', (reason) => console.error('unhandled rejection:', reason));
  const logLevel = LOG_LEVELS.find((level) => level === process.env.LOG_LEVEL) ?? ('warn' satisfies LogLevel);

  const playground = await startPlayground({ port, databasePath: './data/playground.db', logLevel }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${port} is already in use, so the playground cannot start. Stop what uses it, or pick another port: PLAYGROUND_PORT=3001 npm start`);
    } else {
      console.error('The playground could not start:', error);
    }
    process.exit(1);
  });

  console.log(`Playground: ${playground.url}`);
  console.log('The real bot, against a loopback Discord and emulators of its upstreams (useapi.net Midjourney v3, Google Flow, Dreamina; midjourney-proxy); nothing leaves this machine.');
  console.log('To run for real: put DISCORD_TOKEN and USEAPI_TOKEN in .env (see .env.example), then npm run register and npm start.');
  console.log('Ctrl+C to stop.');

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Ctrl+C reaches this process twice (from the terminal, and passed on by the first run): stop once.
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      playground
        .stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          console.error('stop failed:', error);
          process.exit(1);
        });
    });
  }
}
