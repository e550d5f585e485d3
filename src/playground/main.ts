/**
 * `npm run playground`, and `npm start` without a Discord token: the playground on
 * http://127.0.0.1:3000 (PLAYGROUND_PORT), until Ctrl+C.
 */
import 'dotenv/config';
import { startPlayground } from './index';

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
  process.once(signal, () => {
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
