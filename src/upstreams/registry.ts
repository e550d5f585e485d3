import type { Config } from '../config';
import type { JobReading } from '../domain/job';
import { MAX_PASTED_ID_LENGTH, tidyPastedId, type JobRef, type UpstreamAdapter } from './port';
import { mjProxy } from './mj-proxy';
import { useapiDreamina } from './useapi-dreamina';
import { useapiGoogleFlow } from './useapi-google-flow';
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

function unrecognised(pasted: string, adapters: readonly UpstreamAdapter[]): string {
  const text = tidyPastedId(pasted);
  const examples = adapters.map((a) => `\`${a.example}\``).join(' or ');
  if (text === '') return `Give me a job id, for example ${examples}.`;
  if (text.length > MAX_PASTED_ID_LENGTH) return 'That is far too long to be a job id.';
  const products = adapters.map((a) => a.names.product);
  const which = products.length <= 1 ? `a ${products[0] ?? 'supported'}` : `a ${products.slice(0, -1).join(', ')} or ${products.at(-1)}`;
  return `That does not look like ${which} job id. It should look like ${examples} (copy the \`jobid\` field of the API response).`;
}
