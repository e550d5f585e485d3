import { isIP } from 'node:net';
import { z } from 'zod';

/** Also read by `npm run backup`, which needs no tokens. */
export const DEFAULT_DATABASE_PATH = './data/tracker.db';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  DISCORD_TOKEN: z.string().min(1),
  /** Serves every useapi.net adapter (Midjourney v3, Google Flow, Dreamina). Optional when another upstream is set. */
  USEAPI_TOKEN: z.string().min(1).optional(),
  /** midjourney-proxy: its base URL including the path prefix (`http://host:8080/mj`); off unless set. */
  MJ_PROXY_URL: z.url().optional(),
  MJ_PROXY_SECRET: z.string().min(1).optional(),
  /** Where the secret goes: the `mj-api-secret` header, `Authorization: Bearer …`, or the whole `Authorization` value. */
  MJ_PROXY_AUTH: z.enum(['mj-api-secret', 'bearer', 'raw']).default('mj-api-secret'),
  DISCORD_API_URL: z.url().default('https://discord.com/api'),
  USEAPI_BASE_URL: z.url().default('https://api.useapi.net'),
  DATABASE_PATH: z.string().min(1).default(DEFAULT_DATABASE_PATH),
  POLL_INTERVAL_MS: positiveInt(5000),
  MAX_ACTIVE_JOBS_PER_USER: positiveInt(25),
  /** /track one person may run a minute. */
  TRACKS_PER_MINUTE: positiveInt(10),
  /** Tracking stops after this long, whatever upstream says. */
  MAX_TRACKING_AGE_MS: positiveInt(6 * 60 * 60 * 1000),
  /** How long a 404 is taken for a job that is not visible yet. */
  NOT_FOUND_GRACE_MS: positiveInt(60_000),
  USEAPI_TIMEOUT_MS: positiveInt(15_000),
  /** While Discord fails, delivery waits this long before its first retry on a channel or DM, doubling up to the max. */
  DISCORD_RETRY_BASE_MS: positiveInt(1000),
  DISCORD_RETRY_MAX_MS: positiveInt(60_000),
  /** Requests per second to useapi, at most, however many jobs are tracked. */
  UPSTREAM_MAX_RPS: z.coerce.number().positive().default(10),
  /** Discord user ids, comma separated, of people who hear of useapi account incidents by DM. */
  OWNER_USER_IDS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\d{17,20}$/, 'must be Discord user ids, comma separated'))),
  /** /livez, /readyz and /metrics; 0 turns them off. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Finished jobs, their subscriptions and sent effects are deleted this many days after the job ended. */
  RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** Decided reviews and their history are deleted after this many days; unset keeps them. */
  REVIEW_RETENTION_DAYS: z.coerce.number().positive().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `upload`: completed jobs' media are downloaded and uploaded to Discord; `link`: the upstream's links are shown. */
  RESULT_MEDIA: z.enum(['upload', 'link']).default('upload'),
  /** Host names the operator allows media downloads from, even when they resolve to a private or loopback address. */
  MEDIA_HOSTS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean))
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be host names, comma separated')
          .refine((host) => isIP(host) === 0, 'must be host names, not IP addresses (media are never downloaded from an address)'),
      ),
    ),
  /** Discord's default upload limit is 10 MiB a file for bots in a server without boosts; below it, with room to spare. */
  MEDIA_MAX_FILE_BYTES: positiveInt(8 * 1024 * 1024),
  /** All the files of one message; Discord refuses a request over 25 MB. */
  MEDIA_MAX_MESSAGE_BYTES: positiveInt(20 * 1024 * 1024),
  /** One file's download, from connecting to its last byte. */
  MEDIA_TIMEOUT_MS: positiveInt(30_000),
  /** One try at all the files of a job. */
  MEDIA_JOB_TIMEOUT_MS: positiveInt(120_000),
  /** Tries per job before what could not be downloaded is linked instead. */
  MEDIA_ATTEMPTS: positiveInt(3),
  /** Wait before the second try; doubles for each further one. */
  MEDIA_RETRY_BASE_MS: positiveInt(2000),
  /** Files downloaded at once, across all jobs. */
  MEDIA_CONCURRENCY: positiveInt(2),
});

export type Config = Readonly<{
  discordToken: string;
  /** Null: no useapi.net adapter. */
  useapiToken: string | null;
  /** Null: midjourney-proxy is off. */
  mjProxy: Readonly<{ url: string; secret: string | null; auth: 'mj-api-secret' | 'bearer' | 'raw' }> | null;
  discordApiUrl: string;
  useapiBaseUrl: string;
  databasePath: string;
  pollIntervalMs: number;
  maxActiveJobsPerUser: number;
  tracksPerMinute: number;
  maxTrackingAgeMs: number;
  notFoundGraceMs: number;
  useapiTimeoutMs: number;
  discordRetryBaseMs: number;
  discordRetryMaxMs: number;
  upstreamMaxRps: number;
  ownerUserIds: readonly string[];
  httpPort: number;
  httpHost: string;
  retentionDays: number;
  reviewRetentionDays: number | null;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  media: MediaSettings;
}>;

/** Re-hosting completed jobs' media (`RESULT_MEDIA` and the `MEDIA_*` keys). */
export type MediaSettings = Readonly<{
  mode: 'upload' | 'link';
  /** The operator's hosts: http or https, any port, any address. */
  operatorHosts: readonly string[];
  maxFileBytes: number;
  maxMessageBytes: number;
  timeoutMs: number;
  jobTimeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  concurrency: number;
}>;

export class ConfigError extends Error {}

/** Reads the environment once; every missing or invalid key is named in one error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankToUndefined = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value?.trim() === '' ? undefined : value]),
  );
  const parsed = envSchema.safeParse(blankToUndefined);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        // The variable's name: an issue inside a list (MEDIA_HOSTS, OWNER_USER_IDS) has the item's index after it.
        const key = String(issue.path[0] ?? '');
        return env[key] === undefined || env[key]?.trim() === '' ? `${key} is missing` : `${key}: ${issue.message}`;
      });
  if (blankToUndefined.USEAPI_TOKEN === undefined && blankToUndefined.MJ_PROXY_URL === undefined) {
    problems.push('USEAPI_TOKEN is missing (or set MJ_PROXY_URL to follow midjourney-proxy jobs instead)');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(`Configuration problem: ${problems.join('; ')}. See .env.example.`);
  const e = parsed.data;
  return Object.freeze({
    discordToken: e.DISCORD_TOKEN,
    useapiToken: e.USEAPI_TOKEN ?? null,
    mjProxy: e.MJ_PROXY_URL === undefined ? null : Object.freeze({ url: e.MJ_PROXY_URL.replace(/\/+$/, ''), secret: e.MJ_PROXY_SECRET ?? null, auth: e.MJ_PROXY_AUTH }),
    discordApiUrl: e.DISCORD_API_URL.replace(/\/+$/, ''),
    useapiBaseUrl: e.USEAPI_BASE_URL.replace(/\/+$/, ''),
    databasePath: e.DATABASE_PATH,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    maxActiveJobsPerUser: e.MAX_ACTIVE_JOBS_PER_USER,
    tracksPerMinute: e.TRACKS_PER_MINUTE,
    maxTrackingAgeMs: e.MAX_TRACKING_AGE_MS,
    notFoundGraceMs: e.NOT_FOUND_GRACE_MS,
    useapiTimeoutMs: e.USEAPI_TIMEOUT_MS,
    discordRetryBaseMs: e.DISCORD_RETRY_BASE_MS,
    discordRetryMaxMs: e.DISCORD_RETRY_MAX_MS,
    upstreamMaxRps: e.UPSTREAM_MAX_RPS,
    ownerUserIds: Object.freeze(e.OWNER_USER_IDS),
    httpPort: e.HTTP_PORT,
    httpHost: e.HTTP_HOST,
    retentionDays: e.RETENTION_DAYS,
    reviewRetentionDays: e.REVIEW_RETENTION_DAYS ?? null,
    logLevel: e.LOG_LEVEL,
    media: Object.freeze({
      mode: e.RESULT_MEDIA,
      operatorHosts: Object.freeze(e.MEDIA_HOSTS),
      maxFileBytes: e.MEDIA_MAX_FILE_BYTES,
      maxMessageBytes: e.MEDIA_MAX_MESSAGE_BYTES,
      timeoutMs: e.MEDIA_TIMEOUT_MS,
      jobTimeoutMs: e.MEDIA_JOB_TIMEOUT_MS,
      attempts: e.MEDIA_ATTEMPTS,
      retryBaseMs: e.MEDIA_RETRY_BASE_MS,
      concurrency: e.MEDIA_CONCURRENCY,
    }),
  });
}
