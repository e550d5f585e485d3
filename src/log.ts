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

/** Interaction and webhook URLs carry a live token (`/interactions/<id>/<token>/…`, `/webhooks/<app id>/<token>/…`). */
const TOKEN_IN_URL = /\/(interactions|webhooks)\/(\d+)\/[^/?#"\s\\]+/g;

/** Errors as pino writes them, without what the bot sent (a discord.js error's `requestBody`: people's content, files). */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized: Record<string, unknown> = { ...pino.stdSerializers.err(error) };
  delete serialized.requestBody;
  return serialized;
}

/**
 * The root logger. Besides path redaction, the literal secret values and the tokens in Discord's
 * interaction URLs (known to nobody in advance) are scrubbed from every line, so a token that ends
 * up inside an error or its URL is not written either.
 */
export function createLogger(opts: { level: string; secrets: string[]; destination?: pino.DestinationStream }): Logger {
  const secrets = opts.secrets.filter((s) => s.length >= 8);
  const scrub = (line: string) =>
    secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), line).replace(TOKEN_IN_URL, '/$1/$2/[REDACTED]');
  // Synchronous: a line is out when the call returns, so `process.exit` right after a fatal line (or
  // a SIGKILL) cannot lose or cut it. One line per state change makes the cost negligible.
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, serializers: { err: serializeError }, base: undefined },
    { write: (line: string) => destination.write(scrub(line)) },
  );
}
