import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may hold a secret anywhere a log call could put one. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.discordToken',
  'config.useapiToken',
];

/**
 * The root logger. Besides path redaction, the literal secret values are scrubbed from every
 * line, so a token that ends up inside an error message is not written either.
 */
export function createLogger(opts: { level: string; secrets: string[]; destination?: pino.DestinationStream }): Logger {
  const secrets = opts.secrets.filter((s) => s.length >= 8);
  const scrub = (line: string) => secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), line);
  // Synchronous: a line is out when the call returns, so `process.exit` right after a fatal line (or
  // a SIGKILL) cannot lose or cut it. One line per state change makes the cost negligible.
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: undefined },
    { write: (line: string) => destination.write(scrub(line)) },
  );
}
