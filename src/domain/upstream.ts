/** How each upstream is named to people. Keyed by the adapter id stored in `jobs.upstream`. */
export interface UpstreamNames {
  /** Who answers the reads and whose token it is: `useapi.net`. */
  service: string;
  /** The footer: `useapi.net Midjourney v3`. */
  product: string;
  /** What makes the images: `Midjourney`, `Google Flow`. */
  engine: string;
  /** The setting that holds its token. */
  tokenSetting: string;
  /** How long the upstream keeps a job, when documented. */
  keepsJobs?: string;
  /** Its result links are signed and stop working, even when a link does not say when (providers.md §4). */
  signsLinks?: boolean;
}

export const DEFAULT_UPSTREAM = 'useapi-midjourney';

export const UPSTREAM_NAMES: Readonly<Record<string, UpstreamNames>> = {
  'useapi-midjourney': { service: 'useapi.net', product: 'useapi.net Midjourney v3', engine: 'Midjourney', tokenSetting: 'USEAPI_TOKEN', keepsJobs: '62 days' },
  'useapi-google-flow': { service: 'useapi.net', product: 'useapi.net Google Flow v1', engine: 'Google Flow', tokenSetting: 'USEAPI_TOKEN', signsLinks: true },
  'useapi-dreamina': { service: 'useapi.net', product: 'useapi.net Dreamina v1', engine: 'Dreamina', tokenSetting: 'USEAPI_TOKEN', keepsJobs: '30 days', signsLinks: true },
  'mj-proxy': { service: 'midjourney-proxy', product: 'midjourney-proxy', engine: 'Midjourney', tokenSetting: 'MJ_PROXY_SECRET', signsLinks: true },
};

export function namesOf(upstream: string): UpstreamNames {
  return UPSTREAM_NAMES[upstream] ?? { service: upstream, product: upstream, engine: upstream, tokenSetting: 'its token' };
}

/** How the account behind a token is named (`jobs.account`): the proxy's, else useapi.net's. */
export function namesOfAccount(account: unknown): UpstreamNames {
  return namesOf(account === 'mj-proxy' ? 'mj-proxy' : DEFAULT_UPSTREAM);
}
