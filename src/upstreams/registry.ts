import type { Config } from '../config';
import type { JobReading } from '../domain/job';
import { MAX_PASTED_ID_LENGTH, tidyPastedId, type JobRef, type UpstreamAdapter } from './port';
import { mjProxy } from './mj-proxy';
import { useapiDreamina } from './useapi-dreamina';
import { useapiGoogleFlow } from './useapi-google-flow';
import { USEAPI_ACCOUNT_KEY } from './useapi/client';
import { useapiMidjourney } from './useapi-midjourney';

export interface Registry {
  adapters: readonly UpstreamAdapter[];
  get(upstream: string): UpstreamAdapter | undefined;
  /** The adapter that takes a pasted id, or a sentence saying why none does. */
  recognise(pasted: string): { ok: true; ref: JobRef } | { ok: false; why: string };
  /** The `jobs.job_id` a pasted id is stored under (for /untrack and /review); the tidied text when no adapter takes it. */
  keyOf(pasted: string): string;
  /** A stored raw record read again by its adapter (rows from before readings were stored). */
  normalizeStored: (upstream: string, raw: unknown) => JobReading | null;
  /** The scope (a Midjourney channel, a linked account) of a stored job id. */
  scopeOf: (upstream: string, jobId: string) => string | null;
}

/** The configured adapters: adding an upstream is one folder and one line here. */
export function createRegistry(config: Config, now: () => number = Date.now): Registry {
  const useapi = config.useapiToken === null ? null : {
    baseUrl: config.useapiBaseUrl,
    token: config.useapiToken,
    timeoutMs: config.useapiTimeoutMs,
    maxRequestsPerSecond: config.upstreamMaxRps,
    account: /^user:(\d+)-/.exec(config.useapiToken)?.[1] ?? null,
    now,
  };
  const adapters = [
    useapi && useapiMidjourney(useapi),
    useapi && useapiGoogleFlow(useapi),
    useapi && useapiDreamina(useapi),
    config.mjProxy && mjProxy({ ...config.mjProxy, timeoutMs: config.useapiTimeoutMs, maxRequestsPerSecond: config.upstreamMaxRps, now }),
  ].filter((a): a is UpstreamAdapter => a !== null);
  return registryOf(adapters);
}

export function registryOf(adapters: readonly UpstreamAdapter[]): Registry {
  const byId = new Map(adapters.map((a) => [a.id, a]));
  function recognise(pasted: string): { ok: true; ref: JobRef } | { ok: false; why: string } {
    for (const adapter of adapters) {
      const answer = adapter.recognise(pasted);
      if (answer.kind === 'ref') return { ok: true, ref: answer.ref };
      if (answer.kind === 'refused') return { ok: false, why: answer.why };
    }
    return { ok: false, why: unrecognised(pasted, adapters) };
  }
  return {
    adapters,
    get: (upstream) => byId.get(upstream),
    recognise,
    keyOf(pasted) {
      const answer = recognise(pasted);
      return answer.ok ? answer.ref.key : tidyPastedId(pasted);
    },
    normalizeStored: (upstream, raw) => byId.get(upstream)?.normalize(raw) ?? null,
    scopeOf: (upstream, jobId) => {
      const answer = byId.get(upstream)?.recognise(jobId);
      return answer?.kind === 'ref' ? answer.ref.scope : null;
    },
  };
}

/** What useapi.net's ids end with (`-bot:<api>`) [INF from the documented ids], for APIs this bot does not read. */
const USEAPI_BOT = /-bot:([a-z][a-z0-9-]{1,30})$/;
const USEAPI_ADAPTERS: Record<string, string> = { midjourney: 'Midjourney v3', 'google-flow': 'Google Flow v1', dreamina: 'Dreamina v1' };
/** useapi.net retired LTX Studio on 2025-06-18 [3P: api-evangelist's lifecycle file quoting the docs' notice]. */
const RETIRED: Record<string, string> = { ltxstudio: 'useapi.net retired its LTX Studio API on June 18, 2025, so its jobs can no longer be read.' };

function unrecognised(pasted: string, adapters: readonly UpstreamAdapter[]): string {
  const text = tidyPastedId(pasted);
  const examples = adapters.map((a) => `\`${a.example}\``).join(' or ');
  if (text === '') return `Give me a job id, for example ${examples}.`;
  if (text.length > MAX_PASTED_ID_LENGTH) return 'That is far too long to be a job id.';
  const products = adapters.map((a) => a.names.product);
  const which = products.length <= 1 ? `a ${products[0] ?? 'supported'}` : `a ${products.slice(0, -1).join(', ')} or ${products.at(-1)}`;
  const api = USEAPI_BOT.exec(text)?.[1];
  if (api !== undefined && RETIRED[api]) return RETIRED[api];
  if (api !== undefined && USEAPI_ADAPTERS[api] && !adapters.some((a) => a.accountKey === USEAPI_ACCOUNT_KEY)) {
    return `That is a useapi.net ${USEAPI_ADAPTERS[api]} job id, but this bot has no useapi.net token (USEAPI_TOKEN), so it cannot read useapi.net jobs.`;
  }
  if (api !== undefined && !USEAPI_ADAPTERS[api]) {
    return `That looks like a job id of useapi.net's ${api} API, which this bot does not follow. It follows ${products.join(', ')} jobs.`;
  }
  return `That does not look like ${which} job id. It should look like ${examples} (copy the \`jobid\` field of the API response).`;
}
