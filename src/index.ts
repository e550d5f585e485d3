import 'dotenv/config';
import { startBot } from './bot';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';

function readConfig() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.useapiToken, config.mjProxy?.secret].filter((s): s is string => !!s) });

process.on('unhandledRejection', (reason) => log.error({ event: 'unhandled_rejection', err: reason }, 'unhandled rejection'));

// Signals are heard from the start: one that arrives while the bot is still starting stops it as
// soon as it is up, instead of killing the process half-way through.
const started = startBot(config, log).catch((error: unknown) => {
  log.fatal({ event: 'start_failed', err: error }, `could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'stopping', signal }, 'stopping');
    started
      .then((bot) => bot.stop())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ event: 'stop_failed', err: error }, 'stop failed');
        process.exit(1);
      });
  });
}
